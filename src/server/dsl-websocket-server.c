/* dsl-websocket-server.c - the WebSocket Server singleton on libsoup 3. */
#include "server/dsl-websocket-server.h"
#include "server/dsl-access.h"
#include "server/dsl-connection-guard.h"
#include "server/dsl-http-content.h"
#include "server/dsl-metrics.h"
#include "server/dsl-tls.h"
#include "server/dsl-websocket-close.h"
#include "server/dsl-websocket-path.h"
#include "server/dsl-whep-endpoint.h"
#include "signaling/dsl-websocket-channel.h"
#include "core/dsl-context.h"
#include "core/dsl-listeners.h"
#include "core/dsl-log.h"
#include "core/dsl-wstring.h"

#include <string.h>
#include <netinet/in.h>

#define GST_CAT_DEFAULT dsl_server_debug

#define LISTEN_BACKLOG 512
#define RETRY_AFTER_S "5"

struct _DslWebsocketServer
{
  SoupServer *soup;
  DslWebsocketPaths *paths;    /* decoded; "/ws" first */
  DslListeners *listeners;     /* dsl_websocket_server_client_listener_cb */
  GPtrArray *transceivers;     /* DslSignalingTransceiver*, borrowed */
  gboolean listening;
  guint port;
  guint generation;            /* bumped by every stop */
  gchar *bind_address;         /* NULL: all interfaces */
  DslHttpContent *http;        /* what plain GETs get */
  DslConnectionGuard *guard;   /* accepts, and bounds every client */
  DslAccess *access;           /* origins and tokens */
  DslWhepEndpoint *whep;       /* the same paths for WHEP players */
};

static DslWebsocketServer *the_server;

/* ------------------------------------------------------------------ */

static void
call_client_listener (GCallback func, gpointer client_data, gpointer path)
{
  GST_DEBUG ("calling client listener %p", func);
  ((dsl_websocket_server_client_listener_cb) func) (path, client_data);
}

static void
call_client_listeners (DslWebsocketServer * self, const gchar * path)
{
  g_autofree wchar_t *wpath = dsl_wstring_from_utf8 (path);

  dsl_listeners_call (self->listeners, call_client_listener, wpath);
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

/* libsoup 3.2 keeps a connection alive only for its own listeners: with
 * the guard accepting, each connection serves one request. Saying so
 * keeps clients from reusing a connection that is going away. */
static void
refuse (SoupServerMessage * msg, guint status)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const gchar *why = status == SOUP_STATUS_UNAUTHORIZED ?
      "A viewer token is needed: open the page with ?token=TOKEN.\n" :
      "Pages of this origin may not connect here.\n";

  dsl_metrics_count_refused (status == SOUP_STATUS_UNAUTHORIZED ?
      DSL_REFUSED_TOKEN : DSL_REFUSED_ORIGIN);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer");
  soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
      SOUP_MEMORY_STATIC, why, strlen (why));
}

static void
serve_http (DslWebsocketServer * self, SoupServerMessage * msg,
    const gchar * path, GHashTable * query)
{
  guint status = dsl_access_check_http (self->access, msg, path, query);

  if (status != SOUP_STATUS_NONE) {
    refuse (msg, status);
    return;
  }
  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "Connection", "close");
  /* off (the default), /metrics is a path like any other */
  if (dsl_metrics_get_enabled () && g_str_equal (path, DSL_METRICS_PATH)) {
    DslMetricsServerState state;

    dsl_websocket_server_get_metrics_state (&state);
    dsl_metrics_serve (msg, &state);
    return;
  }
  dsl_http_content_serve (self->http, msg, path);
}

/* A new viewer, by WebSocket or WHEP: the client listeners, then the
 * first available transceiver. FALSE when nobody takes it (the caller
 * turns it away: 1013, 503). */
static gboolean
take_viewer (DslWebsocketServer * self, DslSignalingChannel * channel)
{
  const gchar *path = dsl_signaling_channel_get_path (channel);
  DslSignalingTransceiver *transceiver;
  guint generation = self->generation;

  call_client_listeners (self, path);
  if (!self->listening || generation != self->generation) {
    GST_INFO ("server stopped while the client listeners ran; closing %s",
        path);
    dsl_signaling_channel_close (channel, DSL_CLOSE_GOING_AWAY,
        "server stopping");
    return TRUE;
  }
  if (!(transceiver = first_available_transceiver (self))) {
    GST_WARNING ("no signaling transceiver available for %s", path);
    dsl_metrics_count_refused (DSL_REFUSED_NO_TRANSCEIVER);
    return FALSE;
  }
  GST_DEBUG ("handing %s to transceiver %p", path, transceiver);
  dsl_metrics_viewer_connected (transceiver, channel);
  transceiver->iface->connect (transceiver, channel);
  return TRUE;
}

static gboolean
take_whep_viewer (SoupServerMessage * msg, DslSignalingChannel * channel,
    gpointer data)
{
  return take_viewer (data, channel);
}

static void
websocket_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * connection, gpointer user_data)
{
  DslWebsocketServer *self = user_data;
  g_autoptr (DslSignalingChannel) channel = NULL;

  DSL_CONTEXT_SCOPE;
  GST_INFO ("new WebSocket connection on %s from %s", path,
      soup_server_message_get_remote_host (msg));
  dsl_connection_guard_upgraded (self->guard, msg, connection);
  channel = dsl_websocket_channel_new (connection, path);
  if (!take_viewer (self, channel)) {
    /* libsoup will not send 1013 (a registry code): written by hand, then
     * the connection dropped, so no second close frame follows */
    g_object_ref (connection);
    dsl_signaling_channel_close (channel, 0, NULL);
    dsl_websocket_close_with_registry_code (connection,
        DSL_CLOSE_TRY_AGAIN_LATER, "no signaling transceiver available");
    dsl_connection_guard_drop (self->guard, msg);
    g_object_unref (connection);
  }
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
  guint status;

  DSL_CONTEXT_SCOPE;
  if (!dsl_websocket_paths_contains (self->paths, path)) {
    serve_http (self, msg, path, query);
  } else if ((status = dsl_access_check_upgrade (self->access, msg, path,
              query)) != SOUP_STATUS_NONE) {
    refuse (msg, status);
  } else if (!dsl_connection_guard_may_upgrade (self->guard)) {
    GST_WARNING ("refusing a WebSocket on %s: %u are open already", path,
        dsl_connection_guard_get_limits (self->guard)->max_websockets);
    dsl_metrics_count_refused (DSL_REFUSED_WEBSOCKET_LIMIT);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Retry-After", RETRY_AFTER_S);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Connection", "close");
    soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
        NULL);
  }
}

static void
http_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  DslWebsocketServer *self = user_data;

  DSL_CONTEXT_SCOPE;
  serve_http (self, msg, path, query);
}

static void
register_path (DslWebsocketServer * self, const gchar * path)
{
  soup_server_add_handler (self->soup, path, websocket_path_cb, self, NULL);
  static const gchar *protocols[] = { DSL_ACCESS_PROTOCOL, NULL };

  /* a client that offers subprotocols gets "dsl-webrtc" selected (it
   * offers it beside a "dsl-token." entry) */
  soup_server_add_websocket_handler (self->soup, path, NULL,
      (gchar **) protocols, websocket_cb, self, NULL);
}

DslWebsocketServer *
dsl_websocket_server_get (void)
{
  g_return_val_if_fail (dsl_context_is_held (), NULL);

  if (!the_server) {
    DslWebsocketServer *self = g_new0 (DslWebsocketServer, 1);

    self->soup = soup_server_new ("server-header", "dsl-webrtc ", NULL);
    self->paths = dsl_websocket_paths_new ();
    self->listeners = dsl_listeners_new ();
    self->transceivers = g_ptr_array_new ();
    self->http = dsl_http_content_new ();
    self->guard = dsl_connection_guard_new (self->soup);
    self->access = dsl_access_new ();
    self->whep = dsl_whep_endpoint_new (self->soup, self->paths, self->access,
        self->guard, take_whep_viewer, self);
    /* signaling messages are small: nothing to gain from compression, and
     * inflating is a way to make a small message huge */
    soup_server_remove_websocket_extension (self->soup,
        SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
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
      || !g_socket_listen (socket, error))
    return FALSE;
  bound = g_socket_get_local_address (socket, error);
  if (!bound)
    return FALSE;
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  dsl_connection_guard_listen (self->guard, socket);
  {
    g_autofree gchar *where = g_socket_connectable_to_string
        (G_SOCKET_CONNECTABLE (bound));
    GST_INFO ("listening on %s", where);
  }
  return TRUE;
}

DslReturnType
dsl_websocket_server_start (DslWebsocketServer * self, guint port)
{
  g_autoptr (GError) error = NULL;
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
    dsl_connection_guard_stop (self->guard);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  self->port = port;
  self->listening = TRUE;
  dsl_access_log_policy (self->access);
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
  dsl_connection_guard_stop (self->guard);
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

DslReturnType
dsl_websocket_server_set_limits (DslWebsocketServer * self,
    const DslConnectionLimits * limits)
{
  if (limits->ping_interval_s < 1
      || limits->pong_timeout_s <= limits->ping_interval_s) {
    GST_ERROR ("invalid keep-alive: a ping every %u s, a timeout of %u s "
        "(needs 1 <= interval < timeout)", limits->ping_interval_s,
        limits->pong_timeout_s);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  if (limits->header_timeout_s < 1 || limits->idle_timeout_s < 1) {
    GST_ERROR ("invalid timeouts %u s, %u s: both must be at least 1 s",
        limits->header_timeout_s, limits->idle_timeout_s);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  if (limits->max_pending < 1 || limits->max_websockets < 1) {
    GST_ERROR ("invalid connection limits %u, %u: both must be at least 1",
        limits->max_pending, limits->max_websockets);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  dsl_connection_guard_set_limits (self->guard, limits);
  return DSL_RESULT_SUCCESS;
}

const DslConnectionLimits *
dsl_websocket_server_get_limits (DslWebsocketServer * self)
{
  return dsl_connection_guard_get_limits (self->guard);
}

DslAccess *
dsl_websocket_server_get_access (DslWebsocketServer * self)
{
  return self->access;
}

/* ------------------------------------------------------------------ */
/* TLS */

static DslReturnType
tls_result (DslTlsCheck check)
{
  switch (check) {
    case DSL_TLS_OK:
      return DSL_RESULT_SUCCESS;
    case DSL_TLS_UNREADABLE:
      return DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE;
    case DSL_TLS_INVALID:
      break;
  }
  return DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID;
}

DslReturnType
dsl_websocket_server_set_tls_files (DslWebsocketServer * self,
    const gchar * cert_file, const gchar * key_file)
{
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GError) error = NULL;
  DslTlsCheck check;

  if (!cert_file && !key_file)
    return dsl_websocket_server_set_tls (self, NULL);
  check = dsl_tls_load (cert_file, key_file, &certificate, &error);
  if (check != DSL_TLS_OK) {
    GST_ERROR ("TLS certificate %s with key %s refused: %s", cert_file,
        key_file, error->message);
    return tls_result (check);
  }
  dsl_connection_guard_set_certificate (self->guard, certificate);
  GST_INFO ("TLS with the certificate of %s", cert_file);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_set_tls (DslWebsocketServer * self,
    GTlsCertificate * certificate)
{
  g_autoptr (GError) error = NULL;
  DslTlsCheck check;

  if (certificate && (check = dsl_tls_check (certificate, &error))
      != DSL_TLS_OK) {
    GST_ERROR ("TLS certificate refused: %s", error->message);
    return tls_result (check);
  }
  dsl_connection_guard_set_certificate (self->guard, certificate);
  GST_INFO ("%s", certificate ? "TLS with the caller's certificate" :
      "plain HTTP, no TLS");
  return DSL_RESULT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Client listeners */

DslReturnType
dsl_websocket_server_add_listener (DslWebsocketServer * self,
    dsl_websocket_server_client_listener_cb func, gpointer client_data)
{
  if (!dsl_listeners_add (self->listeners, G_CALLBACK (func), client_data)) {
    GST_ERROR ("client listener %p was already added", func);
    return DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_ADD_FAILED;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_remove_listener (DslWebsocketServer * self,
    dsl_websocket_server_client_listener_cb func)
{
  if (!dsl_listeners_remove (self->listeners, G_CALLBACK (func))) {
    GST_ERROR ("client listener %p was not added", func);
    return DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED;
  }
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
  dsl_metrics_transceiver_gone (transceiver);
}

/* ------------------------------------------------------------------ */
/* Metrics */

void
dsl_websocket_server_get_metrics_state (DslMetricsServerState * state)
{
  DslWebsocketServer *self = dsl_websocket_server_get ();

  state->paths = dsl_websocket_paths_list (self->paths);
  state->transceivers = self->transceivers;
  state->guard = self->guard;
}
