/* test-server-api.c - the dsl_websocket_server_*() result codes and state,
 * and the general services. */
#include "dsl-test-support.h"
#include "core/dsl-wstring.h"

#include <gio/gio.h>
#include <string.h>

static void
assert_state (boolean expect_listening, gboolean expect_port_nonzero)
{
  boolean listening = 99;
  uint port = 99;

  g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening,
          &port), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (listening, ==, expect_listening);
  if (expect_port_nonzero)
    g_assert_cmpuint (port, >, 0);
  else
    g_assert_cmpuint (port, ==, 0);
}

static void
test_state_get_null (void)
{
  boolean listening;
  uint port;

  g_assert_cmpuint (dsl_websocket_server_listening_state_get (NULL, &port), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening,
          NULL), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  assert_state (DSL_FALSE, FALSE);
}

static void
test_start_stop (void)
{
  boolean listening;
  uint port, port2;

  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_listening_start (0), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening,
          &port), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (listening, ==, DSL_TRUE);
  g_assert_cmpuint (port, >, 0);
  g_assert_cmpuint (dsl_websocket_server_listening_start (0), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  /* a failed start changes nothing */
  g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening,
          &port2), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (port2, ==, port);
  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  assert_state (DSL_FALSE, FALSE);
}

static void
test_start_bad_port (void)
{
  g_assert_cmpuint (dsl_websocket_server_listening_start (65536), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  assert_state (DSL_FALSE, FALSE);
  g_assert_cmpuint (dsl_websocket_server_listening_start (G_MAXUINT), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  assert_state (DSL_FALSE, FALSE);
}

static GSocket *
occupy_port (const gchar * address, guint * port)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (inet, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  GSocket *socket = g_socket_new (g_inet_address_get_family (inet),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  g_assert_true (g_socket_listen (socket, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

static void
test_start_port_in_use (void)
{
  guint port;
  g_autoptr (GSocket) socket = occupy_port ("127.0.0.1", &port);

  /* all interfaces */
  g_assert_cmpuint (dsl_websocket_server_listening_start (port), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  assert_state (DSL_FALSE, FALSE);
  /* one address */
  g_assert_cmpuint (dsl_websocket_server_bind_address_set (L"127.0.0.1"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_listening_start (port), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  assert_state (DSL_FALSE, FALSE);
  /* and the server still starts afterwards */
  g_assert_cmpuint (dsl_websocket_server_listening_start (0), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_bind_address_set (NULL), ==,
      DSL_RESULT_SUCCESS);
}

static void
test_bind_address (void)
{
  g_assert_cmpuint (dsl_websocket_server_bind_address_set (L"localhost:80"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_bind_address_set (L"not an address"),
      ==, DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_bind_address_set (L"::1"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_listening_start (0), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_bind_address_set (L"127.0.0.1"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_bind_address_set (L""), ==,
      DSL_RESULT_SUCCESS);
}

static void
test_path_add (void)
{
  static const wchar_t bad_unicode[] = { L'/', L'w', L's', L'/', 0xD800, 0 };
  g_autofree wchar_t *longest = g_new0 (wchar_t, 1026);
  g_autofree wchar_t *too_long = g_new0 (wchar_t, 1027);

  g_assert_cmpuint (dsl_websocket_server_path_add (NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_path_add (bad_unicode), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_path_add (L""), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/video"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/wsx/cam"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/a b"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/a?b=1"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/a#b"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/50%"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/caméra"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);

  /* 1024 bytes is the limit */
  wcscpy (longest, L"/ws/");
  for (int i = 4; i < 1024; i++)
    longest[i] = L'a';
  wcscpy (too_long, longest);
  too_long[1024] = L'a';
  g_assert_cmpuint (dsl_websocket_server_path_add (too_long), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (longest), ==,
      DSL_RESULT_SUCCESS);

  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/pipeline-1"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/pipeline-1"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/a/b:c@d_e~f"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/cam%C3%A9ra"), ==,
      DSL_RESULT_SUCCESS);

  g_assert_cmpuint (dsl_websocket_server_listening_start (0), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/late"), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/late"), ==,
      DSL_RESULT_SUCCESS);
}

static void
listener_a (const wchar_t * path, void *data)
{
}

static void
listener_b (const wchar_t * path, void *data)
{
}

static void
test_client_listeners (void)
{
  g_assert_cmpuint (dsl_websocket_server_client_listener_add (NULL, NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (listener_a),
      ==, DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add (listener_a,
          NULL), ==, DSL_RESULT_SUCCESS);
  /* same function, other client data: still a duplicate */
  g_assert_cmpuint (dsl_websocket_server_client_listener_add (listener_a,
          &listener_a), ==,
      DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_ADD_FAILED);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add (listener_b,
          NULL), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (listener_a),
      ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (listener_a),
      ==, DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED);
  g_assert_cmpuint (dsl_websocket_server_client_listener_remove (listener_b),
      ==, DSL_RESULT_SUCCESS);
}

static void
test_result_names (void)
{
  g_assert_cmpint (wcscmp (dsl_return_value_to_string
          (DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED),
          L"DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED"), ==, 0);
  g_assert_cmpint (wcscmp (dsl_return_value_to_string (DSL_RESULT_SUCCESS),
          L"DSL_RESULT_SUCCESS"), ==, 0);
  g_assert_cmpint (wcscmp (dsl_return_value_to_string (0x00700099),
          L"Invalid DSL Result CODE"), ==, 0);
  g_assert_cmpint (wcscmp (dsl_state_value_to_string (DSL_STATE_PLAYING),
          L"DSL_STATE_PLAYING"), ==, 0);
}

/* Every service may be called from any thread, while the main loop runs. */
typedef struct
{
  guint port;
  DslReturnType start, state, stop;
  boolean listening;
  gboolean done;
} ThreadCalls;

static gpointer
thread_calls (gpointer data)
{
  ThreadCalls *calls = data;

  calls->start = dsl_websocket_server_listening_start (0);
  calls->state = dsl_websocket_server_listening_state_get (&calls->listening,
      &calls->port);
  calls->stop = dsl_websocket_server_listening_stop ();
  g_atomic_int_set (&calls->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
calls_done (gpointer data)
{
  return g_atomic_int_get (&((ThreadCalls *) data)->done);
}

static void
test_calls_from_other_thread (void)
{
  ThreadCalls calls = { 0 };
  GThread *thread;

  /* the main thread owns the context while it iterates it */
  g_assert_true (g_main_context_acquire (NULL));
  thread = g_thread_new ("api-caller", thread_calls, &calls);
  g_assert_true (dsl_test_wait_until (calls_done, &calls, 10000));
  g_thread_join (thread);
  g_main_context_release (NULL);
  g_assert_cmpuint (calls.start, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (calls.state, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (calls.listening, ==, DSL_TRUE);
  g_assert_cmpuint (calls.port, >, 0);
  g_assert_cmpuint (calls.stop, ==, DSL_RESULT_SUCCESS);

  /* and with nobody iterating the context */
  thread = g_thread_new ("api-caller", thread_calls, &calls);
  g_thread_join (thread);
  g_assert_cmpuint (calls.start, ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (calls.stop, ==, DSL_RESULT_SUCCESS);
}

/* The extension services for keep-alive, timeouts and connection limits:
 * defaults, exact result codes, and a refused value changes nothing. */
static void
assert_limits (uint interval, uint timeout, uint header, uint idle,
    uint pending, uint websockets)
{
  uint a = 0, b = 0;

  g_assert_cmpuint (dsl_websocket_server_keepalive_get (&a, &b), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (a, ==, interval);
  g_assert_cmpuint (b, ==, timeout);
  g_assert_cmpuint (dsl_websocket_server_timeouts_get (&a, &b), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (a, ==, header);
  g_assert_cmpuint (b, ==, idle);
  g_assert_cmpuint (dsl_websocket_server_connection_limits_get (&a, &b), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (a, ==, pending);
  g_assert_cmpuint (b, ==, websockets);
}

static void
test_limits (void)
{
  uint value;

  assert_limits (5, 20, 10, 30, 256, 512);

  g_assert_cmpuint (dsl_websocket_server_keepalive_set (0, 20), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_keepalive_set (5, 5), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_keepalive_set (6, 5), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_timeouts_set (0, 30), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_timeouts_set (10, 0), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_connection_limits_set (0, 512), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_connection_limits_set (256, 0), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  assert_limits (5, 20, 10, 30, 256, 512);

  g_assert_cmpuint (dsl_websocket_server_keepalive_get (NULL, &value), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_keepalive_get (&value, NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_timeouts_get (NULL, &value), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_connection_limits_get (&value,
          NULL), ==, DSL_RESULT_INVALID_INPUT_PARAM);

  /* each pair changes only its own values, also while listening */
  g_assert_cmpuint (dsl_websocket_server_listening_start (0), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_keepalive_set (1, 2), ==,
      DSL_RESULT_SUCCESS);
  assert_limits (1, 2, 10, 30, 256, 512);
  g_assert_cmpuint (dsl_websocket_server_timeouts_set (3, 4), ==,
      DSL_RESULT_SUCCESS);
  assert_limits (1, 2, 3, 4, 256, 512);
  g_assert_cmpuint (dsl_websocket_server_connection_limits_set (7, 8), ==,
      DSL_RESULT_SUCCESS);
  assert_limits (1, 2, 3, 4, 7, 8);
  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_SUCCESS);

  g_assert_cmpuint (dsl_websocket_server_keepalive_set (5, 20), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_timeouts_set (10, 30), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_connection_limits_set (256, 512), ==,
      DSL_RESULT_SUCCESS);
}

/* wchar_t conversion refuses what is not Unicode, both ways. */
static void
test_wstring_invalid (void)
{
  g_autofree wchar_t *greek = dsl_wstring_from_utf8 ("\xce\xba\xe1\xbd\xb9"
      "\xcf\x83\xce\xbc\xce\xb5");
  g_autofree gchar *back = NULL;
  const wchar_t surrogate[] = { 0xd800, 0 }, too_big[] = { 0x110000, 0 };

  g_assert_nonnull (greek);
  g_assert_cmpint (wcscmp (greek, L"\x3ba\x1f79\x3c3\x3bc\x3b5"), ==, 0);
  back = dsl_wstring_to_utf8 (greek);
  g_assert_cmpstr (back, ==, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5");
  g_assert_null (dsl_wstring_from_utf8 ("\xed\xa0\x80"));     /* surrogate */
  g_assert_null (dsl_wstring_from_utf8 ("\xf4\x90\x80\x80")); /* > U+10FFFF */
  g_assert_null (dsl_wstring_from_utf8 ("\xc0\xaf"));         /* overlong */
  g_assert_null (dsl_wstring_to_utf8 (surrogate));
  g_assert_null (dsl_wstring_to_utf8 (too_big));
}

int
main (int argc, char **argv)
{
  dsl_test_init (&argc, &argv);
  g_test_add_func ("/server-api/state-get-null", test_state_get_null);
  g_test_add_func ("/server-api/start-stop", test_start_stop);
  g_test_add_func ("/server-api/start-bad-port", test_start_bad_port);
  g_test_add_func ("/server-api/start-port-in-use", test_start_port_in_use);
  g_test_add_func ("/server-api/bind-address", test_bind_address);
  g_test_add_func ("/server-api/path-add", test_path_add);
  g_test_add_func ("/server-api/client-listeners", test_client_listeners);
  g_test_add_func ("/server-api/result-names", test_result_names);
  g_test_add_func ("/server-api/limits", test_limits);
  g_test_add_func ("/server-api/wstring-invalid", test_wstring_invalid);
  g_test_add_func ("/server-api/calls-from-other-thread",
      test_calls_from_other_thread);
  return g_test_run ();
}
