/* dsl-shared-stream.h - one encoded stream of a Pipeline, shared by every
 * WebRTC Sink of that Pipeline with the same encode settings.
 *
 *   pipeline tee -> queue (leaky) -> valve -> [convert, scale, encode,
 *                   parse] -> tee -> per viewer: queue -> payloader -> webrtcbin
 *
 * The stream's bin lives in the Pipeline's bin, on a branch of its
 * raw-video tee. Its viewer count drives the valve: the encoder runs only
 * while at least one viewer is connected. Every viewer's key-frame request
 * reaches the one encoder, which spaces forced key frames (dsl-encoder.c).
 *
 * A stream is reference-counted: each sink attached to it holds one
 * reference, each viewer's session another. The last sink to release it
 * takes it out of the Pipeline (asynchronously, see dsl-tee-branch.h).
 *
 * Every function runs with the main context held, except
 * dsl_shared_stream_request_key_frame (any thread).
 */
#ifndef DSL_SHARED_STREAM_H
#define DSL_SHARED_STREAM_H

#include <gst/gst.h>
#include "pipeline/dsl-pipeline.h"
#include "sink/dsl-encoder.h"

G_BEGIN_DECLS

typedef struct _DslSharedStream DslSharedStream;

typedef struct
{
  guint encoder, bitrate, iframe_interval;  /* as dsl_sink_webrtc_new */
  guint width, height;                      /* 0, 0: the source's size */
} DslStreamSettings;

/* The stream of pipeline with these settings, made and attached to the
 * pipeline when there is none. With owner non-NULL, a stream of owner's
 * own that nobody else shares. Returns a new reference, or NULL (logged)
 * when an element is missing. */
DslSharedStream *dsl_shared_stream_acquire (DslPipeline * pipeline,
    const DslStreamSettings * settings, gconstpointer owner);

/* Drops an acquired reference (see the header comment). */
void dsl_shared_stream_release (DslSharedStream * self);

DslSharedStream *dsl_shared_stream_ref (DslSharedStream * self);
void dsl_shared_stream_unref (DslSharedStream * self);

/* Viewers: the first one opens the valve, the last one shuts it. (A new
 * viewer asks for its key frame once its peer connection is connected.) */
void dsl_shared_stream_add_viewer (DslSharedStream * self, gpointer viewer);
void dsl_shared_stream_remove_viewer (DslSharedStream * self,
    gpointer viewer);
guint dsl_shared_stream_get_viewers (DslSharedStream * self);
/* Calls func (viewer, data) for each viewer (a snapshot: func may close). */
void dsl_shared_stream_foreach_viewer (DslSharedStream * self, GFunc func,
    gpointer data);

/* Any thread: asks the encoder for a key frame (spaced by the encoder). */
void dsl_shared_stream_request_key_frame (DslSharedStream * self);

/* Where viewer branches go: the bin to add them to, the tee to link them
 * to, and the chain (for dsl_encoder_payloader_new). Borrowed. */
GstBin *dsl_shared_stream_get_bin (DslSharedStream * self);
GstElement *dsl_shared_stream_get_tee (DslSharedStream * self);
const DslEncoderChain *dsl_shared_stream_get_chain (DslSharedStream * self);

/* Key-frame requests that came up from the viewers' branches (their RTCP
 * PLI/FIR), and key frames the encoder made. */
guint dsl_shared_stream_get_viewer_key_frame_requests (DslSharedStream * self);
guint dsl_shared_stream_get_key_frames (DslSharedStream * self);

/* For tests and metrics: streams that exist, and those whose encoder is
 * running (valve open) now, in the whole process. */
guint dsl_shared_stream_count (void);
guint dsl_shared_stream_count_running (void);
/* Any thread: key frames every stream of the process ever made. */
guint dsl_shared_stream_get_total_key_frames (void);

G_END_DECLS

#endif /* DSL_SHARED_STREAM_H */
