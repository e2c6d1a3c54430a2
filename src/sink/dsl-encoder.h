/* dsl-encoder.h - what each DSL_ENCODER_* value becomes on plain
 * GStreamer: the encode chain a shared stream runs once (raw video in, an
 * elementary stream with parameter sets at every key frame out), and the
 * payloader each viewer gets. */
#ifndef DSL_ENCODER_H
#define DSL_ENCODER_H

#include <gst/gst.h>
#include "DslApi.h"

G_BEGIN_DECLS

typedef struct
{
  GstElement *bin;          /* floating; sink: raw video, src: encoded */
  GstElement *encoder;      /* borrowed, inside bin */
  GstElement *raw_caps;     /* borrowed: the capsfilter before the encoder */
  const gchar *encoding_name;   /* "H264", "H265", "VP8", "VP9" */
  const gchar *payloader;   /* its RTP payloader's factory */
} DslEncoderChain;

/* Below this, encoders give no picture at all (bitrate is in bit/s). */
#define DSL_ENCODER_MIN_BITRATE 10000

/* TRUE for an encoder value this platform can stream to browsers. */
gboolean dsl_encoder_is_valid (guint encoder);

/* TRUE for 0 (the encoder's default) or at least DSL_ENCODER_MIN_BITRATE. */
gboolean dsl_encoder_bitrate_is_valid (guint bitrate);

/* bitrate in bit/s (0: the encoder's DSL default); iframe_interval in
 * frames (0: 30). Returns FALSE (and logs) when an element is missing. */
gboolean dsl_encoder_chain_make (guint encoder, guint bitrate,
    guint iframe_interval, const gchar * name, DslEncoderChain * chain);

/* A new floating bin "payloader ! capsfilter" (sink: the chain's output,
 * src: RTP with payload_type, 96..127, and ssrc, not 0), or NULL (logged).
 * name prefixes the element names. */
GstElement *dsl_encoder_payloader_new (const DslEncoderChain * chain,
    guint payload_type, guint32 ssrc, const gchar * name);

/* Sets the raw size the encoder gets (0, 0: the source's size). */
void dsl_encoder_chain_set_dimensions (DslEncoderChain * chain, guint width,
    guint height);

/* Asks the encoder for a key frame now. Any thread. */
void dsl_encoder_chain_request_key_frame (DslEncoderChain * chain);

G_END_DECLS

#endif /* DSL_ENCODER_H */
