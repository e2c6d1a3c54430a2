/* fuzz-webrtcbin-answer.c - an SDP answer all the way into a real
 * webrtcbin: the bytes go inside a full client message through
 * dsl_signaling_message_parse (the gate the session applies), and an
 * accepted answer is set as the remote description of a fresh webrtcbin
 * that has made a VP8 offer and set it as its local description, as a
 * WebRTC Sink's session does. Slow (a webrtcbin per input): run it inside
 * a loopback-only network namespace, since webrtcbin acts on the
 * candidates an answer holds.
 *
 * Invariants: no crash and no critical in webrtcbin; the promise is
 * answered; a refused answer leaves the offer waiting (have-local-offer),
 * an applied one makes the state stable.
 */
#include "fuzz-support.h"
#include "signaling/dsl-signaling-message.h"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <nice/nice.h>
#include <string.h>

#define OFFER_CAPS "application/x-rtp,media=video,encoding-name=VP8," \
  "payload=96,clock-rate=90000"

/* How many inputs got past the gate, for the rate that matters */
static guint reached, applied;

static void
print_counts (void)
{
  fprintf (stderr, "fuzz-webrtcbin-answer: %u answers reached webrtcbin, "
      "%u applied, %u refused\n", reached, applied, reached - applied);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  atexit (print_counts);
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

static const GstStructure *
wait_reply (GstPromise * promise)
{
  FUZZ_CHECK (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED,
      "a promise was not answered");
  return gst_promise_get_reply (promise);
}

static GstWebRTCSignalingState
signaling_state (GstElement * webrtcbin)
{
  GstWebRTCSignalingState state;

  g_object_get (webrtcbin, "signaling-state", &state, NULL);
  return state;
}

static GstElement *
make_offerer (void)
{
  GstElement *webrtcbin = gst_element_factory_make ("webrtcbin", NULL);
  g_autoptr (GstCaps) caps = gst_caps_from_string (OFFER_CAPS);
  GstWebRTCRTPTransceiver *transceiver = NULL;
  GstWebRTCSessionDescription *offer = NULL;
  const GstStructure *reply;
  GstPromise *promise;

  FUZZ_CHECK (webrtcbin != NULL, "no webrtcbin");
  gst_object_ref_sink (webrtcbin);
  gst_util_set_object_arg (G_OBJECT (webrtcbin), "bundle-policy",
      "max-bundle");
  restrict_ice (webrtcbin);
  g_signal_emit_by_name (webrtcbin, "add-transceiver",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, caps, &transceiver);
  FUZZ_CHECK (transceiver != NULL, "no transceiver");
  gst_object_unref (transceiver);

  /* webrtcbin runs its operations from READY on */
  FUZZ_CHECK (gst_element_set_state (webrtcbin, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS, "webrtcbin does not go to READY");
  promise = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "create-offer", NULL, promise);
  reply = wait_reply (promise);
  gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
      &offer, NULL);
  if (!offer) {
    g_autofree gchar *why = reply ? gst_structure_to_string (reply) : NULL;

    FUZZ_CHECK (offer != NULL, "no offer: %s", why);
  }
  gst_promise_unref (promise);

  promise = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "set-local-description", offer, promise);
  wait_reply (promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (offer);
  FUZZ_CHECK (signaling_state (webrtcbin) ==
      GST_WEBRTC_SIGNALING_STATE_HAVE_LOCAL_OFFER, "the offer is not set");
  return webrtcbin;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree gchar *text = fuzz_string (data, size);
  g_autofree gchar *json = fuzz_answer_message (text);
  g_autofree gchar *error = NULL;
  g_autoptr (GError) refused = NULL;
  DslSignalingMessage message;
  GstWebRTCSessionDescription *answer;
  GstWebRTCSignalingState state;
  const GstStructure *reply;
  GstElement *webrtcbin;
  GstPromise *promise;

  if (!dsl_signaling_message_parse (json, strlen (json), &message, &error))
    return 0;   /* the client gets an error reply; webrtcbin sees nothing */
  FUZZ_CHECK (message.type == DSL_SIGNALING_ANSWER, "not an answer");

  reached++;
  webrtcbin = make_offerer ();
  answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER,
      g_steal_pointer (&message.sdp));
  promise = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "set-remote-description", answer,
      promise);
  reply = wait_reply (promise);
  if (reply)
    gst_structure_get (reply, "error", G_TYPE_ERROR, &refused, NULL);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (answer);

  state = signaling_state (webrtcbin);
  if (refused)
    FUZZ_CHECK (state == GST_WEBRTC_SIGNALING_STATE_HAVE_LOCAL_OFFER,
        "a refused answer (%s) moved the state to %d", refused->message,
        state);
  else
    FUZZ_CHECK (state == GST_WEBRTC_SIGNALING_STATE_STABLE,
        "an applied answer left the state at %d", state);
  applied += !refused;

  gst_element_set_state (webrtcbin, GST_STATE_NULL);
  gst_object_unref (webrtcbin);
  dsl_signaling_message_clear (&message);
  return 0;
}
