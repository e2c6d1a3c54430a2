/* dsl-webrtc-session.c */
#include "sink/dsl-webrtc-session.h"
#include "signaling/dsl-signaling-message.h"
#include "signaling/dsl-sdp-offer.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"
#include "core/dsl-tee-branch.h"
#include "core/dsl-error-scope.h"
#include "sink/dsl-encoder.h"
#include "sink/dsl-webrtc-stats.h"

#include <gst/webrtc/webrtc.h>
#include <gst/video/video.h>
#include <nice/nice.h>
#include <string.h>

#define GST_CAT_DEFAULT dsl_session_debug

#define DEFAULT_ANSWER_TIMEOUT_MS 15000
/* a viewer that offered (WHEP) gets our answer once every candidate is
 * gathered, or after this */
#define DEFAULT_GATHER_TIMEOUT_MS 5000
/* from the answer to a connected peer connection */
#define DEFAULT_CONNECT_TIMEOUT_MS 15000
/* what our offer says: the payloader is this viewer's own */
#define PAYLOAD_TYPE 96
/* a viewer further behind than this drops (see resync) */
#define QUEUE_MAX_TIME (GST_SECOND / 2)
/* a viewer's metadata channel holding more than this unsent drops */
#define METADATA_MAX_BUFFERED (256 * 1024)
/* how often a viewer's statistics are read */
#define STATS_INTERVAL_MS 1000
/* the longest a closed session waits for webrtcbin's operations */
#define TEARDOWN_WAIT_MS 5000

struct _DslWebrtcSession
{
  gint ref_count;
  gchar *name;
  GstElement *webrtcbin;       /* kept until finalize: webrtcbin threads use it */
  gboolean answering;          /* the viewer offered (WHEP); set at creation,
                                * read on any thread */

  /* Candidates found before the offer is on its way wait here, so the
   * offer always goes first (webrtcbin threads). */
  GMutex lock;
  gboolean offer_posted;
  GPtrArray *early_candidates; /* Handover* */
  /* answering (the viewer offered): the answer is set, and every
   * candidate gathered; the answer goes once both are (webrtcbin
   * threads) */
  gboolean answer_set;
  gboolean gathered;
  gboolean answer_posted;
  guint operations;            /* webrtcbin operations under way */
  gboolean teardown_waiting;   /* closed: the teardown waits for them */
  gint resync;                 /* atomic: dropping until a key frame */
  gint key_frame_requests;     /* atomic: the viewer's PLI/FIR */
  gint relay_candidates;       /* atomic: our relay candidates gathered */
  dsl_webrtc_viewer_stats stats;   /* the latest, under lock */
  gint64 stats_time;           /* when they were read (monotonic) */
  gboolean stats_pending;      /* a get-stats is under way */
  DslSharedStream *stream;     /* reference, dropped on the main context
                                * after the session is finalized */

  /* main context only */
  DslSignalingChannel *signaling;      /* the viewer's, until closed */
  guint gather_timeout;        /* answering: the longest wait for ICE */
  GstBin *bin;                 /* the stream's */
  DslTeeBranch *branch;        /* on the stream's tee, until unlinked */
  GstElement *queue;
  GstElement *payloader;
  gboolean closed;
  gboolean unlinked;
  gboolean torn_down;
  guint teardown_timeout;
  gboolean awaiting_answer;
  guint answer_timeout;
  guint stats_timer;
  guint connect_timeout;
  GObject *metadata;           /* the metadata data channel, or NULL */
  guint metadata_dropped;
  gchar *stun_server, *turn_server;    /* told to the viewer with our SDP */
  guint candidates;            /* received from the client */
  DslWebrtcSessionFailedFunc failed;
  DslWebrtcSessionClosedFunc closed_func;
  gpointer user_data;
};

/* ------------------------------------------------------------------ */
/* ICE configuration shared by every new session (main context only). */

static struct
{
  gboolean loaded;
  gchar **addresses;
  guint min_port, max_port;
  gboolean relay_only;
} ice_config;

void
dsl_webrtc_session_set_relay_only (gboolean relay_only)
{
  ice_config.relay_only = relay_only;
}

gboolean
dsl_webrtc_session_get_relay_only (void)
{
  return ice_config.relay_only;
}

static gboolean
parse_addresses (const gchar * list, gchar *** out)
{
  g_auto (GStrv) parts = g_strsplit (list ? list : "", ",", -1);
  GPtrArray *valid = g_ptr_array_new_with_free_func (g_free);

  for (gchar ** p = parts; *p; p++) {
    g_strstrip (*p);
    if (!**p)
      continue;
    if (!g_hostname_is_ip_address (*p)) {
      GST_ERROR ("ICE address '%s' is not an IP address", *p);
      g_ptr_array_unref (valid);
      return FALSE;
    }
    g_ptr_array_add (valid, g_strdup (*p));
  }
  g_ptr_array_add (valid, NULL);
  *out = (gchar **) g_ptr_array_free (valid, FALSE);
  return TRUE;
}

static void
load_ice_config (void)
{
  if (ice_config.loaded)
    return;
  ice_config.loaded = TRUE;
  if (!parse_addresses (g_getenv ("DSL_WEBRTC_ICE_ADDRESSES"),
          &ice_config.addresses))
    ice_config.addresses = g_new0 (gchar *, 1);
}

gboolean
dsl_webrtc_session_set_ice_config (const gchar * addresses, guint min_port,
    guint max_port)
{
  gchar **parsed;

  if (min_port > max_port || max_port > G_MAXUINT16) {
    GST_ERROR ("invalid ICE port range %u-%u", min_port, max_port);
    return FALSE;
  }
  if (!parse_addresses (addresses, &parsed))
    return FALSE;
  load_ice_config ();
  g_strfreev (ice_config.addresses);
  ice_config.addresses = parsed;
  ice_config.min_port = min_port;
  ice_config.max_port = max_port;
  return TRUE;
}

static void
apply_ice_config (GstElement * webrtcbin)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  load_ice_config ();
  if (ice_config.relay_only)
    g_object_set (webrtcbin, "ice-transport-policy",
        GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY, NULL);
  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  if (!ice)
    return;
  /* UDP only: ICE-TCP only adds candidates a browser rarely uses */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp"))
    g_object_set (ice, "ice-tcp", FALSE, NULL);
  if (ice_config.max_port)
    g_object_set (ice, "min-rtp-port", ice_config.min_port, "max-rtp-port",
        ice_config.max_port, NULL);
  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent")) {
    GST_WARNING ("this ICE implementation cannot restrict local addresses");
    return;
  }
  g_object_get (ice, "agent", &agent, NULL);
  /* no UPnP port mapping: it multicasts SSDP on every interface */
  g_object_set (agent, "upnp", FALSE, NULL);
  /* keep-alives as connectivity checks that expect an answer: a viewer
   * whose media path dies makes ICE fail (FAILED, then closed), even while
   * its WebSocket lives */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent),
          "keepalive-conncheck"))
    g_object_set (agent, "keepalive-conncheck", TRUE, NULL);
  /* first frames sooner: connectivity checks every 5 ms (RFC 8445's
   * floor) instead of libnice's 20; a viewer has a handful of pairs */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent),
          "stun-pacing-timer"))
    g_object_set (agent, "stun-pacing-timer", 5, NULL);
  for (gchar ** a = ice_config.addresses; *a; a++) {
    NiceAddress address;

    nice_address_init (&address);
    if (nice_address_set_from_string (&address, *a))
      nice_agent_add_local_address (NICE_AGENT (agent), &address);
  }
}

void
dsl_webrtc_session_prewarm (void)
{
  static gsize once = 0;
  GstElement *dtls, *webrtcbin;
  gchar *pem = NULL;

  if (!g_once_init_enter (&once))
    return;
  /* Synchronous on purpose: a thread still inside OpenSSL when the
   * process exits crashes in OpenSSL's exit handlers. */
  dtls = gst_element_factory_make ("dtlsdec", NULL);
  webrtcbin = gst_element_factory_make ("webrtcbin", NULL);
  if (dtls) {
    g_object_get (dtls, "pem", &pem, NULL);
    g_free (pem);
    gst_object_unref (gst_object_ref_sink (dtls));
  }
  if (webrtcbin)
    gst_object_unref (gst_object_ref_sink (webrtcbin));
  GST_INFO ("DTLS certificate generated and WebRTC plugins loaded");
  g_once_init_leave (&once, 1);
}

/* ------------------------------------------------------------------ */

static gboolean
unref_on_main (gpointer object)
{
  gst_object_unref (object);
  return G_SOURCE_REMOVE;
}

static gboolean
unref_stream_on_main (gpointer stream)
{
  dsl_shared_stream_unref (stream);
  return G_SOURCE_REMOVE;
}

DslWebrtcSession *
dsl_webrtc_session_ref (DslWebrtcSession * self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
dsl_webrtc_session_unref (DslWebrtcSession * self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_warn_if_fail (self->closed && self->torn_down);
  g_mutex_clear (&self->lock);
  g_ptr_array_unref (self->early_candidates);
  g_free (self->stun_server);
  g_free (self->turn_server);
  /* The last reference may go on a webrtcbin thread (a promise's destroy
   * notify): never finalize webrtcbin on its own thread. */
  dsl_context_post (unref_on_main, self->webrtcbin, NULL);
  /* held for the session's whole life: streaming and webrtcbin threads
   * (an overrun, a connected peer) may still ask it for a key frame
   * while the branch is being taken down */
  dsl_context_post (unref_stream_on_main, self->stream, NULL);
  g_free (self->name);
  g_free (self);
}

static void
ice_servers (DslWebrtcSession * self, DslIceServers * servers)
{
  servers->stun_server = self->stun_server;
  servers->turn_server = self->turn_server;
  servers->relay_only = ice_config.relay_only;
}

/* code: how the channel learns of it (a WHEP offer still unanswered
 * turns it into an HTTP status) */
static void
fail_with_code (DslWebrtcSession * self, gushort code, const gchar * reason)
{
  if (self->closed)
    return;
  GST_ERROR ("%s: connection failed: %s", self->name, reason);
  if (self->failed)
    self->failed (self, self->user_data);
  dsl_webrtc_session_close (self, code, reason);
}

static void
fail (DslWebrtcSession * self, const gchar * reason)
{
  fail_with_code (self, DSL_CLOSE_INTERNAL_ERROR, reason);
}

/* ------------------------------------------------------------------ */
/* Work handed over from webrtcbin's threads to the main context. */

typedef enum
{
  HANDOVER_CANDIDATE,   /* mline, text: one of our candidates */
  HANDOVER_OFFER,       /* description: our offer; an answer is now due */
  HANDOVER_ANSWER,      /* our answer is set and gathered: send it */
  HANDOVER_FAILURE,     /* code, text: why the connection cannot work */
  HANDOVER_CONNECTED,   /* the peer connection is up */
  HANDOVER_CLOSED,      /* the viewer left before we began */
} HandoverKind;

typedef struct
{
  DslWebrtcSession *session;
  HandoverKind kind;
  gchar *text;
  guint mline;
  gushort code;
  GstWebRTCSessionDescription *description;
} Handover;

typedef struct
{
  DslWebrtcSession *session;
  GstWebRTCSessionDescription *offer;
} OfferInFlight;

static void
handover_free (gpointer data)
{
  Handover *h = data;

  if (h->session)
    dsl_webrtc_session_unref (h->session);
  g_free (h->text);
  if (h->description)
    gst_webrtc_session_description_free (h->description);
  g_free (h);
}

static Handover *
handover_new (DslWebrtcSession * self, HandoverKind kind, gchar * text)
{
  Handover *h = g_new0 (Handover, 1);

  h->session = dsl_webrtc_session_ref (self);
  h->kind = kind;
  h->text = text;
  return h;
}

static gboolean
answer_timeout_cb (gpointer data)
{
  DslWebrtcSession *self = data;

  self->answer_timeout = 0;
  fail (self, "no answer to the offer in time");
  return G_SOURCE_REMOVE;
}

/* A timeout from the environment variable name (a whole number of
 * milliseconds >= 1), or fallback. */
static guint
timeout_from_env (const gchar * name, guint fallback)
{
  const gchar *env = g_getenv (name);
  guint64 value;

  if (!env)
    return fallback;
  if (!g_ascii_string_to_unsigned (env, 10, 1, G_MAXUINT, &value, NULL)) {
    GST_WARNING ("ignoring %s='%s': not a number of milliseconds", name, env);
    return fallback;
  }
  return (guint) value;
}

#define answer_timeout_ms() \
  timeout_from_env ("DSL_WEBRTC_ANSWER_TIMEOUT_MS", DEFAULT_ANSWER_TIMEOUT_MS)
#define connect_timeout_ms() \
  timeout_from_env ("DSL_WEBRTC_CONNECT_TIMEOUT_MS", DEFAULT_CONNECT_TIMEOUT_MS)
#define gather_timeout_ms() \
  timeout_from_env ("DSL_WEBRTC_GATHER_TIMEOUT_MS", DEFAULT_GATHER_TIMEOUT_MS)

/* A TURN URI fit for a log line: no password. */
static gchar *
redacted_uri (const gchar * text)
{
  g_autoptr (GUri) uri = text ? g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD,
      NULL) : NULL;

  return uri ? g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD) :
      g_strdup (text ? "(unreadable)" : "(none set)");
}

static gboolean
connect_timeout_cb (gpointer data)
{
  DslWebrtcSession *self = data;

  self->connect_timeout = 0;
  if (ice_config.relay_only && !g_atomic_int_get (&self->relay_candidates)) {
    g_autofree gchar *turn = redacted_uri (self->turn_server);

    GST_ERROR ("%s: relay only, and no relay candidate was gathered: the "
        "TURN server %s refused us or did not answer (check its address, "
        "port, transport and credentials)", self->name, turn);
    fail (self, "no connection in time: no TURN relay");
  } else {
    fail (self, "no connection in time: ICE or DTLS did not complete");
  }
  return G_SOURCE_REMOVE;
}

static void
start_connect_timeout (DslWebrtcSession * self)
{
  if (!self->connect_timeout)
    self->connect_timeout = dsl_context_timeout (connect_timeout_ms (),
        connect_timeout_cb, dsl_webrtc_session_ref (self),
        (GDestroyNotify) dsl_webrtc_session_unref);
}

/* Main context: our answer, with every candidate gathered so far (all of
 * them unless the gathering timed out), goes to the viewer that offered. */
static void
send_answer (DslWebrtcSession * self)
{
  GstWebRTCSessionDescription *answer = NULL;
  DslIceServers servers;

  if (self->gather_timeout) {
    g_source_remove (self->gather_timeout);
    self->gather_timeout = 0;
  }
  g_object_get (self->webrtcbin, "local-description", &answer, NULL);
  if (!answer) {
    fail (self, "webrtcbin has no answer");
    return;
  }
  ice_servers (self, &servers);
  dsl_signaling_channel_send_description (self->signaling, "answer",
      answer->sdp, &servers);
  gst_webrtc_session_description_free (answer);
  start_connect_timeout (self);
}

static gboolean
gather_timeout_cb (gpointer data)
{
  DslWebrtcSession *self = data;
  gboolean answer_set;

  self->gather_timeout = 0;
  g_mutex_lock (&self->lock);
  answer_set = self->answer_set && !self->answer_posted;
  self->answer_posted = TRUE;
  g_mutex_unlock (&self->lock);
  if (!answer_set) {
    fail (self, "no answer could be made in time");
    return G_SOURCE_REMOVE;
  }
  GST_WARNING ("%s: ICE gathering did not complete within %u ms: answering "
      "with the candidates found so far", self->name, gather_timeout_ms ());
  send_answer (self);
  return G_SOURCE_REMOVE;
}

static gboolean
handover_dispatch (gpointer data)
{
  Handover *h = data;
  DslWebrtcSession *self = h->session;
  DslIceServers servers;

  if (self->closed)
    return G_SOURCE_REMOVE;
  switch (h->kind) {
    case HANDOVER_FAILURE:
      fail_with_code (self, h->code ? h->code : DSL_CLOSE_INTERNAL_ERROR,
          h->text);
      break;
    case HANDOVER_OFFER:
      ice_servers (self, &servers);
      dsl_signaling_channel_send_description (self->signaling, "offer",
          h->description->sdp, &servers);
      self->awaiting_answer = TRUE;
      if (!self->answer_timeout)
        self->answer_timeout = dsl_context_timeout (answer_timeout_ms (),
            answer_timeout_cb, dsl_webrtc_session_ref (self),
            (GDestroyNotify) dsl_webrtc_session_unref);
      break;
    case HANDOVER_ANSWER:
      send_answer (self);
      break;
    case HANDOVER_CANDIDATE:
      dsl_signaling_channel_send_candidate (self->signaling, h->mline,
          h->text);
      break;
    case HANDOVER_CLOSED:
      dsl_webrtc_session_close (self, 0, NULL);
      break;
    case HANDOVER_CONNECTED:
      if (self->connect_timeout) {
        g_source_remove (self->connect_timeout);
        self->connect_timeout = 0;
      }
      GST_INFO ("%s: connected", self->name);
      break;
  }
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */
/* webrtcbin works through its operations (create-offer, the descriptions)
 * on its own thread. One still under way when webrtcbin is set to NULL
 * goes on, and what it makes is never freed (a transport bin, a socket
 * and 3 eventfds per answer being applied), so a closed session tears
 * webrtcbin down only once every operation it asked for is over. Each
 * promise holds an operation: op_begin when made, op_end when freed. */

static void teardown (DslWebrtcSession * self);

static gboolean
teardown_cb (gpointer data)
{
  teardown (data);
  return G_SOURCE_REMOVE;
}

static gboolean
teardown_timeout_cb (gpointer data)
{
  DslWebrtcSession *self = data;

  self->teardown_timeout = 0;
  teardown (self);
  return G_SOURCE_REMOVE;
}

static DslWebrtcSession *
op_begin (DslWebrtcSession * self)
{
  g_mutex_lock (&self->lock);
  self->operations++;
  g_mutex_unlock (&self->lock);
  return dsl_webrtc_session_ref (self);
}

/* Any thread: a promise's destroy notify. */
static void
op_end (gpointer data)
{
  DslWebrtcSession *self = data;
  gboolean last;

  g_mutex_lock (&self->lock);
  last = --self->operations == 0 && self->teardown_waiting;
  if (last)
    self->teardown_waiting = FALSE;
  g_mutex_unlock (&self->lock);
  if (last)
    dsl_context_post (teardown_cb, dsl_webrtc_session_ref (self),
        (GDestroyNotify) dsl_webrtc_session_unref);
  dsl_webrtc_session_unref (self);
}

static void
post_handover (Handover * h)
{
  dsl_context_post (handover_dispatch, h, handover_free);
}

/* Any thread; takes text. */
static void
hand_over (DslWebrtcSession * self, HandoverKind kind, gchar * text)
{
  post_handover (handover_new (self, kind, text));
}

/* Any thread; takes reason. */
static void
hand_over_failure (DslWebrtcSession * self, gushort code, gchar * reason)
{
  Handover *h = handover_new (self, HANDOVER_FAILURE, reason);

  h->code = code;
  post_handover (h);
}

/* webrtcbin thread: the local description is in place, so an answer
 * can be applied; now the offer goes out, then any early candidates. */
static void
local_description_set_cb (GstPromise * promise, gpointer data)
{
  OfferInFlight *flight = data;
  DslWebrtcSession *self = flight->session;

  Handover *h;

  gst_promise_unref (promise);
  h = handover_new (self, HANDOVER_OFFER, NULL);
  h->description = g_steal_pointer (&flight->offer);
  g_mutex_lock (&self->lock);
  post_handover (h);
  for (guint i = 0; i < self->early_candidates->len; i++) {
    Handover *early = g_ptr_array_index (self->early_candidates, i);

    early->session = dsl_webrtc_session_ref (self);
    post_handover (early);
  }
  /* posted: theirs now */
  g_ptr_array_set_free_func (self->early_candidates, NULL);
  g_ptr_array_set_size (self->early_candidates, 0);
  g_ptr_array_set_free_func (self->early_candidates, handover_free);
  self->offer_posted = TRUE;
  g_mutex_unlock (&self->lock);
}

static void
offer_in_flight_free (gpointer data)
{
  OfferInFlight *flight = data;

  op_end (flight->session);
  if (flight->offer)
    gst_webrtc_session_description_free (flight->offer);
  g_free (flight);
}

/* webrtcbin thread */
static void
offer_created_cb (GstPromise * promise, gpointer data)
{
  DslWebrtcSession *self = data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;
  OfferInFlight *flight;

  if (reply)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
        &offer, NULL);
  gst_promise_unref (promise);
  if (!offer) {
    hand_over (self, HANDOVER_FAILURE,
        g_strdup ("webrtcbin could not create an offer"));
    return;
  }
  flight = g_new0 (OfferInFlight, 1);
  flight->session = op_begin (self);
  flight->offer = gst_webrtc_session_description_copy (offer);
  g_signal_emit_by_name (self->webrtcbin, "set-local-description", offer,
      gst_promise_new_with_change_func (local_description_set_cb, flight,
          offer_in_flight_free));
  gst_webrtc_session_description_free (offer);
}

/* webrtcbin thread */
static void
negotiation_needed_cb (GstElement * webrtcbin, gpointer data)
{
  DslWebrtcSession *self = data;
  GstPromise *promise = gst_promise_new_with_change_func (offer_created_cb,
      op_begin (self), op_end);

  GST_DEBUG ("%s: negotiation needed", self->name);
  g_signal_emit_by_name (webrtcbin, "create-offer", NULL, promise);
}

/* webrtcbin or libnice thread */
static void
ice_candidate_cb (GstElement * webrtcbin, guint mline, gchar * candidate,
    gpointer data)
{
  DslWebrtcSession *self = data;
  Handover *h;

  if (strstr (candidate, " typ relay"))
    g_atomic_int_inc (&self->relay_candidates);
  /* answering: every candidate is in the answer (see gathering_cb) */
  if (self->answering)
    return;
  h = handover_new (self, HANDOVER_CANDIDATE, g_strdup (candidate));
  h->mline = mline;
  g_mutex_lock (&self->lock);
  if (self->offer_posted) {
    post_handover (h);
  } else {
    /* no reference while waiting: the session may go without an offer */
    g_clear_pointer (&h->session, dsl_webrtc_session_unref);
    g_ptr_array_add (self->early_candidates, h);
  }
  g_mutex_unlock (&self->lock);
}

/* webrtcbin thread */
static void
connection_state_cb (GstElement * webrtcbin, GParamSpec * pspec, gpointer data)
{
  DslWebrtcSession *self = data;
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtcbin, "connection-state", &state, NULL);
  GST_DEBUG ("%s: peer connection state %d", self->name, state);
  /* What went out before DTLS-SRTP was up never reached the viewer: its
   * first frame must be a key frame sent from now on. */
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
    g_mutex_lock (&self->lock);
    self->stats.connected = 1;
    g_mutex_unlock (&self->lock);
    dsl_shared_stream_request_key_frame (self->stream);
    hand_over (self, HANDOVER_CONNECTED, NULL);
  }
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    hand_over (self, HANDOVER_FAILURE, g_strdup ("ICE or DTLS failed"));
}

/* webrtcbin thread: why a promise of webrtcbin's failed (g_free), or NULL
 * when it was replied to without an error. */
static gchar *
promise_error (GstPromise * promise)
{
  const GstStructure *reply;
  GError *error = NULL;
  gchar *text;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return g_strdup ("no reply");
  reply = gst_promise_get_reply (promise);
  if (!reply || !gst_structure_get (reply, "error", G_TYPE_ERROR, &error,
          NULL))
    return NULL;
  text = g_strdup (error->message);
  g_error_free (error);
  return text;
}

/* webrtcbin thread */
static void
remote_description_set_cb (GstPromise * promise, gpointer data)
{
  DslWebrtcSession *self = data;
  g_autofree gchar *error = promise_error (promise);

  /* the only offer was answered wrongly: this connection cannot work */
  if (error)
    hand_over_failure (self, DSL_CLOSE_INTERNAL_ERROR,
        g_strdup_printf ("the answer was refused: %s", error));
  gst_promise_unref (promise);
}

/* ------------------------------------------------------------------ */
/* Answering a viewer's offer (WHEP): set it, answer, and send the answer
 * once it is set and every candidate is gathered (the viewer gets them
 * all in it). webrtcbin threads. */

static void
answer_when_ready (DslWebrtcSession * self, gboolean answer_set,
    gboolean gathered)
{
  gboolean post;

  g_mutex_lock (&self->lock);
  self->answer_set |= answer_set;
  self->gathered |= gathered;
  post = self->answer_set && self->gathered && !self->answer_posted;
  if (post)
    self->answer_posted = TRUE;
  g_mutex_unlock (&self->lock);
  if (post)
    hand_over (self, HANDOVER_ANSWER, NULL);
}

static void
answer_set_cb (GstPromise * promise, gpointer data)
{
  DslWebrtcSession *self = data;
  g_autofree gchar *error = promise_error (promise);

  gst_promise_unref (promise);
  /* webrtcbin 1.22 answers a section it cannot use with the viewer's own
   * fingerprint, then refuses that answer: the offer's doing (422) */
  if (error)
    hand_over_failure (self, DSL_CLOSE_UNSUPPORTED_DATA,
        g_strdup_printf ("webrtcbin cannot answer this offer: %s", error));
  else
    answer_when_ready (self, TRUE, FALSE);
}

static void
answer_created_cb (GstPromise * promise, gpointer data)
{
  DslWebrtcSession *self = data;
  g_autofree gchar *error = promise_error (promise);
  GstWebRTCSessionDescription *answer = NULL;

  if (!error)
    gst_structure_get (gst_promise_get_reply (promise), "answer",
        GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  if (!answer) {
    hand_over_failure (self, DSL_CLOSE_UNSUPPORTED_DATA,
        g_strdup_printf ("no answer to this offer: %s",
            error ? error : "webrtcbin made none"));
    return;
  }
  g_signal_emit_by_name (self->webrtcbin, "set-local-description", answer,
      gst_promise_new_with_change_func (answer_set_cb, op_begin (self),
          op_end));
  gst_webrtc_session_description_free (answer);
}

static void
offer_set_cb (GstPromise * promise, gpointer data)
{
  DslWebrtcSession *self = data;
  g_autofree gchar *error = promise_error (promise);

  gst_promise_unref (promise);
  if (error) {
    /* the viewer's offer: its fault, and it hears so (422) */
    hand_over_failure (self, DSL_CLOSE_UNSUPPORTED_DATA,
        g_strdup_printf ("the offer was refused: %s", error));
    return;
  }
  g_signal_emit_by_name (self->webrtcbin, "create-answer", NULL,
      gst_promise_new_with_change_func (answer_created_cb, op_begin (self),
          op_end));
}

static void
gathering_state_cb (GstElement * webrtcbin, GParamSpec * pspec, gpointer data)
{
  GstWebRTCICEGatheringState state;

  g_object_get (webrtcbin, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    answer_when_ready (data, FALSE, TRUE);
}

/* Main context: the viewer's offer into webrtcbin, once it runs. */
static void
take_offer (DslWebrtcSession * self, const GstSDPMessage * offer)
{
  GstSDPMessage *copy = NULL;
  GstWebRTCSessionDescription *description;

  gst_sdp_message_copy (offer, &copy);
  description = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER,
      copy);
  g_signal_emit_by_name (self->webrtcbin, "set-remote-description",
      description, gst_promise_new_with_change_func (offer_set_cb,
          op_begin (self), op_end));
  gst_webrtc_session_description_free (description);
  self->gather_timeout = dsl_context_timeout (gather_timeout_ms (),
      gather_timeout_cb, dsl_webrtc_session_ref (self),
      (GDestroyNotify) dsl_webrtc_session_unref);
}

/* ------------------------------------------------------------------ */
/* What the viewer says, through its signaling channel (main context). */

static gboolean
viewer_answer (GstSDPMessage * sdp, gpointer data, GError ** error)
{
  DslWebrtcSession *self = data;
  GstWebRTCSessionDescription *answer;
  GstPromise *promise;

  if (!self->awaiting_answer) {
    gst_sdp_message_free (sdp);
    g_set_error_literal (error, DSL_SIGNALING_ERROR,
        DSL_SIGNALING_ERROR_INVALID,
        "unexpected answer: no offer is waiting for one");
    return FALSE;
  }
  self->awaiting_answer = FALSE;
  if (self->answer_timeout) {
    g_source_remove (self->answer_timeout);
    self->answer_timeout = 0;
  }
  start_connect_timeout (self);
  answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER,
      sdp);
  promise = gst_promise_new_with_change_func (remote_description_set_cb,
      op_begin (self), op_end);
  g_signal_emit_by_name (self->webrtcbin, "set-remote-description", answer,
      promise);
  gst_webrtc_session_description_free (answer);
  return TRUE;
}

static gboolean
viewer_candidate (guint mline, const gchar * candidate, gpointer data,
    GError ** error)
{
  DslWebrtcSession *self = data;

  if (!*candidate)             /* "" is end-of-candidates */
    return TRUE;
  if (++self->candidates > DSL_SIGNALING_MAX_CANDIDATES) {
    g_set_error_literal (error, DSL_SIGNALING_ERROR,
        DSL_SIGNALING_ERROR_LIMIT, "too many ICE candidates");
    return FALSE;
  }
  g_signal_emit_by_name (self->webrtcbin, "add-ice-candidate", mline,
      candidate);
  return TRUE;
}

static void
viewer_closed (gpointer data)
{
  DslWebrtcSession *self = data;

  GST_INFO ("%s: the viewer left", self->name);
  dsl_webrtc_session_close (self, 0, NULL);
}

static const DslSignalingChannelHandler viewer_handler = {
  viewer_answer,
  viewer_candidate,
  viewer_closed,
};

/* ------------------------------------------------------------------ */
/* Statistics: read every second; the reply is parsed where it arrives
 * (webrtcbin's thread), and the getter copies the latest under the lock,
 * so nothing on the main loop waits for webrtcbin. */

/* webrtcbin thread */
static void
stats_cb (GstPromise * promise, gpointer data)
{
  DslWebrtcSession *self = data;
  const GstStructure *reply = NULL;
  dsl_webrtc_viewer_stats stats;
  gint64 now = g_get_monotonic_time ();

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED)
    reply = gst_promise_get_reply (promise);
  if (reply) {
    dsl_webrtc_stats_parse (reply, &stats);
    g_mutex_lock (&self->lock);
    stats.connected = self->stats.connected;
    stats.key_frame_requests = g_atomic_int_get (&self->key_frame_requests);
    if (self->stats_time && now > self->stats_time
        && stats.bytes_sent >= self->stats.bytes_sent)
      stats.bitrate = (stats.bytes_sent - self->stats.bytes_sent) * 8.0 *
          G_USEC_PER_SEC / (now - self->stats_time);
    self->stats = stats;
    self->stats_time = now;
    g_mutex_unlock (&self->lock);
    if (gst_debug_category_get_threshold (GST_CAT_DEFAULT) >= GST_LEVEL_TRACE)
      GST_TRACE ("%s: %" GST_PTR_FORMAT, self->name, reply);
  }
  g_mutex_lock (&self->lock);
  self->stats_pending = FALSE;
  g_mutex_unlock (&self->lock);
  gst_promise_unref (promise);
}

static gboolean
stats_timer_cb (gpointer data)
{
  DslWebrtcSession *self = data;
  gboolean pending;

  g_mutex_lock (&self->lock);
  pending = self->stats_pending;
  self->stats_pending = TRUE;
  g_mutex_unlock (&self->lock);
  if (!pending)
    g_signal_emit_by_name (self->webrtcbin, "get-stats", NULL,
        gst_promise_new_with_change_func (stats_cb, op_begin (self), op_end));
  return G_SOURCE_CONTINUE;
}

gboolean
dsl_webrtc_session_send_metadata (DslWebrtcSession * self, GBytes * data,
    gboolean text)
{
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
  guint64 buffered = 0;

  g_return_val_if_fail (self != NULL && data != NULL, FALSE);
  if (self->closed || !self->metadata)
    return FALSE;
  g_object_get (self->metadata, "ready-state", &state, "buffered-amount",
      &buffered, NULL);
  if (state != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN)
    return FALSE;
  /* a viewer that does not keep up loses messages; nobody waits, and
   * nothing grows without bound */
  if (buffered > METADATA_MAX_BUFFERED) {
    if (self->metadata_dropped++ % 100 == 0)
      GST_WARNING ("%s: metadata channel congested (%" G_GUINT64_FORMAT
          " bytes unsent): dropping (%u so far)", self->name, buffered,
          self->metadata_dropped);
    return FALSE;
  }
  if (text) {
    g_autofree gchar *string = g_strndup (g_bytes_get_data (data, NULL),
        g_bytes_get_size (data));
    g_signal_emit_by_name (self->metadata, "send-string", string);
  } else {
    g_signal_emit_by_name (self->metadata, "send-data", data);
  }
  return TRUE;
}

gboolean
dsl_webrtc_session_get_stats (DslWebrtcSession * self,
    dsl_webrtc_viewer_stats * stats)
{
  g_return_val_if_fail (self != NULL && stats != NULL, FALSE);
  if (self->closed)
    return FALSE;
  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
  stats->key_frame_requests = g_atomic_int_get (&self->key_frame_requests);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* A viewer that falls behind: its leaky queue dropped frames, so what
 * follows cannot be decoded until the next key frame. Drop until then,
 * and ask for one (the encoder spaces them). Other viewers never wait. */

/* streaming thread (the tee's) */
static void
queue_overrun_cb (GstElement * queue, gpointer data)
{
  DslWebrtcSession *self = data;

  if (g_atomic_int_compare_and_exchange (&self->resync, 0, 1)) {
    GST_INFO ("%s: the viewer fell behind: waiting for a key frame",
        self->name);
    dsl_shared_stream_request_key_frame (self->stream);
  }
}

/* any thread: the viewer's PLI/FIR, on their way up to the encoder */
static GstPadProbeReturn
key_request_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  DslWebrtcSession *self = data;

  if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
    g_atomic_int_inc (&self->key_frame_requests);
  return GST_PAD_PROBE_OK;
}

/* streaming thread (the queue's) */
static GstPadProbeReturn
resync_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  DslWebrtcSession *self = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!g_atomic_int_get (&self->resync))
    return GST_PAD_PROBE_OK;
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  g_atomic_int_set (&self->resync, 0);
  return GST_PAD_PROBE_OK;
}

/* A viewer that closes its peer connection aborts the SCTP association
 * over a transport that still works: sctpenc then posts an error ("SCTP
 * association went into error state") while ICE and DTLS are connected.
 * That viewer left; one whose transport failed shows it as ICE or DTLS
 * failing instead. (With WHEP that abort often comes before the DELETE.) */
static gboolean
peer_closed_association (DslWebrtcSession * self, GstMessage * message)
{
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  GstElementFactory *factory = GST_IS_ELEMENT (GST_MESSAGE_SRC (message)) ?
      gst_element_get_factory (GST_ELEMENT (GST_MESSAGE_SRC (message))) : NULL;

  if (!factory || !g_str_has_prefix (GST_OBJECT_NAME (factory), "sctp"))
    return FALSE;
  g_object_get (self->webrtcbin, "connection-state", &state, NULL);
  return state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
}

/* Main context (the Pipeline's bus watch): an error from inside our
 * webrtcbin (its SCTP association failing when the viewer leaves, DTLS)
 * ends this viewer only. */
static void
webrtcbin_error_cb (GstMessage * message, gpointer data)
{
  DslWebrtcSession *self = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *reason = NULL, *debug = NULL;

  gst_message_parse_error (message, &error, &debug);
  reason = g_strdup_printf ("webrtcbin: %s", error->message);
  GST_DEBUG ("%s: error from %s: %s (%s)", self->name,
      GST_MESSAGE_SRC_NAME (message), error->message, debug);
  if (peer_closed_association (self, message)) {
    /* the viewer closed its peer connection: it left */
    GST_INFO ("%s: the viewer closed its peer connection (%s)", self->name,
        reason);
    dsl_webrtc_session_close (self, DSL_CLOSE_NORMAL, "the viewer left");
    return;
  }
  fail (self, reason);
}

/* streaming thread (the tee's): a serialized query waits in the queue until
 * webrtcbin answers it, and webrtcbin blocks its input until it is
 * negotiated, so one viewer that never answers the offer would hold the
 * tee, and every other viewer, on an allocation query. The branch answers
 * them itself: it needs nothing from upstream's allocation. */
static GstPadProbeReturn
serialized_query_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (GST_QUERY_IS_SERIALIZED (GST_PAD_PROBE_INFO_QUERY (info)))
    return GST_PAD_PROBE_HANDLED;
  return GST_PAD_PROBE_OK;
}

/* The payload type to send with: ours when we offer; when the viewer
 * offers, the one it chose for our codec (webrtcbin answers with the
 * intersection of its offer and our caps). FALSE, with a sentence in
 * *error, when its offer has none; codec_caps: what the transceiver
 * prefers, or NULL. */
static gboolean
choose_payload_type (DslWebrtcSession * self, const GstSDPMessage * offer,
    guint32 ssrc, guint * pt, GstCaps ** codec_caps, gchar ** error)
{
  const DslEncoderChain *chain = dsl_shared_stream_get_chain (self->stream);
  GstCaps *caps;

  *pt = PAYLOAD_TYPE;
  *codec_caps = NULL;
  if (!offer)
    return TRUE;
  if (!dsl_sdp_offer_find_codec (offer, chain->encoding_name, pt, NULL,
          error))
    return FALSE;
  caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
      "video", "encoding-name", G_TYPE_STRING, chain->encoding_name,
      "payload", G_TYPE_INT, (gint) * pt, "clock-rate", G_TYPE_INT, 90000,
      "ssrc", G_TYPE_UINT, ssrc, NULL);
  if (g_str_equal (chain->encoding_name, "H264"))
    gst_caps_set_simple (caps, "packetization-mode", G_TYPE_STRING, "1",
        NULL);
  *codec_caps = caps;
  GST_INFO ("%s: the viewer's offer carries %s as payload type %u",
      self->name, chain->encoding_name, *pt);
  return TRUE;
}

DslWebrtcSession *
dsl_webrtc_session_new (const gchar * name, DslSignalingChannel * signaling,
    DslSharedStream * stream, const DslWebrtcSessionConfig * config,
    DslWebrtcSessionFailedFunc failed, DslWebrtcSessionClosedFunc closed,
    gpointer user_data)
{
  DslWebrtcSession *self = g_new0 (DslWebrtcSession, 1);
  const GstSDPMessage *offer =
      dsl_signaling_channel_get_remote_offer (signaling);
  GstWebRTCRTPTransceiver *transceiver = NULL;
  g_autoptr (GstCaps) codec_caps = NULL;
  g_autofree gchar *refusal = NULL;
  guint pt = PAYLOAD_TYPE;
  guint32 ssrc;
  GstPad *pad;

  self->ref_count = 1;
  self->name = g_strdup (name);
  g_mutex_init (&self->lock);
  self->early_candidates = g_ptr_array_new_with_free_func (handover_free);
  self->stream = dsl_shared_stream_ref (stream);
  self->bin = gst_object_ref (dsl_shared_stream_get_bin (stream));
  self->failed = failed;
  self->closed_func = closed;
  self->user_data = user_data;

  self->queue = gst_element_factory_make ("queue", NULL);
  /* a slow viewer drops frames instead of stalling the others */
  g_object_set (self->queue, "leaky", 2, "max-size-buffers", 0,
      "max-size-bytes", 0, "max-size-time", (guint64) QUEUE_MAX_TIME, NULL);
  self->answering = offer != NULL;
  /* The SSRC is ours to choose, and fixed before anything is linked: an
   * answer made before the first buffer's caps reach webrtcbin would
   * otherwise name SSRC 0 (a=ssrc-group:FID 0 ...), and Chromium then
   * decodes the stream but never shows it. */
  while (!(ssrc = g_random_int ()));
  if (!choose_payload_type (self, offer, ssrc, &pt, &codec_caps, &refusal))
    pt = PAYLOAD_TYPE;
  self->payloader = dsl_encoder_payloader_new (dsl_shared_stream_get_chain
      (stream), pt, ssrc, name);
  self->webrtcbin = gst_element_factory_make ("webrtcbin", NULL);
  gst_util_set_object_arg (G_OBJECT (self->webrtcbin), "bundle-policy",
      "max-bundle");
  self->stun_server = g_strdup (config->stun_server);
  self->turn_server = g_strdup (config->turn_server);
  if (config->stun_server && *config->stun_server)
    g_object_set (self->webrtcbin, "stun-server", config->stun_server, NULL);
  if (config->turn_server && *config->turn_server)
    g_object_set (self->webrtcbin, "turn-server", config->turn_server, NULL);
  apply_ice_config (self->webrtcbin);
  dsl_error_scope_set (self->webrtcbin, webrtcbin_error_cb, self);

  gst_bin_add_many (self->bin, self->queue, self->payloader, self->webrtcbin,
      NULL);
  gst_object_ref (self->queue);
  gst_object_ref (self->payloader);
  gst_object_ref (self->webrtcbin);
  if (!gst_element_link (self->queue, self->payloader)
      || !gst_element_link_pads (self->payloader, "src", self->webrtcbin,
          "sink_%u"))
    GST_ERROR ("%s: could not link to webrtcbin", name);
  g_signal_emit_by_name (self->webrtcbin, "get-transceiver", 0, &transceiver);
  if (transceiver) {
    /* NACK and retransmission per viewer, inside its webrtcbin: a loss
     * costs that viewer a resend, not everybody a key frame */
    g_object_set (transceiver, "direction",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "do-nack", TRUE, NULL);
    /* answering: the format of the viewer's choice, and no other */
    if (codec_caps)
      g_object_set (transceiver, "codec-preferences", codec_caps, NULL);
    gst_object_unref (transceiver);
  }
  g_signal_connect (self->queue, "overrun", G_CALLBACK (queue_overrun_cb),
      self);
  pad = gst_element_get_static_pad (self->queue, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, resync_probe, self,
      NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      key_request_probe, self, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (self->queue, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      serialized_query_probe, NULL, NULL);
  gst_object_unref (pad);

  /* we offer, unless the viewer did */
  if (!self->answering)
    g_signal_connect_data (self->webrtcbin, "on-negotiation-needed",
        G_CALLBACK (negotiation_needed_cb), dsl_webrtc_session_ref (self),
        (GClosureNotify) (void (*)(void)) dsl_webrtc_session_unref, 0);
  else
    g_signal_connect_data (self->webrtcbin, "notify::ice-gathering-state",
        G_CALLBACK (gathering_state_cb), dsl_webrtc_session_ref (self),
        (GClosureNotify) (void (*)(void)) dsl_webrtc_session_unref, 0);
  g_signal_connect_data (self->webrtcbin, "on-ice-candidate",
      G_CALLBACK (ice_candidate_cb), dsl_webrtc_session_ref (self),
      (GClosureNotify) (void (*)(void)) dsl_webrtc_session_unref, 0);
  g_signal_connect_data (self->webrtcbin, "notify::connection-state",
      G_CALLBACK (connection_state_cb), dsl_webrtc_session_ref (self),
      (GClosureNotify) (void (*)(void)) dsl_webrtc_session_unref, 0);

  self->signaling = g_object_ref (signaling);
  dsl_signaling_channel_attach (signaling, &viewer_handler, self);

  /* READY first: the metadata channel exists before webrtcbin can decide
   * on negotiation, so it is in the first (and only) offer; a viewer that
   * offers gets one when its offer has a data channel section */
  gst_element_set_state (self->webrtcbin, GST_STATE_READY);
  if (!offer || dsl_sdp_offer_has_data_channel (offer)) {
    g_signal_emit_by_name (self->webrtcbin, "create-data-channel",
        DSL_WEBRTC_METADATA_CHANNEL, NULL, &self->metadata);
    if (!self->metadata)
      GST_WARNING ("%s: no data channel (SCTP elements missing?): no "
          "metadata for this viewer", name);
  }
  gst_element_sync_state_with_parent (self->webrtcbin);
  gst_element_sync_state_with_parent (self->payloader);
  gst_element_sync_state_with_parent (self->queue);
  pad = gst_element_get_static_pad (self->queue, "sink");
  self->branch = dsl_tee_branch_new (dsl_shared_stream_get_tee (stream), pad);
  gst_object_unref (pad);
  self->unlinked = self->branch == NULL;
  self->stats.round_trip_time = -1;
  self->stats_timer = dsl_context_timeout (STATS_INTERVAL_MS, stats_timer_cb,
      dsl_webrtc_session_ref (self), (GDestroyNotify) dsl_webrtc_session_unref);
  dsl_shared_stream_add_viewer (stream, self);
  GST_INFO ("%s: session started (%s)", name, self->answering ?
      "the viewer offered" : "we offer");
  /* the owner learns of an end only once it holds the session */
  if (refusal)
    hand_over_failure (self, DSL_CLOSE_UNSUPPORTED_DATA,
        g_steal_pointer (&refusal));
  else if (!dsl_signaling_channel_is_open (signaling))
    hand_over (self, HANDOVER_CLOSED, NULL);
  else if (offer) {
    /* the offer's own candidates count against the viewer's */
    self->candidates = dsl_sdp_offer_count_candidates (offer);
    take_offer (self, offer);
  }
  return self;
}

/* libnice's thread: the agent has released its TURN allocations. */
static void
turn_released_cb (GObject * agent, GAsyncResult * result, gpointer webrtcbin)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
  dsl_context_post (unref_on_main, webrtcbin, NULL);
}

/* A session that used a TURN server gives its allocations back (and its
 * agent is not finalized with refreshes still running); webrtcbin 1.22
 * never does. The agent's close runs on libnice's thread; webrtcbin is
 * held until it is over. */
static void
release_turn_allocations (DslWebrtcSession * self)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  if (!self->turn_server || !*self->turn_server)
    return;
  g_object_get (self->webrtcbin, "ice-agent", &ice, NULL);
  if (!ice || !g_object_class_find_property (G_OBJECT_GET_CLASS (ice),
          "agent"))
    return;
  g_object_get (ice, "agent", &agent, NULL);
  if (agent)
    nice_agent_close_async (NICE_AGENT (agent), turn_released_cb,
        gst_object_ref (self->webrtcbin));
}

/* Main context, once: the branch (queue, payloader, webrtcbin) to NULL
 * and out of the stream's bin. */
static void
teardown (DslWebrtcSession * self)
{
  GstElement *elements[] = { self->webrtcbin, self->payloader, self->queue };

  if (self->torn_down)
    return;
  self->torn_down = TRUE;
  g_mutex_lock (&self->lock);
  if (self->teardown_waiting)
    GST_WARNING ("%s: webrtcbin's operations did not end within %d ms: "
        "tearing it down anyway", self->name, TEARDOWN_WAIT_MS);
  self->teardown_waiting = FALSE;
  g_mutex_unlock (&self->lock);
  if (self->teardown_timeout) {
    g_source_remove (self->teardown_timeout);
    self->teardown_timeout = 0;
  }
  g_signal_handlers_disconnect_by_data (self->queue, self);
  release_turn_allocations (self);
  g_clear_object (&self->metadata);
  dsl_error_scope_clear (self->webrtcbin);
  for (gsize i = 0; i < G_N_ELEMENTS (elements); i++)
    gst_element_set_state (elements[i], GST_STATE_NULL);
  g_signal_handlers_disconnect_by_data (self->webrtcbin, self);
  gst_bin_remove_many (self->bin, self->queue, self->payloader,
      self->webrtcbin, NULL);
  gst_clear_object (&self->queue);
  gst_clear_object (&self->payloader);
  gst_clear_object (&self->bin);
  dsl_shared_stream_remove_viewer (self->stream, self);
  GST_DEBUG ("%s: webrtcbin torn down", self->name);
}

/* Main context: once the branch is off the tee, tear it down when
 * webrtcbin has no operation under way (see op_begin). */
static void
try_teardown (DslWebrtcSession * self)
{
  gboolean wait;

  if (self->torn_down || !self->unlinked)
    return;
  g_mutex_lock (&self->lock);
  wait = self->teardown_waiting = self->operations > 0;
  g_mutex_unlock (&self->lock);
  if (!wait) {
    teardown (self);
    return;
  }
  GST_DEBUG ("%s: webrtcbin has operations under way: tearing it down "
      "once they are over", self->name);
  if (!self->teardown_timeout)
    self->teardown_timeout = dsl_context_timeout (TEARDOWN_WAIT_MS,
        teardown_timeout_cb, dsl_webrtc_session_ref (self),
        (GDestroyNotify) dsl_webrtc_session_unref);
}

static void
branch_unlinked_cb (gpointer data)
{
  DslWebrtcSession *self = data;

  self->unlinked = TRUE;
  g_clear_pointer (&self->branch, dsl_tee_branch_free);
  try_teardown (self);
}

void
dsl_webrtc_session_close (DslWebrtcSession * self, gushort code,
    const gchar * reason)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  dsl_webrtc_session_ref (self);
  GST_INFO ("%s: closing (code %u: %s)", self->name, code,
      reason ? reason : "");

  if (self->answer_timeout) {
    g_source_remove (self->answer_timeout);
    self->answer_timeout = 0;
  }
  if (self->stats_timer) {
    g_source_remove (self->stats_timer);
    self->stats_timer = 0;
  }
  if (self->connect_timeout) {
    g_source_remove (self->connect_timeout);
    self->connect_timeout = 0;
  }
  if (self->gather_timeout) {
    g_source_remove (self->gather_timeout);
    self->gather_timeout = 0;
  }
  dsl_signaling_channel_detach (self->signaling);
  dsl_signaling_channel_close (self->signaling, code, reason);
  g_clear_object (&self->signaling);

  /* Take the branch off the running tee without waiting, then stop it
   * here, on the main context, never inside a webrtcbin callback, once
   * webrtcbin has no operation under way (see op_begin). Meanwhile the
   * branch keeps its state whatever its parent does (the sink or the
   * stream may leave the pipeline at once). */
  gst_element_set_locked_state (self->webrtcbin, TRUE);
  gst_element_set_locked_state (self->payloader, TRUE);
  gst_element_set_locked_state (self->queue, TRUE);
  if (self->branch)
    dsl_tee_branch_unlink (self->branch, branch_unlinked_cb,
        dsl_webrtc_session_ref (self),
        (GDestroyNotify) dsl_webrtc_session_unref);
  else
    try_teardown (self);

  if (self->closed_func)
    self->closed_func (self, self->user_data);
  dsl_webrtc_session_unref (self);
}
