/*
 * dsl-test-receiver: a headless WebRTC receiver used by the test suite as the
 * oracle for "media flows".
 *
 * It is the answering side of DSL's signaling protocol:
 *   server -> client  {"type":"sdp","data":{"type":"offer","sdp":"..."}}
 *                     {"type":"ice","data":{"sdpMLineIndex":0,"candidate":"..."}}
 *                     {"type":"error","data":{"message":"..."}}
 *   client -> server  {"type":"sdp","data":{"type":"answer","sdp":"..."}}
 *                     {"type":"ice","data":{"candidate":"...","sdpMLineIndex":N}}
 *
 * One process runs --peers independent WebSocket connections, each with its
 * own pipeline holding a single webrtcbin. Decoded frames are counted on a
 * fakesink. When every peer has finished, one JSON line per peer is printed
 * on stdout:
 *
 *   {"peer":0,"frames":60,"width":640,"height":480,"fps":29.9,"ttff_ms":412,
 *    "codec":"VP8","errors":0,"close_code":1000,"frames_total":60,
 *    "fps_steady":30.0,"offers":1,"max_gap_ms":41,"decoded":true,
 *    "key_frames":2,"latency_p50_ms":38,"latency_p95_ms":61,
 *    "latency_samples":60}
 *
 *   frames       decoded frames, capped at --frames
 *   width/height from the decoded caps (0 if none)
 *   fps          wall clock rate from the first to the last counted frame
 *   ttff_ms      WebSocket open -> first decoded frame (-1 if none)
 *   codec        encoding-name of the decoded stream (null if none)
 *   errors       number of {"type":"error"} messages from the server
 *   close_code   code the server closed with, or the one we sent (0: none)
 *   frames_total every decoded frame, including those during --hold
 *   fps_steady   rate over the second half of the counted frames (not
 *                skewed by the burst of frames queued during DTLS set-up)
 *   offers       number of SDP offers answered
 *   max_gap_ms   longest wall-clock gap between two consecutive decoded
 *                frames (any frame, --hold included), and from the last
 *                frame to the moment the peer finished (so a stream that
 *                stops early, e.g. until the --timeout, shows as a gap);
 *                -1 if no frame was decoded
 *   decoded      whether this peer decoded (see --decode-every)
 *   key_frames   key frames in the depayloaded stream
 *   latency_p50_ms, latency_p95_ms, latency_samples
 *                --timecode: glass-to-glass latency over every decoded
 *                frame with a valid code (--hold included, and so the
 *                burst queued during DTLS set-up); -1, -1, 0 without
 *                samples (no --timecode, not decoding, no code found)
 *
 * --timecode reads the capture time that the source (dsl-webrtc-serve
 * --timecode, src/pipeline/dsl-timecode.h) wrote into each raw frame
 * before encoding: at the top-left, B = width / 40 (16 px at 640), 40
 * blocks of B x B; blocks 0..31 carry bits 31..0 of T = wall-clock ms
 * mod 2^32, blocks 32..39 bits 7..0 of the XOR of T's four bytes; a 1 is
 * luma 235, a 0 luma 16. Decoding peers convert to I420 and, in the sink
 * pad's probe as each frame arrives, average the central B/2 x B/2 of
 * each block against 128; a frame whose check byte matches gives one
 * sample, (now in wall-clock ms mod 2^32) - T. Sender and receiver share
 * this machine's clock.
 *
 * Load viewer: with --decode-every N only peer i with i % N == 0 decodes.
 * The others receive, decrypt and depayload (depay [! parse] ! fakesink,
 * no queue, no decoder) and count what a decoder would have been given:
 * "frames" counts depayloaded frames (one per access unit: H.264/H.265
 * go through their parser, which gathers access units), fps, fps_steady
 * and max_gap_ms are measured on them, the size comes from the parser's
 * caps (H.264/H.265: the SPS) or the VP8 key frame header (or the
 * depayloader's caps), and "ttff_ms" and the "first-frame" event are
 * taken at the first KEY frame, the first picture a decoder could show,
 * so that they compare with a decoding peer's. Such a peer is done when
 * it has --frames frames of which at least one is a key frame. So one
 * process holds 100+ peers and the server, not the receiver, is measured.
 *
 * Cost with many peers: nothing of ours runs per peer on a timer (the
 * only periodic source is --janus's one keepalive timer for all peers);
 * per frame a peer takes one probe, an atomic and a mutex. libnice's UPnP
 * discovery is switched off in every agent. The rest is webrtcbin's own
 * receive path: per packet a hand-off from nicesrc to its transport queue
 * and to the jitter buffer (a thread each), SRTP (libsrtp2 over NSS).
 * Measured on this 2-core machine, 100 peers of one 640x480@30 1 Mbit/s
 * VP8 stream: --decode-every 10 about 0.9 of a core, --decode-every 1
 * about 1.55 cores (and then too slow: ~9 fps each); with the media
 * stopped, 100 peers idle at 0.7 % of a core. A peer holds ~8 threads and
 * ~8 file descriptors (a decoding one ~10 of each): the soft fd limit is
 * raised to the hard one at start, with a warning if that is too few.
 *
 * With --events, each peer's events are also printed on stdout as they
 * happen, one flushed JSON line each, in the order they happened:
 *
 *   {"event":"open","peer":0}            WebSocket open
 *   {"event":"offer","peer":0}           an SDP offer received and parsed
 *   {"event":"answer-sent","peer":0}     our answer handed to the WebSocket
 *   {"event":"ice-connected","peer":0}   webrtcbin connection-state connected
 *   {"event":"first-frame","peer":0}     first decoded frame
 *   {"event":"error","peer":0}           an {"type":"error"} message received
 *   {"event":"closed","peer":0,"code":N} WebSocket closed (code as close_code)
 *   {"event":"media-dropped","peer":0}   --drop-media: the media stopped
 *   {"event":"key-frame-requested","peer":0}  --request-key-frame: asked
 *
 * Event lines have an "event" member; the result lines above do not. They
 * let a test act at a given moment (e.g. kill -9 the receiver once the
 * answer is sent).
 *
 * --janus URL --janus-mountpoint ID: instead of DSL's protocol, speak
 * Janus 1.1.2's JSON API over its WebSockets transport (subprotocol
 * "janus-protocol"), each peer on its own WebSocket:
 *   {"janus":"create"}                      -> "success", data.id: session
 *   {"janus":"attach","plugin":"janus.plugin.streaming"} -> handle
 *   {"janus":"message","body":{"request":"watch","id":ID}}
 *                                           -> "ack", then an "event" whose
 *                                              "jsep" is the offer
 *   {"janus":"message","body":{"request":"start"},"jsep":{answer}}
 *   {"janus":"trickle","candidate":{"candidate":...,"sdpMLineIndex":N,
 *    "sdpMid":...}} per candidate, then "candidate":{"completed":true}
 *   {"janus":"keepalive"} every 20 s (one timer for all peers)
 *   {"janus":"detach"}, {"janus":"destroy"}; the WebSocket is closed once
 *   "destroy" is answered (at most 1 s later)
 * Candidates Janus trickles are added; "errors" counts Janus "error"
 * replies and plugin events with an "error". Results and --events are the
 * same as with DSL ("open" is the WebSocket open, ttff counts from it).
 * Janus offers no loopback candidates: run Janus and the receiver in a
 * network namespace with a veth pair and give -a the veth address (e.g.
 * -a 10.213.1.1); Janus needs net.ipv4.conf.*.accept_local=1 there.
 *
 * --whep URL: instead of a WebSocket, each peer is a WHEP player
 * (draft-ietf-wish-whep):
 *   its webrtcbin has one recvonly video transceiver offering VP8 (PT 96)
 *   and H.264 packetization-mode=1 (PT 102); the offer is set as local
 *   description and POSTed to URL at once (application/sdp), expecting
 *   201, a Location and an application/sdp answer, which becomes the
 *   remote description (the server's candidates are in it);
 *   our candidates go to the Location (resolved against URL) with PATCH,
 *   application/trickle-ice-sdpfrag (RFC 8840: a=ice-ufrag, a=ice-pwd of
 *   our offer, "m=video 9 UDP/TLS/RTP/SAVPF 0", a=mid, a=candidate lines,
 *   a=end-of-candidates once gathering is complete), expecting 204; those
 *   found before the 201 go in one PATCH right after it, later ones one
 *   PATCH each;
 *   when the peer finishes (frames, --hold, timeout, error) and none of
 *   its PATCHes is in flight, it DELETEs the Location, expecting 200; the
 *   verdict waits for the DELETEs (at most the 2 s grace period).
 * The media then takes the same path as with a WebSocket (decoding, size,
 * key frames, --hold, --drop-media, --request-key-frame, --timecode).
 * The result lines gain
 *   "post_status":201,"location":"http://127.0.0.1:PORT/whep-resource/ID",
 *   "candidates_sent":1,"patch_statuses":[204],"delete_status":200
 * (0: no response; location null without a 201), "errors" counts the
 * responses not of the status expected (and a 201 without a usable
 * Location or answer), "close_code" and "offers" stay 0 and "ttff_ms"
 * counts from the POST. --events adds {"event":"post-sent"} and
 * {"event":"post"|"patch"|"delete","code":STATUS} per response ("open"
 * and "closed" are WebSocket events: none).
 * --whep-expect-status N (error tests): the POST must get status N; the
 * peer is then done, with no media, and a 201 got instead is DELETEd.
 *
 * --ca FILE trusts the certificate authorities in a PEM file (the
 * session's tls-database) for a wss:// --url or https:// --whep, e.g. a
 * private CA a test made; without it the system's trust store decides. A
 * viewer token goes in the URL (wss://HOST:PORT/ws?token=TOKEN), or with
 * --token TOKEN in an "Authorization: Bearer TOKEN" header on the
 * WebSocket upgrade and on every WHEP request.
 *
 * Exit status: 0 if every peer decoded --frames frames (or, not decoding,
 * depayloaded them, a key frame among them) and, with --whep, every
 * response had the status expected (with --whep-expect-status: the POST's
 * was N), 1 otherwise, 2 on a command line error (or a --ca file that
 * cannot be loaded).
 *
 * Threading rules (see docs: webrtc-notes P3):
 *  - everything touching libsoup or pipeline state runs on the main context;
 *  - webrtcbin promise callbacks and "on-ice-candidate" run on webrtcbin
 *    threads and only queue work onto the main context;
 *  - "pad-added" and the frame probe run on streaming threads.
 */

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include <glib.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <nice/agent.h>

#define GRACE_MS 2000           /* wait for close handshakes after the last peer */
#define TIMECODE_BLOCKS 40      /* --timecode: 32 bits of time, 8 check bits */
#define MAX_LATENCY_SAMPLES 100000      /* per peer, bounds the memory */
#define JANUS_KEEPALIVE_S 20    /* Janus drops a session silent for 60 s */
#define JANUS_HANGUP_MS 1000    /* wait this long for "destroy" to succeed */
#define FDS_PER_PEER 12         /* measured ~10 (1007 for 100 peers), margin */

typedef struct _App App;
typedef struct _Peer Peer;

struct _App
{
  /* options */
  gchar *url;
  gint n_peers;
  gint target_frames;
  gdouble timeout_s;
  gdouble hold_s;
  gdouble drop_media_s;
  gdouble request_key_frame_s;
  gint latency_ms;
  gchar *turn;
  gboolean relay_only;
  gint close_code;
  gchar **ice_addresses;
  gboolean events;
  gchar *ca_file;
  gint decode_every;
  gboolean timecode;
  gboolean janus;               /* --janus: url is a Janus WebSocket */
  gint64 janus_mountpoint;
  gboolean whep;                /* --whep: url is a WHEP endpoint */
  gint whep_expect_status;      /* 0: 201 and media; else the POST's status */
  gchar *token;                 /* --token: Authorization: Bearer */

  /* runtime (main thread) */
  GMainContext *ctx;
  GMainLoop *loop;
  SoupSession *session;
  GCancellable *cancel;
  Peer **peers;
  guint deadline_id;
  guint grace_id;
  guint sigint_id;
  guint sigterm_id;
  guint keepalive_id;           /* --janus: one timer for every session */
  gboolean quitting;
};

struct _Peer
{
  gint refcount;                /* atomic */
  guint index;
  App *app;                     /* outlives every peer */

  /* main thread only */
  SoupWebsocketConnection *ws;
  GstElement *pipeline;
  guint bus_watch;
  guint hold_id;
  gboolean connecting;
  gboolean finished;
  gboolean we_closed;
  gboolean media_dropped;       /* --drop-media: pipeline gone, WebSocket kept */
  gint close_code;
  guint errors;
  guint offers;
  GPtrArray *mids;              /* the last offer's a=mid per m-line */

  /* --janus, main thread only */
  gint64 janus_session;         /* 0: none yet */
  gint64 janus_handle;          /* 0: none yet */
  guint janus_tx;               /* transactions sent */
  guint janus_hangup_id;        /* waiting for "destroy": close after it */

  /* --whep, main thread only */
  gchar *whep_ufrag;            /* our offer's, for every PATCH */
  gchar *whep_pwd;
  gchar *whep_location;         /* the session's URL (resolved), or NULL */
  GString *whep_pending;        /* fragment lines not sent yet */
  gint whep_pending_mline;      /* m-line of the last section in it */
  guint whep_pending_candidates;        /* a=candidate lines in it */
  gboolean whep_posting;        /* the POST is in flight */
  guint whep_patches;           /* PATCHes in flight */
  gboolean whep_delete_sent;
  gboolean whep_deleting;       /* the DELETE is in flight */
  guint whep_candidates_sent;   /* in PATCHes sent */
  guint whep_post_status;       /* 0: no response */
  GArray *whep_patch_statuses;  /* guint, in the order answered */
  guint whep_delete_status;

  /* set once at creation, ref held until the peer is freed */
  GstElement *webrtc;
  gboolean decodes;             /* --decode-every: this peer decodes */

  /* set in "pad-added" before the stream is linked */
  gint is_vp8;                  /* atomic flag: the video stream is VP8 */

  /* streaming threads <-> main */
  gint decoded;                 /* atomic: every decoded frame (a peer
                                 * that does not decode: every frame out
                                 * of the depayloader) */
  gint key_frames;              /* atomic: key frames depayloaded */
  gint reached;                 /* atomic flag: decoded >= target */
  gint ice_connected;           /* atomic flag: "ice-connected" reported */

  GMutex lock;                  /* protects the fields below */
  gint64 t_open;                /* monotonic us, WebSocket open */
  gint64 t_first;               /* first decoded frame */
  gint64 t_first_key;           /* first key frame (not decoding: ttff) */
  gint64 t_last;                /* last counted frame (<= target) */
  gint64 t_mid;                 /* frame number mid_frame(target) */
  gint64 t_prev;                /* latest decoded frame, any (0: none) */
  gint64 max_gap;               /* longest gap between frames, us */
  gboolean gaps_final;          /* peer finished: max_gap is final */
  gint width;
  gint height;
  gchar *codec;
  GArray *latencies;            /* --timecode: gint32 ms, one per frame */

  /* the sink pad's streaming thread only */
  GstVideoInfo video_info;      /* --timecode: the decoded frames' format */
  gboolean video_info_ok;
};

/* ------------------------------------------------------------------------ */
/* Peer reference counting                                                  */

static Peer *
peer_ref (Peer * p)
{
  g_atomic_int_inc (&p->refcount);
  return p;
}

static void
peer_unref (gpointer data)
{
  Peer *p = data;

  if (!g_atomic_int_dec_and_test (&p->refcount))
    return;

  /* The pipeline and the WebSocket are released on the main thread before
   * the last reference goes away (see peer_stop_pipeline / peer_drop_ws). */
  g_warn_if_fail (p->pipeline == NULL);
  g_warn_if_fail (p->ws == NULL);
  gst_clear_object (&p->webrtc);
  g_free (p->codec);
  g_array_unref (p->latencies);
  g_ptr_array_unref (p->mids);
  g_free (p->whep_ufrag);
  g_free (p->whep_pwd);
  g_free (p->whep_location);
  g_string_free (p->whep_pending, TRUE);
  g_array_unref (p->whep_patch_statuses);
  g_mutex_clear (&p->lock);
  g_free (p);
}

static void app_check_done (App * app);
static void peer_finish (Peer * p, const gchar * why);
static gboolean hold_done_cb (gpointer data);
static gboolean arm_drop_media_cb (gpointer data);
static gboolean arm_request_key_frame_cb (gpointer data);
static void peer_event (Peer * p, const gchar * name, gint code);

/* ------------------------------------------------------------------------ */
/* Handing work to the main context                                         */

typedef struct
{
  Peer *peer;
  gchar *text;
  guint mline;                  /* a candidate's */
} PeerTask;

static void
peer_task_free (gpointer data)
{
  PeerTask *t = data;

  peer_unref (t->peer);
  g_free (t->text);
  g_free (t);
}

/* Attach an idle source to the main context; callable from any thread.
 * Sources of equal priority are dispatched in the order they were attached,
 * so messages leave in the order they were queued. Takes ownership of text. */
static void
peer_defer_full (Peer * p, GSourceFunc func, gchar * text, guint mline)
{
  PeerTask *t = g_new0 (PeerTask, 1);
  GSource *src;

  t->peer = peer_ref (p);
  t->text = text;
  t->mline = mline;
  src = g_idle_source_new ();
  g_source_set_priority (src, G_PRIORITY_DEFAULT);
  g_source_set_callback (src, func, t, peer_task_free);
  g_source_attach (src, p->app->ctx);
  g_source_unref (src);
}

static void
peer_defer (Peer * p, GSourceFunc func, gchar * text)
{
  peer_defer_full (p, func, text, 0);
}

static gboolean
send_text (Peer * p, const gchar * text)
{
  if (p->ws == NULL
      || soup_websocket_connection_get_state (p->ws) !=
      SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;
  soup_websocket_connection_send_text (p->ws, text);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* JSON helpers                                                             */

static gchar *
json_to_text (JsonBuilder * b)
{
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root = json_builder_get_root (b);
  gchar *text;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  return text;
}

/* --events: one flushed line per peer event, printed on the main thread
 * only, so lines never interleave and keep the order of the events.
 * code < 0: the event has no "code" member. */
static void
peer_event (Peer * p, const gchar * name, gint code)
{
  JsonBuilder *b;
  gchar *line;

  if (!p->app->events)
    return;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "peer");
  json_builder_add_int_value (b, p->index);
  if (code >= 0) {
    json_builder_set_member_name (b, "code");
    json_builder_add_int_value (b, code);
  }
  json_builder_end_object (b);
  line = json_to_text (b);
  fprintf (stdout, "%s\n", line);
  fflush (stdout);
  g_free (line);
  g_object_unref (b);
}

/* An event seen on another thread: the task's text is its name. */
static gboolean
event_cb (gpointer data)
{
  PeerTask *t = data;

  peer_event (t->peer, t->text, -1);
  return G_SOURCE_REMOVE;
}

static void
peer_defer_event (Peer * p, const gchar * name)
{
  if (p->app->events)
    peer_defer (p, event_cb, g_strdup (name));
}

static gchar *
make_answer_msg (const gchar * sdp)
{
  JsonBuilder *b = json_builder_new ();
  gchar *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "sdp");
  json_builder_set_member_name (b, "data");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "answer");
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp);
  json_builder_end_object (b);
  json_builder_end_object (b);
  text = json_to_text (b);
  g_object_unref (b);
  return text;
}

static gchar *
make_ice_msg (guint mline, const gchar * candidate)
{
  JsonBuilder *b = json_builder_new ();
  gchar *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "ice");
  json_builder_set_member_name (b, "data");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, candidate);
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, mline);
  json_builder_end_object (b);
  json_builder_end_object (b);
  text = json_to_text (b);
  g_object_unref (b);
  return text;
}

/* ------------------------------------------------------------------------ */
/* Janus's JSON API (--janus, main thread)                                   */

/* Janus 1.1.2 over its WebSockets transport (subprotocol "janus-protocol"):
 * create a session, attach to the Streaming plugin, "watch" the mountpoint;
 * the offer comes in an event's "jsep"; "start" carries our answer, and
 * "trickle" our candidates, then {"completed":true}. Every request has a
 * transaction; its name before the '-' says what a "success" answers. */

/* Begins a request: {"janus":VERB,"transaction":"PURPOSE-N",
 * "session_id":..., "handle_id":...}; the caller adds its members and
 * calls janus_send. */
static JsonBuilder *
janus_begin (Peer * p, const gchar * verb, const gchar * purpose,
    gboolean with_handle)
{
  JsonBuilder *b = json_builder_new ();
  gchar *tx = g_strdup_printf ("%s-%u", purpose, ++p->janus_tx);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "janus");
  json_builder_add_string_value (b, verb);
  json_builder_set_member_name (b, "transaction");
  json_builder_add_string_value (b, tx);
  if (p->janus_session != 0) {
    json_builder_set_member_name (b, "session_id");
    json_builder_add_int_value (b, p->janus_session);
  }
  if (with_handle && p->janus_handle != 0) {
    json_builder_set_member_name (b, "handle_id");
    json_builder_add_int_value (b, p->janus_handle);
  }
  g_free (tx);
  return b;
}

static gboolean
janus_send (Peer * p, JsonBuilder * b)
{
  gchar *text;
  gboolean sent;

  json_builder_end_object (b);
  text = json_to_text (b);
  sent = send_text (p, text);
  g_free (text);
  g_object_unref (b);
  return sent;
}

static void
janus_attach (Peer * p)
{
  JsonBuilder *b = janus_begin (p, "attach", "attach", FALSE);

  json_builder_set_member_name (b, "plugin");
  json_builder_add_string_value (b, "janus.plugin.streaming");
  janus_send (p, b);
}

static void
janus_watch (Peer * p)
{
  JsonBuilder *b = janus_begin (p, "message", "watch", TRUE);

  json_builder_set_member_name (b, "body");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "request");
  json_builder_add_string_value (b, "watch");
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, p->app->janus_mountpoint);
  json_builder_end_object (b);
  janus_send (p, b);
}

static gboolean
janus_start (Peer * p, const gchar * sdp)
{
  JsonBuilder *b = janus_begin (p, "message", "start", TRUE);

  json_builder_set_member_name (b, "body");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "request");
  json_builder_add_string_value (b, "start");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "jsep");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "answer");
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp);
  json_builder_end_object (b);
  return janus_send (p, b);
}

/* candidate == NULL: {"completed":true}, the end of our candidates. */
static void
janus_trickle (Peer * p, guint mline, const gchar * candidate)
{
  JsonBuilder *b = janus_begin (p, "trickle", "trickle", TRUE);

  json_builder_set_member_name (b, "candidate");
  json_builder_begin_object (b);
  if (candidate == NULL) {
    json_builder_set_member_name (b, "completed");
    json_builder_add_boolean_value (b, TRUE);
  } else {
    json_builder_set_member_name (b, "candidate");
    json_builder_add_string_value (b, candidate);
    json_builder_set_member_name (b, "sdpMLineIndex");
    json_builder_add_int_value (b, mline);
    if (mline < p->mids->len && g_ptr_array_index (p->mids, mline)) {
      json_builder_set_member_name (b, "sdpMid");
      json_builder_add_string_value (b, g_ptr_array_index (p->mids, mline));
    }
  }
  json_builder_end_object (b);
  janus_send (p, b);
}

static void ws_close_now (Peer * p);

static gboolean
janus_hangup_timeout_cb (gpointer data)
{
  Peer *p = data;

  p->janus_hangup_id = 0;
  fprintf (stderr, "[rx] peer %u: Janus did not answer \"destroy\"\n",
      p->index);
  ws_close_now (p);
  return G_SOURCE_REMOVE;
}

/* Before our close frame: leave the plugin and end the session, then
 * close once "destroy" is answered (or JANUS_HANGUP_MS later): Janus
 * tears a closed WebSocket's sessions down before it reads requests still
 * queued, and would answer those with errors. */
static void
janus_hang_up (Peer * p)
{
  if (p->janus_handle != 0)
    janus_send (p, janus_begin (p, "detach", "detach", TRUE));
  janus_send (p, janus_begin (p, "destroy", "destroy", FALSE));
  p->janus_handle = p->janus_session = 0;
  /* no reference: peer_drop_ws removes the timer */
  p->janus_hangup_id = g_timeout_add (JANUS_HANGUP_MS,
      janus_hangup_timeout_cb, p);
}

/* Janus ends a session that hears nothing for 60 s: one timer, every 20 s,
 * for all peers (no timer per peer). */
static gboolean
janus_keepalive_cb (gpointer data)
{
  App *app = data;
  gint i;

  for (i = 0; i < app->n_peers; i++) {
    Peer *p = app->peers[i];

    if (p->janus_session != 0)
      janus_send (p, janus_begin (p, "keepalive", "keepalive", FALSE));
  }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* WHEP (--whep, main thread)                                               */

/* Each peer is a WHEP player (draft-ietf-wish-whep): it makes the offer
 * (one recvonly video m-line), POSTs it to the endpoint and gets 201 with
 * the answer and the Location of its session; it trickles its own
 * candidates to that Location with PATCH (RFC 8840 fragments) and DELETEs
 * it when it is done. The server trickles nothing: its candidates are in
 * the answer. Every request is on the one SoupSession, async on the main
 * context. */

/* The codecs offered, with the payload types browsers use for them. */
#define WHEP_OFFER_CAPS \
  "application/x-rtp,media=video,encoding-name=VP8,payload=96," \
  "clock-rate=90000;" \
  "application/x-rtp,media=video,encoding-name=H264,payload=102," \
  "clock-rate=90000,packetization-mode=(string)1," \
  "profile-level-id=(string)42e01f,level-asymmetry-allowed=(string)1"

#define WHEP_TRICKLE_TYPE "application/trickle-ice-sdpfrag"

static gboolean promise_ok (Peer * p, GstPromise * promise,
    const gchar * what);

/* A request to the endpoint or the session, with the token if there is
 * one. Takes ownership of body (may be NULL). */
static SoupMessage *
whep_request (Peer * p, const gchar * method, const gchar * uri,
    const gchar * content_type, gchar * body)
{
  SoupMessage *msg = soup_message_new (method, uri);

  if (msg == NULL) {
    g_free (body);
    return NULL;
  }
  if (p->app->token != NULL) {
    gchar *auth = g_strdup_printf ("Bearer %s", p->app->token);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
    g_free (auth);
  }
  if (body != NULL) {
    GBytes *bytes = g_bytes_new_take (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    g_bytes_unref (bytes);
  }
  return msg;
}

/* Logs a response; one not of the status expected counts as an error. */
static void
whep_check_status (Peer * p, const gchar * method, guint status,
    guint expected, const GError * err)
{
  if (status == expected) {
    fprintf (stderr, "[rx] peer %u: %s -> %u\n", p->index, method, status);
    return;
  }
  p->errors++;
  fprintf (stderr, "[rx] peer %u: %s -> %u, expected %u%s%s\n", p->index,
      method, status, expected, err ? ": " : "", err ? err->message : "");
}

static void
on_delete_done (GObject * source, GAsyncResult * res, gpointer data)
{
  Peer *p = data;
  SoupSession *session = SOUP_SESSION (source);
  SoupMessage *msg = soup_session_get_async_result_message (session, res);
  GError *err = NULL;
  GBytes *body = soup_session_send_and_read_finish (session, res, &err);

  p->whep_deleting = FALSE;
  p->whep_delete_status = soup_message_get_status (msg);
  whep_check_status (p, "DELETE", p->whep_delete_status, SOUP_STATUS_OK, err);
  peer_event (p, "delete", (gint) p->whep_delete_status);
  g_clear_error (&err);
  if (body != NULL)
    g_bytes_unref (body);
  app_check_done (p->app);
  peer_unref (p);
}

/* Once the peer is finished and nothing else of its session is in flight
 * (so that no PATCH arrives after the session is gone): end the session.
 * Not cancelled by the deadline; the grace period after the last peer
 * bounds the wait for it. */
static void
whep_maybe_delete (Peer * p)
{
  SoupMessage *msg;

  if (!p->finished || p->whep_location == NULL || p->whep_delete_sent
      || p->whep_posting || p->whep_patches > 0)
    return;
  p->whep_delete_sent = TRUE;
  msg = whep_request (p, SOUP_METHOD_DELETE, p->whep_location, NULL, NULL);
  if (msg == NULL)
    return;
  p->whep_deleting = TRUE;
  soup_session_send_and_read_async (p->app->session, msg, G_PRIORITY_DEFAULT,
      NULL, on_delete_done, peer_ref (p));
  g_object_unref (msg);
}

static void
on_patch_done (GObject * source, GAsyncResult * res, gpointer data)
{
  Peer *p = data;
  SoupSession *session = SOUP_SESSION (source);
  SoupMessage *msg = soup_session_get_async_result_message (session, res);
  GError *err = NULL;
  GBytes *body = soup_session_send_and_read_finish (session, res, &err);
  guint status = soup_message_get_status (msg);

  p->whep_patches--;
  g_array_append_val (p->whep_patch_statuses, status);
  whep_check_status (p, "PATCH", status, SOUP_STATUS_NO_CONTENT, err);
  peer_event (p, "patch", (gint) status);
  g_clear_error (&err);
  if (body != NULL)
    g_bytes_unref (body);
  whep_maybe_delete (p);
  app_check_done (p->app);
  peer_unref (p);
}

/* Adds a line of ours to the next fragment, under the m-line's section
 * (one "m=" and "a=mid" per run of lines of the same m-line). */
static void
whep_queue_line (Peer * p, guint mline, const gchar * line)
{
  if (p->whep_pending->len == 0 || p->whep_pending_mline != (gint) mline) {
    const gchar *mid = mline < p->mids->len ?
        g_ptr_array_index (p->mids, mline) : NULL;

    /* RFC 8840: the m= line only places what follows; its values are
     * dummies */
    g_string_append (p->whep_pending, "m=video 9 UDP/TLS/RTP/SAVPF 0\r\n");
    if (mid != NULL)
      g_string_append_printf (p->whep_pending, "a=mid:%s\r\n", mid);
    p->whep_pending_mline = (gint) mline;
  }
  g_string_append_printf (p->whep_pending, "%s\r\n", line);
}

/* Sends what is queued in one PATCH, once the session's Location is
 * known (candidates found before the 201 go together right after it). */
static void
whep_flush (Peer * p)
{
  SoupMessage *msg;
  gchar *body;

  if (p->finished || p->whep_location == NULL || p->whep_pending->len == 0)
    return;
  body = g_strdup_printf ("a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n%s",
      p->whep_ufrag ? p->whep_ufrag : "", p->whep_pwd ? p->whep_pwd : "",
      p->whep_pending->str);
  g_string_truncate (p->whep_pending, 0);
  p->whep_candidates_sent += p->whep_pending_candidates;
  p->whep_pending_candidates = 0;
  msg = whep_request (p, "PATCH", p->whep_location, WHEP_TRICKLE_TYPE, body);
  if (msg == NULL)
    return;
  p->whep_patches++;
  soup_session_send_and_read_async (p->app->session, msg, G_PRIORITY_DEFAULT,
      p->app->cancel, on_patch_done, peer_ref (p));
  g_object_unref (msg);
}

/* One of our candidates (candidate == NULL: gathering is complete). */
static void
whep_add_candidate (Peer * p, guint mline, const gchar * candidate)
{
  gchar *line;

  if (p->finished)
    return;
  if (candidate == NULL) {
    whep_queue_line (p, p->whep_pending->len > 0 ?
        (guint) p->whep_pending_mline : 0, "a=end-of-candidates");
  } else {
    if (g_str_has_prefix (candidate, "a="))
      candidate += 2;
    line = g_strconcat ("a=", candidate, NULL);
    whep_queue_line (p, mline, line);
    g_free (line);
    p->whep_pending_candidates++;
  }
  whep_flush (p);
}

static gboolean
whep_answer_failed_cb (gpointer data)
{
  PeerTask *t = data;

  peer_finish (t->peer, "answer not applied");
  return G_SOURCE_REMOVE;
}

static void
on_whep_answer_set (GstPromise * promise, gpointer data)
{
  Peer *p = data;

  if (!promise_ok (p, promise, "set-remote-description"))
    peer_defer (p, whep_answer_failed_cb, NULL);
}

/* The 201's answer as our remote description. FALSE if it is no SDP. */
static gboolean
whep_apply_answer (Peer * p, SoupMessage * msg, GBytes * body)
{
  const gchar *type = soup_message_headers_get_content_type
      (soup_message_get_response_headers (msg), NULL);
  gsize len = 0;
  const gchar *data = body ? g_bytes_get_data (body, &len) : NULL;
  gchar *text;
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  if (type == NULL || g_ascii_strcasecmp (type, "application/sdp") != 0) {
    fprintf (stderr, "[rx] peer %u: the answer's Content-Type is %s\n",
        p->index, type ? type : "missing");
    return FALSE;
  }
  text = g_strndup (data ? data : "", len);
  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK
      || gst_sdp_message_medias_len (sdp) == 0) {
    fprintf (stderr, "[rx] peer %u: cannot parse the answer SDP\n",
        p->index);
    if (sdp != NULL)
      gst_sdp_message_free (sdp);
    g_free (text);
    return FALSE;
  }
  g_free (text);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  promise = gst_promise_new_with_change_func (on_whep_answer_set,
      peer_ref (p), peer_unref);
  g_signal_emit_by_name (p->webrtc, "set-remote-description", desc, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
  return TRUE;
}

/* The Location header, resolved against the URL it answered. */
static gchar *
whep_resolve_location (SoupMessage * msg)
{
  const gchar *location = soup_message_headers_get_one
      (soup_message_get_response_headers (msg), "Location");
  GUri *uri;
  gchar *text;

  if (location == NULL || *location == '\0')
    return NULL;
  uri = g_uri_parse_relative (soup_message_get_uri (msg), location,
      SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    return NULL;
  text = g_uri_to_string (uri);
  g_uri_unref (uri);
  return text;
}

static void
on_post_done (GObject * source, GAsyncResult * res, gpointer data)
{
  Peer *p = data;
  App *app = p->app;
  SoupSession *session = SOUP_SESSION (source);
  SoupMessage *msg = soup_session_get_async_result_message (session, res);
  GError *err = NULL;
  GBytes *body = soup_session_send_and_read_finish (session, res, &err);
  guint status = soup_message_get_status (msg);
  guint expected = app->whep_expect_status ?
      (guint) app->whep_expect_status : SOUP_STATUS_CREATED;

  p->whep_posting = FALSE;
  p->whep_post_status = status;
  whep_check_status (p, "POST", status, expected, err);
  peer_event (p, "post", (gint) status);
  if (status == SOUP_STATUS_CREATED) {
    p->whep_location = whep_resolve_location (msg);
    if (p->whep_location == NULL) {
      p->errors++;
      fprintf (stderr, "[rx] peer %u: 201 without a usable Location\n",
          p->index);
    }
  }

  if (expected != SOUP_STATUS_CREATED) {
    /* --whep-expect-status: the status is the verdict, no media */
    if (status == expected)
      g_atomic_int_set (&p->reached, 1);
    peer_finish (p, status == expected ? NULL : "unexpected POST status");
  } else if (!p->finished) {
    if (status != SOUP_STATUS_CREATED || p->whep_location == NULL) {
      peer_finish (p, "POST failed");
    } else if (!whep_apply_answer (p, msg, body)) {
      p->errors++;
      peer_finish (p, "no usable answer");
    } else {
      whep_flush (p);           /* the candidates found meanwhile */
    }
  }
  whep_maybe_delete (p);        /* the peer may have finished meanwhile */
  g_clear_error (&err);
  if (body != NULL)
    g_bytes_unref (body);
  app_check_done (app);
  peer_unref (p);
}

/* Our offer, just set as local description: note what the PATCHes need
 * (the m-lines' mids, the ICE credentials), then POST it. */
static gboolean
whep_post_cb (gpointer data)
{
  PeerTask *t = data;
  Peer *p = t->peer;
  GstSDPMessage *sdp = NULL;
  SoupMessage *msg;
  guint i;

  if (p->finished)
    return G_SOURCE_REMOVE;
  if (gst_sdp_message_new_from_text (t->text, &sdp) == GST_SDP_OK) {
    for (i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
      const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);

      g_ptr_array_add (p->mids,
          g_strdup (gst_sdp_media_get_attribute_val (m, "mid")));
      if (p->whep_ufrag == NULL) {
        p->whep_ufrag = g_strdup (gst_sdp_media_get_attribute_val (m,
                "ice-ufrag"));
        p->whep_pwd = g_strdup (gst_sdp_media_get_attribute_val (m,
                "ice-pwd"));
      }
    }
    if (p->whep_ufrag == NULL) {        /* or at session level */
      p->whep_ufrag = g_strdup (gst_sdp_message_get_attribute_val (sdp,
              "ice-ufrag"));
      p->whep_pwd = g_strdup (gst_sdp_message_get_attribute_val (sdp,
              "ice-pwd"));
    }
    gst_sdp_message_free (sdp);
  }

  msg = whep_request (p, SOUP_METHOD_POST, p->app->url, "application/sdp",
      g_strdup (t->text));
  if (msg == NULL) {
    fprintf (stderr, "dsl-test-receiver: invalid URL %s\n", p->app->url);
    peer_finish (p, "invalid url");
    return G_SOURCE_REMOVE;
  }
  g_mutex_lock (&p->lock);
  p->t_open = g_get_monotonic_time ();
  g_mutex_unlock (&p->lock);
  p->whep_posting = TRUE;
  fprintf (stderr, "[rx] peer %u: POST %s\n", p->index, p->app->url);
  peer_event (p, "post-sent", -1);
  soup_session_send_and_read_async (p->app->session, msg, G_PRIORITY_DEFAULT,
      p->app->cancel, on_post_done, peer_ref (p));
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

/* webrtcbin's thread. */
static void
on_offer_created (GstPromise * promise, gpointer data)
{
  Peer *p = data;
  const GstStructure *reply;
  GstWebRTCSessionDescription *offer = NULL;

  if (!promise_ok (p, promise, "create-offer"))
    return;
  reply = gst_promise_get_reply (promise);
  if (reply == NULL || !gst_structure_get (reply, "offer",
          GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL)
      || offer == NULL) {
    fprintf (stderr, "[rx] peer %u: create-offer gave no offer\n", p->index);
    return;
  }
  /* Queued before set-local-description starts ICE gathering, so the
   * POST is handled before any of our candidates. */
  peer_defer (p, whep_post_cb, gst_sdp_message_as_text (offer->sdp));
  g_signal_emit_by_name (p->webrtc, "set-local-description", offer, NULL);
  gst_webrtc_session_description_free (offer);
}

/* The recvonly video transceiver, before the pipeline plays. */
static gboolean
whep_add_transceiver (Peer * p)
{
  GstCaps *caps = gst_caps_from_string (WHEP_OFFER_CAPS);
  GstWebRTCRTPTransceiver *trans = NULL;

  g_signal_emit_by_name (p->webrtc, "add-transceiver",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  gst_caps_unref (caps);
  if (trans == NULL) {
    fprintf (stderr, "[rx] peer %u: cannot add a transceiver\n", p->index);
    return FALSE;
  }
  gst_object_unref (trans);
  return TRUE;
}

static void
whep_start (Peer * p)
{
  GstPromise *promise = gst_promise_new_with_change_func (on_offer_created,
      peer_ref (p), peer_unref);

  g_signal_emit_by_name (p->webrtc, "create-offer", NULL, promise);
  gst_promise_unref (promise);
}

/* ------------------------------------------------------------------------ */
/* Our answer and candidates, in the protocol spoken (main thread)           */

static gboolean
send_answer_cb (gpointer data)
{
  PeerTask *t = data;
  gboolean sent;

  if (t->peer->app->janus) {     /* not once we have hung up */
    sent = t->peer->janus_handle != 0 && janus_start (t->peer, t->text);
  } else {
    gchar *msg = make_answer_msg (t->text);

    sent = send_text (t->peer, msg);
    g_free (msg);
  }
  if (sent)
    peer_event (t->peer, "answer-sent", -1);
  return G_SOURCE_REMOVE;
}

/* t->text NULL: the end of candidates (Janus and WHEP only: DSL's
 * protocol sends none). */
static gboolean
send_candidate_cb (gpointer data)
{
  PeerTask *t = data;

  if (t->peer->app->whep) {
    whep_add_candidate (t->peer, t->mline, t->text);
  } else if (t->peer->app->janus) {
    if (t->peer->janus_handle != 0)     /* not once we have hung up */
      janus_trickle (t->peer, t->mline, t->text);
  } else if (t->text != NULL) {
    gchar *msg = make_ice_msg (t->mline, t->text);

    send_text (t->peer, msg);
    g_free (msg);
  }
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* webrtcbin callbacks (webrtcbin / libnice threads)                        */

/* Returns TRUE if the promise carries a usable reply; logs errors. */
static gboolean
promise_ok (Peer * p, GstPromise * promise, const gchar * what)
{
  GstPromiseResult res = gst_promise_wait (promise);
  const GstStructure *reply;

  if (res != GST_PROMISE_RESULT_REPLIED) {
    fprintf (stderr, "[rx] peer %u: %s: promise not replied (%d)\n",
        p->index, what, (int) res);
    return FALSE;
  }
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field (reply, "error")) {
    GError *err = NULL;

    gst_structure_get (reply, "error", G_TYPE_ERROR, &err, NULL);
    fprintf (stderr, "[rx] peer %u: %s failed: %s\n", p->index, what,
        err ? err->message : "unknown error");
    g_clear_error (&err);
    return FALSE;
  }
  return TRUE;
}

static void
on_answer_created (GstPromise * promise, gpointer data)
{
  Peer *p = data;
  const GstStructure *reply;
  GstWebRTCSessionDescription *answer = NULL;
  gchar *sdp;

  if (!promise_ok (p, promise, "create-answer"))
    return;
  reply = gst_promise_get_reply (promise);
  if (reply == NULL || !gst_structure_get (reply, "answer",
          GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL)
      || answer == NULL) {
    fprintf (stderr, "[rx] peer %u: create-answer gave no answer\n",
        p->index);
    return;
  }

  /* Queue the answer before set-local-description starts ICE gathering,
   * so it always goes out ahead of our candidates. */
  sdp = gst_sdp_message_as_text (answer->sdp);
  peer_defer (p, send_answer_cb, sdp);

  g_signal_emit_by_name (p->webrtc, "set-local-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
}

static void
on_remote_set (GstPromise * promise, gpointer data)
{
  Peer *p = data;
  GstPromise *next;

  if (!promise_ok (p, promise, "set-remote-description"))
    return;
  next = gst_promise_new_with_change_func (on_answer_created, peer_ref (p),
      peer_unref);
  g_signal_emit_by_name (p->webrtc, "create-answer", NULL, next);
  gst_promise_unref (next);
}

static void
on_ice_candidate (GstElement * webrtc, guint mline, gchar * candidate,
    gpointer data)
{
  Peer *p = data;

  (void) webrtc;
  if (candidate == NULL || *candidate == '\0')
    return;
  peer_defer_full (p, send_candidate_cb, g_strdup (candidate), mline);
}

/* Janus (and a WHEP session) wants to hear that our candidates are all
 * out. Queued from the same thread as the candidates, so it follows them. */
static void
on_gathering_state (GstElement * webrtc, GParamSpec * pspec, gpointer data)
{
  Peer *p = data;
  GstWebRTCICEGatheringState state;

  (void) pspec;
  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    peer_defer_full (p, send_candidate_cb, NULL, 0);
}

static void
on_connection_state (GstElement * webrtc, GParamSpec * pspec, gpointer data)
{
  Peer *p = data;
  GstWebRTCPeerConnectionState state;

  (void) pspec;
  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED
      && g_atomic_int_compare_and_exchange (&p->ice_connected, 0, 1))
    peer_defer_event (p, "ice-connected");
}

/* ------------------------------------------------------------------------ */
/* Decoding and frame counting (streaming threads)                          */

/* Start of the second half of the counted frames, for "fps_steady". */
static gint
mid_frame (gint target)
{
  return target / 2 + 1;
}

static gboolean
reached_cb (gpointer data)
{
  PeerTask *t = data;
  Peer *p = t->peer;
  App *app = p->app;

  if (p->finished)
    return G_SOURCE_REMOVE;
  fprintf (stderr, "[rx] peer %u: decoded %d frames\n", p->index,
      app->target_frames);
  if (app->hold_s > 0) {
    /* the hold timer holds no reference: peer_finish removes it */
    if (p->hold_id == 0)
      p->hold_id = g_timeout_add ((guint) (app->hold_s * 1000.0),
          hold_done_cb, p);
  } else {
    peer_finish (p, NULL);
  }
  return G_SOURCE_REMOVE;
}

/* The size in a VP8 key frame's header: after the 3-byte frame tag (bit 0
 * of the first byte is 0 for a key frame) come the start code 9d 01 2a,
 * then 14-bit width and height, little-endian (the top 2 bits scale). */
static gboolean
vp8_key_frame_size (GstBuffer * buf, gint * width, gint * height)
{
  guint8 h[10];

  if (gst_buffer_extract (buf, 0, h, sizeof h) != sizeof h
      || (h[0] & 0x01) != 0 || h[3] != 0x9d || h[4] != 0x01 || h[5] != 0x2a)
    return FALSE;
  *width = (h[6] | h[7] << 8) & 0x3fff;
  *height = (h[8] | h[9] << 8) & 0x3fff;
  return TRUE;
}

/* Is this depayloaded access unit a key frame? VP8 is read from the frame
 * header (and gives the size); the other codecs' depayloader or parser
 * marks delta units. */
static gboolean
access_unit_is_key (Peer * p, GstBuffer * buf, gint * width, gint * height)
{
  *width = *height = 0;
  if (g_atomic_int_get (&p->is_vp8))
    return vp8_key_frame_size (buf, width, height);
  return !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
}

/* A decoding peer's depayloaded stream (before the decoder): key frames. */
static GstPadProbeReturn
access_unit_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Peer *p = data;
  gint w, h;

  (void) pad;
  if (access_unit_is_key (p, GST_PAD_PROBE_INFO_BUFFER (info), &w, &h))
    g_atomic_int_inc (&p->key_frames);
  return GST_PAD_PROBE_OK;
}

/* --timecode: the capture time the source wrote into the top band (see
 * the header comment). B = width / 40; each block's central B/2 x B/2
 * square is averaged against 128; bits 39..8 are the time, 7..0 the XOR
 * of its bytes. FALSE if the frame carries no valid code. */
static gboolean
read_timecode (const GstVideoInfo * vinfo, GstBuffer * buf, guint32 * t)
{
  GstVideoFrame frame;
  const guint8 *luma;
  gint stride;
  guint size, half, i, x, y;
  guint64 code = 0;
  guint8 check;

  size = (guint) GST_VIDEO_INFO_WIDTH (vinfo) / TIMECODE_BLOCKS;
  if (size < 2 || (guint) GST_VIDEO_INFO_HEIGHT (vinfo) < size
      || !gst_video_frame_map (&frame, vinfo, buf, GST_MAP_READ))
    return FALSE;
  luma = GST_VIDEO_FRAME_COMP_DATA (&frame, 0);
  stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0);
  half = size / 2;
  for (i = 0; i < TIMECODE_BLOCKS; i++) {
    guint sum = 0;

    for (y = size / 4; y < size / 4 + half; y++)
      for (x = i * size + size / 4; x < i * size + size / 4 + half; x++)
        sum += luma[y * stride + x];
    code = code << 1 | (sum >= 128 * half * half ? 1 : 0);
  }
  gst_video_frame_unmap (&frame);

  *t = (guint32) (code >> 8);
  check = (guint8) (*t >> 24 ^ *t >> 16 ^ *t >> 8 ^ *t);
  return check == (guint8) (code & 0xff);
}

/* --timecode: one latency sample, now (wall clock ms mod 2^32) minus the
 * time in the frame. */
static void
record_latency (Peer * p, GstBuffer * buf)
{
  guint32 t, now;
  gint32 latency;

  if (!p->video_info_ok || !read_timecode (&p->video_info, buf, &t))
    return;
  now = (guint32) (g_get_real_time () / 1000);
  latency = (gint32) (now - t);
  g_mutex_lock (&p->lock);
  if (p->latencies->len < MAX_LATENCY_SAMPLES)
    g_array_append_val (p->latencies, latency);
  g_mutex_unlock (&p->lock);
}

/* A frame reached the sink: decoded, or (a peer that does not decode) out
 * of the depayloader. Streaming thread. */
static GstPadProbeReturn
frame_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Peer *p = data;
  gint target = p->app->target_frames;
  gboolean first_frame = FALSE;
  gint64 now;
  gint n;

  (void) pad;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
      GstCaps *caps = NULL;
      gint w = 0, h = 0;

      gst_event_parse_caps (ev, &caps);
      if (caps != NULL && gst_caps_get_size (caps) > 0) {
        const GstStructure *s = gst_caps_get_structure (caps, 0);

        gst_structure_get_int (s, "width", &w);
        gst_structure_get_int (s, "height", &h);
        /* Encoded caps may carry no size (VP8 before a key frame): a
         * peer that does not decode keeps what it learnt. */
        if (p->decodes || (w > 0 && h > 0)) {
          g_mutex_lock (&p->lock);
          p->width = w;
          p->height = h;
          g_mutex_unlock (&p->lock);
        }
        if (p->decodes && p->app->timecode)
          p->video_info_ok = gst_video_info_from_caps (&p->video_info, caps)
              && GST_VIDEO_INFO_FORMAT (&p->video_info) ==
              GST_VIDEO_FORMAT_I420;
      }
    }
    return GST_PAD_PROBE_OK;
  }

  if (!(info->type & GST_PAD_PROBE_TYPE_BUFFER))
    return GST_PAD_PROBE_OK;

  now = g_get_monotonic_time ();
  n = g_atomic_int_add (&p->decoded, 1) + 1;

  if (!p->decodes) {
    gint w, h;

    if (access_unit_is_key (p, GST_PAD_PROBE_INFO_BUFFER (info), &w, &h)) {
      first_frame = g_atomic_int_add (&p->key_frames, 1) == 0;
      g_mutex_lock (&p->lock);
      if (w > 0 && h > 0) {
        p->width = w;
        p->height = h;
      }
      if (first_frame)
        p->t_first_key = now;
      g_mutex_unlock (&p->lock);
    }
  } else {
    first_frame = n == 1;
    if (p->app->timecode)
      record_latency (p, GST_PAD_PROBE_INFO_BUFFER (info));
  }

  g_mutex_lock (&p->lock);
  if (n <= target) {
    if (n == 1)
      p->t_first = now;
    if (n == mid_frame (target))
      p->t_mid = now;
    p->t_last = now;
  }
  if (!p->gaps_final) {
    if (p->t_prev > 0 && now - p->t_prev > p->max_gap)
      p->max_gap = now - p->t_prev;
    p->t_prev = now;
  }
  g_mutex_unlock (&p->lock);

  /* A peer that does not decode has its first frame (the picture a
   * decoder could show) at its first key frame. */
  if (first_frame) {
    fprintf (stderr, "[rx] peer %u: first frame\n", p->index);
    peer_defer_event (p, "first-frame");
    if (p->app->drop_media_s > 0)
      peer_defer (p, arm_drop_media_cb, NULL);
    if (p->app->request_key_frame_s > 0)
      peer_defer (p, arm_request_key_frame_cb, NULL);
  }
  /* Done: --frames frames, and (not decoding) at least one of them a key
   * frame, so that a decoder could have shown them. */
  if (n >= target && (p->decodes || g_atomic_int_get (&p->key_frames) > 0)
      && g_atomic_int_compare_and_exchange (&p->reached, 0, 1))
    peer_defer (p, reached_cb, NULL);
  return GST_PAD_PROBE_OK;
}

/* How each encoding is received. The access-unit stage ("au": the parser,
 * or the depayloader where there is none) hands out one buffer per frame;
 * a peer that does not decode ends there (au_caps makes the parser gather
 * whole access units). */
typedef struct
{
  const gchar *encoding;
  const gchar *depay;
  const gchar *parse;
  const gchar *au_caps;
  const gchar *decoder;
} Codec;

static const Codec codecs[] = {
  {"VP8", "rtpvp8depay", NULL, NULL, "vp8dec"},
  {"VP9", "rtpvp9depay", NULL, NULL, "vp9dec"},
  {"H264", "rtph264depay", "h264parse", "video/x-h264,alignment=au",
      "avdec_h264"},
  {"H265", "rtph265depay", "h265parse", "video/x-h265,alignment=au",
      "avdec_h265"},
};

static const Codec *
find_codec (const gchar * encoding)
{
  guint i;

  if (encoding == NULL)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (codecs); i++)
    if (g_ascii_strcasecmp (encoding, codecs[i].encoding) == 0)
      return &codecs[i];
  return NULL;
}

/* The bin after webrtcbin's pad. Decoding: queue ! depay [! parse] !
 * decoder ! videoconvert ! fakesink. Not decoding: depay [! parse ! caps]
 * ! fakesink, with no queue, so that it runs on the jitter buffer's
 * thread and costs no thread of its own. */
static gchar *
receive_chain (Peer * p, const Codec * c)
{
  GString *d = g_string_new (NULL);

  if (p->decodes)
    g_string_append (d, "queue ! ");
  g_string_append (d, c->depay);
  if (c->parse == NULL)
    g_string_append (d, " name=au");
  else
    g_string_append_printf (d, " ! %s name=au", c->parse);
  if (p->decodes) {
    g_string_append_printf (d, " ! %s ! videoconvert", c->decoder);
    if (p->app->timecode)       /* the time code is read in I420 */
      g_string_append (d, " ! video/x-raw,format=I420");
  } else if (c->au_caps != NULL) {
    g_string_append_printf (d, " ! %s", c->au_caps);
  }
  /* no last sample: the sink keeps no buffer, takes no lock for it */
  g_string_append (d, " ! fakesink name=framesink sync=false async=false "
      "enable-last-sample=false");
  return g_string_free (d, FALSE);
}

static void
add_probe (GstElement * bin, const gchar * element, const gchar * pad_name,
    GstPadProbeType mask, GstPadProbeCallback probe, Peer * p)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (bin), element);
  GstPad *pad = gst_element_get_static_pad (e, pad_name);

  gst_pad_add_probe (pad, mask, probe, p, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

static void
on_pad_added (GstElement * webrtc, GstPad * pad, gpointer data)
{
  Peer *p = data;
  GstCaps *caps;
  const GstStructure *s = NULL;
  const gchar *encoding = NULL;
  const Codec *codec;
  gchar *desc;
  GstElement *bin, *parent;
  GstPad *sinkpad;
  GError *err = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;

  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps != NULL && gst_caps_get_size (caps) > 0) {
    s = gst_caps_get_structure (caps, 0);
    encoding = gst_structure_get_string (s, "encoding-name");
  }

  codec = find_codec (encoding);
  if (codec != NULL) {
    desc = receive_chain (p, codec);
    g_mutex_lock (&p->lock);
    g_free (p->codec);
    p->codec = g_ascii_strup (encoding, -1);
    g_mutex_unlock (&p->lock);
    g_atomic_int_set (&p->is_vp8, g_str_equal (codec->encoding, "VP8"));
    fprintf (stderr, "[rx] peer %u: receiving %s on %s (%s)\n", p->index,
        encoding, GST_PAD_NAME (pad), p->decodes ? "decoding" :
        "not decoding");
  } else {
    /* audio or something we cannot decode: just consume it */
    desc = g_strdup ("fakesink sync=false async=false");
    fprintf (stderr, "[rx] peer %u: ignoring stream %s (%s)\n", p->index,
        GST_PAD_NAME (pad), encoding ? encoding : "no encoding-name");
  }
  if (caps != NULL)
    gst_caps_unref (caps);

  bin = gst_parse_bin_from_description (desc, TRUE, &err);
  g_free (desc);
  if (bin == NULL) {
    fprintf (stderr, "[rx] peer %u: cannot build decoder: %s\n", p->index,
        err ? err->message : "unknown error");
    g_clear_error (&err);
    return;
  }
  g_clear_error (&err);         /* may hold a non-fatal warning */

  parent = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (webrtc)));
  if (parent == NULL) {
    gst_object_unref (gst_object_ref_sink (bin));
    return;
  }

  if (codec != NULL) {
    add_probe (bin, "framesink", "sink",
        GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        frame_probe, p);
    if (p->decodes)
      add_probe (bin, "au", "src", GST_PAD_PROBE_TYPE_BUFFER,
          access_unit_probe, p);
  }

  gst_bin_add (GST_BIN (parent), bin);
  gst_element_sync_state_with_parent (bin);
  sinkpad = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    fprintf (stderr, "[rx] peer %u: failed to link %s\n", p->index,
        GST_PAD_NAME (pad));
  gst_object_unref (sinkpad);
  gst_object_unref (parent);
}

/* ------------------------------------------------------------------------ */
/* Pipeline (main thread)                                                   */

static gboolean
on_bus_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  Peer *p = data;
  GError *err = NULL;
  gchar *dbg = NULL;

  (void) bus;
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &dbg);
      fprintf (stderr, "[rx] peer %u: pipeline error from %s: %s (%s)\n",
          p->index, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
          dbg ? dbg : "");
      g_clear_error (&err);
      g_free (dbg);
      peer_finish (p, "pipeline error");
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &dbg);
      fprintf (stderr, "[rx] peer %u: pipeline warning from %s: %s\n",
          p->index, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message);
      g_clear_error (&err);
      g_free (dbg);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
peer_setup_ice (Peer * p)
{
  GObject *ice = NULL;
  NiceAgent *agent = NULL;
  gchar **a;

  g_object_get (p->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL) {
    fprintf (stderr, "[rx] webrtcbin has no ice-agent\n");
    return FALSE;
  }
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp"))
    g_object_set (ice, "ice-tcp", FALSE, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent == NULL) {
    fprintf (stderr, "[rx] ICE agent is not a libnice agent\n");
    g_object_unref (ice);
    return FALSE;
  }
  /* libnice looks for a UPnP router by default: every agent would start
   * SSDP discovery and an HTTP server of its own (sockets, timers, port
   * clashes with 100 peers), for no candidate we could use here. */
  g_object_set (agent, "upnp", FALSE, NULL);
  for (a = p->app->ice_addresses; a != NULL && *a != NULL; a++) {
    NiceAddress addr;

    nice_address_init (&addr);
    if (!nice_address_set_from_string (&addr, *a)
        || !nice_agent_add_local_address (agent, &addr))
      fprintf (stderr, "[rx] peer %u: cannot add local address %s\n",
          p->index, *a);
  }
  g_object_unref (agent);
  g_object_unref (ice);
  return TRUE;
}

static gboolean
peer_start_pipeline (Peer * p)
{
  GstBus *bus;
  gchar *name = g_strdup_printf ("rx-peer-%u", p->index);

  p->pipeline = gst_pipeline_new (name);
  g_free (name);
  p->webrtc = gst_element_factory_make ("webrtcbin", "webrtc");
  if (p->webrtc == NULL) {
    fprintf (stderr, "[rx] cannot create webrtcbin (gstreamer1.0-plugins-bad"
        " and gstreamer1.0-nice installed?)\n");
    gst_clear_object (&p->pipeline);
    return FALSE;
  }
  gst_object_ref (p->webrtc);   /* kept until the peer is freed */
  g_object_set (p->webrtc, "bundle-policy",
      GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", p->app->latency_ms,
      NULL);
  if (p->app->turn)
    g_object_set (p->webrtc, "turn-server", p->app->turn, NULL);
  if (p->app->relay_only)
    g_object_set (p->webrtc, "ice-transport-policy",
        GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY, NULL);
  gst_bin_add (GST_BIN (p->pipeline), p->webrtc);

  if (!peer_setup_ice (p)) {
    gst_clear_object (&p->pipeline);
    return FALSE;
  }

  g_signal_connect (p->webrtc, "on-ice-candidate",
      G_CALLBACK (on_ice_candidate), p);
  g_signal_connect (p->webrtc, "pad-added", G_CALLBACK (on_pad_added), p);
  g_signal_connect (p->webrtc, "notify::connection-state",
      G_CALLBACK (on_connection_state), p);
  if (p->app->janus || p->app->whep)
    g_signal_connect (p->webrtc, "notify::ice-gathering-state",
        G_CALLBACK (on_gathering_state), p);
  if (p->app->whep && !whep_add_transceiver (p))
    return FALSE;

  bus = gst_pipeline_get_bus (GST_PIPELINE (p->pipeline));
  p->bus_watch = gst_bus_add_watch_full (bus, G_PRIORITY_DEFAULT,
      on_bus_message, peer_ref (p), peer_unref);
  gst_object_unref (bus);

  if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    fprintf (stderr, "[rx] peer %u: cannot start pipeline\n", p->index);
    return FALSE;
  }
  return TRUE;
}

/* Main thread only; never from a webrtcbin callback. */
static void
peer_stop_pipeline (Peer * p)
{
  if (p->pipeline == NULL)
    return;
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  if (p->bus_watch != 0) {
    g_source_remove (p->bus_watch);
    p->bus_watch = 0;
  }
  g_signal_handlers_disconnect_by_data (p->webrtc, p);
  gst_clear_object (&p->pipeline);
}

/* ------------------------------------------------------------------------ */
/* WebSocket (main thread)                                                  */

static gboolean
unref_later_cb (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
peer_drop_ws (Peer * p, gboolean deferred)
{
  SoupWebsocketConnection *ws = p->ws;

  if (p->janus_hangup_id != 0) {
    g_source_remove (p->janus_hangup_id);
    p->janus_hangup_id = 0;
  }
  if (ws == NULL)
    return;
  p->ws = NULL;
  g_signal_handlers_disconnect_by_data (ws, p);
  if (deferred)                 /* we may be inside one of its signals */
    g_idle_add_full (G_PRIORITY_DEFAULT, unref_later_cb, ws, NULL);
  else
    g_object_unref (ws);
}

static void
peer_close_ws (Peer * p)
{
  if (p->ws == NULL
      || soup_websocket_connection_get_state (p->ws) !=
      SOUP_WEBSOCKET_STATE_OPEN)
    return;
  p->we_closed = TRUE;
  if (p->close_code == 0)
    p->close_code = p->app->close_code;
  if (p->app->janus && p->janus_session != 0)
    janus_hang_up (p);          /* closes when Janus has answered */
  else
    ws_close_now (p);
}

static void
ws_close_now (Peer * p)
{
  if (p->janus_hangup_id != 0) {
    g_source_remove (p->janus_hangup_id);
    p->janus_hangup_id = 0;
  }
  if (p->ws != NULL && soup_websocket_connection_get_state (p->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (p->ws, (gushort) p->app->close_code,
        NULL);
}

static void
handle_sdp (Peer * p, JsonObject * data)
{
  const gchar *type = json_object_get_string_member_with_default (data,
      "type", NULL);
  const gchar *text = json_object_get_string_member_with_default (data,
      "sdp", NULL);
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;
  guint i;

  if (g_strcmp0 (type, "offer") != 0 || text == NULL) {
    fprintf (stderr, "[rx] peer %u: ignoring sdp message of type %s\n",
        p->index, type ? type : "(none)");
    return;
  }
  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK) {
    fprintf (stderr, "[rx] peer %u: cannot parse offer SDP\n", p->index);
    if (sdp != NULL)
      gst_sdp_message_free (sdp);
    return;
  }
  p->offers++;
  fprintf (stderr, "[rx] peer %u: offer #%u received\n", p->index, p->offers);
  g_ptr_array_set_size (p->mids, 0);
  for (i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    g_ptr_array_add (p->mids,
        g_strdup (gst_sdp_media_get_attribute_val (gst_sdp_message_get_media
                (sdp, i), "mid")));
  peer_event (p, "offer", -1);

  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  promise = gst_promise_new_with_change_func (on_remote_set, peer_ref (p),
      peer_unref);
  g_signal_emit_by_name (p->webrtc, "set-remote-description", desc, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
}

static void
handle_ice (Peer * p, JsonObject * data)
{
  const gchar *candidate = json_object_get_string_member_with_default (data,
      "candidate", NULL);
  gint64 mline = json_object_get_int_member_with_default (data,
      "sdpMLineIndex", 0);

  if (candidate == NULL || *candidate == '\0')
    return;                     /* end of candidates */
  if (mline < 0)
    mline = 0;
  g_signal_emit_by_name (p->webrtc, "add-ice-candidate", (guint) mline,
      candidate);
}

/* A message in DSL's protocol: {"type":...,"data":{...}}. */
static void
dsl_message (Peer * p, JsonObject * obj)
{
  const gchar *msg_type;
  JsonObject *payload;

  msg_type = json_object_get_string_member_with_default (obj, "type", NULL);
  payload = obj;
  if (json_object_has_member (obj, "data")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "data")))
    payload = json_object_get_object_member (obj, "data");

  if (g_strcmp0 (msg_type, "error") == 0) {
    p->errors++;
    peer_event (p, "error", -1);
    fprintf (stderr, "[rx] peer %u: server error: %s\n", p->index,
        json_object_get_string_member_with_default (payload, "message",
            "(no message)"));
  } else if (p->finished || p->media_dropped) {
    /* pipeline already gone: ignore signaling */
  } else if (g_strcmp0 (msg_type, "sdp") == 0) {
    handle_sdp (p, payload);
  } else if (g_strcmp0 (msg_type, "ice") == 0) {
    handle_ice (p, payload);
  } else {
    fprintf (stderr, "[rx] peer %u: ignoring message of type %s\n",
        p->index, msg_type ? msg_type : "(none)");
  }
}

static void
janus_error (Peer * p, const gchar * what, gint64 code, const gchar * reason)
{
  p->errors++;
  peer_event (p, "error", -1);
  fprintf (stderr, "[rx] peer %u: Janus %s error %" G_GINT64_FORMAT ": %s\n",
      p->index, what, code, reason ? reason : "(no reason)");
}

static JsonObject *
object_member (JsonObject * obj, const gchar * name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

/* The new session's or handle's id in a "success": {"data":{"id":N}}. */
static gint64
janus_data_id (JsonObject * obj)
{
  JsonObject *data = object_member (obj, "data");

  return data ? json_object_get_int_member_with_default (data, "id", 0) : 0;
}

/* A message from Janus: {"janus":"success"|"ack"|"event"|"error"|
 * "trickle"|"webrtcup"|"media"|"hangup"|..., "transaction":...}. */
static void
janus_message (Peer * p, JsonObject * obj)
{
  const gchar *kind = json_object_get_string_member_with_default (obj,
      "janus", NULL);
  const gchar *tx = json_object_get_string_member_with_default (obj,
      "transaction", "");
  gboolean destroyed = g_str_has_prefix (tx, "destroy-")
      && (g_strcmp0 (kind, "success") == 0 || g_strcmp0 (kind, "error") == 0);

  if (destroyed && p->janus_hangup_id != 0)
    ws_close_now (p);           /* our hang-up is answered */
  if (g_strcmp0 (kind, "error") == 0) {
    JsonObject *e = object_member (obj, "error");

    janus_error (p, tx, e ? json_object_get_int_member_with_default (e,
            "code", 0) : 0, e ? json_object_get_string_member_with_default (e,
            "reason", NULL) : NULL);
  } else if (p->finished || p->media_dropped) {
    /* pipeline already gone: ignore signaling */
  } else if (g_strcmp0 (kind, "success") == 0) {
    if (g_str_has_prefix (tx, "create-")) {
      p->janus_session = janus_data_id (obj);
      janus_attach (p);
    } else if (g_str_has_prefix (tx, "attach-")) {
      p->janus_handle = janus_data_id (obj);
      janus_watch (p);
    }
  } else if (g_strcmp0 (kind, "event") == 0) {
    JsonObject *data = object_member (object_member (obj, "plugindata"),
        "data");
    JsonObject *jsep = object_member (obj, "jsep");

    if (data != NULL && json_object_has_member (data, "error"))
      janus_error (p, "plugin", json_object_get_int_member_with_default (data,
              "error_code", 0), json_object_get_string_member_with_default
          (data, "error", NULL));
    if (jsep != NULL)
      handle_sdp (p, jsep);
  } else if (g_strcmp0 (kind, "trickle") == 0) {
    JsonObject *candidate = object_member (obj, "candidate");

    if (candidate != NULL)      /* {"completed":true} has no "candidate" */
      handle_ice (p, candidate);
  } else if (g_strcmp0 (kind, "hangup") == 0
      || g_strcmp0 (kind, "timeout") == 0
      || g_strcmp0 (kind, "detached") == 0) {
    fprintf (stderr, "[rx] peer %u: Janus says %s (%s)\n", p->index, kind,
        json_object_get_string_member_with_default (obj, "reason", ""));
  }
  /* "ack", "webrtcup", "media", "slowlink": nothing to do */
}

static void
on_ws_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    gpointer data)
{
  Peer *p = data;
  JsonParser *parser;
  JsonNode *root;
  JsonObject *obj;
  gconstpointer buf;
  gsize len;
  GError *err = NULL;

  (void) ws;
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;

  buf = g_bytes_get_data (message, &len);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, buf, (gssize) len, &err)) {
    fprintf (stderr, "[rx] peer %u: invalid JSON from server: %s\n",
        p->index, err->message);
    g_clear_error (&err);
    g_object_unref (parser);
    return;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    fprintf (stderr, "[rx] peer %u: server message is not an object\n",
        p->index);
    g_object_unref (parser);
    return;
  }
  obj = json_node_get_object (root);
  if (p->app->janus)
    janus_message (p, obj);
  else
    dsl_message (p, obj);
  g_object_unref (parser);
}

static void
on_ws_error (SoupWebsocketConnection * ws, GError * error, gpointer data)
{
  Peer *p = data;

  (void) ws;
  fprintf (stderr, "[rx] peer %u: WebSocket error: %s\n", p->index,
      error ? error->message : "unknown");
}

static void
on_ws_closed (SoupWebsocketConnection * ws, gpointer data)
{
  Peer *p = data;

  if (!p->we_closed) {
    p->close_code = soup_websocket_connection_get_close_code (ws);
    fprintf (stderr, "[rx] peer %u: server closed the connection (%d %s)\n",
        p->index, p->close_code,
        soup_websocket_connection_get_close_data (ws) ?
        soup_websocket_connection_get_close_data (ws) : "");
  }
  peer_event (p, "closed", p->close_code);
  peer_drop_ws (p, TRUE);
  peer_finish (p, p->we_closed ? NULL : "closed by server");
  app_check_done (p->app);
}

static void
on_ws_connected (GObject * source, GAsyncResult * res, gpointer data)
{
  Peer *p = data;
  GError *err = NULL;
  SoupWebsocketConnection *ws;

  p->connecting = FALSE;
  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res,
      &err);
  if (ws == NULL) {
    fprintf (stderr, "[rx] peer %u: cannot connect to %s: %s\n", p->index,
        p->app->url, err->message);
    g_clear_error (&err);
    peer_finish (p, "connect failed");
    app_check_done (p->app);
    peer_unref (p);
    return;
  }

  p->ws = ws;
  g_mutex_lock (&p->lock);
  p->t_open = g_get_monotonic_time ();
  g_mutex_unlock (&p->lock);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), p);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), p);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), p);
  fprintf (stderr, "[rx] peer %u: connected\n", p->index);
  peer_event (p, "open", -1);
  if (p->app->janus && !p->finished)
    janus_send (p, janus_begin (p, "create", "create", FALSE));

  if (p->finished)              /* e.g. pipeline failed meanwhile */
    peer_close_ws (p);
  peer_unref (p);
}

/* ------------------------------------------------------------------------ */
/* Peer / application life cycle (main thread)                              */

/* --request-key-frame: ask the sender for a key frame the way a decoder
 * that lost its picture does: an upstream key-unit event from the
 * depayloader, which webrtcbin's rtpsession sends as RTCP PLI/FIR. */
static gboolean
request_key_frame_cb (gpointer data)
{
  Peer *p = data;
  GstElement *depay = NULL;

  if (!p->finished && p->pipeline) {
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (p->pipeline));
    GValue item = G_VALUE_INIT;

    /* the first depayloader: the element named after its factory */
    while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
      GstElement *e = g_value_get_object (&item);
      GstElementFactory *f = gst_element_get_factory (e);

      if (f && g_str_has_suffix (GST_OBJECT_NAME (f), "depay")
          && !depay)
        depay = gst_object_ref (e);
      g_value_reset (&item);
    }
    g_value_unset (&item);
    gst_iterator_free (it);
  }
  if (depay) {
    GstPad *sink = gst_element_get_static_pad (depay, "sink");

    fprintf (stderr, "[rx] peer %u: asking for a key frame\n", p->index);
    gst_pad_push_event (sink,
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
            TRUE, 0));
    peer_event (p, "key-frame-requested", -1);
    gst_object_unref (sink);
    gst_object_unref (depay);
  }
  return G_SOURCE_REMOVE;
}

/* Main thread: func (peer) once, seconds from now. */
static void
peer_after (Peer * p, gdouble seconds, GSourceFunc func)
{
  GSource *timer = g_timeout_source_new ((guint) (seconds * 1000.0));

  g_source_set_callback (timer, func, peer_ref (p), peer_unref);
  g_source_attach (timer, p->app->ctx);
  g_source_unref (timer);
}

static gboolean
arm_request_key_frame_cb (gpointer data)
{
  PeerTask *t = data;

  peer_after (t->peer, t->peer->app->request_key_frame_s,
      request_key_frame_cb);
  return G_SOURCE_REMOVE;
}

/* --drop-media: the media path dies (no more ICE answers, DTLS, RTP)
 * while the WebSocket stays open and libsoup keeps answering pings. */
static gboolean
drop_media_cb (gpointer data)
{
  Peer *p = data;

  if (!p->finished && p->pipeline) {
    fprintf (stderr, "[rx] peer %u: dropping the media, keeping the "
        "WebSocket\n", p->index);
    peer_stop_pipeline (p);
    p->media_dropped = TRUE;
    peer_event (p, "media-dropped", -1);
  }
  return G_SOURCE_REMOVE;
}

static gboolean
arm_drop_media_cb (gpointer data)
{
  PeerTask *t = data;

  peer_after (t->peer, t->peer->app->drop_media_s, drop_media_cb);
  return G_SOURCE_REMOVE;
}

static gboolean
hold_done_cb (gpointer data)
{
  Peer *p = data;

  p->hold_id = 0;
  peer_finish (p, NULL);
  return G_SOURCE_REMOVE;
}

/* Stop a peer: close the WebSocket (if open), tear the pipeline down. The
 * peer's statistics are final afterwards. why == NULL: normal completion. */
static void
peer_finish (Peer * p, const gchar * why)
{
  gint64 now = g_get_monotonic_time ();

  if (p->finished)
    return;
  p->finished = TRUE;

  /* Frames that stopped before the peer finished count as a gap too. */
  g_mutex_lock (&p->lock);
  if (p->t_prev > 0 && now - p->t_prev > p->max_gap)
    p->max_gap = now - p->t_prev;
  p->gaps_final = TRUE;
  g_mutex_unlock (&p->lock);

  if (why != NULL)
    fprintf (stderr, "[rx] peer %u: finished (%s) after %d frames\n",
        p->index, why, g_atomic_int_get (&p->decoded));
  if (p->hold_id != 0) {
    g_source_remove (p->hold_id);
    p->hold_id = 0;
  }
  peer_close_ws (p);
  whep_maybe_delete (p);
  peer_stop_pipeline (p);
  app_check_done (p->app);
}

static gboolean
grace_cb (gpointer data)
{
  App *app = data;

  app->grace_id = 0;
  if (app->whep) {
    gint i;

    /* a request unanswered (a DELETE, the rest was cancelled) fails */
    for (i = 0; i < app->n_peers; i++)
      if (app->peers[i]->whep_deleting) {
        app->peers[i]->errors++;
        fprintf (stderr, "[rx] peer %u: DELETE not answered in time\n", i);
      }
  } else {
    fprintf (stderr, "[rx] close handshake not completed in time\n");
  }
  app->quitting = TRUE;
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static void
app_check_done (App * app)
{
  gboolean open = FALSE;
  gint i;

  if (app->quitting)
    return;
  for (i = 0; i < app->n_peers; i++) {
    Peer *p = app->peers[i];

    if (!p->finished)
      return;
    if (p->ws != NULL || p->connecting || p->whep_posting
        || p->whep_patches > 0 || p->whep_deleting)
      open = TRUE;
  }
  if (!open) {
    app->quitting = TRUE;
    g_main_loop_quit (app->loop);
  } else if (app->grace_id == 0) {
    app->grace_id = g_timeout_add (GRACE_MS, grace_cb, app);
  }
}

static void
app_stop_all (App * app, const gchar * why)
{
  gint i;

  g_cancellable_cancel (app->cancel);
  for (i = 0; i < app->n_peers; i++)
    peer_finish (app->peers[i], why);
  app_check_done (app);
}

static gboolean
deadline_cb (gpointer data)
{
  App *app = data;

  app->deadline_id = 0;
  fprintf (stderr, "[rx] timeout after %.1f s\n", app->timeout_s);
  app_stop_all (app, "timeout");
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer data)
{
  App *app = data;

  fprintf (stderr, "[rx] interrupted\n");
  app_stop_all (app, "interrupted");
  return G_SOURCE_CONTINUE;
}

static gint
compare_int32 (gconstpointer a, gconstpointer b)
{
  gint32 x = *(const gint32 *) a, y = *(const gint32 *) b;

  return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least pct % of them at or
 * below it; -1 without samples. Sorts the array. */
static gint
percentile (GArray * samples, guint pct)
{
  guint rank;

  if (samples->len == 0)
    return -1;
  g_array_sort (samples, compare_int32);
  rank = (samples->len * pct + 99) / 100;
  rank = CLAMP (rank, 1, samples->len);
  return g_array_index (samples, gint32, rank - 1);
}

static void
print_peer (Peer * p, gint target)
{
  JsonBuilder *b = json_builder_new ();
  gint decoded = g_atomic_int_get (&p->decoded);
  gint frames = MIN (decoded, target);
  gdouble fps = 0.0, fps_steady = 0.0;
  gint mid = mid_frame (target);
  gint64 ttff = -1;
  gchar *line;

  g_mutex_lock (&p->lock);
  if (frames >= 2 && p->t_last > p->t_first)
    fps = (frames - 1) * 1e6 / (gdouble) (p->t_last - p->t_first);
  if (frames > mid && p->t_last > p->t_mid)
    fps_steady = (frames - mid) * 1e6 / (gdouble) (p->t_last - p->t_mid);
  if (p->decodes && decoded > 0 && p->t_open > 0)
    ttff = (p->t_first - p->t_open) / 1000;
  else if (!p->decodes && p->t_first_key > 0 && p->t_open > 0)
    ttff = (p->t_first_key - p->t_open) / 1000;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "peer");
  json_builder_add_int_value (b, p->index);
  json_builder_set_member_name (b, "frames");
  json_builder_add_int_value (b, frames);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, p->width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, p->height);
  json_builder_set_member_name (b, "fps");
  json_builder_add_double_value (b, (gdouble) (gint64) (fps * 10.0 + 0.5)
      / 10.0);
  json_builder_set_member_name (b, "ttff_ms");
  json_builder_add_int_value (b, ttff);
  json_builder_set_member_name (b, "codec");
  if (p->codec != NULL)
    json_builder_add_string_value (b, p->codec);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "errors");
  json_builder_add_int_value (b, p->errors);
  json_builder_set_member_name (b, "close_code");
  json_builder_add_int_value (b, p->close_code);
  json_builder_set_member_name (b, "frames_total");
  json_builder_add_int_value (b, decoded);
  json_builder_set_member_name (b, "fps_steady");
  json_builder_add_double_value (b, (gdouble) (gint64) (fps_steady * 10.0 +
          0.5) / 10.0);
  json_builder_set_member_name (b, "offers");
  json_builder_add_int_value (b, p->offers);
  json_builder_set_member_name (b, "max_gap_ms");
  json_builder_add_int_value (b, p->t_prev > 0 ? p->max_gap / 1000 : -1);
  json_builder_set_member_name (b, "decoded");
  json_builder_add_boolean_value (b, p->decodes);
  json_builder_set_member_name (b, "key_frames");
  json_builder_add_int_value (b, g_atomic_int_get (&p->key_frames));
  json_builder_set_member_name (b, "latency_p50_ms");
  json_builder_add_int_value (b, percentile (p->latencies, 50));
  json_builder_set_member_name (b, "latency_p95_ms");
  json_builder_add_int_value (b, percentile (p->latencies, 95));
  json_builder_set_member_name (b, "latency_samples");
  json_builder_add_int_value (b, p->latencies->len);
  if (p->app->whep) {
    guint i;

    json_builder_set_member_name (b, "post_status");
    json_builder_add_int_value (b, p->whep_post_status);
    json_builder_set_member_name (b, "location");
    if (p->whep_location != NULL)
      json_builder_add_string_value (b, p->whep_location);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "candidates_sent");
    json_builder_add_int_value (b, p->whep_candidates_sent);
    json_builder_set_member_name (b, "patch_statuses");
    json_builder_begin_array (b);
    for (i = 0; i < p->whep_patch_statuses->len; i++)
      json_builder_add_int_value (b, g_array_index (p->whep_patch_statuses,
              guint, i));
    json_builder_end_array (b);
    json_builder_set_member_name (b, "delete_status");
    json_builder_add_int_value (b, p->whep_delete_status);
  }
  json_builder_end_object (b);
  g_mutex_unlock (&p->lock);

  line = json_to_text (b);
  fprintf (stdout, "%s\n", line);
  g_free (line);
  g_object_unref (b);
}

/* Each peer holds ~10 descriptors (its WebSocket, UDP socket, the
 * wake-up fds of webrtcbin's and libnice's main contexts, the bus...):
 * 100 peers come near the usual soft limit of 1024. Raise the soft limit
 * to the hard one, and say so if that is still too few. */
static void
raise_fd_limit (gint n_peers)
{
  struct rlimit rl;
  rlim_t need = (rlim_t) n_peers * FDS_PER_PEER + 64;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return;
  if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
      getrlimit (RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < need)
    fprintf (stderr, "[rx] warning: %d peers need about %lu file "
        "descriptors, the limit is %lu (ulimit -n)\n", n_peers,
        (unsigned long) need, (unsigned long) rl.rlim_cur);
}

/* Generate the process-wide DTLS certificate now, so it is not counted in
 * the first peer's time to first frame. */
static void
prewarm_dtls (void)
{
  GstElement *dec = gst_element_factory_make ("dtlsdec", NULL);
  gchar *pem = NULL;

  if (dec == NULL)
    return;
  g_object_get (dec, "pem", &pem, NULL);
  g_free (pem);
  gst_object_unref (gst_object_ref_sink (dec));
}

int
main (int argc, char **argv)
{
  App app;
  GOptionContext *octx;
  GError *err = NULL;
  GTlsDatabase *database = NULL;
  gboolean all_ok = TRUE;
  gchar *janus_url = NULL;
  gchar *whep_url = NULL;
  const gchar *janus_protocols[] = { "janus-protocol", NULL };
  gint i;
  GOptionEntry entries[] = {
    {"url", 'u', 0, G_OPTION_ARG_STRING, &app.url,
        "WebSocket URL of the signaling server (required)", "ws://HOST:PORT/PATH"},
    {"peers", 'n', 0, G_OPTION_ARG_INT, &app.n_peers,
        "Number of simultaneous peers (default 1)", "N"},
    {"frames", 'f', 0, G_OPTION_ARG_INT, &app.target_frames,
        "Frames each peer must decode (default 60)", "N"},
    {"timeout", 't', 0, G_OPTION_ARG_DOUBLE, &app.timeout_s,
        "Overall deadline in seconds (default 20)", "SECONDS"},
    {"ice-address", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &app.ice_addresses,
          "Local address for the ICE agent, repeatable (default 127.0.0.1)",
        "ADDR"},
    {"hold", 0, 0, G_OPTION_ARG_DOUBLE, &app.hold_s,
          "Keep the connection open this long after the last frame (default 0)",
        "SECONDS"},
    {"close-code", 0, 0, G_OPTION_ARG_INT, &app.close_code,
        "WebSocket close code to send (default 1000)", "N"},
    {"drop-media", 0, 0, G_OPTION_ARG_DOUBLE, &app.drop_media_s,
          "This many seconds after the first frame, stop the media (ICE, "
          "DTLS, RTP) but keep the WebSocket open (default 0: never)",
        "SECONDS"},
    {"request-key-frame", 0, 0, G_OPTION_ARG_DOUBLE,
          &app.request_key_frame_s,
          "This many seconds after the first frame, ask the sender for a key "
          "frame (RTCP PLI/FIR, as a decoder that lost its picture does; "
          "default 0: never)", "SECONDS"},
    {"turn", 0, 0, G_OPTION_ARG_STRING, &app.turn,
          "TURN server for our side, turn://user:password@host:port"
          "[?transport=tcp]", "URL"},
    {"relay-only", 0, 0, G_OPTION_ARG_NONE, &app.relay_only,
          "Use relay (TURN) candidates only", NULL},
    {"latency", 0, 0, G_OPTION_ARG_INT, &app.latency_ms,
          "webrtcbin's jitter-buffer latency, held before the first frame "
          "(default 200, webrtcbin's; a browser holds next to nothing)",
        "MS"},
    {"ca", 0, 0, G_OPTION_ARG_FILENAME, &app.ca_file,
          "Trust the certificate authorities in this PEM file for wss:// "
          "(default: the system's)", "FILE"},
    {"decode-every", 0, 0, G_OPTION_ARG_INT, &app.decode_every,
          "Peer i decodes only if i % N == 0; the others depayload, count "
          "frames and key frames and read the size without decoding "
          "(default 1: every peer decodes)", "N"},
    {"janus", 0, 0, G_OPTION_ARG_STRING, &janus_url,
          "Instead of --url: speak Janus's JSON API to this Janus WebSockets "
          "transport and watch a Streaming plugin mountpoint",
        "ws://HOST:8188/"},
    {"janus-mountpoint", 0, 0, G_OPTION_ARG_INT64, &app.janus_mountpoint,
        "The Streaming mountpoint to watch (with --janus)", "ID"},
    {"whep", 0, 0, G_OPTION_ARG_STRING, &whep_url,
          "Instead of --url: every peer is a WHEP player that POSTs its offer "
          "to this endpoint, trickles its candidates with PATCH and DELETEs "
          "its session at the end", "http://HOST:PORT/whep[/NAME]"},
    {"whep-expect-status", 0, 0, G_OPTION_ARG_INT, &app.whep_expect_status,
          "With --whep: the POST must be answered with this status; then the "
          "peer succeeds without media (default: 201, and frames)", "N"},
    {"token", 0, 0, G_OPTION_ARG_STRING, &app.token,
          "Send Authorization: Bearer TOKEN with every WHEP request and the "
          "WebSocket upgrade (default: none; ?token= in --url works too)",
        "TOKEN"},
    {"timecode", 0, 0, G_OPTION_ARG_NONE, &app.timecode,
          "Decoding peers read the capture time the source wrote as a pixel "
          "code in each frame and report glass-to-glass latency", NULL},
    {"events", 0, 0, G_OPTION_ARG_NONE, &app.events,
          "Also print one JSON line per peer event as it happens (open, "
          "offer, answer-sent, ice-connected, first-frame, error, closed)",
        NULL},
    G_OPTION_ENTRY_NULL
  };

  memset (&app, 0, sizeof app);
  app.n_peers = 1;
  app.latency_ms = 200;
  app.target_frames = 60;
  app.timeout_s = 20.0;
  app.hold_s = 0.0;
  app.close_code = SOUP_WEBSOCKET_CLOSE_NORMAL;
  app.decode_every = 1;

  octx = g_option_context_new ("- headless WebRTC test receiver");
  g_option_context_set_summary (octx,
      "Answers DSL WebRTC offers, decodes the video and prints one JSON line "
      "per peer.\nExit status: 0 if every peer decoded --frames frames, "
      "1 otherwise, 2 on usage errors.");
  g_option_context_add_main_entries (octx, entries, NULL);
  g_option_context_add_group (octx, gst_init_get_option_group ());
  if (!g_option_context_parse (octx, &argc, &argv, &err)) {
    fprintf (stderr, "dsl-test-receiver: %s\n", err->message);
    g_clear_error (&err);
    g_option_context_free (octx);
    return 2;
  }
  g_option_context_free (octx);

  if (janus_url != NULL && app.url == NULL && app.janus_mountpoint > 0
      && whep_url == NULL) {
    app.url = janus_url;
    app.janus = TRUE;
  } else if (janus_url != NULL || app.janus_mountpoint != 0) {
    fprintf (stderr, "dsl-test-receiver: --janus needs --janus-mountpoint "
        "(>= 1) and no --url or --whep\n");
    g_free (janus_url);
    g_free (whep_url);
    g_free (app.url);
    g_free (app.ca_file);
    g_free (app.token);
    g_strfreev (app.ice_addresses);
    return 2;
  }
  if (whep_url != NULL && app.url == NULL) {
    app.url = whep_url;
    app.whep = TRUE;
  }
  if (whep_url != NULL && !app.whep) {
    fprintf (stderr, "dsl-test-receiver: give --whep or --url, not both\n");
    g_free (whep_url);
    g_free (app.url);
    g_free (app.ca_file);
    g_free (app.token);
    g_strfreev (app.ice_addresses);
    return 2;
  }
  if (app.whep_expect_status != 0 && (!app.whep
          || app.whep_expect_status < 100 || app.whep_expect_status > 599)) {
    fprintf (stderr, "dsl-test-receiver: --whep-expect-status needs --whep "
        "and a status in 100..599\n");
    g_free (app.url);
    g_free (app.ca_file);
    g_free (app.token);
    g_strfreev (app.ice_addresses);
    return 2;
  }
  if (app.whep_expect_status == SOUP_STATUS_CREATED)
    app.whep_expect_status = 0;         /* the normal case: media too */
  if (app.url == NULL || app.n_peers < 1 || app.target_frames < 1
      || app.timeout_s <= 0 || app.hold_s < 0
      || app.close_code < 1000 || app.close_code > 4999
      || app.decode_every < 1) {
    fprintf (stderr, "dsl-test-receiver: --url (or --janus, --whep) is "
        "required; "
        "--peers, "
        "--frames and --decode-every must be >= 1, --timeout > 0, "
        "--hold >= 0, --close-code in 1000..4999 (see --help)\n");
    g_free (app.url);
    g_free (app.ca_file);
    g_free (app.token);
    g_strfreev (app.ice_addresses);
    return 2;
  }
  if (app.ice_addresses == NULL) {
    app.ice_addresses = g_new0 (gchar *, 2);
    app.ice_addresses[0] = g_strdup ("127.0.0.1");
  }
  for (i = 0; app.ice_addresses[i] != NULL; i++) {
    NiceAddress addr;

    if (!nice_address_set_from_string (&addr, app.ice_addresses[i])) {
      fprintf (stderr, "dsl-test-receiver: invalid --ice-address %s\n",
          app.ice_addresses[i]);
      g_free (app.url);
      g_free (app.ca_file);
      g_free (app.token);
      g_strfreev (app.ice_addresses);
      return 2;
    }
  }

  if (app.ca_file && !(database = g_tls_file_database_new (app.ca_file,
              &err))) {
    fprintf (stderr, "dsl-test-receiver: --ca %s: %s\n", app.ca_file,
        err->message);
    g_clear_error (&err);
    g_free (app.url);
    g_free (app.ca_file);
    g_free (app.token);
    g_strfreev (app.ice_addresses);
    return 2;
  }

  raise_fd_limit (app.n_peers);
  gst_init (NULL, NULL);
  prewarm_dtls ();

  app.ctx = g_main_context_ref (g_main_context_default ());
  app.loop = g_main_loop_new (app.ctx, FALSE);
  app.cancel = g_cancellable_new ();
  /* A WHEP peer may have its POST and a PATCH in flight at once: one
   * connection each, instead of libsoup's 2 per host, so no request of
   * one peer waits behind another's. (WebSocket mode keeps the defaults.) */
  if (app.whep)
    app.session = soup_session_new_with_options ("max-conns",
        2 * app.n_peers + 2, "max-conns-per-host", 2 * app.n_peers + 2,
        NULL);
  else
    app.session = soup_session_new ();
  soup_session_set_proxy_resolver (app.session, NULL);  /* never a proxy */
  if (database) {
    soup_session_set_tls_database (app.session, database);
    g_object_unref (database);
  }
  app.peers = g_new0 (Peer *, app.n_peers);

  for (i = 0; i < app.n_peers; i++) {
    Peer *p = g_new0 (Peer, 1);

    p->refcount = 1;
    p->index = (guint) i;
    p->app = &app;
    p->decodes = i % app.decode_every == 0;
    p->latencies = g_array_new (FALSE, FALSE, sizeof (gint32));
    p->mids = g_ptr_array_new_with_free_func (g_free);
    p->whep_pending = g_string_new (NULL);
    p->whep_patch_statuses = g_array_new (FALSE, FALSE, sizeof (guint));
    g_mutex_init (&p->lock);
    app.peers[i] = p;
  }

  app.deadline_id = g_timeout_add ((guint) (app.timeout_s * 1000.0),
      deadline_cb, &app);
  app.sigint_id = g_unix_signal_add (SIGINT, signal_cb, &app);
  app.sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &app);
  if (app.janus)
    app.keepalive_id = g_timeout_add_seconds (JANUS_KEEPALIVE_S,
        janus_keepalive_cb, &app);

  /* Build every pipeline first, then open all connections at once. */
  for (i = 0; i < app.n_peers; i++) {
    Peer *p = app.peers[i];

    if (!peer_start_pipeline (p))
      peer_finish (p, "pipeline setup failed");
  }
  for (i = 0; i < app.n_peers; i++) {
    Peer *p = app.peers[i];
    SoupMessage *msg;

    if (p->finished)
      continue;
    if (app.whep) {
      whep_start (p);
      continue;
    }
    msg = soup_message_new (SOUP_METHOD_GET, app.url);
    if (msg == NULL) {
      fprintf (stderr, "dsl-test-receiver: invalid URL %s\n", app.url);
      peer_finish (p, "invalid url");
      continue;
    }
    if (app.token != NULL) {
      gchar *auth = g_strdup_printf ("Bearer %s", app.token);

      soup_message_headers_replace (soup_message_get_request_headers (msg),
          "Authorization", auth);
      g_free (auth);
    }
    p->connecting = TRUE;
    soup_session_websocket_connect_async (app.session, msg, NULL,
        app.janus ? (gchar **) janus_protocols : NULL, G_PRIORITY_DEFAULT, app.cancel, on_ws_connected, peer_ref (p));
    g_object_unref (msg);
  }

  app_check_done (&app);
  if (!app.quitting)
    g_main_loop_run (app.loop);

  /* Results */
  for (i = 0; i < app.n_peers; i++) {
    print_peer (app.peers[i], app.target_frames);
    if (!g_atomic_int_get (&app.peers[i]->reached))
      all_ok = FALSE;
    /* WHEP: every response of the status expected too (DELETE 200...) */
    if (app.whep && app.peers[i]->errors > 0)
      all_ok = FALSE;
  }
  fflush (stdout);

  /* Teardown */
  if (app.deadline_id)
    g_source_remove (app.deadline_id);
  if (app.grace_id)
    g_source_remove (app.grace_id);
  g_source_remove (app.sigint_id);
  g_source_remove (app.sigterm_id);
  if (app.keepalive_id)
    g_source_remove (app.keepalive_id);
  for (i = 0; i < app.n_peers; i++) {
    peer_finish (app.peers[i], NULL);   /* no-op unless still running */
    peer_drop_ws (app.peers[i], FALSE);
  }
  while (g_main_context_iteration (app.ctx, FALSE));

  /* The verdict is out and every WebSocket is closed. Freeing the peers'
   * webrtcbins (their SCTP associations, usrsctp's global state) at exit
   * has aborted the process with heap corruption about once in a hundred
   * runs (malloc_consolidate, GStreamer 1.22): not what this oracle
   * judges, so the process ends here. */
  fflush (stderr);
  _exit (all_ok ? 0 : 1);
}
