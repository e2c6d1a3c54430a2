/* dsl-websocket-server.c - the WebSocket Server singleton on libsoup 3. */
#include "server/dsl-websocket-server.h"
#include "server/dsl-http-content.h"
#include "server/dsl-websocket-close.h"
#include "server/dsl-websocket-path.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"
#include "core/dsl-wstring.h"

#include <string.h>
#include <netinet/in.h>

#define GST_CAT_DEFAULT dsl_server_debug

/* A hard cap on what libsoup buffers for one frame; it drops a larger
 * one abruptly. Transceivers apply their protocol's smaller limit and
 * close cleanly with 1009 (see dsl-signaling-message.h). */
#define MAX_INCOMING_PAYLOAD (8 * 1024 * 1024)
#define KEEPALIVE_INTERVAL_S 10
#define LISTEN_BACKLOG 512

typedef struct
{
  dsl_websocket_server_client_listener_cb func;
  gpointer client_data;
  gboolean removed;
} ClientListener;

struct _DslWebsocketServer
{
  SoupServer *soup;
  DslWebsocketPaths *paths;    /* decoded; "/ws" first */
  GPtrArray *listeners;        /* ClientListener* (GRcBox), in order added */
  GPtrArray *transceivers;     /* DslSignalingTransceiver*, borrowed */
  gboolean listening;
  guint port;
  guint generation;            /* bumped by every stop */
  gchar *bind_address;         /* NULL: all interfaces */
  DslHttpContent *http;        /* what plain GETs get */
};

static DslWebsocketServer *the_server;

/* ------------------------------------------------------------------ */

static void
call_client_listeners (DslWebsocketServer * self, const gchar * path)
{
  g_autofree wchar_t *wpath = dsl_wstring_from_utf8 (path);
  g_autoptr (GPtrArray) snapshot =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_rc_box_release);

  for (guint i = 0; i < self->listeners->len; i++)
    g_ptr_array_add (snapshot,
        g_rc_box_acquire (g_ptr_array_index (self->listeners, i)));

  /* A listener may add or remove listeners (itself included): one removed
   * before its turn is not called. */
  for (guint i = 0; i < snapshot->len; i++) {
    ClientListener *listener = g_ptr_array_index (snapshot, i);

    if (listener->removed)
      continue;
    GST_DEBUG ("calling client listener %p for %s", listener->func, path);
    listener->func (wpath, listener->client_data);
  }
}

static DslSignalingTransceiver *
first_available_transceiver (DslWebsocketServer * self)
{
  for (guint i = 0; i < self->transceivers->len; i++) {
    DslSignalingTransceiver *t = g_ptr_array_index (self->transceivers, i);

    if (t->iface->is_available (t))
      return t;
  }
  return NULL;
}

static void
websocket_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * connection, gpointer user_data)
{
  DslWebsocketServer *self = user_data;
  DslSignalingTransceiver *transceiver;
  guint generation = self->generation;

  DSL_CONTEXT_SCOPE;
  g_object_ref (connection);
  GST_INFO ("new WebSocket connection on %s from %s", path,
      soup_server_message_get_remote_host (msg));

  soup_websocket_connection_set_max_incoming_payload_size (connection,
      MAX_INCOMING_PAYLOAD);
  soup_websocket_connection_set_keepalive_interval (connection,
      KEEPALIVE_INTERVAL_S);

  call_client_listeners (self, path);

  if (!self->listening || generation != self->generation) {
    GST_INFO ("server stopped while the client listeners ran; closing %s",
        path);
    dsl_websocket_close_and_release (connection, DSL_CLOSE_GOING_AWAY, "server stopping");
  } else if ((transceiver = first_available_transceiver (self))) {
    GST_DEBUG ("handing %s to transceiver %p", path, transceiver);
    transceiver->iface->connect (transceiver, connection, path);
  } else {
    GST_WARNING ("no signaling transceiver available for %s; closing with "
        "1013", path);
    dsl_websocket_close_with_registry_code (connection, DSL_CLOSE_TRY_AGAIN_LATER,
        "no signaling transceiver available");
  }
  g_object_unref (connection);
}

/* Runs before libsoup's WebSocket handshake on a served path's prefix:
 * only exact paths may upgrade; anything else (/wsx, /ws/other) is an
 * ordinary HTTP request. libsoup answers 400 itself to a request on a
 * served path that is not a valid upgrade. */
static void
websocket_path_cb (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  DslWebsocketServer *self = user_data;

  if (!dsl_websocket_paths_contains (self->paths, path))
    dsl_http_content_serve (self->http, msg, path);
}

static void
http_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  DslWebsocketServer *self = user_data;

  dsl_http_content_serve (self->http, msg, path);
}

static void
register_path (DslWebsocketServer * self, const gchar * path)
{
  soup_server_add_handler (self->soup, path, websocket_path_cb, self, NULL);
  soup_server_add_websocket_handler (self->soup, path, NULL, NULL,
      websocket_cb, self, NULL);
}

DslWebsocketServer *
dsl_websocket_server_get (void)
{
  g_return_val_if_fail (dsl_context_is_held (), NULL);

  if (!the_server) {
    DslWebsocketServer *self = g_new0 (DslWebsocketServer, 1);

    self->soup = soup_server_new ("server-header", "dsl-webrtc ", NULL);
    self->paths = dsl_websocket_paths_new ();
    self->listeners =
        g_ptr_array_new_with_free_func ((GDestroyNotify) g_rc_box_release);
    self->transceivers = g_ptr_array_new ();
    self->http = dsl_http_content_new ();
    soup_server_add_handler (self->soup, NULL, http_cb, self, NULL);
    register_path (self, DSL_WEBSOCKET_PATH_DEFAULT);
    the_server = self;
    GST_INFO ("WebSocket Server created");
  }
  return the_server;
}

/* ------------------------------------------------------------------ */
/* Paths */

DslReturnType
dsl_websocket_server_add_path (DslWebsocketServer * self, const gchar * path)
{
  g_autofree gchar *decoded = NULL;

  if (self->listening) {
    GST_ERROR ("cannot add path %s while listening", path);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  if (!(decoded = dsl_websocket_path_check (path))) {
    GST_ERROR ("invalid WebSocket path '%s': it must start with /ws/, have "
        "a name after it, be a valid URI path and hold at most %d bytes",
        path, DSL_WEBSOCKET_PATH_MAX);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  if (!dsl_websocket_paths_add (self->paths, decoded)) {
    GST_ERROR ("WebSocket path %s was already added", path);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  register_path (self, decoded);
  GST_INFO ("added WebSocket path %s", decoded);
  return DSL_RESULT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Listening */

/* A listening socket of our own: GSocket's default backlog (10) makes a
 * burst of viewers wait for SYN retransmits, seconds each. */
static gboolean
listen_on (DslWebsocketServer * self, const gchar * host, guint * port,
    GError ** error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) socket = NULL;

  socket = g_socket_new (g_inet_address_get_family (inet),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (!socket)
    return FALSE;
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, NULL);
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  address = g_inet_socket_address_new (inet, *port);
  if (!g_socket_bind (socket, address, TRUE, error)
      || !g_socket_listen (socket, error)
      || !soup_server_listen_socket (self->soup, socket, 0, error))
    return FALSE;
  bound = g_socket_get_local_address (socket, error);
  if (!bound)
    return FALSE;
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return TRUE;
}

DslReturnType
dsl_websocket_server_start (DslWebsocketServer * self, guint port)
{
  g_autoptr (GError) error = NULL;
  GSList *uris;
  gboolean ok;

  if (self->listening) {
    GST_ERROR ("already listening on port %u", self->port);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  if (port > G_MAXUINT16) {
    GST_ERROR ("invalid port number %u", port);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }

  if (self->bind_address) {
    ok = listen_on (self, self->bind_address, &port, &error);
  } else {
    /* all interfaces: IPv4, then IPv6 on the same port when the host
     * has IPv6 at all */
    g_autoptr (GError) v6_error = NULL;

    ok = listen_on (self, "0.0.0.0", &port, &error);
    if (ok && !listen_on (self, "::", &port, &v6_error)) {
      if (g_error_matches (v6_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)) {
        GST_INFO ("no IPv6 here: %s", v6_error->message);
      } else {
        ok = FALSE;
        error = g_steal_pointer (&v6_error);
      }
    }
  }
  if (!ok) {
    GST_ERROR ("failed to listen on %s port %u: %s",
        self->bind_address ? self->bind_address : "all interfaces", port,
        error->message);
    soup_server_disconnect (self->soup);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }

  uris = soup_server_get_uris (self->soup);
  self->port = port;
  for (GSList * l = uris; l; l = l->next) {
    g_autofree gchar *s = g_uri_to_string (l->data);
    GST_INFO ("listening on %s", s);
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->listening = TRUE;
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_stop (DslWebsocketServer * self)
{
  g_autoptr (GPtrArray) snapshot = NULL;

  if (!self->listening) {
    GST_ERROR ("not listening");
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  soup_server_disconnect (self->soup);
  self->listening = FALSE;
  self->port = 0;
  self->generation++;
  GST_INFO ("stopped listening; disconnecting every transceiver");

  /* A transceiver's disconnect may make others come or go. */
  snapshot = g_ptr_array_copy (self->transceivers, NULL, NULL);
  for (guint i = 0; i < snapshot->len; i++) {
    DslSignalingTransceiver *t = g_ptr_array_index (snapshot, i);

    if (g_ptr_array_find (self->transceivers, t, NULL))
      t->iface->disconnect (t, DSL_CLOSE_GOING_AWAY, "server stopping");
  }
  return DSL_RESULT_SUCCESS;
}

void
dsl_websocket_server_get_state (DslWebsocketServer * self,
    gboolean * is_listening, guint * port)
{
  *is_listening = self->listening;
  *port = self->port;
}

DslReturnType
dsl_websocket_server_set_bind_address (DslWebsocketServer * self,
    const gchar * address)
{
  if (self->listening) {
    GST_ERROR ("cannot change the bind address while listening");
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  if (address && *address && !g_hostname_is_ip_address (address)) {
    GST_ERROR ("'%s' is not an IP address", address);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  g_free (self->bind_address);
  self->bind_address = (address && *address) ? g_strdup (address) : NULL;
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_set_http_root (DslWebsocketServer * self,
    const gchar * folder)
{
  if (self->listening) {
    GST_ERROR ("cannot change the HTTP root while listening");
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  if (!dsl_http_content_set_root (self->http, folder))
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  return DSL_RESULT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Client listeners */

static gint
find_listener (DslWebsocketServer * self,
    dsl_websocket_server_client_listener_cb func)
{
  for (guint i = 0; i < self->listeners->len; i++) {
    ClientListener *l = g_ptr_array_index (self->listeners, i);
    if (l->func == func)
      return (gint) i;
  }
  return -1;
}

DslReturnType
dsl_websocket_server_add_listener (DslWebsocketServer * self,
    dsl_websocket_server_client_listener_cb func, gpointer client_data)
{
  ClientListener *listener;

  if (find_listener (self, func) >= 0) {
    GST_ERROR ("client listener %p was already added", func);
    return DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_ADD_FAILED;
  }
  listener = g_rc_box_new0 (ClientListener);
  listener->func = func;
  listener->client_data = client_data;
  g_ptr_array_add (self->listeners, listener);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_remove_listener (DslWebsocketServer * self,
    dsl_websocket_server_client_listener_cb func)
{
  gint index = find_listener (self, func);
  ClientListener *listener;

  if (index < 0) {
    GST_ERROR ("client listener %p was not added", func);
    return DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED;
  }
  listener = g_ptr_array_index (self->listeners, index);
  listener->removed = TRUE;
  g_ptr_array_remove_index (self->listeners, index);
  return DSL_RESULT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Transceivers */

void
dsl_websocket_server_add_transceiver (DslWebsocketServer * self,
    DslSignalingTransceiver * transceiver)
{
  g_return_if_fail (!g_ptr_array_find (self->transceivers, transceiver, NULL));
  g_ptr_array_add (self->transceivers, transceiver);
}

void
dsl_websocket_server_remove_transceiver (DslWebsocketServer * self,
    DslSignalingTransceiver * transceiver)
{
  g_ptr_array_remove (self->transceivers, transceiver);
}
