/* test-webrtc-sink.c - the WebRTC Sink end to end: both use cases of the
 * reference, every encoder, refresh cycles, malformed signaling, closes
 * from every side. Media is checked by the C receiver (decoded frames at
 * the source's size) in a child process. */
#include "dsl-test-support.h"
#include "pipeline/dsl-component.h"
#include "pipeline/dsl-sink-fake.h"
#include "sink/dsl-webrtc-sink.h"
#include "stream/dsl-shared-stream.h"
#include "core/dsl-context.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define W 320
#define H 240
#define FRAMES "60"

/* ------------------------------------------------------------------ */
/* fixtures */


/* A test pattern, a fake sink and optionally more components. */
static void
make_pipeline (const wchar_t * extra, gboolean play)
{
  const wchar_t *components[] = { L"source", L"fake", extra, NULL };

  g_assert_cmpuint (dsl_source_test_pattern_new (L"source", W, H, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"fake"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"pipeline",
          components), ==, DSL_RESULT_SUCCESS);
  if (play)
    g_assert_cmpuint (dsl_pipeline_play (L"pipeline"), ==, DSL_RESULT_SUCCESS);
}

static void
teardown (void)
{
  boolean listening;
  uint port;

  g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening,
          &port), ==, DSL_RESULT_SUCCESS);
  if (listening)
    dsl_test_server_stop ();
  dsl_delete_all ();
  /* let the notifications already posted run */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 0);
  g_assert_cmpuint (dsl_component_list_size (), ==, 0);
}

/* Records the connection states a sink reports, in order. */
typedef struct
{
  GString *states;              /* "I", "C", "F" per notification */
  gboolean off_main_thread;     /* sticky: any call on another thread */
} StateLog;

static GThread *main_thread;

static void
state_log_listener (dsl_webrtc_connection_data * info, void *data)
{
  StateLog *log = data;

  g_string_append_c (log->states, "CIF"[info->current_state]);
  if (g_thread_self () != main_thread)
    log->off_main_thread = TRUE;
}

typedef struct
{
  StateLog *log;
  const gchar *expect;
} StatesWait;

static gboolean
states_reached (gpointer data)
{
  StatesWait *w = data;
  return g_str_equal (w->log->states->str, w->expect);
}

static guint
count_char (StateLog * log, gchar c)
{
  guint n = 0;

  for (const gchar * p = log->states->str; *p; p++)
    n += *p == c;
  return n;
}

/* "IC" x n */
static gchar *
repeat (const gchar * unit, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (s, unit);
  return g_string_free (s, FALSE);
}

static void
assert_states (StateLog * log, const gchar * expect)
{
  StatesWait w = { log, expect };

  dsl_test_wait_until (states_reached, &w, 15000);
  g_assert_cmpstr (log->states->str, ==, expect);
  g_assert_false (log->off_main_thread);
}

/* The fixture of most tests: a VP8 WebRTC Sink whose listener logs into
 * log, in a pipeline (playing or not), and the server listening. */
static guint
one_sink (StateLog * log, gboolean play)
{
  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          state_log_listener, log), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"webrtc-sink", play);
  return dsl_test_server_start ();
}

/* The server closed client with code, and the sink reported states. */
static void
assert_closed (DslTestClient * client, gushort code, StateLog * log,
    const gchar * states)
{
  g_assert_true (dsl_test_client_wait_closed (client, 10000));
  g_assert_cmpuint (client->close_code, ==, code);
  assert_states (log, states);
  dsl_test_client_free (client);
}

/* ------------------------------------------------------------------ */

static void
test_api (void)
{
  uint encoder, bitrate, interval, width, height;
  const wchar_t *stun = L"x", *turn = L"x";
  static const guint valid[] = { DSL_ENCODER_HW_H264, DSL_ENCODER_HW_H265,
    DSL_ENCODER_SW_H264, DSL_ENCODER_SW_H265, DSL_ENCODER_SW_VP8,
    DSL_ENCODER_SW_VP9
  };

  g_assert_cmpuint (dsl_sink_webrtc_new (NULL, NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 0), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"s", NULL, NULL,
          DSL_ENCODER_SW_MPEG4, 0, 0), ==,
      DSL_RESULT_SINK_ENCODER_VALUE_INVALID);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"s", NULL, NULL, 5, 0, 0), ==,
      DSL_RESULT_SINK_ENCODER_VALUE_INVALID);
  /* bit/s, not kbit/s: a value that would give no picture is refused */
  g_assert_cmpuint (dsl_sink_webrtc_new (L"s", NULL, NULL, DSL_ENCODER_SW_VP8,
          999, 0), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_component_list_size (), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++) {
    g_assert_cmpuint (dsl_sink_webrtc_new (L"s", NULL, NULL, valid[i], 0, 0),
        ==, DSL_RESULT_SUCCESS);
    g_assert_cmpuint (dsl_component_delete (L"s"), ==, DSL_RESULT_SUCCESS);
  }
  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink",
          L"stun://stun.example.org:3478", NULL, DSL_ENCODER_SW_H264, 4000000,
          15), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_H264, 0, 0), ==, DSL_RESULT_SINK_NAME_NOT_UNIQUE);
  g_assert_cmpuint (dsl_component_list_size (), ==, 1);

  /* servers: unset ones come back as L"", as in DSL (whose callers wrap
   * them in std::wstring, which throws on NULL) */
  g_assert_cmpuint (dsl_sink_webrtc_servers_get (L"webrtc-sink", &stun,
          &turn), ==, DSL_RESULT_SUCCESS);
  g_assert_nonnull (stun);
  g_assert_cmpint (wcscmp (stun, L"stun://stun.example.org:3478"), ==, 0);
  g_assert_nonnull (turn);
  g_assert_cmpint (wcscmp (turn, L""), ==, 0);
  g_assert_cmpuint (dsl_sink_webrtc_servers_set (L"webrtc-sink", NULL,
          L"turn://u:p@turn.example.org:3478"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_servers_get (L"webrtc-sink", &stun,
          &turn), ==, DSL_RESULT_SUCCESS);
  g_assert_nonnull (stun);
  g_assert_cmpint (wcscmp (stun, L""), ==, 0);
  g_assert_nonnull (turn);
  g_assert_cmpint (wcscmp (turn, L"turn://u:p@turn.example.org:3478"), ==, 0);
  /* an empty string sets none */
  g_assert_cmpuint (dsl_sink_webrtc_servers_set (L"webrtc-sink", L"", L""),
      ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_servers_get (L"webrtc-sink", &stun,
          &turn), ==, DSL_RESULT_SUCCESS);
  g_assert_nonnull (stun);
  g_assert_nonnull (turn);
  g_assert_cmpint (wcscmp (stun, L""), ==, 0);
  g_assert_cmpint (wcscmp (turn, L""), ==, 0);
  g_assert_cmpuint (dsl_sink_webrtc_servers_get (L"webrtc-sink", NULL,
          &turn), ==, DSL_RESULT_INVALID_INPUT_PARAM);

  /* encode settings */
  g_assert_cmpuint (dsl_sink_encode_settings_get (L"webrtc-sink", &encoder,
          &bitrate, &interval), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (encoder, ==, DSL_ENCODER_SW_H264);
  g_assert_cmpuint (bitrate, ==, 4000000);
  g_assert_cmpuint (interval, ==, 15);
  g_assert_cmpuint (dsl_sink_encode_dimensions_get (L"webrtc-sink", &width,
          &height), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (width, ==, 0);
  g_assert_cmpuint (dsl_sink_encode_dimensions_set (L"webrtc-sink", 640, 0),
      ==, DSL_RESULT_SINK_SET_FAILED);
  g_assert_cmpuint (dsl_sink_encode_dimensions_set (L"webrtc-sink", 641, 480),
      ==, DSL_RESULT_SINK_SET_FAILED);
  g_assert_cmpuint (dsl_sink_encode_dimensions_set (L"webrtc-sink", 640, 480),
      ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_encode_dimensions_get (L"webrtc-sink", &width,
          &height), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (width, ==, 640);
  g_assert_cmpuint (height, ==, 480);

  /* listeners */
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink", NULL,
          NULL), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          state_log_listener, NULL), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          state_log_listener, NULL), ==,
      DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_ADD_FAILED);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_remove (L"webrtc-sink",
          state_log_listener), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_remove (L"webrtc-sink",
          state_log_listener), ==,
      DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_REMOVE_FAILED);

  /* close with no connection; unknown names; other component types */
  g_assert_cmpuint (dsl_sink_webrtc_connection_close (L"webrtc-sink"), ==,
      DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED);
  g_assert_cmpuint (dsl_sink_webrtc_connection_close (NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_sink_webrtc_connection_close (L"nobody"), ==,
      DSL_RESULT_COMPONENT_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_sink_fake_new (L"fake"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_connection_close (L"fake"), ==,
      DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE);
  g_assert_cmpuint (dsl_sink_encode_settings_get (L"fake", &encoder, &bitrate,
          &interval), ==, DSL_RESULT_SINK_COMPONENT_IS_NOT_ENCODE_SINK);

  /* ICE configuration */
  g_assert_cmpuint (dsl_webrtc_ice_config_set (L"127.0.0.1, ::1", 40000,
          40100), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_webrtc_ice_config_set (L"not-an-address", 0, 0), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_webrtc_ice_config_set (L"127.0.0.1", 50000, 40000),
      ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_webrtc_ice_config_set (L"127.0.0.1", 0, 0), ==,
      DSL_RESULT_SUCCESS);
  teardown ();
}

/* ------------------------------------------------------------------ */
/* A sink that is in no pipeline never takes a connection. */

static void
test_not_in_pipeline_not_available (void)
{
  guint port;

  g_assert_cmpuint (dsl_sink_webrtc_new (L"orphan", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 0), ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();
  g_assert_cmpuint (dsl_test_raw_close_code (port, "/ws", NULL, 10000), ==,
      1013);
  teardown ();
}

/* An idle sink does not encode: neither one that never had a viewer nor
 * one whose viewer left. What comes out of the encoder chain is counted;
 * the fake sink beside the WebRTC Sink sees every frame go by. */
static guint64
fake_buffers (void)
{
  guint64 n;

  dsl_context_enter ();
  n = dsl_sink_fake_get_buffer_count (dsl_component_find ("fake"));
  dsl_context_leave ();
  return n;
}

static gboolean
fake_has_buffers (gpointer target)
{
  return fake_buffers () >= *(guint64 *) target;
}

/* Waits until n more frames have reached the fake sink. */
static void
wait_frames_go_by (guint n)
{
  guint64 target = fake_buffers () + n;

  g_assert_true (dsl_test_poll_until (fake_has_buffers, &target, 10000));
}

/* Counts what the encoder of a sink's shared stream puts out. */
static DslTestPadCounter *
encoder_counter (const gchar * sink_name)
{
  DslWebrtcSink *sink;
  DslTestPadCounter *counter;
  GstPad *pad;

  dsl_context_enter ();
  g_assert_cmpuint (dsl_webrtc_sink_find (sink_name, &sink), ==,
      DSL_RESULT_SUCCESS);
  g_assert_nonnull (dsl_webrtc_sink_get_stream (sink));
  pad = gst_element_get_static_pad (dsl_shared_stream_get_chain
      (dsl_webrtc_sink_get_stream (sink))->encoder, "src");
  dsl_context_leave ();
  counter = dsl_test_pad_counter_new_for_pad (pad);
  gst_object_unref (pad);
  return counter;
}

static DslSharedStream *
stream_of (const gchar * name)
{
  DslWebrtcSink *sink;

  g_assert_cmpuint (dsl_webrtc_sink_find (name, &sink), ==,
      DSL_RESULT_SUCCESS);
  return dsl_webrtc_sink_get_stream (sink);
}

/* Sinks of one Pipeline share a stream when their encode settings are the
 * same; other settings, or an encoder of its own, get another; a sink
 * that changes its settings moves; nothing is shared across Pipelines. */
static void
test_streams_by_settings (void)
{
  boolean shared = FALSE;

  g_assert_cmpuint (dsl_sink_webrtc_new (L"a", NULL, NULL, DSL_ENCODER_SW_VP8,
          0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"b", NULL, NULL, DSL_ENCODER_SW_VP8,
          0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"c", NULL, NULL, DSL_ENCODER_SW_VP8,
          500000, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"d", NULL, NULL, DSL_ENCODER_SW_VP8,
          0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_encoder_shared_get (L"a", &shared), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (shared);
  g_assert_cmpuint (dsl_sink_webrtc_encoder_shared_get (L"a", NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_sink_webrtc_encoder_shared_set (L"nobody", FALSE), ==,
      DSL_RESULT_COMPONENT_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_sink_webrtc_encoder_shared_set (L"d", FALSE), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_encoder_shared_get (L"d", &shared), ==,
      DSL_RESULT_SUCCESS);
  g_assert_false (shared);
  g_assert_null (stream_of ("a"));

  make_pipeline (NULL, TRUE);
  g_assert_cmpuint (dsl_pipeline_component_add_many (L"pipeline",
          (const wchar_t *[]) { L"a", L"b", L"c", L"d", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_nonnull (stream_of ("a"));
  g_assert_true (stream_of ("a") == stream_of ("b"));
  g_assert_true (stream_of ("c") != stream_of ("a"));
  g_assert_true (stream_of ("d") != stream_of ("a"));
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 3);
  /* no viewer: no encoder runs */
  g_assert_cmpuint (dsl_shared_stream_count_running (), ==, 0);

  /* back to sharing: d joins a and b, its own stream goes */
  g_assert_cmpuint (dsl_sink_webrtc_encoder_shared_set (L"d", TRUE), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (stream_of ("d") == stream_of ("a"));
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 2);
  /* new dimensions: b moves to a stream of its own settings */
  g_assert_cmpuint (dsl_sink_encode_dimensions_set (L"b", 160, 120), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (stream_of ("b") != stream_of ("a"));
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 3);
  /* the last sink of a stream leaves: so does the stream */
  g_assert_cmpuint (dsl_pipeline_component_remove (L"pipeline", L"c"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_null (stream_of ("c"));
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 2);

  /* another pipeline never shares a's stream */
  g_assert_cmpuint (dsl_sink_webrtc_new (L"e", NULL, NULL, DSL_ENCODER_SW_VP8,
          0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new (L"other"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"other", L"e"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (stream_of ("e") != stream_of ("a"));
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 3);
  teardown ();
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 0);
}

static void
test_idle_sink_does_not_encode (void)
{
  DslTestPadCounter *encoded;

  g_assert_cmpuint (dsl_sink_webrtc_new (L"idle", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 0), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"idle", TRUE);
  encoded = encoder_counter ("idle");
  wait_frames_go_by (30);
  g_assert_cmpuint (dsl_test_pad_counter_get (encoded), ==, 0);
  dsl_test_pad_counter_free (encoded);
  teardown ();
}

static void
test_left_sink_does_not_encode (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestPadCounter *encoded;
  DslTestReceiver *rx;
  guint port;
  guint64 after_close;

  port = one_sink (&log, TRUE);
  encoded = encoder_counter ("webrtc-sink");
  rx = dsl_test_receiver_start (port, "/ws", 1, 30, NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 30000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (rx, 0, 30, W, H);
  dsl_test_receiver_free (rx);
  assert_states (&log, "IC");
  /* the counter sees what the viewer got (one packet a frame at least) */
  g_assert_cmpuint (dsl_test_pad_counter_get (encoded), >=, 30);

  /* what was past the valve when it shut has gone by after a few frames;
   * from then on nothing more is encoded */
  wait_frames_go_by (10);
  after_close = dsl_test_pad_counter_get (encoded);
  wait_frames_go_by (30);
  g_assert_cmpuint (dsl_test_pad_counter_get (encoded), ==, after_close);
  dsl_test_pad_counter_free (encoded);
  teardown ();
  g_string_free (log.states, TRUE);
}

/* ------------------------------------------------------------------ */
/* Use case 1: the pipeline plays; a server client listener makes a sink
 * for every new WebSocket. */

#define UC1_MAX_SINKS 8

static guint uc1_encoder = DSL_ENCODER_SW_VP8;
static guint uc1_sinks;
static StateLog uc1_logs[UC1_MAX_SINKS];       /* one per sink */

static void
uc1_server_listener (const wchar_t * path, void *data)
{
  wchar_t name[32];

  g_assert_cmpuint (uc1_sinks, <, UC1_MAX_SINKS);
  swprintf (name, 32, L"uc1-%u", uc1_sinks + 1);
  g_assert_cmpuint (dsl_sink_webrtc_new (name, NULL, NULL, uc1_encoder, 0, 10),
      ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (name,
          state_log_listener, &uc1_logs[uc1_sinks++]), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"pipeline", name), ==,
      DSL_RESULT_SUCCESS);
}

/* A playing pipeline whose server listener makes a sink per viewer;
 * returns the server's port. */
static guint
uc1_start (guint encoder)
{
  uc1_encoder = encoder;
  uc1_sinks = 0;
  for (guint i = 0; i < UC1_MAX_SINKS; i++)
    uc1_logs[i] = (StateLog) { g_string_new (NULL) };
  make_pipeline (NULL, TRUE);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (uc1_server_listener, NULL), ==, DSL_RESULT_SUCCESS);
  return dsl_test_server_start ();
}

static void
run_use_case_1 (guint encoder, guint peers)
{
  guint port;
  DslTestReceiver *rx;

  port = uc1_start (encoder);

  rx = dsl_test_receiver_start (port, "/ws", peers, 60, NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 60000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  for (guint i = 0; i < peers; i++)
    dsl_test_receiver_assert_peer (rx, i, 60, W, H);
  g_assert_cmpuint (uc1_sinks, ==, peers);
  dsl_test_receiver_free (rx);

  /* each sink on its own: INITIATED, then CLOSED when its viewer left,
   * all on the main thread */
  for (guint i = 0; i < peers; i++)
    assert_states (&uc1_logs[i], "IC");

  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (uc1_server_listener), ==, DSL_RESULT_SUCCESS);
  teardown ();
  for (guint i = 0; i < UC1_MAX_SINKS; i++)
    g_string_free (uc1_logs[i].states, TRUE);
}

static void
test_use_case_1 (void)
{
  run_use_case_1 (DSL_ENCODER_SW_VP8, 1);
}

static void
test_use_case_1_four_viewers (void)
{
  run_use_case_1 (DSL_ENCODER_SW_VP8, 4);
}

/* The stream the sinks of use case 1 share (borrowed). */
static DslSharedStream *
uc1_stream (void)
{
  DslWebrtcSink *sink;

  g_assert_cmpuint (dsl_webrtc_sink_find ("uc1-1", &sink), ==,
      DSL_RESULT_SUCCESS);
  return dsl_webrtc_sink_get_stream (sink);
}

static gboolean
uc1_viewers_reached (gpointer data)
{
  return uc1_sinks > 0
      && dsl_shared_stream_get_viewers (uc1_stream ()) >= GPOINTER_TO_UINT (data);
}

static gboolean
counter_reached (gpointer data)
{
  gpointer *args = data;

  return dsl_test_pad_counter_get (args[0]) >= GPOINTER_TO_UINT (args[1]);
}

/* Encode once, DSL's use case 1 unchanged: 8 viewers, 8 sinks, one
 * stream and one encoder running. A viewer whose receiver is frozen
 * (SIGSTOP) and one that never answers the offer do not slow the 6
 * others down. */
static void
test_use_case_1_shared_encoder (void)
{
  DslTestReceiver *stalled, *rx;
  DslTestClient *silent;
  DslTestPadCounter *encoded;
  guint port;

  port = uc1_start (DSL_ENCODER_SW_VP8);

  /* the first viewer takes the offer and never answers: its webrtcbin
   * holds its input until negotiated, which must hold nobody else */
  silent = dsl_test_client_new (port, "/ws");
  g_assert_true (dsl_test_client_wait_messages (silent, 1, 10000));

  /* the next one plays, then freezes */
  stalled = dsl_test_receiver_start (port, "/ws", 1, 10, "--hold", "120",
      NULL);
  g_assert_true (dsl_test_wait_until (uc1_viewers_reached,
          GUINT_TO_POINTER (1), 20000));
  g_assert_true (dsl_test_wait_until (uc1_viewers_reached,
          GUINT_TO_POINTER (2), 20000));
  encoded = encoder_counter ("uc1-1");
  {
    gpointer args[] = { encoded, GUINT_TO_POINTER (60) };
    g_assert_true (dsl_test_poll_until (counter_reached, args, 20000));
  }
  g_subprocess_send_signal (stalled->process, SIGSTOP);

  /* six more, in one receiver */
  rx = dsl_test_receiver_start (port, "/ws", 6, 90, NULL);
  g_assert_true (dsl_test_wait_until (uc1_viewers_reached,
          GUINT_TO_POINTER (8), 30000));
  g_assert_cmpuint (uc1_sinks, ==, 8);
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 1);
  g_assert_cmpuint (dsl_shared_stream_count_running (), ==, 1);
  g_assert_true (dsl_test_receiver_wait (rx, 60000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  for (guint i = 0; i < 6; i++) {
    JsonObject *peer = g_ptr_array_index (rx->peers, i);
    /* a held tee stops everybody for good: these bounds only allow for a
     * slow (sanitized, loaded) machine */
    gboolean slow = g_getenv ("DSL_SANITIZED") && *g_getenv ("DSL_SANITIZED");

    dsl_test_receiver_assert_peer (rx, i, 90, W, H);
    /* the source's 30 fps, unhindered by the frozen viewer */
    g_assert_cmpfloat (json_object_get_double_member (peer, "fps_steady"), >,
        slow ? 15.0 : 24.0);
    g_assert_cmpint (json_object_get_int_member (peer, "max_gap_ms"), <,
        slow ? 2000 : 1000);
  }
  dsl_test_receiver_free (rx);
  for (guint i = 2; i < 8; i++)
    assert_states (&uc1_logs[i], "IC");
  dsl_test_client_free (silent);

  g_subprocess_send_signal (stalled->process, SIGKILL);
  g_assert_true (dsl_test_receiver_wait (stalled, 10000));
  dsl_test_receiver_free (stalled);
  dsl_test_pad_counter_free (encoded);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (uc1_server_listener), ==, DSL_RESULT_SUCCESS);
  teardown ();
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 0);
  for (guint i = 0; i < UC1_MAX_SINKS; i++)
    g_string_free (uc1_logs[i].states, TRUE);
}

typedef struct
{
  DslSharedStream *stream;
  guint above;
} KeyFrameWait;

static gboolean
key_frames_above (gpointer data)
{
  KeyFrameWait *w = data;

  return dsl_shared_stream_get_key_frames (w->stream) > w->above;
}

static gboolean
viewer_requests_above (gpointer data)
{
  KeyFrameWait *w = data;

  return dsl_shared_stream_get_viewer_key_frame_requests (w->stream) >
      w->above;
}

/* Key frames on demand, with a key-frame interval of 10 s: a viewer's
 * request (its RTCP PLI/FIR) comes up through the tee and makes one; so
 * does the library's own request (a new viewer connected, a viewer that
 * fell behind). */
static void
test_key_frame_requests (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestReceiver *rx;
  DslTestPadCounter *encoded;
  DslWebrtcSink *sink;
  KeyFrameWait w;
  guint port;

  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 300), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          state_log_listener, &log), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"webrtc-sink", TRUE);
  port = dsl_test_server_start ();
  g_assert_cmpuint (dsl_webrtc_sink_find ("webrtc-sink", &sink), ==,
      DSL_RESULT_SUCCESS);
  w.stream = dsl_webrtc_sink_get_stream (sink);
  encoded = encoder_counter ("webrtc-sink");

  rx = dsl_test_receiver_start (port, "/ws", 1, 30, "--hold", "6",
      "--request-key-frame", "3", NULL);
  {
    gpointer args[] = { encoded, GUINT_TO_POINTER (30) };
    g_assert_true (dsl_test_poll_until (counter_reached, args, 20000));
  }
  g_assert_cmpuint (dsl_shared_stream_get_viewer_key_frame_requests
      (w.stream), ==, 0);
  w.above = dsl_shared_stream_get_key_frames (w.stream);

  /* the viewer asks (3 s after its first frame) */
  {
    KeyFrameWait r = { w.stream, 0 };
    g_assert_true (dsl_test_poll_until (viewer_requests_above, &r, 10000));
  }
  g_assert_true (dsl_test_poll_until (key_frames_above, &w, 2000));

  /* the viewer's statistics (read every second) show it */
  {
    dsl_webrtc_viewer_stats stats;
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    do {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
      g_assert_cmpuint (dsl_sink_webrtc_viewer_stats_get (L"webrtc-sink",
              &stats), ==, DSL_RESULT_SUCCESS);
    } while (stats.key_frame_requests == 0
        && g_get_monotonic_time () < deadline);
    g_assert_cmpuint (stats.key_frame_requests, >=, 1);
    g_assert_cmpuint (stats.connected, ==, 1);
    g_assert_cmpuint (stats.packets_sent, >, 30);
    g_assert_cmpuint (stats.bytes_sent, >, stats.packets_sent * 100);
    g_assert_cmpfloat (stats.bitrate, >, 10000);
    g_assert_cmpfloat (stats.round_trip_time, >=, 0);
    g_assert_cmpfloat (stats.round_trip_time, <, 1);
    g_assert_cmpuint (stats.local_candidate_type, ==,
        DSL_WEBRTC_CANDIDATE_TYPE_HOST);
    g_assert_cmpuint (stats.remote_candidate_type, ==,
        DSL_WEBRTC_CANDIDATE_TYPE_HOST);
    g_assert_cmpuint (dsl_sink_webrtc_viewer_stats_get (L"webrtc-sink",
            NULL), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  }

  /* metadata reaches the viewer once its data channel is open */
  {
    guint sent = 0;
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    g_autofree guint8 *big = g_malloc0 (DSL_WEBRTC_METADATA_MAX_SIZE + 1);

    while (sent == 0 && g_get_monotonic_time () < deadline) {
      g_main_context_iteration (NULL, FALSE);
      g_assert_cmpuint (dsl_sink_webrtc_metadata_send (L"webrtc-sink",
              L"{\"boxes\":[]}", FALSE, &sent), ==, DSL_RESULT_SUCCESS);
      g_usleep (20000);
    }
    g_assert_cmpuint (sent, ==, 1);
    g_assert_cmpuint (dsl_sink_webrtc_metadata_data_send (L"webrtc-sink",
            big, 16, TRUE, &sent), ==, DSL_RESULT_SUCCESS);
    g_assert_cmpuint (sent, ==, 1);
    g_assert_cmpuint (dsl_sink_webrtc_metadata_data_send (L"webrtc-sink",
            big, DSL_WEBRTC_METADATA_MAX_SIZE + 1, FALSE, NULL), ==,
        DSL_RESULT_INVALID_INPUT_PARAM);
    g_assert_cmpuint (dsl_sink_webrtc_metadata_data_send (L"webrtc-sink",
            NULL, 1, FALSE, NULL), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  }

  /* the library asks */
  w.above = dsl_shared_stream_get_key_frames (w.stream);
  dsl_shared_stream_request_key_frame (w.stream);
  g_assert_true (dsl_test_poll_until (key_frames_above, &w, 2000));

  g_assert_true (dsl_test_receiver_wait (rx, 30000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (rx, 0, 30, W, H);
  dsl_test_receiver_free (rx);
  assert_states (&log, "IC");
  {
    dsl_webrtc_viewer_stats stats;
    g_assert_cmpuint (dsl_sink_webrtc_viewer_stats_get (L"webrtc-sink",
            &stats), ==, DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED);
  }
  dsl_test_pad_counter_free (encoded);
  teardown ();
  g_string_free (log.states, TRUE);
}

/* ------------------------------------------------------------------ */
/* TURN: Debian's coturn on 127.0.0.1, started here with a private
 * configuration (loopback peers are refused without allow-loopback-peers,
 * which needs no-cli). */

typedef struct
{
  GSubprocess *process;
  gchar *dir;
  guint port;
} Turn;

static guint
free_port (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4,
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
turn_is_listening (gpointer data)
{
  Turn *turn = data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) c = g_socket_client_connect_to_host (client,
      "127.0.0.1", turn->port, NULL, NULL);

  return c != NULL;
}

static Turn *
turn_start (void)
{
  Turn *turn = g_new0 (Turn, 1);
  g_autofree gchar *config = NULL, *path = NULL;
  g_autoptr (GError) error = NULL;

  turn->dir = g_dir_make_tmp ("dsl-turn-XXXXXX", &error);
  g_assert_no_error (error);
  turn->port = free_port ();
  config = g_strdup_printf ("listening-ip=127.0.0.1\nrelay-ip=127.0.0.1\n"
      "listening-port=%u\nmin-port=%u\nmax-port=%u\nrealm=dsl.test\n"
      "lt-cred-mech\nuser=test:secret\nfingerprint\nno-tls\nno-dtls\n"
      "no-cli\nallow-loopback-peers\nno-multicast-peers\n"
      "pidfile=%s/turnserver.pid\nlog-file=stdout\nsimple-log\n",
      turn->port, 40000 + turn->port % 20000, 40000 + turn->port % 20000 + 50,
      turn->dir);
  path = g_build_filename (turn->dir, "turnserver.conf", NULL);
  g_assert_true (g_file_set_contents (path, config, -1, NULL));
  turn->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
      G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, "turnserver", "-c", path,
      NULL);
  g_assert_no_error (error);
  g_assert_true (dsl_test_poll_until (turn_is_listening, turn, 10000));
  return turn;
}

static void
turn_stop (Turn * turn)
{
  g_autofree gchar *pid = g_build_filename (turn->dir, "turnserver.pid",
      NULL);
  g_autofree gchar *conf = g_build_filename (turn->dir, "turnserver.conf",
      NULL);

  g_subprocess_force_exit (turn->process);
  g_subprocess_wait (turn->process, NULL, NULL);
  g_object_unref (turn->process);
  g_unlink (pid);
  g_unlink (conf);
  g_rmdir (turn->dir);
  g_free (turn->dir);
  g_free (turn);
}

typedef struct
{
  const gchar *query;           /* "" or "?transport=tcp" */
  const gchar *password;        /* the sink's */
  gboolean viewer_only;         /* only the viewer relays: the sink has
                                 * no TURN server and takes any path */
} TurnCase;

static void
test_turn (gconstpointer data)
{
  const TurnCase *tc = data;
  gboolean good = g_str_equal (tc->password, "secret");
  g_autofree gchar *sink_url = NULL, *rx_url = NULL;
  g_autofree wchar_t *wide_url = NULL;
  StateLog log = { g_string_new (NULL) };
  DslTestReceiver *rx;
  Turn *turn;
  guint port;

  if (!g_file_test ("/usr/bin/turnserver", G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip ("coturn is not installed (scripts/install-deps --test)");
    return;
  }
  turn = turn_start ();
  sink_url = g_strdup_printf ("turn://test:%s@127.0.0.1:%u%s", tc->password,
      turn->port, tc->query);
  rx_url = g_strdup_printf ("turn://test:secret@127.0.0.1:%u%s", turn->port,
      tc->query);
  wide_url = g_new0 (wchar_t, strlen (sink_url) + 1);
  for (gsize i = 0; sink_url[i]; i++)
    wide_url[i] = sink_url[i];
  g_assert_cmpuint (dsl_webrtc_ice_transport_policy_set (tc->viewer_only ?
          DSL_WEBRTC_ICE_TRANSPORT_POLICY_ALL :
          DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY), ==, DSL_RESULT_SUCCESS);
  g_setenv ("DSL_WEBRTC_CONNECT_TIMEOUT_MS", "3000", TRUE);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL,
          tc->viewer_only ? NULL : wide_url, DSL_ENCODER_SW_VP8, 0, 10), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          state_log_listener, &log), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"webrtc-sink", TRUE);
  port = dsl_test_server_start ();

  rx = dsl_test_receiver_start (port, "/ws", 1, 30, "--hold", "3",
      "--turn", rx_url, "--relay-only", "--timeout", "30", NULL);
  if (good) {
    dsl_webrtc_viewer_stats stats = { 0 };
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    /* both sides' candidates of the selected pair are relays; or, when
     * only the viewer relays, ours is a host candidate and its a relay */
    do {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
      if (dsl_sink_webrtc_viewer_stats_get (L"webrtc-sink", &stats) !=
          DSL_RESULT_SUCCESS)
        memset (&stats, 0, sizeof stats);
    } while (!(stats.connected && stats.packets_sent > 30
            && stats.local_candidate_type != DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN)
        && g_get_monotonic_time () < deadline);
    g_assert_cmpuint (stats.local_candidate_type, ==, tc->viewer_only ?
        DSL_WEBRTC_CANDIDATE_TYPE_HOST : DSL_WEBRTC_CANDIDATE_TYPE_RELAY);
    g_assert_cmpuint (stats.remote_candidate_type, ==,
        DSL_WEBRTC_CANDIDATE_TYPE_RELAY);
    g_assert_true (dsl_test_receiver_wait (rx, 30000));
    g_assert_cmpint (rx->exit_status, ==, 0);
    dsl_test_receiver_assert_peer (rx, 0, 30, W, H);
    assert_states (&log, "IC");
  } else {
    /* a wrong password: FAILED (after the connect timeout, 3 s here), then
     * closed with 1011, never a hang */
    g_assert_true (dsl_test_receiver_wait (rx, 30000));
    g_assert_cmpint (rx->exit_status, !=, 0);
    g_assert_cmpint (json_object_get_int_member (g_ptr_array_index
            (rx->peers, 0), "close_code"), ==, 1011);
    assert_states (&log, "IFC");
  }
  dsl_test_receiver_free (rx);
  g_unsetenv ("DSL_WEBRTC_CONNECT_TIMEOUT_MS");
  g_assert_cmpuint (dsl_webrtc_ice_transport_policy_set
      (DSL_WEBRTC_ICE_TRANSPORT_POLICY_ALL), ==, DSL_RESULT_SUCCESS);
  teardown ();
  turn_stop (turn);
  g_string_free (log.states, TRUE);
}

static const TurnCase turn_udp = { "", "secret" };
static const TurnCase turn_tcp = { "?transport=tcp", "secret" };
static const TurnCase turn_wrong = { "", "wrong" };
static const TurnCase turn_viewer = { "", "secret", TRUE };

static void
test_encoder (gconstpointer data)
{
  run_use_case_1 (GPOINTER_TO_UINT (data), 1);
}

/* ------------------------------------------------------------------ */
/* Use case 2: the sink exists before listening; its listener plays the
 * pipeline on INITIATED, and stops it and quits the main loop on CLOSED. */

static StateLog uc2_log;
static DslReturnType uc2_play, uc2_stop;

static void
uc2_listener (dsl_webrtc_connection_data * info, void *data)
{
  state_log_listener (info, &uc2_log);
  if (info->current_state == DSL_SOCKET_CONNECTION_STATE_INITIATED)
    uc2_play = dsl_pipeline_play (L"pipeline");
  else if (info->current_state == DSL_SOCKET_CONNECTION_STATE_CLOSED) {
    uc2_stop = dsl_pipeline_stop (L"pipeline");
    dsl_main_loop_quit ();
  }
}

static gboolean
guard_quit (gpointer data)
{
  *(gboolean *) data = TRUE;
  dsl_main_loop_quit ();
  return G_SOURCE_REMOVE;
}

static void
test_use_case_2 (void)
{
  DslTestReceiver *rx;
  guint port, guard;
  gboolean expired = FALSE;
  uint state;

  uc2_log.states = g_string_new (NULL);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_H264, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          uc2_listener, NULL), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"webrtc-sink", FALSE);
  port = dsl_test_server_start ();
  g_assert_cmpuint (dsl_pipeline_state_get (L"pipeline", &state), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (state, ==, DSL_STATE_NULL);

  rx = dsl_test_receiver_start (port, "/ws", 1, 60, NULL);
  guard = g_timeout_add_seconds (60, guard_quit, &expired);
  dsl_main_loop_run ();
  g_assert_false (expired);
  g_source_remove (guard);

  g_assert_cmpstr (uc2_log.states->str, ==, "IC");
  g_assert_false (uc2_log.off_main_thread);
  g_assert_cmpuint (uc2_play, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (uc2_stop, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_state_get (L"pipeline", &state), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (state, ==, DSL_STATE_NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 10000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (rx, 0, 60, W, H);
  dsl_test_receiver_free (rx);
  teardown ();
  g_string_free (uc2_log.states, TRUE);
}

/* ------------------------------------------------------------------ */
/* Refresh: one sink, many connect/close cycles, each with media. */

#define CYCLES 100

static gboolean
back_to_baseline (gpointer data)
{
  guint *baseline = data;

  return dsl_test_thread_count () <= baseline[0]
      && dsl_test_fd_count () <= baseline[1];
}

static void
test_refresh_cycles (void)
{
  StateLog log = { g_string_new (NULL) };
  guint port, threads = 0, fds = 0;

  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          state_log_listener, &log), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"webrtc-sink", TRUE);
  port = dsl_test_server_start ();

  for (guint i = 0; i < CYCLES; i++) {
    DslTestReceiver *rx = dsl_test_receiver_start (port, "/ws", 1, 5, NULL);
    StatesWait w = { &log, NULL };
    g_autofree gchar *expect = NULL;

    g_assert_true (dsl_test_receiver_wait (rx, 30000));
    if (rx->exit_status != 0)
      g_error ("cycle %u: %s", i, rx->output);
    dsl_test_receiver_assert_peer (rx, 0, 5, W, H);
    dsl_test_receiver_free (rx);
    /* the sink is available again once CLOSED has been reported */
    expect = repeat ("IC", i + 1);
    w.expect = expect;
    g_assert_true (dsl_test_wait_until (states_reached, &w, 10000));
    if (i == 0) {
      /* after the first cycle: everything created once is in place */
      threads = dsl_test_thread_count ();
      fds = dsl_test_fd_count ();
    }
  }
  g_assert_cmpuint (count_char (&log, 'I'), ==, CYCLES);
  g_assert_cmpuint (count_char (&log, 'C'), ==, CYCLES);
  /* the last session's threads end shortly after its CLOSED */
  {
    guint baseline[2] = { threads, fds };
    dsl_test_poll_until (back_to_baseline, baseline, 5000);
  }
  g_test_message ("threads %u -> %u, fds %u -> %u", threads,
      dsl_test_thread_count (), fds, dsl_test_fd_count ());
  g_assert_cmpuint (dsl_test_thread_count (), <=, threads);
  g_assert_cmpuint (dsl_test_fd_count (), <=, fds);
  teardown ();
  g_string_free (log.states, TRUE);
}

/* ------------------------------------------------------------------ */
/* Malformed signaling gets an error reply; the session and the others
 * go on; an oversized frame is closed with 1009. */

/* Sends a malformed message and waits for the error reply to it: its
 * text must be the one for this input (reply, or a reply starting with
 * it when prefix), so a reply to some other message never counts. */
static void
assert_error_reply (DslTestClient * client, const gchar * send, gsize size,
    gboolean binary, const gchar * reply, gboolean prefix)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object, *data;
  guint before = client->messages->len;
  const gchar *message = NULL;

  if (binary)
    soup_websocket_connection_send_binary (client->connection, send, size);
  else
    soup_websocket_connection_send_text (client->connection, send);
  /* candidates may arrive meanwhile: look for the next error */
  for (guint n = before + 1; !message; n++) {
    g_assert_true (dsl_test_client_wait_messages (client, n, 10000));
    g_assert_true (json_parser_load_from_data (parser,
            g_ptr_array_index (client->messages, n - 1), -1, NULL));
    object = json_node_get_object (json_parser_get_root (parser));
    if (g_str_equal (json_object_get_string_member (object, "type"), "error")) {
      data = json_object_get_object_member (object, "data");
      message = json_object_get_string_member (data, "message");
    }
  }
  if (prefix) {
    if (!g_str_has_prefix (message, reply))
      g_error ("the reply to %.60s is \"%s\", not \"%s...\"", send,
          message, reply);
  } else {
    if (!g_str_equal (message, reply))
      g_error ("the reply to %.60s is \"%s\", not \"%s\"", send, message,
          reply);
  }
  g_assert_false (client->closed);
}

/* {"type":"<type>","data":{"x":"xxx..."}} of exactly size bytes */
static gchar *
message_of_size (const gchar * type, gsize size)
{
  GString *s = g_string_new (NULL);
  const gchar *end = "\"}}";

  g_string_printf (s, "{\"type\":\"%s\",\"data\":{\"x\":\"", type);
  g_assert_cmpuint (s->len + strlen (end), <=, size);
  while (s->len + strlen (end) < size)
    g_string_append_c (s, 'x');
  g_string_append (s, end);
  g_assert_cmpuint (s->len, ==, size);
  return g_string_free (s, FALSE);
}

/* {"type":"deep","data":{"a":[[...]]}}: depth levels in all */
static gchar *
nested_message (guint depth)
{
  GString *s = g_string_new ("{\"type\":\"deep\",\"data\":{\"a\":");

  for (guint i = 2; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 2; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append (s, "}}");
  return g_string_free (s, FALSE);
}

/* The limits of the protocol as documented (docs/ARCHITECTURE.md):
 * spelled out here, not taken from the library's header, so that a
 * changed limit fails this test. */
#define MESSAGE_LIMIT (256 * 1024)
#define DEPTH_LIMIT 32

static void
test_malformed_messages (void)
{
  static const struct
  {
    const gchar *send;
    const gchar *reply;
    gboolean prefix;
  } bad[] = {
    {"not json", "invalid JSON: ", TRUE},
    {"{\"type\":\"sdp\",", "invalid JSON: ", TRUE},
    {"[1,2,3]", "a message must be a JSON object"},
    {"\"text\"", "a message must be a JSON object"},
    {"{\"data\":{}}", "missing string member \"type\""},
    {"{\"type\":7,\"data\":{}}", "missing string member \"type\""},
    {"{\"type\":\"sdp\"}", "missing object member \"data\""},
    {"{\"type\":\"sdp\",\"data\":\"text\"}",
        "missing object member \"data\""},
    {"{\"type\":\"sdp\",\"data\":{\"sdp\":\"v=0\"}}",
        "missing string member \"data.type\""},
    {"{\"type\":\"sdp\",\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}",
        "unexpected SDP type \"offer\": the server makes the offer, the client "
        "sends an answer"},
    {"{\"type\":\"sdp\",\"data\":{\"type\":\"answer\"}}",
        "missing string member \"data.sdp\""},
    {"{\"type\":\"sdp\",\"data\":{\"type\":\"answer\",\"sdp\":42}}",
        "missing string member \"data.sdp\""},
    {"{\"type\":\"sdp\",\"data\":{\"type\":\"answer\",\"sdp\":\"garbage\"}}",
        "data.sdp is not a valid SDP"},
    {"{\"type\":\"sdp\",\"data\":{\"type\":\"answer\",\"sdp\":"
          "\"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n\"}}",
        "data.sdp has no media section"},
    {"{\"type\":\"ice\",\"data\":{\"sdpMLineIndex\":0}}",
        "missing string member \"data.candidate\""},
    {"{\"type\":\"ice\",\"data\":{\"candidate\":\"x\",\"sdpMLineIndex\":\"0\"}}",
        "missing or invalid integer member \"data.sdpMLineIndex\""},
    {"{\"type\":\"ice\",\"data\":{\"candidate\":\"x\",\"sdpMLineIndex\":-1}}",
        "missing or invalid integer member \"data.sdpMLineIndex\""},
    {"{\"type\":\"ice\",\"data\":{\"candidate\":\"x\"}}",
        "missing or invalid integer member \"data.sdpMLineIndex\""},
    {"{\"type\":\"bye\",\"data\":{}}", "unknown message type \"bye\""},
    /* json-glib takes single quotes and comments, which would hide
     * brackets from the depth check: refused before it */
    {"{'type':'x','data':{}}",
        "invalid JSON: a quote or comment that JSON does not have"},
    {"{\"type\":\"x\",\"data\":{}} /* */",
        "invalid JSON: a quote or comment that JSON does not have"},
    /* json-glib refuses a lone surrogate, quoting it as bytes that are
     * not UTF-8: the reply must still be valid UTF-8, or it is never sent */
    {"{\"type\":\"\\ud800\",\"data\":{}}", "invalid JSON: ", TRUE},
    /* ... but takes one followed by a character, as bytes that are not
     * UTF-8: such a string is no string */
    {"{\"type\":\"x\\ud800c\",\"data\":{}}", "missing string member \"type\""},
  };
  g_autofree gchar *depth_reply = g_strdup_printf ("JSON nested deeper than "
      "%d levels", DEPTH_LIMIT);
  StateLog log = { g_string_new (NULL) };
  DslTestClient *client;
  DslTestReceiver *rx;
  guint port;
  gchar *text;

  g_assert_cmpuint (dsl_sink_webrtc_new (L"bad-peer", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"good-peer", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"bad-peer",
          state_log_listener, &log), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"bad-peer", TRUE);
  g_assert_cmpuint (dsl_pipeline_component_add (L"pipeline", L"good-peer"),
      ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();

  client = dsl_test_client_new (port, "/ws");
  g_assert_true (dsl_test_client_wait_done (client, 10000));
  g_assert_nonnull (client->connection);
  /* the offer comes first */
  g_assert_true (dsl_test_client_wait_messages (client, 1, 10000));
  g_assert_nonnull (strstr (g_ptr_array_index (client->messages, 0),
          "\"type\":\"offer\""));

  /* a viewer of the other sink plays throughout */
  rx = dsl_test_receiver_start (port, "/ws", 1, 60, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_error_reply (client, bad[i].send, strlen (bad[i].send), FALSE,
        bad[i].reply, bad[i].prefix);
  assert_error_reply (client, "{\"type\":\"ice\"}", 14, TRUE,
      "binary frames are not part of the protocol", FALSE);

  /* nesting: up to the limit is parsed, one level more is refused before
   * the parser, and so are 100 000 brackets (json-glib's recursion would
   * overflow the stack) */
  text = nested_message (DEPTH_LIMIT);
  assert_error_reply (client, text, strlen (text), FALSE,
      "unknown message type \"deep\"", FALSE);
  g_free (text);
  text = nested_message (DEPTH_LIMIT + 1);
  assert_error_reply (client, text, strlen (text), FALSE, depth_reply, FALSE);
  g_free (text);
  text = g_malloc (200001);
  memset (text, '[', 100000);
  memset (text + 100000, ']', 100000);
  text[200000] = '\0';
  assert_error_reply (client, text, 200000, FALSE, depth_reply, FALSE);
  g_free (text);

  /* a message of exactly the size limit is read whole (the reply names
   * its type, found in its first bytes, after parsing all of it) */
  text = message_of_size ("at-the-limit", MESSAGE_LIMIT);
  assert_error_reply (client, text, MESSAGE_LIMIT, FALSE,
      "unknown message type \"at-the-limit\"", FALSE);
  g_free (text);

  g_assert_true (dsl_test_receiver_wait (rx, 60000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (rx, 0, 60, W, H);
  dsl_test_receiver_free (rx);
  assert_states (&log, "I");

  /* one byte more closes with 1009 */
  text = message_of_size ("over-the-limit", MESSAGE_LIMIT + 1);
  soup_websocket_connection_send_text (client->connection, text);
  g_free (text);
  assert_closed (client, 1009, &log, "IC");
  teardown ();
  g_string_free (log.states, TRUE);
}

/* ------------------------------------------------------------------ */
/* Closing from our side: connection_close, remove, stop listening,
 * stopping the pipeline; a peer that never answers. */

static DslTestClient *
connect_and_wait_offer (guint port)
{
  DslTestClient *client = dsl_test_client_new (port, "/ws");

  g_assert_true (dsl_test_client_wait_done (client, 10000));
  g_assert_nonnull (client->connection);
  g_assert_true (dsl_test_client_wait_messages (client, 1, 10000));
  return client;
}

static void
test_connection_close (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestClient *client;
  DslTestReceiver *rx;
  guint port;

  port = one_sink (&log, TRUE);

  client = connect_and_wait_offer (port);
  g_assert_cmpuint (dsl_sink_webrtc_connection_close (L"webrtc-sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_connection_close (L"webrtc-sink"), ==,
      DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED);
  assert_closed (client, 1000, &log, "IC");

  /* available again, with media */
  rx = dsl_test_receiver_start (port, "/ws", 1, 30, NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 30000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_free (rx);
  assert_states (&log, "ICIC");
  teardown ();
  g_string_free (log.states, TRUE);
}

static void
test_remove_and_delete_while_connected (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestClient *client;
  guint port;

  port = one_sink (&log, TRUE);
  client = connect_and_wait_offer (port);

  g_assert_cmpuint (dsl_component_delete (L"webrtc-sink"), ==,
      DSL_RESULT_COMPONENT_IN_USE);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"pipeline",
          L"webrtc-sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (dsl_test_client_wait_closed (client, 10000));
  g_assert_cmpuint (client->close_code, ==, 1001);
  g_assert_cmpuint (dsl_component_delete (L"webrtc-sink"), ==,
      DSL_RESULT_SUCCESS);
  assert_states (&log, "IC");
  dsl_test_client_free (client);

  /* no sink any more: the next viewer is told to come back later */
  g_assert_cmpuint (dsl_test_raw_close_code (port, "/ws", NULL, 10000), ==,
      1013);
  teardown ();
  g_string_free (log.states, TRUE);
}

/* A listener that removes and deletes its own sink on CLOSED. */
static void
self_deleting_listener (dsl_webrtc_connection_data * info, void *data)
{
  if (info->current_state != DSL_SOCKET_CONNECTION_STATE_CLOSED)
    return;
  g_assert_cmpuint (dsl_pipeline_component_remove (L"pipeline",
          L"webrtc-sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_component_delete (L"webrtc-sink"), ==,
      DSL_RESULT_SUCCESS);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_listener_deletes_its_sink (void)
{
  gboolean deleted = FALSE;
  DslTestReceiver *rx;
  guint port;

  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          self_deleting_listener, &deleted), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"webrtc-sink", TRUE);
  port = dsl_test_server_start ();
  rx = dsl_test_receiver_start (port, "/ws", 1, 30, NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 30000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_free (rx);
  g_assert_true (dsl_test_wait_until (flag_set, &deleted, 10000));
  g_assert_cmpuint (dsl_component_list_size (), ==, 2);
  teardown ();
}

/* ------------------------------------------------------------------ */
/* A sink whose connection closed is not available to a new connection
 * until its CLOSED client listeners have run. To have a viewer leave and
 * the next arrive in the same main-loop dispatch, a server client
 * listener (called for the new connection before the server looks for a
 * transceiver) closes the sink's connection. */

static DslReturnType server_listener_close;

static void
closing_server_listener (const wchar_t * path, void *data)
{
  server_listener_close = dsl_sink_webrtc_connection_close (data);
}

/* On CLOSED: has the sink already been given a new connection? Closing
 * it tells (SUCCESS if it had). */
typedef struct
{
  guint calls;
  DslReturnType close_result;
} ClosedProbe;

static void
closed_probe_listener (dsl_webrtc_connection_data * info, void *data)
{
  ClosedProbe *probe = data;

  if (info->current_state != DSL_SOCKET_CONNECTION_STATE_CLOSED)
    return;
  probe->calls++;
  probe->close_result = dsl_sink_webrtc_connection_close (L"webrtc-sink");
}

static void
test_closed_sink_waits_for_its_listeners (void)
{
  StateLog log = { g_string_new (NULL) };
  ClosedProbe probe = { 0 };
  DslTestClient *client;
  g_autofree gchar *reason = NULL;
  guint port;

  port = one_sink (&log, TRUE);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          closed_probe_listener, &probe), ==, DSL_RESULT_SUCCESS);
  client = connect_and_wait_offer (port);
  assert_states (&log, "I");

  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (closing_server_listener, (void *) L"webrtc-sink"), ==,
      DSL_RESULT_SUCCESS);
  server_listener_close = DSL_RESULT_INVALID_INPUT_PARAM;
  /* the only sink has just been left: the newcomer is told to come back */
  g_assert_cmpuint (dsl_test_raw_close_code (port, "/ws", &reason, 10000), ==,
      1013);
  g_assert_cmpstr (reason, ==, "no signaling transceiver available");
  g_assert_cmpuint (server_listener_close, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (closing_server_listener), ==, DSL_RESULT_SUCCESS);
  assert_closed (client, 1000, &log, "IC");
  /* when CLOSED ran, the sink had no connection */
  g_assert_cmpuint (probe.calls, ==, 1);
  g_assert_cmpuint (probe.close_result, ==,
      DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED);

  /* once its CLOSED listeners have run, it takes the next viewer */
  client = connect_and_wait_offer (port);
  assert_states (&log, "ICI");
  dsl_test_client_free (client);
  assert_states (&log, "ICIC");
  g_assert_cmpuint (probe.calls, ==, 2);
  teardown ();
  g_string_free (log.states, TRUE);
}

/* Use case 1 (a sink per viewer, removed and deleted by its CLOSED
 * listener) when one viewer leaves as the next arrives: the newcomer gets
 * the new sink, never the one being deleted. */
typedef struct
{
  const wchar_t *name;
  StateLog log;
  DslReturnType removed, deleted;
} RaceSink;

static RaceSink race[2];
static guint race_sinks;

static void
race_sink_listener (dsl_webrtc_connection_data * info, void *data)
{
  RaceSink *sink = data;

  state_log_listener (info, &sink->log);
  if (info->current_state != DSL_SOCKET_CONNECTION_STATE_CLOSED)
    return;
  sink->removed = dsl_pipeline_component_remove (L"pipeline", sink->name);
  sink->deleted = dsl_component_delete (sink->name);
}

static void
race_server_listener (const wchar_t * path, void *data)
{
  RaceSink *sink;

  /* the first viewer leaves in the same instant */
  if (race_sinks == 1)
    server_listener_close = dsl_sink_webrtc_connection_close (race[0].name);
  g_assert_cmpuint (race_sinks, <, G_N_ELEMENTS (race));
  sink = &race[race_sinks++];
  g_assert_cmpuint (dsl_sink_webrtc_new (sink->name, NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (sink->name,
          race_sink_listener, sink), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"pipeline", sink->name), ==,
      DSL_RESULT_SUCCESS);
}

static void
test_deleting_listener_as_next_viewer_arrives (void)
{
  DslTestClient *first, *second;

  race_sinks = 0;
  race[0] = (RaceSink) { L"race-1", { g_string_new (NULL) },
    DSL_RESULT_INVALID_INPUT_PARAM, DSL_RESULT_INVALID_INPUT_PARAM };
  race[1] = (RaceSink) { L"race-2", { g_string_new (NULL) },
    DSL_RESULT_INVALID_INPUT_PARAM, DSL_RESULT_INVALID_INPUT_PARAM };
  make_pipeline (NULL, TRUE);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (race_server_listener, NULL), ==, DSL_RESULT_SUCCESS);
  server_listener_close = DSL_RESULT_INVALID_INPUT_PARAM;
  {
    guint port = dsl_test_server_start ();

    first = connect_and_wait_offer (port);
    second = dsl_test_client_new (port, "/ws");
    g_assert_true (dsl_test_client_wait_done (second, 10000));
    g_assert_nonnull (second->connection);
  }
  g_assert_cmpuint (server_listener_close, ==, DSL_RESULT_SUCCESS);
  /* the newcomer went to race-2 and gets its offer */
  assert_states (&race[1].log, "I");
  g_assert_true (dsl_test_client_wait_messages (second, 1, 10000));
  g_assert_true (dsl_test_client_wait_closed (first, 10000));
  g_assert_cmpuint (first->close_code, ==, 1000);
  dsl_test_client_free (first);
  /* race-1 had one connection, and its listener deleted it once */
  assert_states (&race[0].log, "IC");
  g_assert_cmpuint (race[0].removed, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (race[0].deleted, ==, DSL_RESULT_SUCCESS);
  /* the second viewer stays on race-2, untouched by that */
  assert_states (&race[1].log, "I");
  g_assert_false (second->closed);
  g_assert_cmpuint (dsl_component_list_size (), ==, 3);

  dsl_test_client_free (second);
  assert_states (&race[1].log, "IC");
  g_assert_cmpuint (race[1].removed, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (race[1].deleted, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_component_list_size (), ==, 2);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (race_server_listener), ==, DSL_RESULT_SUCCESS);
  teardown ();
  for (guint i = 0; i < G_N_ELEMENTS (race); i++)
    g_string_free (race[i].log.states, TRUE);
}

static void
test_stop_listening_closes_viewers (void)
{
  StateLog log[3] = { { NULL } };
  DslTestClient *client[3];
  guint port;
  const wchar_t *names[] = { L"v0", L"v1", L"v2" };

  make_pipeline (NULL, TRUE);
  for (int i = 0; i < 3; i++) {
    log[i].states = g_string_new (NULL);
    g_assert_cmpuint (dsl_sink_webrtc_new (names[i], NULL, NULL,
            DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
    g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (names[i],
            state_log_listener, &log[i]), ==, DSL_RESULT_SUCCESS);
    g_assert_cmpuint (dsl_pipeline_component_add (L"pipeline", names[i]), ==,
        DSL_RESULT_SUCCESS);
  }
  port = dsl_test_server_start ();
  for (int i = 0; i < 3; i++)
    client[i] = connect_and_wait_offer (port);
  dsl_test_server_stop ();
  for (int i = 0; i < 3; i++) {
    g_assert_true (dsl_test_client_wait_closed (client[i], 10000));
    g_assert_cmpuint (client[i]->close_code, ==, 1001);
    assert_states (&log[i], "IC");
    dsl_test_client_free (client[i]);
    g_string_free (log[i].states, TRUE);
  }
  teardown ();
}

/* A viewer that waits for a pipeline that never played is closed by a
 * stop all the same. */
static void
test_stop_before_play_closes_viewer (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestClient *client;
  guint port;

  port = one_sink (&log, FALSE);
  client = dsl_test_client_new (port, "/ws");
  g_assert_true (dsl_test_client_wait_done (client, 10000));
  g_assert_nonnull (client->connection);
  assert_states (&log, "I");
  g_assert_cmpuint (dsl_pipeline_stop (L"pipeline"), ==, DSL_RESULT_SUCCESS);
  assert_closed (client, 1001, &log, "IC");
  teardown ();
  g_string_free (log.states, TRUE);
}

static void
test_pipeline_stop_closes_viewer (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestClient *client;
  guint port;

  port = one_sink (&log, TRUE);
  client = connect_and_wait_offer (port);
  g_assert_cmpuint (dsl_pipeline_stop (L"pipeline"), ==, DSL_RESULT_SUCCESS);
  assert_closed (client, 1001, &log, "IC");
  teardown ();
  g_string_free (log.states, TRUE);
}

static void
test_no_answer_fails (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestClient *client;
  guint port;

  g_setenv ("DSL_WEBRTC_ANSWER_TIMEOUT_MS", "1000", TRUE);
  port = one_sink (&log, TRUE);
  client = connect_and_wait_offer (port);
  /* never answer */
  assert_closed (client, 1011, &log, "IFC");
  g_unsetenv ("DSL_WEBRTC_ANSWER_TIMEOUT_MS");
  teardown ();
  g_string_free (log.states, TRUE);
}

/* An answer cancels the answer timeout: an answered viewer plays on well
 * past it. */
static void
test_answer_cancels_timeout (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestReceiver *rx;
  JsonObject *peer;
  guint port;

  g_setenv ("DSL_WEBRTC_ANSWER_TIMEOUT_MS", "1500", TRUE);
  port = one_sink (&log, TRUE);
  /* 10 frames, then 4 s more before the viewer closes with its own code */
  rx = dsl_test_receiver_start (port, "/ws", 1, 10, "--hold=4",
      "--close-code=4321", NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 30000));
  g_unsetenv ("DSL_WEBRTC_ANSWER_TIMEOUT_MS");
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (rx, 0, 10, W, H);
  peer = g_ptr_array_index (rx->peers, 0);
  /* the viewer closed, not the server (1011 if the timeout had fired) */
  g_assert_cmpint (json_object_get_int_member (peer, "close_code"), ==, 4321);
  /* frames went on through the hold: 30 fps for 4 s */
  g_assert_cmpint (json_object_get_int_member (peer, "frames_total"), >=,
      10 + 60);
  g_assert_cmpint (json_object_get_int_member (peer, "max_gap_ms"), <, 1000);
  dsl_test_receiver_free (rx);
  /* never FAILED */
  assert_states (&log, "IC");
  teardown ();
  g_string_free (log.states, TRUE);
}

/* An answer that parses but that webrtcbin refuses (it answers an audio
 * section that was never offered): the connection cannot work. */
static void
test_refused_answer_fails (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestClient *client;
  guint port;

  port = one_sink (&log, TRUE);
  client = connect_and_wait_offer (port);
  soup_websocket_connection_send_text (client->connection,
      "{\"type\":\"sdp\",\"data\":{\"type\":\"answer\",\"sdp\":"
      "\"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\nc=IN IP4 0.0.0.0\\r\\n"
      "a=rtpmap:111 opus/48000/2\\r\\n\"}}");
  assert_closed (client, 1011, &log, "IFC");
  teardown ();
  g_string_free (log.states, TRUE);
}

/* ------------------------------------------------------------------ */
/* WHEP viewers: first-class connections (listeners, hand-off, states,
 * the shared encoder) over a signaling channel of their own. */

typedef struct
{
  GString *paths;
} PathLog;

static void
path_log_listener (const wchar_t * path, void *data)
{
  PathLog *log = data;
  g_autofree gchar *utf8 = g_ucs4_to_utf8 ((const gunichar *) path, -1, NULL,
      NULL, NULL);

  g_string_append_printf (log->paths, "%s;", utf8);
}

static gboolean
viewers_of_stream (gpointer data)
{
  DslWebrtcSink *sink = NULL;

  g_assert_cmpuint (dsl_webrtc_sink_find ("webrtc-sink", &sink), ==,
      DSL_RESULT_SUCCESS);
  return dsl_shared_stream_get_viewers (dsl_webrtc_sink_get_stream (sink))
      >= GPOINTER_TO_UINT (data);
}

static void
test_whep_viewers (void)
{
  StateLog log = { g_string_new (NULL) }, log2 = { g_string_new (NULL) };
  PathLog paths = { g_string_new (NULL) };
  DslTestReceiver *whep, *ws;
  guint port, sent = 99;
  const gchar *statuses;

  /* two sinks of one Pipeline with the same settings: one encoder */
  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink-2", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          state_log_listener, &log), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink-2",
          state_log_listener, &log2), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (path_log_listener, &paths), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"webrtc-sink", FALSE);
  g_assert_cmpuint (dsl_pipeline_component_add (L"pipeline",
          L"webrtc-sink-2"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"pipeline"), ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();

  /* a WHEP viewer on the first sink, held while a WebSocket viewer takes
   * the second: one stream, one encoder running, both viewers of it */
  whep = dsl_test_receiver_start (port, "/whep", 1, 30, "--hold", "3", NULL);
  g_assert_true (dsl_test_wait_until (viewers_of_stream, GUINT_TO_POINTER (1),
          20000));
  ws = dsl_test_receiver_start (port, "/ws", 1, 30, NULL);
  g_assert_true (dsl_test_wait_until (viewers_of_stream, GUINT_TO_POINTER (2),
          20000));
  g_assert_cmpuint (dsl_shared_stream_count (), ==, 1);
  g_assert_cmpuint (dsl_shared_stream_count_running (), ==, 1);
  /* its offer had no data channel section: no metadata channel. Sent to
   * the whole stream once the WebSocket viewer's channel is open, a
   * message reaches that one viewer only */
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    do {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
      g_assert_cmpuint (dsl_sink_webrtc_metadata_send (L"webrtc-sink",
              L"{\"boxes\":[]}", TRUE, &sent), ==, DSL_RESULT_SUCCESS);
    } while (sent == 0 && g_get_monotonic_time () < deadline);
    g_assert_cmpuint (sent, ==, 1);
    g_assert_cmpuint (dsl_sink_webrtc_metadata_send (L"webrtc-sink",
            L"{\"boxes\":[]}", FALSE, &sent), ==, DSL_RESULT_SUCCESS);
    g_assert_cmpuint (sent, ==, 0);
  }

  g_assert_true (dsl_test_receiver_wait (ws, 30000));
  g_assert_cmpint (ws->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (ws, 0, 30, W, H);
  g_assert_true (dsl_test_receiver_wait (whep, 30000));
  g_assert_cmpint (whep->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (whep, 0, 30, W, H);
  {
    JsonObject *peer = g_ptr_array_index (whep->peers, 0);

    g_assert_cmpint (json_object_get_int_member (peer, "post_status"), ==,
        201);
    g_assert_cmpint (json_object_get_int_member (peer, "delete_status"), ==,
        200);
    statuses = json_object_get_string_member_with_default (peer, "location",
        "");
    g_assert_nonnull (strstr (statuses, "/whep-resource/"));
  }
  /* the client listeners saw the WebSocket path of each; the DELETE
   * closed the WHEP viewer */
  g_assert_cmpstr (paths.paths->str, ==, "/ws;/ws;");
  assert_states (&log, "IC");
  assert_states (&log2, "IC");
  dsl_test_receiver_free (ws);
  dsl_test_receiver_free (whep);

  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (path_log_listener), ==, DSL_RESULT_SUCCESS);
  teardown ();
  g_string_free (log.states, TRUE);
  g_string_free (log2.states, TRUE);
  g_string_free (paths.paths, TRUE);
}

/* The player offers nothing the sink sends: 422, FAILED then CLOSED, and
 * the sink takes the next viewer. */
static void
test_whep_codec_refused (void)
{
  StateLog log = { g_string_new (NULL) };
  DslTestReceiver *rx;
  guint port;

  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_VP9, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          state_log_listener, &log), ==, DSL_RESULT_SUCCESS);
  make_pipeline (L"webrtc-sink", TRUE);
  port = dsl_test_server_start ();

  /* the receiver offers VP8 and H.264 only */
  rx = dsl_test_receiver_start (port, "/whep", 1, 1, "--whep-expect-status",
      "422", NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 30000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_free (rx);
  assert_states (&log, "IFC");
  /* a WebSocket viewer of the same sink plays VP9 */
  rx = dsl_test_receiver_start (port, "/ws", 1, 30, NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 30000));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (rx, 0, 30, W, H);
  dsl_test_receiver_free (rx);
  assert_states (&log, "IFCIC");
  teardown ();
  g_string_free (log.states, TRUE);
}

int
main (int argc, char **argv)
{
  dsl_test_init (&argc, &argv);
  main_thread = g_thread_self ();
  g_test_add_func ("/webrtc-sink/api", test_api);
  g_test_add_func ("/webrtc-sink/not-in-pipeline-not-available",
      test_not_in_pipeline_not_available);
  g_test_add_func ("/webrtc-sink/streams-by-settings",
      test_streams_by_settings);
  g_test_add_func ("/webrtc-sink/idle-sink-does-not-encode",
      test_idle_sink_does_not_encode);
  g_test_add_func ("/webrtc-sink/left-sink-does-not-encode",
      test_left_sink_does_not_encode);
  g_test_add_func ("/webrtc-sink/use-case-1", test_use_case_1);
  g_test_add_func ("/webrtc-sink/use-case-1-four-viewers",
      test_use_case_1_four_viewers);
  g_test_add_func ("/webrtc-sink/use-case-1-shared-encoder",
      test_use_case_1_shared_encoder);
  g_test_add_func ("/webrtc-sink/key-frame-requests",
      test_key_frame_requests);
  g_test_add_data_func ("/webrtc-sink/turn/udp", &turn_udp, test_turn);
  g_test_add_data_func ("/webrtc-sink/turn/tcp", &turn_tcp, test_turn);
  g_test_add_data_func ("/webrtc-sink/turn/viewer-only", &turn_viewer,
      test_turn);
  g_test_add_data_func ("/webrtc-sink/turn/wrong-password", &turn_wrong,
      test_turn);
  g_test_add_func ("/webrtc-sink/use-case-2", test_use_case_2);
  g_test_add_data_func ("/webrtc-sink/encoder/vp8",
      GUINT_TO_POINTER (DSL_ENCODER_SW_VP8), test_encoder);
  g_test_add_data_func ("/webrtc-sink/encoder/vp9",
      GUINT_TO_POINTER (DSL_ENCODER_SW_VP9), test_encoder);
  g_test_add_data_func ("/webrtc-sink/encoder/h264",
      GUINT_TO_POINTER (DSL_ENCODER_SW_H264), test_encoder);
  g_test_add_data_func ("/webrtc-sink/encoder/h265",
      GUINT_TO_POINTER (DSL_ENCODER_SW_H265), test_encoder);
  g_test_add_data_func ("/webrtc-sink/encoder/hw-h264-fallback",
      GUINT_TO_POINTER (DSL_ENCODER_HW_H264), test_encoder);
  g_test_add_func ("/webrtc-sink/malformed-messages", test_malformed_messages);
  g_test_add_func ("/webrtc-sink/connection-close", test_connection_close);
  g_test_add_func ("/webrtc-sink/remove-and-delete-while-connected",
      test_remove_and_delete_while_connected);
  g_test_add_func ("/webrtc-sink/listener-deletes-its-sink",
      test_listener_deletes_its_sink);
  g_test_add_func ("/webrtc-sink/closed-sink-waits-for-its-listeners",
      test_closed_sink_waits_for_its_listeners);
  g_test_add_func ("/webrtc-sink/deleting-listener-as-next-viewer-arrives",
      test_deleting_listener_as_next_viewer_arrives);
  g_test_add_func ("/webrtc-sink/stop-listening-closes-viewers",
      test_stop_listening_closes_viewers);
  g_test_add_func ("/webrtc-sink/pipeline-stop-closes-viewer",
      test_pipeline_stop_closes_viewer);
  g_test_add_func ("/webrtc-sink/stop-before-play-closes-viewer",
      test_stop_before_play_closes_viewer);
  g_test_add_func ("/webrtc-sink/no-answer-fails", test_no_answer_fails);
  g_test_add_func ("/webrtc-sink/answer-cancels-timeout",
      test_answer_cancels_timeout);
  g_test_add_func ("/webrtc-sink/refused-answer-fails",
      test_refused_answer_fails);
  g_test_add_func ("/webrtc-sink/whep/viewers", test_whep_viewers);
  g_test_add_func ("/webrtc-sink/whep/codec-refused", test_whep_codec_refused);
  g_test_add_func ("/webrtc-sink/refresh-cycles", test_refresh_cycles);
  return g_test_run ();
}
