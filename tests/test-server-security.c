/* test-server-security.c - who may use the WebSocket Server, on real
 * sockets with real TLS: certificates made with openssl at test time (a
 * private CA, leaves for 127.0.0.1, an expired one, a key that does not
 * match, garbage), the Origin allow-list (403), viewer tokens in each
 * documented position and the authorization listener (401), the page and
 * its files behind the token, and no token ever in the log.
 *
 * A refused client must leave no trace: no client listener call and no
 * session on the WebRTC Sink (its listener reports nothing, and the next
 * viewer let in is the sink's first). */
#include "dsl-test-support.h"

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <string.h>

#define W 320
#define H 240

/* a sanitized library is several times slower */
static guint scale = 1;
#define WAIT_MS (10000 * scale)

static GThread *main_thread;

/* ------------------------------------------------------------------ */
/* Certificates, made once in a temporary folder */

static gchar *cert_dir;
static gchar *ca_pem, *leaf_pem, *leaf_key, *leaf2_pem, *leaf2_key;
static gchar *expired_pem, *garbage_pem, *garbage_key, *missing;
static GTlsDatabase *ca_database;

static gchar *
cert_path (const gchar * name)
{
  return g_build_filename (cert_dir, name, NULL);
}

static void
openssl (const gchar * first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL, *err = NULL;
  gint status;
  va_list args;

  g_ptr_array_add (argv, (gpointer) "openssl");
  va_start (args, first);
  for (const gchar * a = first; a; a = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (cert_dir, (gchar **) argv->pdata, NULL,
          G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl %s: %s\n%s", first, error->message, err);
}

/* A leaf for 127.0.0.1 signed by the CA, valid for days (-1: expired
 * yesterday). */
static void
sign_leaf (const gchar * csr, const gchar * days, const gchar * out)
{
  openssl ("x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key",
      "-CAcreateserial", "-days", days, "-extfile", "leaf.ext", "-out", out,
      NULL);
}

static void
make_certificates (void)
{
  g_autofree gchar *ext = NULL, *dir = NULL;
  g_autoptr (GError) error = NULL;

  cert_dir = g_dir_make_tmp ("dsl-security-XXXXXX", &error);
  g_assert_no_error (error);
  ext = cert_path ("leaf.ext");
  g_assert_true (g_file_set_contents (ext,
          "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
          "extendedKeyUsage=serverAuth\n", -1, NULL));
  openssl ("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
      "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=dsl test CA",
      NULL);
  openssl ("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key",
      "-out", "leaf.csr", "-subj", "/CN=127.0.0.1", NULL);
  openssl ("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf2.key",
      "-out", "leaf2.csr", "-subj", "/CN=127.0.0.1", NULL);
  sign_leaf ("leaf.csr", "2", "leaf.pem");
  sign_leaf ("leaf2.csr", "2", "leaf2.pem");
  /* the same key as leaf.pem: only its dates are wrong */
  sign_leaf ("leaf.csr", "-1", "expired.pem");

  ca_pem = cert_path ("ca.pem");
  leaf_pem = cert_path ("leaf.pem");
  leaf_key = cert_path ("leaf.key");
  leaf2_pem = cert_path ("leaf2.pem");
  leaf2_key = cert_path ("leaf2.key");
  expired_pem = cert_path ("expired.pem");
  garbage_pem = cert_path ("garbage.pem");
  garbage_key = cert_path ("garbage.key");
  missing = cert_path ("no-such-file.pem");
  /* PEM armour around base64 that is no DER at all */
  g_assert_true (g_file_set_contents (garbage_pem,
          "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGUsIGp1c3QgdGV4"
          "dA==\n-----END CERTIFICATE-----\n", -1, NULL));
  g_assert_true (g_file_set_contents (garbage_key,
          "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5LCBqdXN0IHRleHQ=\n"
          "-----END PRIVATE KEY-----\n", -1, NULL));
  dir = cert_path ("a-folder");
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);

  ca_database = g_tls_file_database_new (ca_pem, &error);
  g_assert_no_error (error);
}

static void
remove_certificates (void)
{
  g_autoptr (GDir) dir = g_dir_open (cert_dir, 0, NULL);
  const gchar *name;

  while ((name = g_dir_read_name (dir))) {
    g_autofree gchar *path = cert_path (name);

    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      g_rmdir (path);
    else
      g_unlink (path);
  }
  g_rmdir (cert_dir);
  g_clear_object (&ca_database);
  g_free (ca_pem);
  g_free (leaf_pem);
  g_free (leaf_key);
  g_free (leaf2_pem);
  g_free (leaf2_key);
  g_free (expired_pem);
  g_free (garbage_pem);
  g_free (garbage_key);
  g_free (missing);
  g_free (cert_dir);
}

static wchar_t *
wide (const gchar * utf8)
{
  return utf8 ? (wchar_t *) g_utf8_to_ucs4 (utf8, -1, NULL, NULL, NULL) :
      NULL;
}

static gchar *
narrow (const wchar_t * w)
{
  return w ? g_ucs4_to_utf8 ((const gunichar *) w, -1, NULL, NULL, NULL) :
      g_strdup ("(null)");
}

static DslReturnType
tls_files (const gchar * cert, const gchar * key)
{
  g_autofree wchar_t *wcert = wide (cert), *wkey = wide (key);

  return dsl_websocket_server_tls_set (wcert, wkey);
}

/* ------------------------------------------------------------------ */
/* The log: every message of the dsl categories, at every level, is
 * scanned for the secrets (every token a test uses, raw and escaped). */

static struct
{
  GMutex lock;
  GPtrArray *secrets;
  guint dsl_messages;
  guint dsl_debug_messages;     /* at DEBUG and above: the threshold holds */
  guint open_warnings;          /* "no Origin allow-list" */
  guint refusals;               /* "not authorized" lines */
  gchar *leak;                  /* the first message that held a secret */
} logged;

static void
add_secret (const gchar * secret)
{
  g_autofree gchar *escaped = g_uri_escape_string (secret, NULL, FALSE);

  g_mutex_lock (&logged.lock);
  g_ptr_array_add (logged.secrets, g_strdup (secret));
  if (!g_str_equal (escaped, secret))
    g_ptr_array_add (logged.secrets, g_steal_pointer (&escaped));
  g_mutex_unlock (&logged.lock);
}

static void
scan_log (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer unused)
{
  const gchar *text = gst_debug_message_get (message);
  gboolean ours = g_str_has_prefix (gst_debug_category_get_name (category),
      "dsl");

  if (ours && text) {
    g_mutex_lock (&logged.lock);
    logged.dsl_messages++;
    if (level >= GST_LEVEL_DEBUG)
      logged.dsl_debug_messages++;
    if (strstr (text, "no Origin allow-list"))
      logged.open_warnings++;
    if (strstr (text, "not authorized"))
      logged.refusals++;
    for (guint i = 0; i < logged.secrets->len && !logged.leak; i++)
      if (strstr (text, g_ptr_array_index (logged.secrets, i)))
        logged.leak = g_strdup_printf ("%s:%d %s", file, line, text);
    g_mutex_unlock (&logged.lock);
  }
  /* what a run at the suite's GST_DEBUG would have shown */
  if (!ours || level <= GST_LEVEL_WARNING)
    gst_debug_log_default (category, level, file, function, line, object,
        message, NULL);
}

static guint
open_warnings (void)
{
  guint n;

  g_mutex_lock (&logged.lock);
  n = logged.open_warnings;
  g_mutex_unlock (&logged.lock);
  return n;
}

/* ------------------------------------------------------------------ */
/* Clients: libsoup, with the CA trusted or not, an Origin, subprotocols
 * and headers of the test's choice. */

static SoupSession *
new_session (gboolean trust_ca)
{
  SoupSession *session = soup_session_new ();

  soup_session_set_proxy_resolver (session, NULL);
  if (trust_ca)
    soup_session_set_tls_database (session, ca_database);
  return session;
}

static void
add_headers (SoupMessage * msg, const gchar * const *headers)
{
  for (const gchar * const *h = headers; h && h[0]; h += 2)
    soup_message_headers_append (soup_message_get_request_headers (msg), h[0],
        h[1]);
}

typedef struct
{
  const gchar *scheme;          /* "ws" unless given */
  const gchar *origin;          /* none unless given */
  const gchar *const *protocols;        /* offered subprotocols */
  const gchar *const *headers;  /* name, value, ..., NULL */
  gboolean trust_ca;
} ClientOptions;

typedef struct
{
  SoupSession *session;
  SoupMessage *msg;
  SoupWebsocketConnection *connection;  /* NULL: refused or failed */
  GError *error;
  guint status;                 /* of the handshake (0: none) */
  gboolean done;
  gboolean closed;
  GPtrArray *messages;          /* gchar*, text frames */
} Client;

static void
client_message_cb (SoupWebsocketConnection * ws, gint type, GBytes * data,
    Client * c)
{
  gsize size;
  const gchar *text = g_bytes_get_data (data, &size);

  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    g_ptr_array_add (c->messages, g_strndup (text, size));
}

static void
client_closed_cb (SoupWebsocketConnection * ws, Client * c)
{
  c->closed = TRUE;
}

static void
client_connected_cb (GObject * source, GAsyncResult * result, gpointer data)
{
  Client *c = data;

  c->connection = soup_session_websocket_connect_finish (SOUP_SESSION
      (source), result, &c->error);
  c->status = soup_message_get_status (c->msg);
  if (c->connection) {
    g_signal_connect (c->connection, "message",
        G_CALLBACK (client_message_cb), c);
    g_signal_connect (c->connection, "closed", G_CALLBACK (client_closed_cb),
        c);
  }
  c->done = TRUE;
}

static gboolean
client_done (gpointer data)
{
  return ((Client *) data)->done;
}

static gboolean
client_closed (gpointer data)
{
  return ((Client *) data)->closed;
}

static gboolean
client_has_message (gpointer data)
{
  Client *c = data;
  return c->messages->len > 0 || c->closed;
}

/* Connects to scheme://127.0.0.1:port<path> and waits for the outcome. */
static Client *
client_connect (guint port, const gchar * path, const ClientOptions * o)
{
  Client *c = g_new0 (Client, 1);
  g_autofree gchar *url = g_strdup_printf ("%s://127.0.0.1:%u%s",
      o->scheme ? o->scheme : "ws", port, path);

  c->session = new_session (o->trust_ca);
  c->messages = g_ptr_array_new_with_free_func (g_free);
  c->msg = soup_message_new (SOUP_METHOD_GET, url);
  g_assert_nonnull (c->msg);
  add_headers (c->msg, o->headers);
  soup_session_websocket_connect_async (c->session, c->msg, o->origin,
      (gchar **) o->protocols, G_PRIORITY_DEFAULT, NULL, client_connected_cb,
      c);
  g_assert_true (dsl_test_wait_until (client_done, c, WAIT_MS));
  return c;
}

static void
client_free (Client * c)
{
  if (c->connection) {
    if (soup_websocket_connection_get_state (c->connection) ==
        SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_close (c->connection, 1000, NULL);
      g_assert_true (dsl_test_wait_until (client_closed, c, WAIT_MS));
    }
    g_signal_handlers_disconnect_by_data (c->connection, c);
    g_object_unref (c->connection);
  }
  g_clear_error (&c->error);
  g_object_unref (c->msg);
  g_object_unref (c->session);
  g_ptr_array_unref (c->messages);
  g_free (c);
}

/* The first message is the sink's SDP offer. */
static void
assert_offer (Client * c)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root, *data;

  g_assert_true (dsl_test_wait_until (client_has_message, c, WAIT_MS * 2));
  g_assert_cmpuint (c->messages->len, >, 0);
  g_assert_true (json_parser_load_from_data (parser,
          g_ptr_array_index (c->messages, 0), -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "type"), ==, "sdp");
  data = json_object_get_object_member (root, "data");
  g_assert_cmpstr (json_object_get_string_member (data, "type"), ==, "offer");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (data,
              "sdp"), "v=0"));
}

/* Plain HTTP GETs (https with trust_ca as for clients). */
typedef struct
{
  const gchar *scheme;          /* "http" unless given */
  const gchar *const *headers;
  gboolean trust_ca;
} GetOptions;

typedef struct
{
  SoupMessage *msg;
  GBytes *body;
  GError *error;
  guint status;                 /* 0: no answer */
  gboolean done;
} Answer;

static void
answer_cb (GObject * source, GAsyncResult * result, gpointer data)
{
  Answer *a = data;

  a->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
      &a->error);
  a->status = a->body ? soup_message_get_status (a->msg) : 0;
  a->done = TRUE;
}

static gboolean
answer_done (gpointer data)
{
  return ((Answer *) data)->done;
}

static Answer *
http_get (guint port, const gchar * path, const GetOptions * o)
{
  Answer *a = g_new0 (Answer, 1);
  g_autoptr (SoupSession) session = new_session (o->trust_ca);
  g_autofree gchar *url = g_strdup_printf ("%s://127.0.0.1:%u%s",
      o->scheme ? o->scheme : "http", port, path);

  a->msg = soup_message_new (SOUP_METHOD_GET, url);
  g_assert_nonnull (a->msg);
  add_headers (a->msg, o->headers);
  soup_session_send_and_read_async (session, a->msg, G_PRIORITY_DEFAULT,
      NULL, answer_cb, a);
  g_assert_true (dsl_test_wait_until (answer_done, a, WAIT_MS));
  return a;
}

static void
answer_free (Answer * a)
{
  g_clear_pointer (&a->body, g_bytes_unref);
  g_clear_error (&a->error);
  g_object_unref (a->msg);
  g_free (a);
}

static const gchar *
response_header (SoupMessage * msg, const gchar * name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers
      (msg), name);
}

static gboolean
body_contains (Answer * a, const gchar * text)
{
  gsize size = a->body ? g_bytes_get_size (a->body) : 0;

  return size && g_strstr_len (g_bytes_get_data (a->body, NULL), size, text);
}

/* The status of a GET; 0 when none came. */
static guint
get_status (guint port, const gchar * path, const GetOptions * o)
{
  Answer *a = http_get (port, path, o);
  guint status = a->status;

  answer_free (a);
  return status;
}

/* ------------------------------------------------------------------ */
/* The server and a WebRTC Sink */


/* Nothing set: DSL's behaviour. */
static void
reset_access (void)
{
  g_assert_cmpuint (dsl_websocket_server_tls_set (NULL, NULL), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_origins_clear (), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_origin_required_set (DSL_FALSE), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_token_set (NULL), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_authorize_listener_set (NULL, NULL),
      ==, DSL_RESULT_SUCCESS);
}

/* Every server client listener call, from the start. */
static guint client_listener_calls;
static gboolean client_listener_off_main_thread;

static void
count_client_listener (const wchar_t * path, void *unused)
{
  client_listener_calls++;
  if (g_thread_self () != main_thread)
    client_listener_off_main_thread = TRUE;
}

/* A VP8 WebRTC Sink in a Pipeline with a test pattern: states holds what
 * its client listener reported ("I" INITIATED, "C" CLOSED, "F" FAILED),
 * expect what it must have reported by now. */
typedef struct
{
  GString *states;
  GString *expect;
} Sink;

static void
sink_state_listener (dsl_webrtc_connection_data * info, void *data)
{
  Sink *sink = data;

  g_string_append_c (sink->states, "CIF"[info->current_state]);
}

static Sink *
sink_new (gboolean play)
{
  Sink *sink = g_new0 (Sink, 1);
  const wchar_t *components[] = { L"source", L"fake", L"webrtc-sink", NULL };

  sink->states = g_string_new (NULL);
  sink->expect = g_string_new (NULL);
  g_assert_cmpuint (dsl_source_test_pattern_new (L"source", W, H, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"fake"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
          DSL_ENCODER_SW_VP8, 0, 10), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
          sink_state_listener, sink), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"pipeline",
          components), ==, DSL_RESULT_SUCCESS);
  if (play)
    g_assert_cmpuint (dsl_pipeline_play (L"pipeline"), ==,
        DSL_RESULT_SUCCESS);
  return sink;
}

static gboolean
sink_states_reached (gpointer data)
{
  Sink *sink = data;
  return g_str_equal (sink->states->str, sink->expect->str);
}

/* The sink reported exactly what it must have, plus more (appended to
 * the expectation). */
static void
sink_expect (Sink * sink, const gchar * more)
{
  g_string_append (sink->expect, more);
  dsl_test_wait_until (sink_states_reached, sink, WAIT_MS);
  g_assert_cmpstr (sink->states->str, ==, sink->expect->str);
}

static void
sink_free (Sink * sink)
{
  boolean listening;
  uint port;

  g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening,
          &port), ==, DSL_RESULT_SUCCESS);
  if (listening)
    dsl_test_server_stop ();
  dsl_delete_all ();
  while (g_main_context_iteration (NULL, FALSE));
  g_string_free (sink->states, TRUE);
  g_string_free (sink->expect, TRUE);
  g_free (sink);
}

/* An upgrade that must be let in: 101, one client listener call, and the
 * sink takes it (INITIATED), then gives it up (CLOSED) when it closes. */
static void
assert_let_in (Sink * sink, guint port, const gchar * path,
    const ClientOptions * o)
{
  guint calls = client_listener_calls;
  Client *c = client_connect (port, path, o);

  g_assert_no_error (c->error);
  g_assert_cmpuint (c->status, ==, 101);
  g_assert_nonnull (c->connection);
  g_assert_cmpuint (client_listener_calls, ==, calls + 1);
  sink_expect (sink, "I");
  client_free (c);
  sink_expect (sink, "C");
}

/* An upgrade that must be refused with status before anything is made:
 * no client listener call, nothing on the sink; a 401 says how to
 * authenticate. */
static void
assert_refused (Sink * sink, guint port, const gchar * path,
    const ClientOptions * o, guint status)
{
  guint calls = client_listener_calls;
  Client *c = client_connect (port, path, o);

  g_assert_null (c->connection);
  g_assert_cmpuint (c->status, ==, status);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    g_assert_cmpstr (response_header (c->msg, "WWW-Authenticate"), ==,
        "Bearer");
  else
    g_assert_null (response_header (c->msg, "WWW-Authenticate"));
  g_assert_cmpuint (client_listener_calls, ==, calls);
  g_assert_cmpstr (sink->states->str, ==, sink->expect->str);
  client_free (c);
}

#define HEADERS(...) ((const gchar * const []) { __VA_ARGS__, NULL })
#define PROTOCOLS(...) ((const gchar * const []) { __VA_ARGS__, NULL })

/* ------------------------------------------------------------------ */
/* Bad TLS files */

typedef struct
{
  const gchar *what;
  gchar **cert, **key;          /* addresses of the paths above */
  DslReturnType expected;
} BadFiles;

static gchar *a_folder;

static const BadFiles bad_files[] = {
  {"missing certificate", &missing, &leaf_key,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE},
  {"missing key", &leaf_pem, &missing,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE},
  {"folder as certificate", &a_folder, &leaf_key,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE},
  {"folder as key", &leaf_pem, &a_folder,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE},
  {"garbage certificate", &garbage_pem, &leaf_key,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID},
  {"garbage key", &leaf_pem, &garbage_key,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID},
  {"a key as certificate", &leaf_key, &leaf_key,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID},
  {"a key that does not match", &leaf_pem, &leaf2_key,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID},
  {"the CA with the leaf's key", &ca_pem, &leaf_key,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID},
  {"expired certificate", &expired_pem, &leaf_key,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID},
};

static void
try_bad_files (void (*unchanged) (guint port, gpointer data), guint port,
    gpointer data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_files); i++) {
    const BadFiles *b = &bad_files[i];

    g_test_message ("%s", b->what);
    g_assert_cmpuint (tls_files (*b->cert, *b->key), ==, b->expected);
    unchanged (port, data);
  }
  /* one of the two alone */
  g_assert_cmpuint (tls_files (leaf_pem, NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  unchanged (port, data);
  g_assert_cmpuint (tls_files (NULL, leaf_key), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  unchanged (port, data);
}

static void
still_plain (guint port, gpointer unused)
{
  Answer *a = http_get (port, "/", &(GetOptions) { 0 });

  g_assert_no_error (a->error);
  g_assert_cmpuint (a->status, ==, 200);
  g_assert_true (body_contains (a, "viewer.js"));
  g_assert_null (soup_message_get_tls_peer_certificate (a->msg));
  answer_free (a);
}

/* https answers with the certificate of cert_file. */
static void
serves_certificate (guint port, gpointer cert_file)
{
  g_autoptr (GTlsCertificate) expected =
      g_tls_certificate_new_from_file (cert_file, NULL);
  Answer *a = http_get (port, "/", &(GetOptions) {.scheme = "https",
        .trust_ca = TRUE});
  GTlsCertificate *peer;

  g_assert_no_error (a->error);
  g_assert_cmpuint (a->status, ==, 200);
  peer = soup_message_get_tls_peer_certificate (a->msg);
  g_assert_nonnull (peer);
  g_assert_true (g_tls_certificate_is_same (peer, expected));
  answer_free (a);
}

static void
not_listening (guint port, gpointer unused)
{
}

static void
test_tls_bad_files_plain (void)
{
  guint port;

  reset_access ();
  port = dsl_test_server_start ();
  still_plain (port, NULL);
  try_bad_files (still_plain, port, NULL);
  dsl_test_server_stop ();
  /* before listening too: nothing is taken */
  try_bad_files (not_listening, 0, NULL);
  port = dsl_test_server_start ();
  still_plain (port, NULL);
  dsl_test_server_stop ();
}

static void
test_tls_bad_files_keep_certificate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) second = NULL, expired = NULL, no_key = NULL;
  g_autoptr (GTlsCertificate) mismatched = NULL;
  g_autoptr (GObject) not_a_certificate = g_object_new (G_TYPE_OBJECT, NULL);
  guint port;

  reset_access ();
  g_assert_cmpuint (tls_files (leaf_pem, leaf_key), ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();
  serves_certificate (port, leaf_pem);
  g_assert_cmpuint (get_status (port, "/", &(GetOptions) { 0 }), ==, 0);
  try_bad_files (serves_certificate, port, leaf_pem);

  /* the GTlsCertificate variant: a renewed certificate while listening */
  second = g_tls_certificate_new_from_files (leaf2_pem, leaf2_key, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dsl_websocket_server_tls_certificate_set (second), ==,
      DSL_RESULT_SUCCESS);
  serves_certificate (port, leaf2_pem);
  /* the server holds its own reference */
  g_clear_object (&second);
  serves_certificate (port, leaf2_pem);

  expired = g_tls_certificate_new_from_files (expired_pem, leaf_key, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dsl_websocket_server_tls_certificate_set (expired), ==,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID);
  serves_certificate (port, leaf2_pem);
  no_key = g_tls_certificate_new_from_file (leaf_pem, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dsl_websocket_server_tls_certificate_set (no_key), ==,
      DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID);
  serves_certificate (port, leaf2_pem);
  mismatched = g_tls_certificate_new_from_files (leaf_pem, leaf2_key, NULL);
  if (mismatched) {
    g_assert_cmpuint (dsl_websocket_server_tls_certificate_set (mismatched),
        ==, DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID);
    serves_certificate (port, leaf2_pem);
  }
  g_assert_cmpuint (dsl_websocket_server_tls_certificate_set
      (not_a_certificate), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  serves_certificate (port, leaf2_pem);

  /* the files again, then plain HTTP again */
  g_assert_cmpuint (tls_files (leaf_pem, leaf_key), ==, DSL_RESULT_SUCCESS);
  serves_certificate (port, leaf_pem);
  g_assert_cmpuint (dsl_websocket_server_tls_certificate_set (NULL), ==,
      DSL_RESULT_SUCCESS);
  still_plain (port, NULL);
  g_assert_cmpuint (tls_files (leaf_pem, leaf_key), ==, DSL_RESULT_SUCCESS);
  serves_certificate (port, leaf_pem);
  g_assert_cmpuint (tls_files (NULL, NULL), ==, DSL_RESULT_SUCCESS);
  still_plain (port, NULL);
  dsl_test_server_stop ();
}

/* ------------------------------------------------------------------ */
/* wss:// */

#define TOKEN "s3cret-Token-4711"

static void
test_wss_offer_and_media (void)
{
  Sink *sink;
  Client *c;
  DslTestReceiver *rx;
  g_autofree gchar *url = NULL, *timeout = g_strdup_printf ("%u",
      30 * scale);
  g_autoptr (GTlsCertificate) expected =
      g_tls_certificate_new_from_file (leaf_pem, NULL);
  guint port;

  reset_access ();
  g_assert_cmpuint (tls_files (leaf_pem, leaf_key), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_token_set (L"" TOKEN), ==,
      DSL_RESULT_SUCCESS);
  sink = sink_new (TRUE);
  port = dsl_test_server_start ();

  c = client_connect (port, "/ws?token=" TOKEN, &(ClientOptions) {
      .scheme = "wss",.trust_ca = TRUE});
  g_assert_no_error (c->error);
  g_assert_cmpuint (c->status, ==, 101);
  g_assert_true (g_tls_certificate_is_same
      (soup_message_get_tls_peer_certificate (c->msg), expected));
  assert_offer (c);
  sink_expect (sink, "I");
  client_free (c);
  sink_expect (sink, "C");

  /* media flows: the C receiver over wss:// with the CA (its last --url
   * is the one it takes) */
  url = g_strdup_printf ("--url=wss://127.0.0.1:%u/ws?token=" TOKEN, port);
  rx = dsl_test_receiver_start (port, "/ws", 1, 30, url, "--ca", ca_pem,
      "--timeout", timeout, NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 60000 * scale));
  g_assert_cmpint (rx->exit_status, ==, 0);
  dsl_test_receiver_assert_peer (rx, 0, 30, W, H);
  dsl_test_receiver_free (rx);
  sink_expect (sink, "IC");

  /* the receiver without the CA, or without the token: nothing */
  rx = dsl_test_receiver_start (port, "/ws", 1, 30, url, "--timeout", "5",
      NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 60000 * scale));
  g_assert_cmpint (rx->exit_status, ==, 1);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (rx->peers,
              0), "frames"), ==, 0);
  dsl_test_receiver_free (rx);
  g_free (url);
  url = g_strdup_printf ("--url=wss://127.0.0.1:%u/ws", port);
  rx = dsl_test_receiver_start (port, "/ws", 1, 30, url, "--ca", ca_pem,
      "--timeout", "5", NULL);
  g_assert_true (dsl_test_receiver_wait (rx, 60000 * scale));
  g_assert_cmpint (rx->exit_status, ==, 1);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (rx->peers,
              0), "frames"), ==, 0);
  dsl_test_receiver_free (rx);
  sink_expect (sink, "");

  sink_free (sink);
  reset_access ();
}

static void
test_wss_untrusted (void)
{
  Sink *sink = sink_new (TRUE);
  guint calls = client_listener_calls, port;
  Client *c;
  Answer *a;

  reset_access ();
  g_assert_cmpuint (tls_files (leaf_pem, leaf_key), ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();

  /* the system's trust store does not know our CA */
  c = client_connect (port, "/ws", &(ClientOptions) {.scheme = "wss"});
  g_assert_null (c->connection);
  g_assert_error (c->error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_cmpuint (c->messages->len, ==, 0);
  client_free (c);
  a = http_get (port, "/", &(GetOptions) {.scheme = "https"});
  g_assert_cmpuint (a->status, ==, 0);
  g_assert_error (a->error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  answer_free (a);
  g_assert_cmpuint (client_listener_calls, ==, calls);

  /* the same with the CA */
  c = client_connect (port, "/ws", &(ClientOptions) {.scheme = "wss",
      .trust_ca = TRUE});
  g_assert_cmpuint (c->status, ==, 101);
  assert_offer (c);
  sink_expect (sink, "I");
  client_free (c);
  sink_expect (sink, "C");
  sink_free (sink);
  reset_access ();
}

static void
test_plain_to_tls_port (void)
{
  Sink *sink = sink_new (TRUE);
  gint64 start;
  guint calls = client_listener_calls, port;
  Client *c;
  Answer *a;

  reset_access ();
  g_assert_cmpuint (tls_files (leaf_pem, leaf_key), ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();

  /* plain ws:// and http:// fail at once (not at the header timeout) */
  for (int i = 0; i < 3; i++) {
    start = g_get_monotonic_time ();
    c = client_connect (port, "/ws", &(ClientOptions) { 0 });
    g_assert_null (c->connection);
    g_assert_nonnull (c->error);
    g_assert_cmpuint (c->status, !=, 101);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 5000000 * scale);
    client_free (c);
    start = g_get_monotonic_time ();
    a = http_get (port, "/", &(GetOptions) { 0 });
    g_assert_cmpuint (a->status, ==, 0);
    g_assert_nonnull (a->error);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 5000000 * scale);
    answer_free (a);
  }
  g_assert_cmpuint (client_listener_calls, ==, calls);
  sink_expect (sink, "");

  /* and harm nothing */
  c = client_connect (port, "/ws", &(ClientOptions) {.scheme = "wss",
      .trust_ca = TRUE});
  g_assert_cmpuint (c->status, ==, 101);
  assert_offer (c);
  sink_expect (sink, "I");
  client_free (c);
  sink_expect (sink, "C");
  g_assert_cmpuint (get_status (port, "/", &(GetOptions) {.scheme = "https",
              .trust_ca = TRUE}), ==, 200);
  sink_free (sink);
  reset_access ();
}

/* ------------------------------------------------------------------ */
/* Origins */

static void
test_origins (void)
{
  Sink *sink;
  guint port;
  static const gchar *const refused[] = {
    "http://evil.test", "http://allowed.test:8081",
    "https://allowed.test:8080", "http://allowed.test",
    "http://allowed.test:8080.evil.test", "http://evil.test:8080", "null",
  };
  static const wchar_t *const malformed[] = {
    L"allowed.test", L"ftp://allowed.test", L"http://allowed.test/",
    L"http://allowed.test/page", L"http://allowed.test?x=1",
    L"http://user@allowed.test", L"http://", L"", L"*",
  };

  reset_access ();
  for (gsize i = 0; i < G_N_ELEMENTS (malformed); i++)
    g_assert_cmpuint (dsl_websocket_server_origin_add (malformed[i]), ==,
        DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_origin_add (NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_websocket_server_origin_add
      (L"http://allowed.test:8080"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_origin_add
      (L"https://second.test"), ==, DSL_RESULT_SUCCESS);
  /* a default port is the same origin without it: browsers leave it out */
  g_assert_cmpuint (dsl_websocket_server_origin_add
      (L"https://THIRD.test:443"), ==, DSL_RESULT_SUCCESS);
  sink = sink_new (FALSE);
  port = dsl_test_server_start ();

  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .origin = "https://third.test"});
  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .origin = "https://second.test:443"});

  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .origin = "http://allowed.test:8080"});
  assert_let_in (sink, port, "/ws/cam1", &(ClientOptions) {
      .origin = "https://second.test"});
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_test_message ("Origin: %s", refused[i]);
    assert_refused (sink, port, "/ws", &(ClientOptions) {
        .origin = refused[i]}, SOUP_STATUS_FORBIDDEN);
  }
  /* no Origin: let in, unless required */
  assert_let_in (sink, port, "/ws", &(ClientOptions) { 0 });
  g_assert_cmpuint (dsl_websocket_server_origin_required_set (DSL_TRUE), ==,
      DSL_RESULT_SUCCESS);
  assert_refused (sink, port, "/ws", &(ClientOptions) { 0 },
      SOUP_STATUS_FORBIDDEN);
  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .origin = "http://allowed.test:8080"});
  g_assert_cmpuint (dsl_websocket_server_origin_required_set (DSL_FALSE), ==,
      DSL_RESULT_SUCCESS);
  assert_let_in (sink, port, "/ws", &(ClientOptions) { 0 });

  /* pages from disk only once asked for */
  g_assert_cmpuint (dsl_websocket_server_origin_add (L"null"), ==,
      DSL_RESULT_SUCCESS);
  assert_let_in (sink, port, "/ws", &(ClientOptions) {.origin = "null"});
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .origin = "http://evil.test"}, SOUP_STATUS_FORBIDDEN);

  /* the Origin check comes before the token: a right token from another
   * origin is still 403 */
  g_assert_cmpuint (dsl_websocket_server_token_set (L"" TOKEN), ==,
      DSL_RESULT_SUCCESS);
  assert_refused (sink, port, "/ws?token=" TOKEN, &(ClientOptions) {
      .origin = "http://evil.test"}, SOUP_STATUS_FORBIDDEN);
  assert_let_in (sink, port, "/ws?token=" TOKEN, &(ClientOptions) {
      .origin = "null"});
  g_assert_cmpuint (dsl_websocket_server_token_set (NULL), ==,
      DSL_RESULT_SUCCESS);

  /* no list: every origin again */
  g_assert_cmpuint (dsl_websocket_server_origins_clear (), ==,
      DSL_RESULT_SUCCESS);
  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .origin = "http://evil.test"});
  sink_free (sink);
  reset_access ();
}

static void
test_origin_self (void)
{
  Sink *sink = sink_new (FALSE);
  g_autofree gchar *own = NULL, *own_https = NULL, *other_port = NULL;
  guint port;

  reset_access ();
  g_assert_cmpuint (dsl_websocket_server_origin_add (L"self"), ==,
      DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();
  own = g_strdup_printf ("http://127.0.0.1:%u", port);
  own_https = g_strdup_printf ("https://127.0.0.1:%u", port);
  other_port = g_strdup_printf ("http://127.0.0.1:%u", port + 1);

  assert_let_in (sink, port, "/ws", &(ClientOptions) {.origin = own});
  assert_refused (sink, port, "/ws", &(ClientOptions) {.origin = own_https},
      SOUP_STATUS_FORBIDDEN);
  assert_refused (sink, port, "/ws", &(ClientOptions) {.origin = other_port},
      SOUP_STATUS_FORBIDDEN);
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .origin = "http://localhost"}, SOUP_STATUS_FORBIDDEN);
  assert_refused (sink, port, "/ws", &(ClientOptions) {.origin = "null"},
      SOUP_STATUS_FORBIDDEN);

  /* over TLS, the own pages are https:// */
  g_assert_cmpuint (tls_files (leaf_pem, leaf_key), ==, DSL_RESULT_SUCCESS);
  assert_let_in (sink, port, "/ws", &(ClientOptions) {.scheme = "wss",
      .trust_ca = TRUE,.origin = own_https});
  assert_refused (sink, port, "/ws", &(ClientOptions) {.scheme = "wss",
      .trust_ca = TRUE,.origin = own}, SOUP_STATUS_FORBIDDEN);
  /* the sink is still free: nothing refused took it */
  assert_let_in (sink, port, "/ws", &(ClientOptions) {.scheme = "wss",
      .trust_ca = TRUE,.origin = own_https});
  sink_free (sink);
  reset_access ();
}

/* ------------------------------------------------------------------ */
/* Tokens */

static void
test_token_positions (void)
{
  Sink *sink;
  guint port;
  gchar *basic = g_base64_encode ((const guchar *) "viewer:" TOKEN,
      strlen ("viewer:" TOKEN));
  g_autofree gchar *basic_header = g_strconcat ("Basic ", basic, NULL);

  g_free (basic);
  reset_access ();
  g_assert_cmpuint (dsl_websocket_server_token_set (L""), ==,
      DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED);
  g_assert_cmpuint (dsl_websocket_server_token_set (L"" TOKEN), ==,
      DSL_RESULT_SUCCESS);
  sink = sink_new (FALSE);
  port = dsl_test_server_start ();

  /* the three documented places */
  assert_let_in (sink, port, "/ws?token=" TOKEN, &(ClientOptions) { 0 });
  assert_let_in (sink, port, "/ws/cam1?token=" TOKEN, &(ClientOptions) {
      0});
  {
    guint calls = client_listener_calls;
    Client *c = client_connect (port, "/ws", &(ClientOptions) {
        .protocols = PROTOCOLS ("dsl-webrtc", "dsl-token." TOKEN)});

    g_assert_cmpuint (c->status, ==, 101);
    g_assert_nonnull (c->connection);
    /* the server picks the protocol, not the token */
    g_assert_cmpstr (soup_websocket_connection_get_protocol (c->connection),
        ==, "dsl-webrtc");
    g_assert_cmpuint (client_listener_calls, ==, calls + 1);
    sink_expect (sink, "I");
    client_free (c);
    sink_expect (sink, "C");
  }
  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .headers = HEADERS ("Authorization", "Bearer " TOKEN)});

  /* wrong, missing, empty */
  assert_refused (sink, port, "/ws", &(ClientOptions) { 0 },
      SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws?token=", &(ClientOptions) { 0 },
      SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws?token=wrong-guess-0815",
      &(ClientOptions) { 0 }, SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws?token=" TOKEN "x", &(ClientOptions) { 0 },
      SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .protocols = PROTOCOLS ("dsl-webrtc", "dsl-token.wrong-guess-0815")},
      SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .headers = HEADERS ("Authorization", "Bearer wrong-guess-0815")},
      SOUP_STATUS_UNAUTHORIZED);

  /* places that are not in the list */
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .headers = HEADERS ("X-Dsl-Token", TOKEN)}, SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .protocols = PROTOCOLS ("dsl-webrtc", TOKEN)},
      SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .headers = HEADERS ("Authorization", TOKEN)}, SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .headers = HEADERS ("Authorization", basic_header)},
      SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws?access_token=" TOKEN,
      &(ClientOptions) { 0 }, SOUP_STATUS_UNAUTHORIZED);
  /* the page's cookie opens no WebSocket (another site could make a
   * visitor's browser send it) */
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .headers = HEADERS ("Cookie", "dsl-token=" TOKEN)},
      SOUP_STATUS_UNAUTHORIZED);

  /* the order: the first place that holds a token decides */
  assert_refused (sink, port, "/ws?token=wrong-guess-0815",
      &(ClientOptions) {.headers = HEADERS ("Authorization",
          "Bearer " TOKEN)}, SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws", &(ClientOptions) {
      .protocols = PROTOCOLS ("dsl-webrtc", "dsl-token.wrong-guess-0815"),
      .headers = HEADERS ("Authorization", "Bearer " TOKEN)},
      SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws?token=wrong-guess-0815",
      &(ClientOptions) {.protocols = PROTOCOLS ("dsl-webrtc",
          "dsl-token." TOKEN)}, SOUP_STATUS_UNAUTHORIZED);
  assert_let_in (sink, port, "/ws?token=" TOKEN, &(ClientOptions) {
      .headers = HEADERS ("Authorization", "Bearer wrong-guess-0815")});
  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .protocols = PROTOCOLS ("dsl-webrtc", "dsl-token." TOKEN),
      .headers = HEADERS ("Authorization", "Bearer wrong-guess-0815")});

  /* a new token replaces the old one */
  g_assert_cmpuint (dsl_websocket_server_token_set (L"another-Token-42"), ==,
      DSL_RESULT_SUCCESS);
  assert_refused (sink, port, "/ws?token=" TOKEN, &(ClientOptions) { 0 },
      SOUP_STATUS_UNAUTHORIZED);
  assert_let_in (sink, port, "/ws?token=another-Token-42",
      &(ClientOptions) { 0 });
  /* and none lets everyone in */
  g_assert_cmpuint (dsl_websocket_server_token_set (NULL), ==,
      DSL_RESULT_SUCCESS);
  assert_let_in (sink, port, "/ws", &(ClientOptions) { 0 });
  sink_free (sink);
  reset_access ();
}

/* & = space % + / ? # and non-ASCII */
#define ODD_TOKEN "p&q=r s%t+u/v?w#x\xc3\xa9\xe2\x82\xac"
#define ODD_TOKEN_W L"p&q=r s%t+u/v?w#x\u00e9\u20ac"

static void
test_token_escaping (void)
{
  Sink *sink;
  guint port;
  g_autofree gchar *escaped = g_uri_escape_string (ODD_TOKEN, NULL, FALSE);
  g_autofree gchar *path = g_strconcat ("/ws?token=", escaped, NULL);
  g_autofree gchar *page = g_strconcat ("/?token=", escaped, NULL);
  g_autofree gchar *plus = NULL, *plus_path = NULL, *cookie = NULL;
  gchar *at;
  Answer *a;
  const gchar *set_cookie;

  /* the same, but a + left as it is: a space to a query decoder */
  plus = g_strdup (escaped);
  at = strstr (plus, "%2B");
  g_assert_nonnull (at);
  memmove (at + 1, at + 3, strlen (at + 3) + 1);
  at[0] = '+';
  plus_path = g_strconcat ("/ws?token=", plus, NULL);

  reset_access ();
  g_assert_cmpuint (dsl_websocket_server_token_set (ODD_TOKEN_W), ==,
      DSL_RESULT_SUCCESS);
  sink = sink_new (FALSE);
  port = dsl_test_server_start ();
  assert_let_in (sink, port, path, &(ClientOptions) { 0 });
  assert_refused (sink, port, plus_path, &(ClientOptions) { 0 },
      SOUP_STATUS_UNAUTHORIZED);
  assert_refused (sink, port, "/ws?token=p", &(ClientOptions) { 0 },
      SOUP_STATUS_UNAUTHORIZED);

  /* the page, and its files with the cookie it got */
  a = http_get (port, page, &(GetOptions) { 0 });
  g_assert_cmpuint (a->status, ==, 200);
  set_cookie = response_header (a->msg, "Set-Cookie");
  g_assert_nonnull (set_cookie);
  g_assert_true (g_str_has_prefix (set_cookie, "dsl-token="));
  cookie = g_strndup (set_cookie, strcspn (set_cookie, ";"));
  answer_free (a);
  g_assert_cmpuint (get_status (port, "/viewer.js", &(GetOptions) {
              .headers = HEADERS ("Cookie", cookie)}), ==, 200);
  g_assert_cmpuint (get_status (port, "/viewer.js", &(GetOptions) { 0 }), ==,
      401);
  assert_let_in (sink, port, path, &(ClientOptions) { 0 });
  sink_free (sink);
  reset_access ();
}

/* The application decides: one token per path. */
typedef struct
{
  GPtrArray *calls;             /* "path token origin remote" */
  guint client_calls_at_first;  /* client listener calls when first asked */
  gboolean off_main_thread;
} AuthLog;

static boolean
authorize_per_path (const wchar_t * wpath, const wchar_t * wtoken,
    const wchar_t * worigin, const wchar_t * wremote, void *data)
{
  AuthLog *log = data;
  g_autofree gchar *path = narrow (wpath), *token = narrow (wtoken);
  g_autofree gchar *origin = narrow (worigin), *remote = narrow (wremote);

  if (!log->calls->len)
    log->client_calls_at_first = client_listener_calls;
  if (g_thread_self () != main_thread)
    log->off_main_thread = TRUE;
  g_ptr_array_add (log->calls, g_strdup_printf ("%s %s %s %s", path, token,
          origin, remote));
  if (g_str_equal (token, "cam1-key-9f3e"))
    return g_str_equal (path, "/ws/cam1") || g_str_equal (path, "/");
  if (g_str_equal (token, "cam2-key-77ab"))
    return g_str_equal (path, "/ws/cam2");
  return DSL_FALSE;
}

static boolean
authorize_all (const wchar_t * path, const wchar_t * token,
    const wchar_t * origin, const wchar_t * remote, void *data)
{
  (*(guint *) data)++;
  return DSL_TRUE;
}

static const gchar *
last_call (AuthLog * log)
{
  g_assert_cmpuint (log->calls->len, >, 0);
  return g_ptr_array_index (log->calls, log->calls->len - 1);
}

static void
test_authorize_listener (void)
{
  AuthLog log = { g_ptr_array_new_with_free_func (g_free) };
  Sink *sink;
  guint port, calls, all_calls = 0;
  Answer *a;

  reset_access ();
  g_assert_cmpuint (dsl_websocket_server_authorize_listener_set
      (authorize_per_path, &log), ==, DSL_RESULT_SUCCESS);
  sink = sink_new (FALSE);
  port = dsl_test_server_start ();

  assert_let_in (sink, port, "/ws/cam1?token=cam1-key-9f3e",
      &(ClientOptions) {.origin = "http://viewer.test"});
  g_assert_cmpuint (log.calls->len, ==, 1);
  g_assert_cmpstr (last_call (&log), ==,
      "/ws/cam1 cam1-key-9f3e http://viewer.test 127.0.0.1");
  /* asked before any client listener ran */
  g_assert_cmpuint (log.client_calls_at_first + 1, ==,
      client_listener_calls);
  /* a token for /ws/cam1 does not open /ws/cam2, nor /ws */
  assert_refused (sink, port, "/ws/cam2?token=cam1-key-9f3e",
      &(ClientOptions) { 0 }, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (last_call (&log), ==,
      "/ws/cam2 cam1-key-9f3e (null) 127.0.0.1");
  assert_refused (sink, port, "/ws?token=cam1-key-9f3e",
      &(ClientOptions) { 0 }, SOUP_STATUS_UNAUTHORIZED);
  assert_let_in (sink, port, "/ws/cam2", &(ClientOptions) {
      .headers = HEADERS ("Authorization", "Bearer cam2-key-77ab")});
  g_assert_cmpstr (last_call (&log), ==,
      "/ws/cam2 cam2-key-77ab (null) 127.0.0.1");
  assert_refused (sink, port, "/ws/cam1", &(ClientOptions) {
      .protocols = PROTOCOLS ("dsl-webrtc", "dsl-token.cam2-key-77ab")},
      SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (last_call (&log), ==,
      "/ws/cam1 cam2-key-77ab (null) 127.0.0.1");
  /* no token: the listener is asked with none */
  assert_refused (sink, port, "/ws/cam1", &(ClientOptions) { 0 },
      SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (last_call (&log), ==, "/ws/cam1 (null) (null) 127.0.0.1");

  /* plain HTTP asks it too */
  calls = log.calls->len;
  a = http_get (port, "/?token=cam1-key-9f3e", &(GetOptions) { 0 });
  g_assert_cmpuint (a->status, ==, 200);
  g_assert_nonnull (response_header (a->msg, "Set-Cookie"));
  answer_free (a);
  g_assert_cmpuint (log.calls->len, ==, calls + 1);
  g_assert_cmpstr (last_call (&log), ==, "/ cam1-key-9f3e (null) 127.0.0.1");
  a = http_get (port, "/?token=cam2-key-77ab", &(GetOptions) { 0 });
  g_assert_cmpuint (a->status, ==, 401);
  g_assert_null (response_header (a->msg, "Set-Cookie"));
  answer_free (a);

  /* with a static token too, both must say yes; the listener is not
   * asked about a token that is not the static one */
  g_assert_cmpuint (dsl_websocket_server_token_set (L"" TOKEN), ==,
      DSL_RESULT_SUCCESS);
  calls = log.calls->len;
  assert_refused (sink, port, "/ws/cam1?token=cam1-key-9f3e",
      &(ClientOptions) { 0 }, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpuint (log.calls->len, ==, calls);
  assert_refused (sink, port, "/ws/cam1?token=" TOKEN, &(ClientOptions) { 0 },
      SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpuint (log.calls->len, ==, calls + 1);
  g_assert_cmpuint (dsl_websocket_server_authorize_listener_set
      (authorize_all, &all_calls), ==, DSL_RESULT_SUCCESS);
  assert_refused (sink, port, "/ws/cam1?token=cam1-key-9f3e",
      &(ClientOptions) { 0 }, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpuint (all_calls, ==, 0);
  assert_let_in (sink, port, "/ws/cam1?token=" TOKEN, &(ClientOptions) { 0 });
  g_assert_cmpuint (all_calls, ==, 1);

  /* removed: only the static token counts */
  g_assert_cmpuint (dsl_websocket_server_authorize_listener_set (NULL, NULL),
      ==, DSL_RESULT_SUCCESS);
  assert_let_in (sink, port, "/ws/cam2?token=" TOKEN, &(ClientOptions) { 0 });
  g_assert_cmpuint (all_calls, ==, 1);
  g_assert_false (log.off_main_thread);
  g_assert_false (client_listener_off_main_thread);
  sink_free (sink);
  reset_access ();
  g_ptr_array_unref (log.calls);
}

/* ------------------------------------------------------------------ */
/* HTTP content behind the token */

static void
assert_http_refused (guint port, const gchar * path, const GetOptions * o)
{
  Answer *a = http_get (port, path, o);

  g_assert_cmpuint (a->status, ==, 401);
  g_assert_cmpstr (response_header (a->msg, "WWW-Authenticate"), ==,
      "Bearer");
  g_assert_null (response_header (a->msg, "Set-Cookie"));
  g_assert_false (body_contains (a, "RTCPeerConnection"));
  g_assert_false (body_contains (a, "viewer.js"));
  answer_free (a);
}

static void
test_http_token (void)
{
  guint port;
  Answer *a;
  Sink *sink;

  reset_access ();
  g_assert_cmpuint (dsl_websocket_server_token_set (L"" TOKEN), ==,
      DSL_RESULT_SUCCESS);
  sink = sink_new (FALSE);
  port = dsl_test_server_start ();

  assert_http_refused (port, "/", &(GetOptions) { 0 });
  assert_http_refused (port, "/?token=wrong-guess-0815", &(GetOptions) { 0 });
  assert_http_refused (port, "/viewer.js", &(GetOptions) { 0 });
  assert_http_refused (port, "/viewer.js", &(GetOptions) {
      .headers = HEADERS ("Cookie", "dsl-token=wrong-guess-0815")});
  assert_http_refused (port, "/wsx", &(GetOptions) { 0 });
  assert_http_refused (port, "/ws/other", &(GetOptions) { 0 });

  a = http_get (port, "/?token=" TOKEN, &(GetOptions) { 0 });
  g_assert_cmpuint (a->status, ==, 200);
  g_assert_true (body_contains (a, "viewer.js"));
  g_assert_cmpstr (response_header (a->msg, "Set-Cookie"), ==,
      "dsl-token=" TOKEN "; Path=/; HttpOnly; SameSite=Strict");
  answer_free (a);
  a = http_get (port, "/viewer.js", &(GetOptions) {
      .headers = HEADERS ("Cookie", "dsl-token=" TOKEN)});
  g_assert_cmpuint (a->status, ==, 200);
  g_assert_true (body_contains (a, "RTCPeerConnection"));
  /* only a page request with ?token= sets the cookie */
  g_assert_null (response_header (a->msg, "Set-Cookie"));
  answer_free (a);
  g_assert_cmpuint (get_status (port, "/viewer.css", &(GetOptions) {
              .headers = HEADERS ("Cookie", "theme=dark; dsl-token=" TOKEN)}),
      ==, 200);
  g_assert_cmpuint (get_status (port, "/viewer.js", &(GetOptions) {
              .headers = HEADERS ("Authorization", "Bearer " TOKEN)}), ==,
      200);
  /* let in, but there is nothing */
  g_assert_cmpuint (get_status (port, "/nothing.html?token=" TOKEN,
          &(GetOptions) { 0 }), ==, 404);
  dsl_test_server_stop ();

  /* over TLS the cookie is Secure */
  g_assert_cmpuint (tls_files (leaf_pem, leaf_key), ==, DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();
  assert_http_refused (port, "/", &(GetOptions) {.scheme = "https",
      .trust_ca = TRUE});
  a = http_get (port, "/?token=" TOKEN, &(GetOptions) {.scheme = "https",
      .trust_ca = TRUE});
  g_assert_cmpuint (a->status, ==, 200);
  g_assert_cmpstr (response_header (a->msg, "Set-Cookie"), ==,
      "dsl-token=" TOKEN "; Path=/; HttpOnly; SameSite=Strict; Secure");
  answer_free (a);
  g_assert_cmpuint (get_status (port, "/viewer.js", &(GetOptions) {
              .scheme = "https",.trust_ca = TRUE,.headers =
              HEADERS ("Cookie", "dsl-token=" TOKEN)}), ==, 200);
  assert_let_in (sink, port, "/ws?token=" TOKEN, &(ClientOptions) {
      .scheme = "wss",.trust_ca = TRUE});
  sink_free (sink);
  reset_access ();
}

/* ------------------------------------------------------------------ */
/* Nothing set: as DSL */

static void
test_nothing_set (void)
{
  guint port, warnings;
  Answer *a;
  Sink *sink;

  reset_access ();
  sink = sink_new (FALSE);
  warnings = open_warnings ();
  port = dsl_test_server_start ();
  /* said once, at the start */
  g_assert_cmpuint (open_warnings (), ==, warnings + 1);

  a = http_get (port, "/", &(GetOptions) { 0 });
  g_assert_cmpuint (a->status, ==, 200);
  g_assert_true (body_contains (a, "viewer.js"));
  g_assert_null (response_header (a->msg, "Set-Cookie"));
  g_assert_null (response_header (a->msg, "WWW-Authenticate"));
  answer_free (a);
  a = http_get (port, "/?token=any-token-5150", &(GetOptions) { 0 });
  g_assert_cmpuint (a->status, ==, 200);
  g_assert_null (response_header (a->msg, "Set-Cookie"));
  answer_free (a);
  g_assert_cmpuint (get_status (port, "/viewer.js", &(GetOptions) { 0 }), ==,
      200);
  g_assert_cmpuint (get_status (port, "/nothing.html", &(GetOptions) { 0 }),
      ==, 404);
  assert_let_in (sink, port, "/ws", &(ClientOptions) { 0 });
  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .origin = "http://evil.test"});
  assert_let_in (sink, port, "/ws/cam1?token=any-token-5150",
      &(ClientOptions) {.origin = "null",.headers =
          HEADERS ("Authorization", "Bearer x")});
  assert_let_in (sink, port, "/ws", &(ClientOptions) {
      .protocols = PROTOCOLS ("dsl-webrtc")});
  g_assert_cmpuint (open_warnings (), ==, warnings + 1);
  dsl_test_server_stop ();

  /* with a list, no such warning */
  g_assert_cmpuint (dsl_websocket_server_origin_add (L"self"), ==,
      DSL_RESULT_SUCCESS);
  port = dsl_test_server_start ();
  g_assert_cmpuint (open_warnings (), ==, warnings + 1);
  sink_free (sink);
  reset_access ();
}

/* Last: over everything above, the log held no token, while it said a
 * lot (level 7 for dsl*) and refusals were logged. */
static void
test_log_never_shows_tokens (void)
{
  g_mutex_lock (&logged.lock);
  g_test_message ("%u dsl messages (%u at DEBUG or more) scanned for %u "
      "secrets, %u refusals", logged.dsl_messages, logged.dsl_debug_messages,
      logged.secrets->len, logged.refusals);
  g_assert_cmpstr (logged.leak, ==, NULL);
  g_assert_cmpuint (logged.dsl_messages, >, 100);
  g_assert_cmpuint (logged.dsl_debug_messages, >, 0);
  g_assert_cmpuint (logged.refusals, >, 0);
  g_mutex_unlock (&logged.lock);
}

int
main (int argc, char **argv)
{
  int status;

  if (g_getenv ("DSL_SANITIZED") && *g_getenv ("DSL_SANITIZED"))
    scale = 3;
  dsl_test_init (&argc, &argv);
  main_thread = g_thread_self ();

  /* every message of ours, at every level, goes through the scanner */
  g_mutex_init (&logged.lock);
  logged.secrets = g_ptr_array_new_with_free_func (g_free);
  for (const gchar * const *s = (const gchar * const[]) { TOKEN,
        "another-Token-42", ODD_TOKEN, "cam1-key-9f3e", "cam2-key-77ab",
        "wrong-guess-0815", "any-token-5150", NULL }; *s; s++)
    add_secret (*s);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (scan_log, NULL, NULL);
  gst_debug_set_threshold_from_string ("dsl*:7", FALSE);

  make_certificates ();
  a_folder = cert_path ("a-folder");
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/cam1"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_path_add (L"/ws/cam2"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_client_listener_add
      (count_client_listener, NULL), ==, DSL_RESULT_SUCCESS);

  g_test_add_func ("/security/tls-bad-files-plain", test_tls_bad_files_plain);
  g_test_add_func ("/security/tls-bad-files-keep-certificate",
      test_tls_bad_files_keep_certificate);
  g_test_add_func ("/security/wss-offer-and-media",
      test_wss_offer_and_media);
  g_test_add_func ("/security/wss-untrusted", test_wss_untrusted);
  g_test_add_func ("/security/plain-to-tls-port", test_plain_to_tls_port);
  g_test_add_func ("/security/origins", test_origins);
  g_test_add_func ("/security/origin-self", test_origin_self);
  g_test_add_func ("/security/token-positions", test_token_positions);
  g_test_add_func ("/security/token-escaping", test_token_escaping);
  g_test_add_func ("/security/authorize-listener", test_authorize_listener);
  g_test_add_func ("/security/http-token", test_http_token);
  g_test_add_func ("/security/nothing-set", test_nothing_set);
  g_test_add_func ("/security/log-never-shows-tokens",
      test_log_never_shows_tokens);
  status = g_test_run ();

  g_assert_cmpuint (dsl_websocket_server_client_listener_remove
      (count_client_listener), ==, DSL_RESULT_SUCCESS);
  remove_certificates ();
  g_free (a_folder);
  gst_debug_remove_log_function (scan_log);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  g_ptr_array_unref (logged.secrets);
  g_free (logged.leak);
  return status;
}
