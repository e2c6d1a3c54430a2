/* fuzz-webrtcbin-offer.c - a WHEP viewer's offer all the way into a real
 * webrtcbin, answered as a WebRTC Sink's session answers it: the bytes go
 * through the endpoint's gate (dsl_sdp_offer_parse, then
 * dsl_sdp_offer_wants_video) and the session's choice of payload type
 * (dsl_sdp_offer_find_codec for VP8, H264 and VP9: the one the offer
 * lists first is the encoder's here). A fresh webrtcbin is set up like the
 * session's answering branch (max-bundle, one sendonly transceiver with
 * do-nack whose codec-preferences are that codec at the offered payload
 * type with the payloader's SSRC, the metadata data channel when the offer has a data channel
 * section; no payloader: nothing flows), then set-remote-description,
 * create-answer, set-local-description, each promise waited for at most
 * PROMISE_SECONDS. Slow (a webrtcbin per input): run it inside a
 * loopback-only network namespace, since webrtcbin acts on the candidates
 * an offer holds.
 *
 * Invariants: no crash and no critical in webrtcbin; every promise is
 * answered in time; a refused offer leaves the state stable, an applied
 * one have-remote-offer until webrtcbin's own answer is set, which makes
 * it stable; the answer has a section for each of the offer's. Counted,
 * not asserted, as webrtcbin 1.22 gets them wrong for some offers the gate
 * lets through (fuzz/README.md): webrtcbin refusing its own answer (the
 * session fails with an internal error), and answers that give the viewer
 * no video (our transceiver not on the offer's receiving video section,
 * or that section rejected, not sendonly, without the offered payload
 * type or without our SSRC). FUZZ_STRICT=1 makes them invariants too.
 */
#include "fuzz-support.h"
#include "signaling/dsl-sdp-offer.h"
#include "sink/dsl-webrtc-session.h"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <nice/nice.h>
#include <string.h>

/* far above what webrtcbin takes on loopback (milliseconds), far below
 * libFuzzer's -timeout (25 s in scripts/fuzz and fuzz/smoke) */
#define PROMISE_SECONDS 10
#define SSRC 0x2f3e4d5cu

static const gchar *const codecs[] = { "VP8", "H264", "VP9" };

/* How far the offers got, for the rates that matter; own_refused:
 * answers webrtcbin would not set (the session fails with an internal
 * error); videoless: applied answers that give the viewer no video (the
 * session would answer 201) */
static guint reached, applied, answered, own_refused, videoless;
/* FUZZ_STRICT: either of those aborts; FUZZ_VERBOSE: why each offer went
 * no further */
static gboolean strict, verbose;

static void
print_counts (void)
{
  fprintf (stderr, "fuzz-webrtcbin-offer: %u offers reached webrtcbin, "
      "%u applied (%u refused), %u answered, %u answers refused by "
      "webrtcbin itself, %u set without video\n", reached, applied,
      reached - applied, answered, own_refused, videoless);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  atexit (print_counts);
  strict = g_getenv ("FUZZ_STRICT") != NULL;
  verbose = g_getenv ("FUZZ_VERBOSE") != NULL;
  FUZZ_CHECK (gst_element_factory_find ("webrtcbin") != NULL,
      "no webrtcbin (gstreamer1.0-plugins-bad, gstreamer1.0-nice)");
  return 0;
}

/* ICE on loopback only, like the sessions under
 * DSL_WEBRTC_ICE_ADDRESSES=127.0.0.1, without UPnP or TCP. */
static void
restrict_ice (GstElement * webrtcbin)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;
  NiceAddress address;

  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  FUZZ_CHECK (ice != NULL, "webrtcbin without an ICE agent");
  g_object_set (ice, "ice-tcp", FALSE, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
  nice_address_init (&address);
  FUZZ_CHECK (nice_address_set_from_string (&address, "127.0.0.1"), "addr");
  nice_agent_add_local_address (NICE_AGENT (agent), &address);
}

/* A promise whose reply is awaited with a bound: webrtcbin answers on its
 * own thread. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean replied;
} Waiter;

static void
replied_cb (GstPromise * promise, gpointer data)
{
  Waiter *waiter = data;

  g_mutex_lock (&waiter->lock);
  waiter->replied = TRUE;
  g_cond_signal (&waiter->cond);
  g_mutex_unlock (&waiter->lock);
}

static GstPromise *
waiter_promise (Waiter * waiter)
{
  g_mutex_init (&waiter->lock);
  g_cond_init (&waiter->cond);
  waiter->replied = FALSE;
  return gst_promise_new_with_change_func (replied_cb, waiter, NULL);
}

/* The reply (NULL when webrtcbin replied with nothing); the error it
 * holds, if any, in *error. */
static const GstStructure *
waiter_wait (Waiter * waiter, GstPromise * promise, const gchar * what,
    GError ** error)
{
  gint64 deadline = g_get_monotonic_time () +
      PROMISE_SECONDS * G_TIME_SPAN_SECOND;
  const GstStructure *reply;

  g_mutex_lock (&waiter->lock);
  while (!waiter->replied)
    if (!g_cond_wait_until (&waiter->cond, &waiter->lock, deadline))
      break;
  FUZZ_CHECK (waiter->replied, "%s: no reply in %d s", what, PROMISE_SECONDS);
  g_mutex_unlock (&waiter->lock);
  /* every change func ran: the waiter can go with the stack frame */
  FUZZ_CHECK (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED,
      "%s: the promise ended without a reply", what);
  reply = gst_promise_get_reply (promise);
  if (reply && gst_structure_has_field (reply, "error"))
    gst_structure_get (reply, "error", G_TYPE_ERROR, error, NULL);
  return reply;
}

static void
waiter_clear (Waiter * waiter, GstPromise * promise)
{
  gst_promise_unref (promise);
  g_mutex_clear (&waiter->lock);
  g_cond_clear (&waiter->cond);
}

static GstWebRTCSignalingState
signaling_state (GstElement * webrtcbin)
{
  GstWebRTCSignalingState state;

  g_object_get (webrtcbin, "signaling-state", &state, NULL);
  return state;
}

/* The offer's section that find_codec reads: the first m=video with a port
 * that is neither sendonly nor inactive. */
static gint
receiving_video (const GstSDPMessage * offer)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);

    if (g_strcmp0 (gst_sdp_media_get_media (media), "video") == 0
        && gst_sdp_media_get_port (media) != 0
        && !gst_sdp_media_get_attribute_val (media, "sendonly")
        && !gst_sdp_media_get_attribute_val (media, "inactive"))
      return (gint) i;
  }
  return -1;
}

/* Our codec: of those find_codec finds, the one the receiving video
 * section lists first (a viewer puts its preference first). */
static const gchar *
choose_codec (const GstSDPMessage * offer, guint * pt)
{
  const GstSDPMedia *media = gst_sdp_message_get_media (offer,
      receiving_video (offer));
  const gchar *chosen = NULL;
  guint first = G_MAXUINT;

  for (guint i = 0; i < G_N_ELEMENTS (codecs); i++) {
    g_autofree gchar *error = NULL;
    guint codec_pt;

    if (!dsl_sdp_offer_find_codec (offer, codecs[i], &codec_pt, NULL, &error))
      continue;
    for (guint f = 0; f < gst_sdp_media_formats_len (media) && f < first; f++)
      if (g_ascii_strtoull (gst_sdp_media_get_format (media, f), NULL, 10)
          == codec_pt) {
        first = f;
        chosen = codecs[i];
        *pt = codec_pt;
      }
  }
  return chosen;
}

/* As choose_payload_type in dsl-webrtc-session.c makes them, with the
 * payloader's SSRC (the session's is random and never 0) */
static GstCaps *
codec_preferences (const gchar * encoding_name, guint pt)
{
  GstCaps *caps = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, "video",
      "encoding-name", G_TYPE_STRING, encoding_name,
      "payload", G_TYPE_INT, (gint) pt,
      "clock-rate", G_TYPE_INT, 90000,
      "ssrc", G_TYPE_UINT, SSRC, NULL);

  if (g_str_equal (encoding_name, "H264"))
    gst_caps_set_simple (caps, "packetization-mode", G_TYPE_STRING, "1",
        NULL);
  return caps;
}

/* Why an applied answer gives the viewer no video, or NULL. */
static const gchar *
no_video (const GstSDPMessage * offer, const GstSDPMessage * answer,
    GstWebRTCRTPTransceiver * transceiver, guint pt)
{
  gint video = receiving_video (offer);
  g_autofree gchar *number = g_strdup_printf ("%u", pt);
  g_autofree gchar *ssrc = g_strdup_printf ("%u ", SSRC);
  const GstSDPMedia *media;
  guint mline, f;

  g_object_get (transceiver, "mlineindex", &mline, NULL);
  if (mline == G_MAXUINT)
    return "our transceiver has no section";
  if ((gint) mline != video)
    return "our transceiver took another section than the receiving video";
  media = gst_sdp_message_get_media (answer, mline);
  if (gst_sdp_media_get_port (media) == 0)
    return "our section is rejected";
  if (!gst_sdp_media_get_attribute_val (media, "sendonly"))
    return "our section is not sendonly";
  for (f = 0; f < gst_sdp_media_formats_len (media); f++)
    if (g_str_equal (gst_sdp_media_get_format (media, f), number))
      break;
  if (f == gst_sdp_media_formats_len (media))
    return "our section does not carry the payload type";
  /* else Chromium decodes the stream and never shows it */
  for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++) {
    const GstSDPAttribute *attribute = gst_sdp_media_get_attribute (media, a);

    if (g_str_equal (attribute->key, "ssrc") && attribute->value
        && g_str_has_prefix (attribute->value, ssrc))
      return NULL;
  }
  return "our section does not name our SSRC";
}

static void
check_answer (const GstSDPMessage * offer, const GstSDPMessage * answer,
    GstWebRTCRTPTransceiver * transceiver, guint pt)
{
  const gchar *why;

  if (!(why = no_video (offer, answer, transceiver, pt)))
    return;
  /* known (fuzz/README.md): counted, fatal only under FUZZ_STRICT */
  FUZZ_CHECK (!strict, "an applied answer gives no video: %s (payload type "
      "%u, receiving video section %d)", why, pt, receiving_video (offer));
  videoless++;
  if (verbose)
    fprintf (stderr, "no video: %s\n", why);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree gchar *error = NULL;
  g_autoptr (GError) refused = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstSDPMessage *offer = NULL, *copy = NULL;
  GstWebRTCSessionDescription *description, *answer = NULL;
  GstWebRTCRTPTransceiver *transceiver = NULL;
  GstWebRTCDataChannel *channel = NULL;
  GstWebRTCSignalingState state;
  const GstStructure *reply;
  const gchar *codec;
  GstElement *webrtcbin;
  GstPromise *promise;
  Waiter waiter;
  guint pt = 0;

  /* the endpoint's gate (400, 422), then the session's (422) */
  if (!dsl_sdp_offer_parse ((const gchar *) data, size, &offer, &error))
    return 0;
  if (!dsl_sdp_offer_wants_video (offer, &error)
      || !(codec = choose_codec (offer, &pt))) {
    gst_sdp_message_free (offer);
    return 0;
  }
  reached++;

  webrtcbin = gst_element_factory_make ("webrtcbin", NULL);
  FUZZ_CHECK (webrtcbin != NULL, "no webrtcbin");
  gst_object_ref_sink (webrtcbin);
  gst_util_set_object_arg (G_OBJECT (webrtcbin), "bundle-policy",
      "max-bundle");
  restrict_ice (webrtcbin);
  caps = codec_preferences (codec, pt);
  g_signal_emit_by_name (webrtcbin, "add-transceiver",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, caps, &transceiver);
  FUZZ_CHECK (transceiver != NULL, "no transceiver");
  g_object_set (transceiver, "do-nack", TRUE, "codec-preferences", caps,
      NULL);
  FUZZ_CHECK (gst_element_set_state (webrtcbin, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS, "webrtcbin does not go to READY");
  if (dsl_sdp_offer_has_data_channel (offer)) {
    g_signal_emit_by_name (webrtcbin, "create-data-channel",
        DSL_WEBRTC_METADATA_CHANNEL, NULL, &channel);
    FUZZ_CHECK (channel != NULL, "no data channel (SCTP elements missing?)");
  }

  /* take_offer: a copy, as the channel keeps its own */
  FUZZ_CHECK (gst_sdp_message_copy (offer, &copy) == GST_SDP_OK, "copy");
  description = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER,
      copy);
  promise = waiter_promise (&waiter);
  g_signal_emit_by_name (webrtcbin, "set-remote-description", description,
      promise);
  waiter_wait (&waiter, promise, "set-remote-description", &refused);
  waiter_clear (&waiter, promise);
  gst_webrtc_session_description_free (description);
  state = signaling_state (webrtcbin);
  if (refused && verbose)
    fprintf (stderr, "refused: %s\n", refused->message);
  if (refused) {
    FUZZ_CHECK (state == GST_WEBRTC_SIGNALING_STATE_STABLE,
        "a refused offer (%s) moved the state to %d", refused->message, state);
    goto done;
  }
  FUZZ_CHECK (state == GST_WEBRTC_SIGNALING_STATE_HAVE_REMOTE_OFFER,
      "an applied offer left the state at %d", state);
  applied++;

  /* offer_set_cb */
  promise = waiter_promise (&waiter);
  g_signal_emit_by_name (webrtcbin, "create-answer", NULL, promise);
  reply = waiter_wait (&waiter, promise, "create-answer", &refused);
  if (!refused && reply)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
        &answer, NULL);
  waiter_clear (&waiter, promise);
  if (!answer && verbose)
    fprintf (stderr, "no answer: %s\n", refused ? refused->message : "");
  if (!answer) {
    /* the viewer hears 422 */
    FUZZ_CHECK (signaling_state (webrtcbin) ==
        GST_WEBRTC_SIGNALING_STATE_HAVE_REMOTE_OFFER,
        "no answer, and the offer is gone");
    goto done;
  }
  answered++;
  FUZZ_CHECK (gst_sdp_message_medias_len (answer->sdp) ==
      gst_sdp_message_medias_len (offer), "the answer has %u sections, the "
      "offer %u", gst_sdp_message_medias_len (answer->sdp),
      gst_sdp_message_medias_len (offer));

  /* answer_created_cb */
  promise = waiter_promise (&waiter);
  g_signal_emit_by_name (webrtcbin, "set-local-description", answer, promise);
  waiter_wait (&waiter, promise, "set-local-description", &refused);
  waiter_clear (&waiter, promise);
  if (refused) {
    /* known (fuzz/README.md): the session's 500; counted, fatal only
     * under FUZZ_STRICT. The state is whatever webrtcbin left (stable
     * after a refused direction change): the session ends there. */
    FUZZ_CHECK (!strict, "webrtcbin refused its own answer: %s",
        refused->message);
    own_refused++;
    if (verbose)
      fprintf (stderr, "own answer refused: %s\n", refused->message);
    gst_webrtc_session_description_free (answer);
    goto done;
  }
  FUZZ_CHECK (signaling_state (webrtcbin) ==
      GST_WEBRTC_SIGNALING_STATE_STABLE, "the answer is set, the state is "
      "%d", signaling_state (webrtcbin));
  if (verbose) {
    g_autofree gchar *text = gst_sdp_message_as_text (answer->sdp);

    fprintf (stderr, "answer:\n%s\n", text);
  }
  /* the transceiver has its section once the answer is set */
  check_answer (offer, answer->sdp, transceiver, pt);
  gst_webrtc_session_description_free (answer);

done:
  gst_element_set_state (webrtcbin, GST_STATE_NULL);
  if (channel)
    g_object_unref (channel);
  gst_object_unref (transceiver);
  gst_object_unref (webrtcbin);
  gst_sdp_message_free (offer);
  return 0;
}
