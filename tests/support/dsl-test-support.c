/* dsl-test-support.c */
#include "dsl-test-support.h"
#include "core/dsl-context.h"
#include "server/dsl-websocket-server.h"
#include "pipeline/dsl-component.h"
#include <gio/gio.h>

#include <gst/gst.h>
#include <string.h>

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
dsl_test_wait_until (DslTestCondition cond, gpointer data, guint timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);
  gboolean ok;

  while (!(ok = cond (data)) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return ok;
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
dsl_test_poll_until (DslTestCondition cond, gpointer data, guint timeout_ms)
{
  guint id = g_timeout_add (10, tick, NULL);
  gboolean ok = dsl_test_wait_until (cond, data, timeout_ms);

  g_source_remove (id);
  return ok;
}

void
dsl_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  /* GTest turns debug messages on; libsoup's would drown the output */
  gst_init (argc, argv);
  g_log_set_debug_enabled (FALSE);
  dsl_context_init ();
}

/* ------------------------------------------------------------------ */

static void
client_message_cb (SoupWebsocketConnection * conn, gint type, GBytes * message,
    DslTestClient * self)
{
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);

  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    g_ptr_array_add (self->messages, g_strndup (data, size));
}

static void
client_closed_cb (SoupWebsocketConnection * conn, DslTestClient * self)
{
  self->closed = TRUE;
  self->close_code = soup_websocket_connection_get_close_code (conn);
  g_free (self->close_reason);
  self->close_reason = g_strdup (soup_websocket_connection_get_close_data (conn));
}

static void
client_connected_cb (GObject * source, GAsyncResult * result, gpointer data)
{
  DslTestClient *self = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source),
      result);

  self->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source),
      result, NULL);
  self->http_status = msg ? soup_message_get_status (msg) : 0;
  if (self->connection) {
    g_signal_connect (self->connection, "message",
        G_CALLBACK (client_message_cb), self);
    g_signal_connect (self->connection, "closed",
        G_CALLBACK (client_closed_cb), self);
  }
  self->done = TRUE;
}

DslTestClient *
dsl_test_client_new (guint port, const gchar * path)
{
  DslTestClient *self = g_new0 (DslTestClient, 1);
  g_autofree gchar *url = g_strdup_printf ("ws://127.0.0.1:%u%s", port, path);
  SoupMessage *msg = soup_message_new (SOUP_METHOD_GET, url);

  self->session = soup_session_new ();
  self->messages = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, client_connected_cb, self);
  g_object_unref (msg);
  return self;
}

static gboolean
client_is_done (gpointer data)
{
  return ((DslTestClient *) data)->done;
}

static gboolean
client_is_closed (gpointer data)
{
  DslTestClient *self = data;
  return self->done && (!self->connection || self->closed);
}

gboolean
dsl_test_client_wait_done (DslTestClient * self, guint timeout_ms)
{
  return dsl_test_wait_until (client_is_done, self, timeout_ms);
}

gboolean
dsl_test_client_wait_closed (DslTestClient * self, guint timeout_ms)
{
  return dsl_test_wait_until (client_is_closed, self, timeout_ms);
}

typedef struct
{
  DslTestClient *client;
  guint n;
} MessageCount;

static gboolean
has_messages (gpointer data)
{
  MessageCount *mc = data;
  return mc->client->messages->len >= mc->n || mc->client->closed;
}

gboolean
dsl_test_client_wait_messages (DslTestClient * self, guint n, guint timeout_ms)
{
  MessageCount mc = { self, n };
  dsl_test_wait_until (has_messages, &mc, timeout_ms);
  return self->messages->len >= n;
}

void
dsl_test_client_free (DslTestClient * self)
{
  if (self->connection) {
    g_signal_handlers_disconnect_by_data (self->connection, self);
    if (soup_websocket_connection_get_state (self->connection) ==
        SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (self->connection, 1000, NULL);
    g_object_unref (self->connection);
  }
  g_object_unref (self->session);
  g_ptr_array_unref (self->messages);
  g_free (self->close_reason);
  g_free (self);
}

/* ------------------------------------------------------------------ */

/* Reads from the bare socket in a thread until a close frame (or the end)
 * arrives, while the main thread runs the server. */
typedef struct
{
  GSocketConnection *conn;
  guint8 buf[4096];
  gsize have;
  guint8 *frame;
  gboolean done;
} RawReader;

static guint8 *
find_close_frame (RawReader * r)
{
  guint8 *end = (guint8 *) g_strstr_len ((gchar *) r->buf, r->have,
      "\r\n\r\n");

  /* FIN + opcode 8, unmasked, short payload, all of it received */
  if (end && (end += 4) + 2 <= r->buf + r->have && end[0] == 0x88
      && end + 2 + (end[1] & 0x7f) <= r->buf + r->have && (end[1] & 0x7f) >= 2)
    return end;
  return NULL;
}

static gpointer
raw_reader_thread (gpointer data)
{
  RawReader *r = data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (r->conn));
  gssize n;

  while (r->have < sizeof r->buf && !r->frame) {
    n = g_input_stream_read (in, r->buf + r->have, sizeof r->buf - r->have,
        NULL, NULL);
    if (n <= 0)
      break;
    r->have += n;
    r->frame = find_close_frame (r);
  }
  g_atomic_int_set (&r->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
raw_reader_done (gpointer data)
{
  return g_atomic_int_get (&((RawReader *) data)->done);
}

gushort
dsl_test_raw_close_code (guint port, const gchar * path, gchar ** reason,
    guint timeout_ms)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autofree gchar *request = NULL;
  RawReader r = { 0 };
  GThread *thread;
  gushort code = 0;

  r.conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL,
      NULL);
  g_assert_nonnull (r.conn);
  g_socket_set_timeout (g_socket_connection_get_socket (r.conn),
      (timeout_ms + 999) / 1000);
  request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n", path, port);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream
          (G_IO_STREAM (r.conn)), request, strlen (request), NULL, NULL,
          NULL));
  thread = g_thread_new ("raw-reader", raw_reader_thread, &r);
  g_assert_true (dsl_test_wait_until (raw_reader_done, &r, timeout_ms + 2000));
  g_thread_join (thread);
  if (r.frame) {
    code = (gushort) ((r.frame[2] << 8) | r.frame[3]);
    if (reason)
      *reason = g_strndup ((gchar *) r.frame + 4, (r.frame[1] & 0x7f) - 2);
  }
  g_object_unref (r.conn);
  return code;
}

/* ------------------------------------------------------------------ */

typedef struct
{
  gboolean done;
  GBytes *body;
  guint status;
  SoupMessage *msg;
  gchar *content_type;
} HttpGet;

static void
http_done_cb (GObject * source, GAsyncResult * result, gpointer data)
{
  HttpGet *get = data;

  get->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
      NULL);
  get->status = soup_message_get_status (get->msg);
  get->content_type = g_strdup (soup_message_headers_get_one
      (soup_message_get_response_headers (get->msg), "Content-Type"));
  get->done = TRUE;
}

static gboolean
http_is_done (gpointer data)
{
  return ((HttpGet *) data)->done;
}

guint
dsl_test_http_get (guint port, const gchar * path, GBytes ** body,
    gchar ** content_type)
{
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  HttpGet get = { 0 };

  /* the path as given, escapes and dot segments included */
  get.msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  g_assert_nonnull (get.msg);
  soup_session_send_and_read_async (session, get.msg, G_PRIORITY_DEFAULT, NULL,
      http_done_cb, &get);
  g_assert_true (dsl_test_wait_until (http_is_done, &get, 10000));
  if (body)
    *body = g_steal_pointer (&get.body);
  if (content_type)
    *content_type = g_steal_pointer (&get.content_type);
  g_clear_pointer (&get.body, g_bytes_unref);
  g_free (get.content_type);
  g_object_unref (get.msg);
  return get.status;
}

/* ------------------------------------------------------------------ */

static gboolean
transceiver_is_available (DslSignalingTransceiver * base)
{
  DslTestTransceiver *self = (DslTestTransceiver *) base;
  return self->ready && !self->channel;
}

static void
transceiver_closed_cb (DslSignalingChannel * channel, DslTestTransceiver * self)
{
  g_signal_handlers_disconnect_by_data (channel, self);
  g_clear_object (&self->channel);
}

static void
transceiver_connect (DslSignalingTransceiver * base,
    DslSignalingChannel * channel)
{
  DslTestTransceiver *self = (DslTestTransceiver *) base;

  g_free (self->path);
  self->path = g_strdup (dsl_signaling_channel_get_path (channel));
  self->connects++;
  if (!dsl_signaling_channel_is_open (channel))
    return;
  self->channel = g_object_ref (channel);
  g_signal_connect (channel, "closed", G_CALLBACK (transceiver_closed_cb),
      self);
}

static void
transceiver_disconnect (DslSignalingTransceiver * base, gushort code,
    const gchar * reason)
{
  DslTestTransceiver *self = (DslTestTransceiver *) base;
  g_autoptr (DslSignalingChannel) channel = NULL;

  if (!self->channel)
    return;
  self->disconnects++;
  self->last_close_code = code;
  channel = g_object_ref (self->channel);
  dsl_signaling_channel_close (channel, code, reason);
}

static const DslSignalingTransceiverInterface test_transceiver_iface = {
  transceiver_is_available,
  transceiver_connect,
  transceiver_disconnect,
};

DslTestTransceiver *
dsl_test_transceiver_new (gboolean ready)
{
  DslTestTransceiver *self = g_new0 (DslTestTransceiver, 1);

  self->base.iface = &test_transceiver_iface;
  self->ready = ready;
  dsl_context_enter ();
  dsl_websocket_server_add_transceiver (dsl_websocket_server_get (),
      &self->base);
  dsl_context_leave ();
  return self;
}

void
dsl_test_transceiver_free (DslTestTransceiver * self)
{
  dsl_context_enter ();
  dsl_websocket_server_remove_transceiver (dsl_websocket_server_get (),
      &self->base);
  dsl_context_leave ();
  if (self->channel) {
    g_signal_handlers_disconnect_by_data (self->channel, self);
    g_object_unref (self->channel);
  }
  g_free (self->path);
  g_free (self);
}

const gchar *
dsl_test_receiver_path (void)
{
  const gchar *path = g_getenv ("DSL_TEST_RECEIVER");
  g_assert_nonnull (path);
  return path;
}

/* ------------------------------------------------------------------ */

static void
receiver_done_cb (GObject * source, GAsyncResult * result, gpointer data)
{
  DslTestReceiver *self = data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
      &self->output, NULL, &error);
  g_assert_no_error (error);
  /* a crash (a sanitizer's abort included) counts as a failure */
  self->exit_status = g_subprocess_get_if_exited (self->process) ?
      g_subprocess_get_exit_status (self->process) : -1;
  lines = g_strsplit (self->output ? self->output : "", "\n", -1);
  for (gchar ** l = lines; *l; l++) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonNode *root;

    if (!**l || !json_parser_load_from_data (parser, *l, -1, NULL))
      continue;
    root = json_parser_get_root (parser);
    if (JSON_NODE_HOLDS_OBJECT (root))
      g_ptr_array_add (self->peers, json_object_ref (json_node_get_object
              (root)));
  }
  self->done = TRUE;
}

DslTestReceiver *
dsl_test_receiver_start (guint port, const gchar * path, guint peers,
    guint frames, const gchar * first_extra, ...)
{
  DslTestReceiver *self = g_new0 (DslTestReceiver, 1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  va_list args;

  g_ptr_array_add (argv, g_strdup (dsl_test_receiver_path ()));
  /* a WHEP endpoint makes every peer a WHEP player */
  if (g_str_has_prefix (path, "/whep"))
    g_ptr_array_add (argv, g_strdup_printf ("--whep=http://127.0.0.1:%u%s",
            port, path));
  else
    g_ptr_array_add (argv, g_strdup_printf ("--url=ws://127.0.0.1:%u%s",
            port, path));
  g_ptr_array_add (argv, g_strdup_printf ("--peers=%u", peers));
  g_ptr_array_add (argv, g_strdup_printf ("--frames=%u", frames));
  va_start (args, first_extra);
  for (const gchar * a = first_extra; a; a = va_arg (args, const gchar *))
    g_ptr_array_add (argv, g_strdup (a));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_object_unref);
  self->process = g_subprocess_newv ((const gchar * const *) argv->pdata,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (self->process, NULL, NULL,
      receiver_done_cb, self);
  return self;
}

static gboolean
receiver_is_done (gpointer data)
{
  return ((DslTestReceiver *) data)->done;
}

gboolean
dsl_test_receiver_wait (DslTestReceiver * self, guint timeout_ms)
{
  return dsl_test_wait_until (receiver_is_done, self, timeout_ms);
}

void
dsl_test_receiver_free (DslTestReceiver * self)
{
  if (!self->done) {
    g_subprocess_force_exit (self->process);
    dsl_test_receiver_wait (self, 10000);
  }
  g_object_unref (self->process);
  g_ptr_array_unref (self->peers);
  g_free (self->output);
  g_free (self);
}

void
dsl_test_receiver_assert_peer (DslTestReceiver * self, guint i, guint frames,
    guint width, guint height)
{
  JsonObject *peer;

  g_assert_cmpuint (self->peers->len, >, i);
  peer = g_ptr_array_index (self->peers, i);
  g_assert_cmpint (json_object_get_int_member (peer, "frames"), >=, frames);
  g_assert_cmpint (json_object_get_int_member (peer, "width"), ==, width);
  g_assert_cmpint (json_object_get_int_member (peer, "height"), ==, height);
}

/* ------------------------------------------------------------------ */

struct _DslTestPadCounter
{
  GstPad *pad;
  gulong probe;
  gsize count;                  /* atomic: streaming threads add to it */
};

/* A GRcBox: the probe holds a reference of its own, released by GStreamer
 * once no streaming thread can be inside the callback any more. */

static GstPadProbeReturn
pad_counter_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  DslTestPadCounter *self = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    g_atomic_pointer_add (&self->count,
        gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info)));
  else
    g_atomic_pointer_add (&self->count, 1);
  return GST_PAD_PROBE_OK;
}

DslTestPadCounter *
dsl_test_pad_counter_new_for_pad (GstPad * pad)
{
  DslTestPadCounter *self = g_rc_box_new0 (DslTestPadCounter);

  g_assert_nonnull (pad);
  self->pad = gst_object_ref (pad);
  self->probe = gst_pad_add_probe (self->pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, pad_counter_probe,
      g_rc_box_acquire (self), (GDestroyNotify) g_rc_box_release);
  return self;
}

DslTestPadCounter *
dsl_test_pad_counter_new (const gchar * component, const gchar * element,
    const gchar * pad)
{
  DslTestPadCounter *self;
  DslComponent *c;
  GstElement *e;
  GstPad *p;

  dsl_context_enter ();
  c = dsl_component_find (component);
  g_assert_nonnull (c);
  e = gst_bin_get_by_name (GST_BIN (c->bin), element);
  dsl_context_leave ();
  g_assert_nonnull (e);
  p = gst_element_get_static_pad (e, pad);
  gst_object_unref (e);
  self = dsl_test_pad_counter_new_for_pad (p);
  gst_object_unref (p);
  return self;
}

guint64
dsl_test_pad_counter_get (DslTestPadCounter * self)
{
  return (guint64) g_atomic_pointer_get (&self->count);
}

void
dsl_test_pad_counter_free (DslTestPadCounter * self)
{
  gst_pad_remove_probe (self->pad, self->probe);
  gst_clear_object (&self->pad);
  g_rc_box_release (self);
}

static guint
count_dir (const gchar * path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  return n;
}

guint
dsl_test_thread_count (void)
{
  return count_dir ("/proc/self/task");
}

guint
dsl_test_fd_count (void)
{
  return count_dir ("/proc/self/fd");
}

guint
dsl_test_server_start (void)
{
  boolean listening;
  uint port;

  g_assert_cmpuint (dsl_websocket_server_bind_address_set (L"127.0.0.1"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_listening_start (0), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_websocket_server_listening_state_get (&listening,
          &port), ==, DSL_RESULT_SUCCESS);
  g_assert_true (listening);
  g_assert_cmpuint (port, >, 0);
  return port;
}

void
dsl_test_server_stop (void)
{
  g_assert_cmpuint (dsl_websocket_server_listening_stop (), ==,
      DSL_RESULT_SUCCESS);
}
