/* test-server-wire.c - the WebSocket Server on real sockets, with a real
 * libsoup client: HTTP answers, listener calls, hand-off, close codes. */
#include "dsl-test-support.h"
#include "server/dsl-client-connection.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

static GThread *main_thread;


static DslTestClient *
connect_client (guint port, const gchar * path)
{
  DslTestClient *client = dsl_test_client_new (port, path);
  g_assert_true (dsl_test_client_wait_done (client, 10000));
  return client;
}

static gboolean
transceiver_free_again (gpointer data)
{
  return ((DslTestTransceiver *) data)->channel == NULL;
}

static void
test_http_answers (void)
{
  DslTestTransceiver *t = dsl_test_transceiver_new (TRUE);
  guint port;
  DslTestClient *c;

  g_assert_cmpuint (dsl_websocket_server_http_root_set (L""), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/cam1"), ==,
      DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();

  g_assert_cmpuint (dsl_test_http_get (port, "/", NULL, NULL), ==, 404);
  g_assert_cmpuint (dsl_test_http_get (port, "/wsx", NULL, NULL), ==, 404);
  g_assert_cmpuint (dsl_test_http_get (port, "/ws/other", NULL, NULL), ==,
      404);
  g_assert_cmpuint (dsl_test_http_get (port, "/ws/cam1/x", NULL, NULL), ==,
      404);
  /* a served path without the upgrade headers */
  g_assert_cmpuint (dsl_test_http_get (port, "/ws", NULL, NULL), ==, 400);
  g_assert_cmpuint (dsl_test_http_get (port, "/ws/cam1", NULL, NULL), ==, 400);

  /* upgrades on served paths only; the query string is ignored */
  c = connect_client (port, "/wsx");
  g_assert_null (c->connection);
  g_assert_cmpuint (c->http_status, ==, 404);
  dsl_test_client_free (c);
  c = connect_client (port, "/ws/other");
  g_assert_null (c->connection);
  g_assert_cmpuint (c->http_status, ==, 404);
  dsl_test_client_free (c);
  g_assert_cmpuint (t->connects, ==, 0);

  c = connect_client (port, "/ws?token=abc");
  g_assert_nonnull (c->connection);
  g_assert_cmpuint (c->http_status, ==, 101);
  g_assert_cmpuint (t->connects, ==, 1);
  g_assert_cmpstr (t->path, ==, "/ws");
  dsl_test_client_free (c);
  g_assert_true (dsl_test_wait_until (transceiver_free_again, t, 10000));

  c = connect_client (port, "/ws/cam1");
  g_assert_cmpuint (c->http_status, ==, 101);
  g_assert_cmpuint (t->connects, ==, 2);
  g_assert_cmpstr (t->path, ==, "/ws/cam1");
  dsl_test_client_free (c);

  dsl_test_server_stop ();
  dsl_test_transceiver_free (t);
  g_assert_cmpuint (dsl_websocket_server_http_root_set (NULL), ==,
      DSL_RESULT_SUCCESS);
}

/* The HTTP content: the built-in page, an application's folder (and
 * nothing outside it), or nothing. */
static gboolean
body_contains (GBytes * body, const gchar * text)
{
  gsize size = body ? g_bytes_get_size (body) : 0;

  return size && g_strstr_len (g_bytes_get_data (body, NULL), size, text);
}

static void
assert_get (guint port, const gchar * path, guint status,
    const gchar * content_type, const gchar * body_part)
{
  g_autoptr (GBytes) body = NULL;
  g_autofree gchar *type = NULL;

  g_assert_cmpuint (dsl_test_http_get (port, path, &body, &type), ==,
      status);
  if (content_type)
    g_assert_cmpstr (type, ==, content_type);
  if (body_part)
    g_assert_true (body_contains (body, body_part));
}

/* 400 or 404, as long as the file stays unread */
static void
assert_not_served (guint port, const gchar * path)
{
  g_autoptr (GBytes) body = NULL;
  g_autofree gchar *type = NULL;
  guint status = dsl_test_http_get (port, path, &body, &type);

  g_assert_true (status == 400 || status == 404);
  g_assert_false (body_contains (body, "secret"));
}

static void
test_http_content (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("dsl-www-XXXXXX", NULL);
  g_autofree gchar *inner = g_build_filename (dir, "site", NULL);
  g_autofree gchar *secret = g_build_filename (dir, "secret.txt", NULL);
  g_autofree gchar *index = g_build_filename (inner, "index.html", NULL);
  g_autofree gchar *escape = g_build_filename (inner, "escape.txt", NULL);
  g_autofree wchar_t *winner = NULL;
  guint port;

  g_assert_cmpint (g_mkdir (inner, 0700), ==, 0);
  g_assert_true (g_file_set_contents (secret, "secret", -1, NULL));
  g_assert_true (g_file_set_contents (index, "<p>mine</p>", -1, NULL));
  g_assert_cmpint (symlink (secret, escape), ==, 0);
  winner = (wchar_t *) g_utf8_to_ucs4 (inner, -1, NULL, NULL, NULL);

  /* the built-in page */
  port = dsl_test_server_start ();
  assert_get (port, "/", 200, "text/html; charset=utf-8", "viewer.js");
  assert_get (port, "/?path=/ws/cam1", 200, "text/html; charset=utf-8", NULL);
  assert_get (port, "/viewer.js", 200, "text/javascript; charset=utf-8",
      "RTCPeerConnection");
  assert_get (port, "/viewer.css", 200, "text/css; charset=utf-8", NULL);
  assert_get (port, "/nothing.html", 404, NULL, NULL);
  assert_get (port, "/wsx", 404, NULL, NULL);
  g_assert_cmpuint (dsl_websocket_server_http_root_set (winner), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  dsl_test_server_stop ();

  /* a folder: its files, and nothing outside it */
  g_assert_cmpuint (dsl_websocket_server_http_root_set (L"/no/such/folder"),
      ==, DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_http_root_set (winner), ==,
      DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();
  assert_get (port, "/", 200, "text/html; charset=utf-8", "mine");
  assert_get (port, "/index.html", 200, NULL, "mine");
  assert_get (port, "/viewer.js", 404, NULL, NULL);
  assert_get (port, "/escape.txt", 404, NULL, NULL);
  assert_not_served (port, "/../secret.txt");
  assert_not_served (port, "/%2e%2e/secret.txt");
  assert_not_served (port, "/site/../../secret.txt");
  dsl_test_server_stop ();

  /* nothing */
  g_assert_cmpuint (dsl_websocket_server_http_root_set (L""), ==,
      DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();
  assert_get (port, "/", 404, NULL, NULL);
  dsl_test_server_stop ();
  g_assert_cmpuint (dsl_websocket_server_http_root_set (NULL), ==,
      DSL_RESULT_SUCCESS);

  g_unlink (escape);
  g_unlink (index);
  g_unlink (secret);
  g_rmdir (inner);
  g_rmdir (dir);
}

/* ------------------------------------------------------------------ */

typedef struct
{
  GString *calls;
  DslTestTransceiver *transceiver;   /* to check the listener runs first */
  guint connects_seen;
  gboolean off_main_thread;          /* sticky: any call on another thread */
  wchar_t path[64];
} ListenerLog;

static void
record (ListenerLog * log, const gchar * who, const wchar_t * path)
{
  g_string_append (log->calls, who);
  wcsncpy (log->path, path, 63);
  log->connects_seen += log->transceiver->connects;
  if (g_thread_self () != main_thread)
    log->off_main_thread = TRUE;
}

static void
listener_1 (const wchar_t * path, void *data)
{
  record (data, "1", path);
}

static void
listener_2 (const wchar_t * path, void *data)
{
  record (data, "2", path);
}

static void
listener_3 (const wchar_t * path, void *data)
{
  record (data, "3", path);
}

static void
test_listener_order (void)
{
  ListenerLog log = { g_string_new (NULL) };
  guint port;
  DslTestClient *c;

  log.transceiver = dsl_test_transceiver_new (TRUE);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/cam%C3%A9ra"), ==,
      DSL_RESULT_SUCCESS);
  /* added in an order that differs from their addresses' order */
  g_assert_cmpuint (dsl_websocket_server_client_listener_add (listener_3,
          &log), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add (listener_1,
          &log), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add (listener_2,
          &log), ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();

  c = connect_client (port, "/ws/cam%C3%A9ra");
  g_assert_nonnull (c->connection);
  g_assert_cmpstr (log.calls->str, ==, "312");
  g_assert_cmpint (wcscmp (log.path, L"/ws/caméra"), ==, 0);
  g_assert_cmpuint (log.connects_seen, ==, 0);  /* listeners ran first */
  g_assert_false (log.off_main_thread);
  g_assert_cmpuint (log.transceiver->connects, ==, 1);
  dsl_test_client_free (c);

  dsl_test_server_stop ();
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (listener_1),
      ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (listener_2),
      ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (listener_3),
      ==, DSL_RESULT_SUCCESS);
  dsl_test_transceiver_free (log.transceiver);
  g_string_free (log.calls, TRUE);
}

/* ------------------------------------------------------------------ */

static void
test_no_transceiver_1013 (void)
{
  DslTestTransceiver *busy = dsl_test_transceiver_new (FALSE);
  guint port = dsl_test_server_start ();
  g_autofree gchar *reason = NULL;
  DslTestClient *c;

  g_assert_cmpuint (dsl_test_raw_close_code (port, "/ws", &reason, 10000), ==,
      1013);
  g_assert_cmpstr (reason, ==, "no signaling transceiver available");
  g_assert_cmpuint (busy->connects, ==, 0);

  /* once it is ready, it takes the next one */
  busy->ready = TRUE;
  c = connect_client (port, "/ws");
  g_assert_cmpuint (busy->connects, ==, 1);
  dsl_test_client_free (c);
  dsl_test_server_stop ();
  dsl_test_transceiver_free (busy);
}

/* Each connection goes to the first available transceiver in the order
 * they were added: a busy one is skipped, and the order is checked one
 * connection at a time, not only in the totals. */
static void
test_first_available_in_order (void)
{
  DslTestTransceiver *busy = dsl_test_transceiver_new (FALSE);
  DslTestTransceiver *a = dsl_test_transceiver_new (TRUE);
  DslTestTransceiver *b = dsl_test_transceiver_new (TRUE);
  DslTestTransceiver *c = dsl_test_transceiver_new (TRUE);
  guint port = dsl_test_server_start ();
  DslTestClient *c1, *c2, *c3;

  c1 = connect_client (port, "/ws");
  g_assert_nonnull (c1->connection);
  g_assert_cmpuint (busy->connects, ==, 0);
  g_assert_cmpuint (a->connects, ==, 1);
  g_assert_cmpuint (b->connects, ==, 0);
  g_assert_cmpuint (c->connects, ==, 0);

  c2 = connect_client (port, "/ws");
  g_assert_nonnull (c2->connection);
  g_assert_cmpuint (a->connects, ==, 1);
  g_assert_cmpuint (b->connects, ==, 1);
  g_assert_cmpuint (c->connects, ==, 0);

  /* the first one free again comes before the last one */
  dsl_test_client_free (c1);
  g_assert_true (dsl_test_wait_until (transceiver_free_again, a, 10000));
  c1 = connect_client (port, "/ws");
  g_assert_nonnull (c1->connection);
  g_assert_cmpuint (a->connects, ==, 2);
  g_assert_cmpuint (c->connects, ==, 0);

  c3 = connect_client (port, "/ws");
  g_assert_nonnull (c3->connection);
  g_assert_cmpuint (c->connects, ==, 1);
  g_assert_cmpuint (busy->connects, ==, 0);
  g_assert_cmpuint (dsl_test_raw_close_code (port, "/ws", NULL, 10000), ==,
      1013);
  g_assert_cmpuint (a->connects + b->connects + c->connects, ==, 4);
  dsl_test_client_free (c1);
  dsl_test_client_free (c2);
  dsl_test_client_free (c3);
  dsl_test_server_stop ();
  dsl_test_transceiver_free (busy);
  dsl_test_transceiver_free (a);
  dsl_test_transceiver_free (b);
  dsl_test_transceiver_free (c);
}

/* ------------------------------------------------------------------ */
/* Listeners that call back into the API. */

static DslTestTransceiver *created;

static void
creating_listener (const wchar_t * path, void *data)
{
  created = dsl_test_transceiver_new (TRUE);
}

static guint self_removing_calls;

static void
self_removing_listener (const wchar_t * path, void *data)
{
  self_removing_calls++;
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (self_removing_listener), ==, DSL_RESULT_SUCCESS);
}

static guint removed_calls;

static void
removed_listener (const wchar_t * path, void *data)
{
  removed_calls++;
}

static DslReturnType removing_other_result;

static void
removing_other_listener (const wchar_t * path, void *data)
{
  removing_other_result =
      dsl_websocket_server_client_listener_remove (removed_listener);
}

static void
stopping_listener (const wchar_t * path, void *data)
{
  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_SUCCESS);
}

static void
test_listener_reentrancy (void)
{
  guint port = dsl_test_server_start ();
  DslTestClient *c;

  /* a listener creates the transceiver that takes the connection */
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (creating_listener, NULL), ==, DSL_RESULT_SUCCESS);
  c = connect_client (port, "/ws");
  g_assert_nonnull (created);
  g_assert_cmpuint (created->connects, ==, 1);
  dsl_test_client_free (c);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (creating_listener), ==, DSL_RESULT_SUCCESS);
  dsl_test_transceiver_free (created);

  /* one removes itself: called once */
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (self_removing_listener, NULL), ==, DSL_RESULT_SUCCESS);
  for (int i = 0; i < 2; i++) {
    c = connect_client (port, "/ws");
    g_assert_true (dsl_test_client_wait_closed (c, 10000));
    dsl_test_client_free (c);
  }
  g_assert_cmpuint (self_removing_calls, ==, 1);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (self_removing_listener), ==,
      DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED);

  /* one removes a later one before its turn: not called */
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (removing_other_listener, NULL), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (removed_listener, NULL), ==, DSL_RESULT_SUCCESS);
  removing_other_result = DSL_RESULT_INVALID_INPUT_PARAM;
  c = connect_client (port, "/ws");
  g_assert_true (dsl_test_client_wait_closed (c, 10000));
  dsl_test_client_free (c);
  g_assert_cmpuint (removing_other_result, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (removed_calls, ==, 0);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (removed_listener), ==,
      DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (removing_other_listener), ==, DSL_RESULT_SUCCESS);

  /* one stops listening: the new socket is closed as going away */
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (stopping_listener, NULL), ==, DSL_RESULT_SUCCESS);
  c = connect_client (port, "/ws");
  g_assert_true (dsl_test_client_wait_closed (c, 10000));
  g_assert_cmpuint (c->close_code, ==, 1001);
  dsl_test_client_free (c);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (stopping_listener), ==, DSL_RESULT_SUCCESS);
  {
    boolean listening = DSL_TRUE;
    uint p;
    g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening,
            &p), ==, DSL_RESULT_SUCCESS);
    g_assert_cmpuint (listening, ==, DSL_FALSE);
  }
}

/* ------------------------------------------------------------------ */

static void
test_stop_closes_with_1001 (void)
{
  DslTestTransceiver *t[3];
  DslTestClient *c[3];
  guint port = dsl_test_server_start ();

  for (int i = 0; i < 3; i++)
    t[i] = dsl_test_transceiver_new (TRUE);
  for (int i = 0; i < 3; i++) {
    c[i] = connect_client (port, "/ws");
    g_assert_nonnull (c[i]->connection);
  }
  dsl_test_server_stop ();
  for (int i = 0; i < 3; i++) {
    g_assert_true (dsl_test_client_wait_closed (c[i], 10000));
    g_assert_cmpuint (c[i]->close_code, ==, 1001);
    g_assert_cmpuint (t[i]->disconnects, ==, 1);
    g_assert_cmpuint (t[i]->last_close_code, ==, 1001);
    dsl_test_client_free (c[i]);
    dsl_test_transceiver_free (t[i]);
  }
  /* nothing listens any more */
  c[0] = connect_client (port, "/ws");
  g_assert_null (c[0]->connection);
  dsl_test_client_free (c[0]);
}

static void
test_restart (void)
{
  DslTestTransceiver *t = dsl_test_transceiver_new (TRUE);
  guint port = dsl_test_server_start (), port2;
  DslTestClient *c;
  boolean listening;
  uint p;

  dsl_test_server_stop ();
  /* the same port */
  g_assert_cmpuint (dsl_websocket_server_listening_start (port), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening, &p),
      ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (listening, ==, DSL_TRUE);
  g_assert_cmpuint (p, ==, port);
  c = connect_client (port, "/ws");
  g_assert_nonnull (c->connection);
  dsl_test_client_free (c);
  g_assert_cmpuint (t->connects, ==, 1);
  dsl_test_server_stop ();

  /* another port */
  port2 = dsl_test_server_start ();
  g_assert_cmpuint (port2, !=, 0);
  c = connect_client (port2, "/ws");
  g_assert_nonnull (c->connection);
  dsl_test_client_free (c);
  dsl_test_server_stop ();
  dsl_test_transceiver_free (t);
}

/* ------------------------------------------------------------------ */

#define MANY 200

static void
test_many_connections (void)
{
  DslTestTransceiver *t[MANY];
  DslTestClient *c[MANY];
  guint port = dsl_test_server_start ();
  guint connected = 0;

  for (int i = 0; i < MANY; i++)
    t[i] = dsl_test_transceiver_new (TRUE);
  for (int i = 0; i < MANY; i++)
    c[i] = dsl_test_client_new (port, "/ws");
  for (int i = 0; i < MANY; i++) {
    g_assert_true (dsl_test_client_wait_done (c[i], 20000));
    connected += c[i]->connection != NULL;
  }
  g_assert_cmpuint (connected, ==, MANY);
  for (int i = 0; i < MANY; i++)
    g_assert_cmpuint (t[i]->connects, ==, 1);
  for (int i = 0; i < MANY; i++)
    soup_websocket_connection_close (c[i]->connection, 1000, NULL);
  for (int i = 0; i < MANY; i++)
    g_assert_true (dsl_test_client_wait_closed (c[i], 20000));
  for (int i = 0; i < MANY; i++) {
    dsl_test_client_free (c[i]);
    dsl_test_transceiver_free (t[i]);
  }

  /* still answering */
  g_assert_cmpuint (dsl_test_http_get (port, "/ws", NULL, NULL), ==, 400);
  t[0] = dsl_test_transceiver_new (TRUE);
  c[0] = connect_client (port, "/ws");
  g_assert_nonnull (c[0]->connection);
  dsl_test_client_free (c[0]);
  dsl_test_transceiver_free (t[0]);
  dsl_test_server_stop ();
}

/* The metered connection on its own, over a loopback TCP pair: blocked
 * output is noticed and forgotten, input is counted and cut at the
 * budget, and an abort ends the peer's stream. */
static void
test_client_connection_meter (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) peer = NULL;
  g_autoptr (GSocketConnection) accepted = NULL;
  g_autoptr (DslClientConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  GPollableOutputStream *out;
  GPollableInputStream *in;
  static gchar buffer[65536];
  guint16 port;
  gssize n;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
        (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) where = g_inet_socket_address_new (lo, port);

    peer = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (where),
        NULL, &error);
  }
  g_assert_no_error (error);
  accepted = g_socket_listener_accept (listener, NULL, NULL, &error);
  g_assert_no_error (error);
  conn = dsl_client_connection_new (g_socket_connection_get_socket
      (accepted));
  out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM
          (conn)));
  in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM
          (conn)));

  /* a peer that reads nothing: our writes end up blocked */
  g_assert_cmpint (dsl_client_connection_get_blocked_since (conn), ==, 0);
  while ((n = g_pollable_output_stream_write_nonblocking (out, buffer,
              sizeof buffer, NULL, NULL)) == sizeof buffer);
  g_assert_cmpint (dsl_client_connection_get_blocked_since (conn), >, 0);
  /* it reads everything: the next write completes and the block is over */
  g_socket_set_blocking (g_socket_connection_get_socket (peer), FALSE);
  while (g_socket_receive (g_socket_connection_get_socket (peer), buffer,
          sizeof buffer, NULL, NULL) > 0);
  g_assert_cmpint (g_pollable_output_stream_write_nonblocking (out, "x", 1,
          NULL, NULL), ==, 1);
  g_assert_cmpint (dsl_client_connection_get_blocked_since (conn), ==, 0);

  /* 1000 bytes at once, no refill: reads go on while any budget is left,
   * then fail */
  dsl_client_connection_set_budget (conn, 1000, 0);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream
          (G_IO_STREAM (peer)), buffer, 1500, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (dsl_test_poll_until ((DslTestCondition)
          g_pollable_input_stream_is_readable, in, 5000));
  n = g_pollable_input_stream_read_nonblocking (in, buffer, 600, NULL,
      &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 600);
  n = g_pollable_input_stream_read_nonblocking (in, buffer, 600, NULL,
      &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 600);
  g_assert_cmpuint (dsl_client_connection_get_bytes_in (conn), ==, 1200);
  n = g_pollable_input_stream_read_nonblocking (in, buffer, 600, NULL,
      &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);

  /* an abort ends the peer's stream, after the "x" still on its way */
  g_assert_false (dsl_client_connection_is_closed (conn));
  dsl_client_connection_abort (conn);
  g_socket_set_blocking (g_socket_connection_get_socket (peer), TRUE);
  g_assert_cmpint (g_socket_receive (g_socket_connection_get_socket (peer),
          buffer, sizeof buffer, NULL, NULL), ==, 1);
  g_assert_cmpint (g_socket_receive (g_socket_connection_get_socket (peer),
          buffer, sizeof buffer, NULL, NULL), ==, 0);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_assert_true (dsl_client_connection_is_closed (conn));
}

/* ------------------------------------------------------------------ */
/* WHEP: the server's side of it, with a test transceiver standing in for
 * the sink (the media are tested with real players in test-whep.py and
 * test-webrtc-sink). */

typedef struct
{
  SoupMessage *msg;
  GBytes *body;
  gboolean done;
} WhepRequest;

static void
whep_done_cb (GObject * source, GAsyncResult * result, gpointer data)
{
  WhepRequest *r = data;

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
      NULL);
  r->done = TRUE;
}

static gboolean
whep_is_done (gpointer data)
{
  return ((WhepRequest *) data)->done;
}

/* Starts method on path (a full URL when it starts with "http"). */
static WhepRequest *
whep_request_from (SoupSession * session, guint port, const gchar * method,
    const gchar * path, const gchar * type, const gchar * body,
    const gchar * origin)
{
  WhepRequest *r = g_new0 (WhepRequest, 1);
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s", port,
      path);

  r->msg = soup_message_new (method, url);
  g_assert_nonnull (r->msg);
  if (origin)
    soup_message_headers_replace (soup_message_get_request_headers (r->msg),
        "Origin", origin);
  if (body) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (r->msg, type, bytes);
  }
  soup_session_send_and_read_async (session, r->msg, G_PRIORITY_DEFAULT, NULL,
      whep_done_cb, r);
  return r;
}

#define whep_request(session, port, method, path, type, body) \
  whep_request_from (session, port, method, path, type, body, NULL)

static guint
whep_status (WhepRequest * r)
{
  g_assert_true (dsl_test_wait_until (whep_is_done, r, 10000));
  return soup_message_get_status (r->msg);
}

static void
whep_request_free (WhepRequest * r)
{
  g_clear_pointer (&r->body, g_bytes_unref);
  g_object_unref (r->msg);
  g_free (r);
}

static gboolean
transceiver_has_channel (gpointer data)
{
  return ((DslTestTransceiver *) data)->channel != NULL;
}

static const gchar whep_offer[] =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:uf\r\na=ice-pwd:pwpwpwpwpwpwpwpwpwpwpwpw\r\na=mid:0\r\n"
    "a=recvonly\r\na=rtpmap:96 VP8/90000\r\n";

static void
test_whep_handoff (void)
{
  ListenerLog log = { g_string_new (NULL) };
  g_autoptr (SoupSession) session = soup_session_new ();
  DslTestTransceiver *t = dsl_test_transceiver_new (TRUE);
  const gchar *location;
  GstSDPMessage *answer;
  DslIceServers servers = { "stun://127.0.0.1:3478",
    "turn://user:se%22cr%5Cet@127.0.0.1:3479", FALSE
  };
  WhepRequest *post, *r;
  guint port;

  log.transceiver = t;
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/whepcam"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add (listener_1,
          &log), ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();

  /* a WHEP viewer of /ws/whepcam: the listeners, then the transceiver,
   * with the player's offer; the POST waits for the answer */
  post = whep_request (session, port, "POST", "/whep/whepcam",
      "application/sdp", whep_offer);
  g_assert_true (dsl_test_wait_until (transceiver_has_channel, t, 10000));
  g_assert_cmpstr (log.calls->str, ==, "1");
  g_assert_cmpint (wcscmp (log.path, L"/ws/whepcam"), ==, 0);
  g_assert_cmpuint (log.connects_seen, ==, 0);
  g_assert_cmpstr (t->path, ==, "/ws/whepcam");
  g_assert_nonnull (dsl_signaling_channel_get_remote_offer (t->channel));
  g_assert_false (dsl_signaling_channel_can_trickle (t->channel));
  g_assert_false (post->done);

  /* the answer: 201 with it, the resource and the ICE servers */
  g_assert_cmpint (gst_sdp_message_new_from_text (whep_offer, &answer), ==,
      GST_SDP_OK);
  dsl_signaling_channel_send_description (t->channel, "answer", answer,
      &servers);
  gst_sdp_message_free (answer);
  g_assert_cmpuint (whep_status (post), ==, 201);
  location = soup_message_headers_get_one (soup_message_get_response_headers
      (post->msg), "Location");
  g_assert_nonnull (location);
  g_assert_true (g_str_has_prefix (location, "/whep-resource/"));
  g_assert_cmpuint (strlen (location), ==, strlen ("/whep-resource/") + 32);
  g_assert_cmpstr (soup_message_headers_get_content_type
      (soup_message_get_response_headers (post->msg), NULL), ==,
      "application/sdp");
  g_assert_nonnull (strstr (soup_message_headers_get_list
          (soup_message_get_response_headers (post->msg), "Link"),
          "<turn:127.0.0.1:3479?transport=udp>; rel=\"ice-server\"; "
          "username=\"user\"; credential=\"se\\\"cr\\\\et\""));

  /* trickle, then an ICE restart, then leave */
  r = whep_request (session, port, "PATCH", location,
      "application/trickle-ice-sdpfrag", "a=ice-ufrag:uf\r\n"
      "a=ice-pwd:pwpwpwpwpwpwpwpwpwpwpwpw\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\n"
      "a=mid:0\r\na=candidate:1 1 UDP 1 127.0.0.1 9 typ host\r\n");
  /* the test transceiver takes no candidates: nobody is attached */
  g_assert_cmpuint (whep_status (r), ==, 400);
  whep_request_free (r);
  r = whep_request (session, port, "PATCH", location,
      "application/trickle-ice-sdpfrag", "a=ice-ufrag:new\r\n");
  g_assert_cmpuint (whep_status (r), ==, 422);
  whep_request_free (r);
  r = whep_request (session, port, "PATCH", location, "text/plain", "x");
  g_assert_cmpuint (whep_status (r), ==, 415);
  whep_request_free (r);
  r = whep_request (session, port, "DELETE", location, NULL, NULL);
  g_assert_cmpuint (whep_status (r), ==, 200);
  whep_request_free (r);
  g_assert_null (t->channel);
  r = whep_request (session, port, "DELETE", location, NULL, NULL);
  g_assert_cmpuint (whep_status (r), ==, 404);
  whep_request_free (r);
  whep_request_free (post);

  /* a session that ended by itself (here the transceiver closes it): the
   * player's DELETE as it leaves gets 200, once */
  post = whep_request (session, port, "POST", "/whep", "application/sdp",
      whep_offer);
  g_assert_true (dsl_test_wait_until (transceiver_has_channel, t, 10000));
  g_assert_cmpint (gst_sdp_message_new_from_text (whep_offer, &answer), ==,
      GST_SDP_OK);
  dsl_signaling_channel_send_description (t->channel, "answer", answer,
      &servers);
  gst_sdp_message_free (answer);
  g_assert_cmpuint (whep_status (post), ==, 201);
  location = soup_message_headers_get_one (soup_message_get_response_headers
      (post->msg), "Location");
  dsl_signaling_channel_close (t->channel, DSL_CLOSE_NORMAL, "ended");
  g_assert_null (t->channel);
  r = whep_request (session, port, "PATCH", location,
      "application/trickle-ice-sdpfrag", "a=end-of-candidates\r\n");
  g_assert_cmpuint (whep_status (r), ==, 404);
  whep_request_free (r);
  r = whep_request (session, port, "DELETE", location, NULL, NULL);
  g_assert_cmpuint (whep_status (r), ==, 200);
  whep_request_free (r);
  r = whep_request (session, port, "DELETE", location, NULL, NULL);
  g_assert_cmpuint (whep_status (r), ==, 404);
  whep_request_free (r);
  whep_request_free (post);

  /* refused before the answer: the close code becomes the status */
  post = whep_request (session, port, "POST", "/whep", "application/sdp",
      whep_offer);
  g_assert_true (dsl_test_wait_until (transceiver_has_channel, t, 10000));
  g_assert_cmpstr (t->path, ==, "/ws");
  dsl_signaling_channel_close (t->channel, DSL_CLOSE_UNSUPPORTED_DATA,
      "no VP9 in the offer");
  g_assert_cmpuint (whep_status (post), ==, 422);
  g_assert_cmpstr (g_bytes_get_data (post->body, NULL), ==,
      "no VP9 in the offer\n");
  whep_request_free (post);

  /* a refusal a page of another (allowed) origin can read: CORS on 401 */
  g_assert_cmpuint (dsl_websocket_server_token_set (L"sesame"), ==,
      DSL_RESULT_SUCCESS);
  post = whep_request_from (session, port, "POST", "/whep",
      "application/sdp", whep_offer, "http://viewer.example");
  g_assert_cmpuint (whep_status (post), ==, 401);
  g_assert_cmpstr (soup_message_headers_get_one
      (soup_message_get_response_headers (post->msg),
          "Access-Control-Allow-Origin"), ==, "http://viewer.example");
  g_assert_cmpuint (t->connects, ==, 3);
  whep_request_free (post);
  g_assert_cmpuint (dsl_websocket_server_token_set (NULL), ==,
      DSL_RESULT_SUCCESS);

  /* nobody free: 503, and no transceiver sees it */
  t->ready = FALSE;
  post = whep_request (session, port, "POST", "/whep", "application/sdp",
      whep_offer);
  g_assert_cmpuint (whep_status (post), ==, 503);
  g_assert_cmpstr (soup_message_headers_get_one
      (soup_message_get_response_headers (post->msg), "Retry-After"), ==, "5");
  g_assert_cmpuint (t->connects, ==, 3);
  whep_request_free (post);

  /* a POST waiting for its answer when the server stops */
  t->ready = TRUE;
  post = whep_request (session, port, "POST", "/whep", "application/sdp",
      whep_offer);
  g_assert_true (dsl_test_wait_until (transceiver_has_channel, t, 10000));
  dsl_test_server_stop ();
  g_assert_true (dsl_test_wait_until (whep_is_done, post, 10000));
  g_assert_cmpuint (t->disconnects, ==, 1);
  g_assert_null (t->channel);
  whep_request_free (post);

  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (listener_1),
      ==, DSL_RESULT_SUCCESS);
  dsl_test_transceiver_free (t);
  g_string_free (log.calls, TRUE);
}

int
main (int argc, char **argv)
{
  dsl_test_init (&argc, &argv);
  main_thread = g_thread_self ();
  g_test_add_func ("/server-wire/http-answers", test_http_answers);
  g_test_add_func ("/server-wire/http-content", test_http_content);
  g_test_add_func ("/server-wire/listener-order", test_listener_order);
  g_test_add_func ("/server-wire/no-transceiver-1013",
      test_no_transceiver_1013);
  g_test_add_func ("/server-wire/first-available-in-order",
      test_first_available_in_order);
  g_test_add_func ("/server-wire/listener-reentrancy",
      test_listener_reentrancy);
  g_test_add_func ("/server-wire/stop-closes-with-1001",
      test_stop_closes_with_1001);
  g_test_add_func ("/server-wire/restart", test_restart);
  g_test_add_func ("/server-wire/many-connections", test_many_connections);
  g_test_add_func ("/server-wire/client-connection-meter",
      test_client_connection_meter);
  g_test_add_func ("/server-wire/whep-handoff", test_whep_handoff);
  return g_test_run ();
}
