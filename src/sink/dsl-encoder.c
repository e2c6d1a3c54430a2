/* dsl-encoder.c */
#include "sink/dsl-encoder.h"
#include "core/dsl-log.h"

#include <gst/video/video.h>

#define GST_CAT_DEFAULT dsl_sink_debug

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
     * encoders (one per viewer) do not fight over the cores */
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
  GstElement *bin, *convert, *scale, *raw_caps, *enc, *parse = NULL, *pay,
      *rtp_caps, *first, *last;
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
  pay = make (spec->payloader, name, "payloader");
  rtp_caps = make ("capsfilter", name, "capsfilter-payloader");
  if (!convert || !scale || !raw_caps || !enc || (spec->parser && !parse)
      || !pay || !rtp_caps) {
    GstElement *all[] = { convert, scale, raw_caps, enc, parse, pay, rtp_caps };
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

  /* pin what the SDP offer must say before the first caps arrive */
  if (g_str_equal (spec->encoding_name, "H264")) {
    g_object_set (pay, "config-interval", -1, NULL);
    gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
    caps = gst_caps_from_string ("application/x-rtp,media=video,"
        "encoding-name=H264,payload=96,clock-rate=90000,"
        "packetization-mode=(string)1");
  } else if (g_str_equal (spec->encoding_name, "H265")) {
    g_object_set (parse, "config-interval", -1, NULL);
    g_object_set (pay, "config-interval", -1, NULL);
    caps = gst_caps_from_string ("application/x-rtp,media=video,"
        "encoding-name=H265,payload=96,clock-rate=90000");
  } else {
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
        "video", "encoding-name", G_TYPE_STRING, spec->encoding_name,
        "payload", G_TYPE_INT, 96, "clock-rate", G_TYPE_INT, 90000, NULL);
  }
  g_object_set (rtp_caps, "caps", caps, NULL);
  gst_caps_unref (caps);

  bin = gst_bin_new (bin_name);
  gst_bin_add_many (GST_BIN (bin), convert, scale, raw_caps, enc, pay,
      rtp_caps, NULL);
  first = convert;
  last = rtp_caps;
  if (parse) {
    gst_bin_add (GST_BIN (bin), parse);
    gst_element_link_many (convert, scale, raw_caps, enc, parse, pay,
        rtp_caps, NULL);
  } else {
    gst_element_link_many (convert, scale, raw_caps, enc, pay, rtp_caps, NULL);
  }
  /* x264 must be told the profile Safari needs, downstream of it */
  if (g_str_equal (factory, "x264enc")) {
    GstElement *profile = make ("capsfilter", name, "capsfilter-profile");
    caps = gst_caps_from_string ("video/x-h264,profile=constrained-baseline");
    g_object_set (profile, "caps", caps, NULL);
    gst_caps_unref (caps);
    gst_bin_add (GST_BIN (bin), profile);
    gst_element_unlink (enc, parse);
    gst_element_link_many (enc, profile, parse, NULL);
  }

  pad = gst_element_get_static_pad (first, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (last, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);

  chain->bin = bin;
  chain->encoder = enc;
  chain->raw_caps = raw_caps;
  chain->encoding_name = spec->encoding_name;
  return TRUE;
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
