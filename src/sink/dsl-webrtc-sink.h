/* dsl-webrtc-sink.h - the WebRTC Sink: an Encode Sink component that is
 * also a Signaling Transceiver.
 *
 * While it belongs to a Pipeline it is attached to that Pipeline's shared
 * stream for its encode settings (encoder, bitrate, key-frame interval,
 * dimensions; dsl-shared-stream.h), so the sinks of one Pipeline with the
 * same settings run one encoder between them. A sink that changes its
 * settings moves to the stream of its new ones; one with own_encoder set
 * (extension) gets a stream nobody shares. Each connection gets a fresh
 * session (its own payloader and webrtcbin) on the stream.
 * Every function runs with the main context held.
 */
#ifndef DSL_WEBRTC_SINK_H
#define DSL_WEBRTC_SINK_H

#include "pipeline/dsl-component.h"
#include "server/dsl-signaling-transceiver.h"

G_BEGIN_DECLS

typedef struct _DslWebrtcSink DslWebrtcSink;

DslReturnType dsl_webrtc_sink_create (const gchar * name,
    const gchar * stun_server, const gchar * turn_server, guint encoder,
    guint bitrate, guint iframe_interval);

/* Finds a WebRTC Sink by name: DSL_RESULT_COMPONENT_NAME_NOT_FOUND or
 * DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE when it is not one. */
DslReturnType dsl_webrtc_sink_find (const gchar * name, DslWebrtcSink ** sink);

DslReturnType dsl_webrtc_sink_close_connection (DslWebrtcSink * self);
void dsl_webrtc_sink_get_servers (DslWebrtcSink * self,
    const wchar_t ** stun_server, const wchar_t ** turn_server);
void dsl_webrtc_sink_set_servers (DslWebrtcSink * self,
    const gchar * stun_server, const gchar * turn_server);
DslReturnType dsl_webrtc_sink_add_listener (DslWebrtcSink * self,
    dsl_sink_webrtc_client_listener_cb listener, gpointer client_data);
DslReturnType dsl_webrtc_sink_remove_listener (DslWebrtcSink * self,
    dsl_sink_webrtc_client_listener_cb listener);
void dsl_webrtc_sink_get_encode_settings (DslWebrtcSink * self,
    guint * encoder, guint * bitrate, guint * iframe_interval);
void dsl_webrtc_sink_get_dimensions (DslWebrtcSink * self, guint * width,
    guint * height);
DslReturnType dsl_webrtc_sink_set_dimensions (DslWebrtcSink * self,
    guint width, guint height);

/* Extension: an encoder of the sink's own (TRUE) instead of the one it
 * shares (FALSE, the default). Refused while a viewer is connected. */
DslReturnType dsl_webrtc_sink_set_own_encoder (DslWebrtcSink * self,
    gboolean own);
gboolean dsl_webrtc_sink_get_own_encoder (DslWebrtcSink * self);

/* The sink behind a transceiver of the server, or NULL if it is none. */
DslWebrtcSink *dsl_webrtc_sink_from_transceiver (DslSignalingTransceiver *
    transceiver);

/* Extension: its viewer's latest statistics (quiet: the caller says what
 * a missing viewer means). */
DslReturnType dsl_webrtc_sink_get_viewer_stats (DslWebrtcSink * self,
    dsl_webrtc_viewer_stats * stats);

/* Extension: sends data to the sink's viewer, or (stream_wide) to every
 * viewer of its shared stream, on their metadata channels, never waiting;
 * a viewer whose channel is not open or congested misses it. sent (or
 * NULL) receives how many viewers it went to. */
DslReturnType dsl_webrtc_sink_send_metadata (DslWebrtcSink * self,
    GBytes * data, gboolean text, gboolean stream_wide, guint * sent);

/* The stream it is attached to (borrowed), or NULL outside a Pipeline. */
struct _DslSharedStream *dsl_webrtc_sink_get_stream (DslWebrtcSink * self);

G_END_DECLS

#endif /* DSL_WEBRTC_SINK_H */
