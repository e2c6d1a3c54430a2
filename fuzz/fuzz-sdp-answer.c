/* fuzz-sdp-answer.c - an SDP answer from the network, two ways:
 *  - raw bytes straight into gst_sdp_message_new_from_text, then through
 *    what webrtcbin does with an answer's media (caps from each format and
 *    the attributes, the text form again);
 *  - the same text inside a full {"type":"sdp","data":{"type":"answer",
 *    "sdp":...}} message through dsl_signaling_message_parse, which must
 *    accept exactly the SDPs that parse, start with "v=0" and have a media
 *    section (the JSON escaping here gives json-glib's string back
 *    byte for byte).
 */
#include "fuzz-support.h"
#include "signaling/dsl-signaling-message.h"

#include <gst/gst.h>
#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
use_like_webrtcbin (const GstSDPMessage * sdp)
{
  g_autofree gchar *again = gst_sdp_message_as_text (sdp);
  GstSDPMessage *copy = NULL;

  FUZZ_CHECK (again != NULL, "a parsed SDP has no text form");
  FUZZ_CHECK (gst_sdp_message_copy (sdp, &copy) == GST_SDP_OK, "copy");
  gst_sdp_message_free (copy);

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

    gst_sdp_media_get_attribute_val (media, "mid");
    gst_sdp_media_get_attribute_val (media, "setup");
    gst_sdp_media_get_attribute_val (media, "fingerprint");
    for (guint f = 0; f < gst_sdp_media_formats_len (media); f++) {
      const gchar *format = gst_sdp_media_get_format (media, f);
      gint pt = (gint) g_ascii_strtoll (format, NULL, 10);
      GstCaps *caps = gst_sdp_media_get_caps_from_media (media, pt);

      if (!caps)
        continue;
      /* what webrtcbin's codec matching does with them */
      caps = gst_caps_make_writable (caps);
      gst_sdp_message_attributes_to_caps (sdp, caps);
      gst_sdp_media_attributes_to_caps (media, caps);
      g_free (gst_caps_to_string (caps));
      gst_caps_unref (caps);
    }
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree gchar *text = fuzz_string (data, size);
  g_autofree gchar *json = NULL;
  g_autofree gchar *error = NULL;
  GstSDPMessage *sdp = NULL;
  DslSignalingMessage message;
  gboolean parsed, expected;

  /* gst-sdp takes no empty text (a critical); the gate's "v=0" check
   * comes first */
  parsed = *text && gst_sdp_message_new_from_text (text, &sdp) == GST_SDP_OK;
  if (parsed)
    use_like_webrtcbin (sdp);
  expected = parsed && g_str_has_prefix (text, "v=0")
      && gst_sdp_message_medias_len (sdp) > 0;
  if (sdp)
    gst_sdp_message_free (sdp);

  json = fuzz_answer_message (text);
  if (dsl_signaling_message_parse (json, strlen (json), &message, &error)) {
    FUZZ_CHECK (message.type == DSL_SIGNALING_ANSWER && message.sdp,
        "accepted as something else than an answer");
    FUZZ_CHECK (expected, "accepted an answer gst-sdp refuses or without "
        "media");
    use_like_webrtcbin (message.sdp);
    dsl_signaling_message_clear (&message);
  } else {
    /* json-glib refuses invalid UTF-8 first */
    FUZZ_CHECK (!expected || !g_utf8_validate (text, -1, NULL),
        "refused a valid answer: %s", error);
  }
  return 0;
}
