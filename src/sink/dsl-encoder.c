/* dsl-encoder.c */
#include "sink/dsl-encoder.h"
#include "core/dsl-log.h"

#include <gst/video/video.h>

#define GST_CAT_DEFAULT dsl_sink_debug

/* The shortest time between two key frames that viewers force: every
 * viewer's key-frame request (a new viewer, a loss, a PLI) makes one for
 * all of them, so a hundred viewers joining at once make a few, not a
 * hundred. Short enough for a viewer who joins to see its first frame
 * fast. */
#define MIN_FORCE_KEY_UNIT_INTERVAL (GST_SECOND / 4)

/* What each DSL encoder value becomes. HW values try the hardware
 * encoders in order and fall back to the software one with a warning. */
typedef struct
{
  guint value;
  const gchar *const *hardware;    /* NULL-terminated, or NULL */
  const gchar *software;
  const gchar *parser;             /* or NULL */
  const gchar *payloader;
  const gchar *encoding_name;
  guint default_bitrate;           /* bit/s */
} EncoderSpec;

static const gchar *const hw_h264[] = { "nvv4l2h264enc", "nvh264enc",
  "vah264enc", "vaapih264enc", "v4l2h264enc", NULL
};
static const gchar *const hw_h265[] = { "nvv4l2h265enc", "nvh265enc",
  "vah265enc", "vaapih265enc", "v4l2h265enc", NULL
};

static const EncoderSpec specs[] = {
  {DSL_ENCODER_HW_H264, hw_h264, "x264enc", "h264parse", "rtph264pay", "H264",
      4000000},
  {DSL_ENCODER_HW_H265, hw_h265, "x265enc", "h265parse", "rtph265pay", "H265",
      4000000},
  {DSL_ENCODER_SW_H264, NULL, "x264enc", "h264parse", "rtph264pay", "H264",
      2048000},
  {DSL_ENCODER_SW_H265, NULL, "x265enc", "h265parse", "rtph265pay", "H265",
      2048000},
  {DSL_ENCODER_SW_VP8, NULL, "vp8enc", NULL, "rtpvp8pay", "VP8", 2048000},
  {DSL_ENCODER_SW_VP9, NULL, "vp9enc", NULL, "rtpvp9pay", "VP9", 2048000},
};

static const EncoderSpec *
find_spec (guint encoder)
{
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    if (specs[i].value == encoder)
      return &specs[i];
  return NULL;
}

gboolean
dsl_encoder_bitrate_is_valid (guint bitrate)
{
  if (bitrate && bitrate < DSL_ENCODER_MIN_BITRATE) {
    GST_ERROR ("bitrate %u is too low: it is in bit/s (at least %u, or 0 "
        "for the encoder's default)", bitrate, DSL_ENCODER_MIN_BITRATE);
    return FALSE;
  }
  return TRUE;
}

gboolean
dsl_encoder_is_valid (guint encoder)
{
  if (encoder == DSL_ENCODER_SW_MPEG4) {
    GST_ERROR ("DSL_ENCODER_SW_MPEG4: no browser decodes MPEG-4 Part 2 over "
        "WebRTC; use DSL_ENCODER_SW_H264 or DSL_ENCODER_SW_VP8");
    return FALSE;
  }
  if (!find_spec (encoder)) {
    GST_ERROR ("invalid encoder value %u", encoder);
    return FALSE;
  }
  return TRUE;
}

static GstElement *
make (const gchar * factory, const gchar * name, const gchar * suffix)
{
  g_autofree gchar *element_name = g_strdup_printf ("%s-%s", name, suffix);
  GstElement *e = gst_element_factory_make (factory, element_name);

  if (!e)
    GST_ERROR ("the GStreamer element '%s' is missing", factory);
  return e;
}

static const gchar *
pick_encoder_factory (const EncoderSpec * spec)
{
  for (const gchar * const *hw = spec->hardware; hw && *hw; hw++) {
    g_autoptr (GstElementFactory) f = gst_element_factory_find (*hw);
    if (f) {
      GST_INFO ("using hardware encoder %s", *hw);
      return *hw;
    }
  }
  if (spec->hardware)
    GST_WARNING ("no hardware %s encoder here: falling back to %s",
        spec->encoding_name, spec->software);
  return spec->software;
}

static void
configure_encoder (GstElement * enc, const gchar * factory, guint bitrate,
    guint key_interval)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (enc),
          "min-force-key-unit-interval"))
    g_object_set (enc, "min-force-key-unit-interval",
        (guint64) MIN_FORCE_KEY_UNIT_INTERVAL, NULL);

  if (g_str_equal (factory, "x264enc")) {
    /* zero latency, constrained baseline (Safari plays it) */
    gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
    gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
    g_object_set (enc, "bitrate", MAX (bitrate / 1000, 1),
        "key-int-max", key_interval, "b-adapt", FALSE, "bframes", 0, NULL);
  } else if (g_str_equal (factory, "x265enc")) {
    gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
    gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
    g_object_set (enc, "bitrate", MAX (bitrate / 1000, 1),
        "key-int-max", key_interval, NULL);
  } else if (g_str_equal (factory, "vp8enc") || g_str_equal (factory, "vp9enc")) {
    /* real time, one thread: measured at 640x480, cpu-used=8 with one
     * thread took a third of the CPU of cpu-used=4 with two, and several
     * encoders (one per stream) do not fight over the cores */
    g_object_set (enc, "deadline", (gint64) 1, "target-bitrate", bitrate,
        "keyframe-max-dist", key_interval, "cpu-used", 8, "threads", 1,
        "error-resilient", 1, "lag-in-frames", 0, NULL);
  } else {
    /* a hardware encoder: Jetson's nvv4l2 ones take bit/s, the others
     * kbit/s; each names its key-frame interval differently */
    GObjectClass *klass = G_OBJECT_GET_CLASS (enc);
    static const gchar *const interval_names[] = { "iframeinterval",
      "gop-size", "key-int-max", "keyframe-period"
    };

    if (g_object_class_find_property (klass, "bitrate"))
      g_object_set (enc, "bitrate", g_str_has_prefix (factory, "nvv4l2") ?
          bitrate : MAX (bitrate / 1000, 1), NULL);
    for (gsize i = 0; i < G_N_ELEMENTS (interval_names); i++)
      if (g_object_class_find_property (klass, interval_names[i])) {
        g_object_set (enc, interval_names[i], key_interval, NULL);
        break;
      }
  }
}

gboolean
dsl_encoder_chain_make (guint encoder, guint bitrate, guint iframe_interval,
    const gchar * name, DslEncoderChain * chain)
{
  const EncoderSpec *spec = find_spec (encoder);
  const gchar *factory;
  g_autofree gchar *bin_name = g_strdup_printf ("%s-encoder", name);
  GstElement *bin, *convert, *scale, *raw_caps, *enc, *parse = NULL,
      *profile = NULL, *last;
  GstCaps *caps;
  GstPad *pad;

  g_return_val_if_fail (spec, FALSE);
  factory = pick_encoder_factory (spec);
  convert = make ("videoconvert", name, "videoconvert");
  scale = make ("videoscale", name, "videoscale");
  raw_caps = make ("capsfilter", name, "capsfilter-raw");
  enc = make (factory, name, "encoder");
  if (spec->parser)
    parse = make (spec->parser, name, "parser");
  /* x264 must be told the profile Safari needs, downstream of it */
  if (g_str_equal (factory, "x264enc"))
    profile = make ("capsfilter", name, "capsfilter-profile");
  if (!convert || !scale || !raw_caps || !enc || (spec->parser && !parse)
      || (g_str_equal (factory, "x264enc") && !profile)) {
    GstElement *all[] = { convert, scale, raw_caps, enc, parse, profile };
    for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
      if (all[i])
        gst_object_unref (gst_object_ref_sink (all[i]));
    return FALSE;
  }

  configure_encoder (enc, factory, bitrate ? bitrate : spec->default_bitrate,
      iframe_interval ? iframe_interval : 30);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
      NULL);
  g_object_set (raw_caps, "caps", caps, NULL);
  gst_caps_unref (caps);
  /* parameter sets with every key frame: a viewer may join at any one */
  if (parse)
    g_object_set (parse, "config-interval", -1, NULL);

  bin = gst_bin_new (bin_name);
  gst_bin_add_many (GST_BIN (bin), convert, scale, raw_caps, enc, NULL);
  gst_element_link_many (convert, scale, raw_caps, enc, NULL);
  last = enc;
  if (profile) {
    caps = gst_caps_from_string ("video/x-h264,profile=constrained-baseline");
    g_object_set (profile, "caps", caps, NULL);
    gst_caps_unref (caps);
    gst_bin_add (GST_BIN (bin), profile);
    gst_element_link (last, profile);
    last = profile;
  }
  if (parse) {
    gst_bin_add (GST_BIN (bin), parse);
    gst_element_link (last, parse);
    last = parse;
  }

  pad = gst_element_get_static_pad (convert, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (last, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);

  chain->bin = bin;
  chain->encoder = enc;
  chain->raw_caps = raw_caps;
  chain->encoding_name = spec->encoding_name;
  chain->payloader = spec->payloader;
  return TRUE;
}

GstElement *
dsl_encoder_payloader_new (const DslEncoderChain * chain, guint payload_type,
    guint32 ssrc, const gchar * name)
{
  g_autofree gchar *bin_name = g_strdup_printf ("%s-payloader", name);
  GstElement *bin, *pay, *rtp_caps;
  GstCaps *caps;
  GstPad *pad;

  g_return_val_if_fail (chain != NULL && chain->payloader != NULL, NULL);
  g_return_val_if_fail (payload_type >= 96 && payload_type <= 127, NULL);
  g_return_val_if_fail (ssrc != 0, NULL);
  pay = make (chain->payloader, name, "payloader");
  rtp_caps = make ("capsfilter", name, "capsfilter-payloader");
  if (!pay || !rtp_caps) {
    if (pay)
      gst_object_unref (gst_object_ref_sink (pay));
    if (rtp_caps)
      gst_object_unref (gst_object_ref_sink (rtp_caps));
    return NULL;
  }
  /* small packets: the viewer may be behind a tunnel or a TURN relay; an
   * SSRC known before the first caps, for the SDP to name */
  g_object_set (pay, "mtu", 1200, "ssrc", ssrc, NULL);
  /* pin what the SDP offer must say before the first caps arrive */
  caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
      "video", "encoding-name", G_TYPE_STRING, chain->encoding_name,
      "payload", G_TYPE_INT, (gint) payload_type, "clock-rate", G_TYPE_INT,
      90000, NULL);
  if (g_str_equal (chain->encoding_name, "H264")) {
    g_object_set (pay, "config-interval", -1, NULL);
    gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
    gst_caps_set_simple (caps, "packetization-mode", G_TYPE_STRING, "1",
        NULL);
  } else if (g_str_equal (chain->encoding_name, "H265")) {
    g_object_set (pay, "config-interval", -1, NULL);
  }
  g_object_set (rtp_caps, "caps", caps, NULL);
  gst_caps_unref (caps);

  bin = gst_bin_new (bin_name);
  gst_bin_add_many (GST_BIN (bin), pay, rtp_caps, NULL);
  gst_element_link (pay, rtp_caps);
  pad = gst_element_get_static_pad (pay, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (rtp_caps, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
  return bin;
}

void
dsl_encoder_chain_set_dimensions (DslEncoderChain * chain, guint width,
    guint height)
{
  GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
      "I420", NULL);

  if (width && height)
    gst_caps_set_simple (caps, "width", G_TYPE_INT, (gint) width, "height",
        G_TYPE_INT, (gint) height, NULL);
  g_object_set (chain->raw_caps, "caps", caps, NULL);
  gst_caps_unref (caps);
}

void
dsl_encoder_chain_request_key_frame (DslEncoderChain * chain)
{
  gst_element_send_event (chain->encoder,
      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
          0));
}
