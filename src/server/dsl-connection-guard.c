/* dsl-connection-guard.c - see dsl-connection-guard.h */
#include "server/dsl-connection-guard.h"
#include "server/dsl-client-connection.h"
#include "server/dsl-metrics.h"
#include "server/dsl-websocket-close.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"

#define GST_CAT_DEFAULT dsl_server_debug

#define SWEEP_INTERVAL_MS 1000
#define ACCEPTS_PER_WAKEUP 64
#define ACCEPT_PAUSE_MS 100
/* a shortage of file descriptors is over when none has been seen for this
 * long: one log line when it starts, one when it ends */
#define STARVED_QUIET_US (5 * G_USEC_PER_SEC)
/* an aborted connection libsoup has not closed by then is closed here */
#define ABORT_GRACE_US (5 * G_USEC_PER_SEC)
#define CLOSE_GOING_AWAY 1001
#define CLOSE_MESSAGE_TOO_BIG 1009

typedef enum
{
  PHASE_REQUEST,               /* waiting for a request, or reading one */
  PHASE_RESPONSE,              /* the answer is being written */
  PHASE_IDLE,                  /* keep-alive: between requests */
  PHASE_WEBSOCKET,
} Phase;

typedef struct
{
  DslConnectionGuard *guard;
  DslClientConnection *connection;
  GSocketAddress *remote;      /* the key: libsoup hands it back with each message */
  Phase phase;
  gint64 since;                /* start of the phase */
  guint64 bytes_at_idle;
  gint64 aborted_at;           /* 0: not aborted */
  GList *pending_link;         /* in guard->pending while not a WebSocket */
  SoupWebsocketConnection *websocket;
  gboolean counted;            /* in guard->websockets */
  gboolean tls;                /* libsoup reads a TLS stream over connection */
} Client;

typedef struct
{
  GSocket *socket;
  GSource *source;
} Listener;

struct _DslConnectionGuard
{
  SoupServer *soup;
  DslConnectionLimits limits;
  GPtrArray *listeners;        /* Listener* */
  GHashTable *clients;         /* GSocketAddress* -> Client* (owned) */
  GQueue pending;              /* Client*, oldest first */
  guint websockets;
  guint sweep;
  guint resume;
  gboolean starved;
  gint64 last_starved;
  GTlsCertificate *certificate;        /* NULL: plain HTTP */
  guint evicted, timed_out;    /* since the last log line */
};

/* ------------------------------------------------------------------ */
/* Clients */

static void
websocket_closed_cb (SoupWebsocketConnection * websocket, Client * client)
{
  if (client->counted) {
    client->counted = FALSE;
    client->guard->websockets--;
  }
}

static void
client_forget_pending (Client * client)
{
  if (client->pending_link) {
    g_queue_delete_link (&client->guard->pending, client->pending_link);
    client->pending_link = NULL;
  }
}

static void
client_free (Client * client)
{
  client_forget_pending (client);
  websocket_closed_cb (NULL, client);
  if (client->websocket) {
    g_signal_handlers_disconnect_by_data (client->websocket, client);
    g_object_unref (client->websocket);
  }
  g_object_unref (client->connection);
  g_object_unref (client->remote);
  g_free (client);
}

static void
client_abort (Client * client)
{
  client_forget_pending (client);
  if (!client->aborted_at)
    client->aborted_at = g_get_monotonic_time ();
  dsl_client_connection_abort (client->connection);
}

static void
client_set_phase (Client * client, Phase phase)
{
  client->phase = phase;
  client->since = g_get_monotonic_time ();
  if (phase == PHASE_IDLE)
    client->bytes_at_idle =
        dsl_client_connection_get_bytes_in (client->connection);
}

static Client *
client_of (DslConnectionGuard * self, SoupServerMessage * msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote ? g_hash_table_lookup (self->clients, remote) : NULL;
}

/* Closes the oldest pending connection that is still open, and counts
 * it; those the peer closed already (the sweep forgets them within a
 * second) only leave the queue: turning them away would free nothing,
 * and count a refusal nobody got. */
static void
evict_oldest_pending (DslConnectionGuard * self, DslRefusal reason)
{
  Client *oldest;

  while ((oldest = g_queue_peek_head (&self->pending))
      && dsl_client_connection_is_closed (oldest->connection))
    client_forget_pending (oldest);
  if (oldest) {
    client_abort (oldest);
    self->evicted++;
    dsl_metrics_count_refused (reason);
  }
}

static void
hand_to_libsoup (DslConnectionGuard * self, GIOStream * stream,
    GSocketAddress * local, GSocketAddress * remote)
{
  g_autoptr (GError) error = NULL;

  if (!soup_server_accept_iostream (self->soup, stream, local, remote,
          &error)) {
    GST_WARNING ("libsoup refused a connection: %s", error->message);
    g_io_stream_close (stream, NULL, NULL);
  }
}

/* A TLS handshake under way: the guard finds its client again by the
 * remote address (it may have been closed meanwhile). */
typedef struct
{
  DslConnectionGuard *guard;   /* the server's: lives as long as the process */
  GSocketAddress *local, *remote;
} Handshake;

static void
handshake_done (GObject * source, GAsyncResult * result, gpointer data)
{
  Handshake *h = data;
  GIOStream *tls = G_IO_STREAM (source);
  g_autoptr (GError) error = NULL;
  Client *client;

  DSL_CONTEXT_SCOPE;
  client = g_hash_table_lookup (h->guard->clients, h->remote);
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result,
          &error) || !client || client->aborted_at) {
    g_autofree gchar *peer = g_socket_connectable_to_string
        (G_SOCKET_CONNECTABLE (h->remote));

    GST_INFO ("no TLS connection with %s: %s", peer,
        error ? error->message : "closed meanwhile");
    if (error)
      dsl_metrics_count_refused (DSL_REFUSED_TLS_HANDSHAKE);
    g_io_stream_close (tls, NULL, NULL);
  } else {
    hand_to_libsoup (h->guard, tls, h->local, h->remote);
  }
  g_object_unref (tls);
  g_object_unref (h->local);
  g_object_unref (h->remote);
  g_free (h);
}

/* TLS goes between the metered connection and libsoup: the guard still
 * sees every byte; the handshake counts as part of the request, under the
 * header timeout. */
static void
start_tls (DslConnectionGuard * self, Client * client, GSocketAddress * local)
{
  g_autoptr (GError) error = NULL;
  GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM
      (client->connection), self->certificate, &error);
  Handshake *h;

  if (!tls) {
    GST_WARNING ("cannot start TLS: %s", error->message);
    client_abort (client);
    return;
  }
  client->tls = TRUE;
  h = g_new0 (Handshake, 1);
  h->guard = self;
  h->local = g_object_ref (local);
  h->remote = g_object_ref (client->remote);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls),
      G_PRIORITY_DEFAULT, NULL, handshake_done, h);
}

static void
admit (DslConnectionGuard * self, GSocket * socket)
{
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_get_remote_address (socket,
      NULL);
  Client *client;

  if (!local || !remote) {
    /* the peer left already */
    g_socket_close (socket, NULL);
    return;
  }
  dsl_metrics_count_accepted ();
  while (self->pending.length >= self->limits.max_pending)
    evict_oldest_pending (self, DSL_REFUSED_PENDING_LIMIT);

  client = g_new0 (Client, 1);
  client->guard = self;
  client->connection = dsl_client_connection_new (socket);
  client->remote = g_object_ref (remote);
  dsl_client_connection_set_budget (client->connection, DSL_HTTP_INPUT_BURST,
      DSL_HTTP_INPUT_RATE);
  client_set_phase (client, PHASE_REQUEST);
  g_queue_push_tail (&self->pending, client);
  client->pending_link = self->pending.tail;
  g_hash_table_insert (self->clients, client->remote, client);
  if (self->certificate)
    start_tls (self, client, local);
  else
    hand_to_libsoup (self, G_IO_STREAM (client->connection), local, remote);
}

/* ------------------------------------------------------------------ */
/* Accepting */

static gboolean accept_cb (GSocket * socket, GIOCondition condition,
    gpointer data);

static void
listener_watch (DslConnectionGuard * self, Listener * listener)
{
  listener->source = g_socket_create_source (listener->socket, G_IO_IN, NULL);
  g_source_set_callback (listener->source, (GSourceFunc) (void (*)(void))
      accept_cb, self, NULL);
  g_source_attach (listener->source, g_main_context_default ());
}

static void
listener_unwatch (Listener * listener)
{
  if (listener->source) {
    g_source_destroy (listener->source);
    g_clear_pointer (&listener->source, g_source_unref);
  }
}

static void
listener_free (Listener * listener)
{
  listener_unwatch (listener);
  g_socket_close (listener->socket, NULL);
  g_object_unref (listener->socket);
  g_free (listener);
}

static gboolean
resume_cb (gpointer data)
{
  DslConnectionGuard *self = data;

  self->resume = 0;
  for (guint i = 0; i < self->listeners->len; i++) {
    Listener *listener = g_ptr_array_index (self->listeners, i);

    if (!listener->source)
      listener_watch (self, listener);
  }
  return G_SOURCE_REMOVE;
}

/* Out of file descriptors (or another error that would repeat at once):
 * close the oldest pending connection and wait a moment, instead of
 * spinning on a listening socket that stays readable. */
static void
pause_accepting (DslConnectionGuard * self, const GError * error)
{
  if (!self->starved) {
    self->starved = TRUE;
    GST_WARNING ("cannot accept connections: %s; closing the oldest pending "
        "connection and trying again every %d ms", error->message,
        ACCEPT_PAUSE_MS);
  }
  self->last_starved = g_get_monotonic_time ();
  evict_oldest_pending (self, DSL_REFUSED_FD_LIMIT);
  for (guint i = 0; i < self->listeners->len; i++)
    listener_unwatch (g_ptr_array_index (self->listeners, i));
  if (!self->resume)
    self->resume = dsl_context_timeout (ACCEPT_PAUSE_MS, resume_cb, self,
        NULL);
}

static gboolean
accept_cb (GSocket * socket, GIOCondition condition, gpointer data)
{
  DslConnectionGuard *self = data;

  DSL_CONTEXT_SCOPE;
  for (guint i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GSocket) client = g_socket_accept (socket, NULL, &error);

    if (!client) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      pause_accepting (self, error);
      return G_SOURCE_CONTINUE;   /* its source is destroyed already */
    }
    admit (self, client);
  }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* The sweep */

static gboolean
websocket_is_dead (DslConnectionGuard * self, Client * client, gint64 now,
    const gchar ** why, DslDrop * reason)
{
  gint64 timeout = self->limits.pong_timeout_s * G_USEC_PER_SEC;
  gint64 blocked = dsl_client_connection_get_blocked_since (client->connection);

  if (now - dsl_client_connection_get_last_input (client->connection) >
      timeout) {
    *why = "no answer to pings";
    *reason = DSL_DROPPED_NO_PONG;
    return TRUE;
  }
  if (blocked && now - blocked > timeout) {
    *why = "the peer reads nothing";
    *reason = DSL_DROPPED_BLOCKED;
    return TRUE;
  }
  return FALSE;
}

static void
check_client (DslConnectionGuard * self, Client * client, gint64 now)
{
  gint64 header = self->limits.header_timeout_s * G_USEC_PER_SEC;
  gint64 idle = self->limits.idle_timeout_s * G_USEC_PER_SEC;
  const gchar *why = NULL;
  DslDrop reason;
  g_autofree gchar *peer = NULL;

  switch (client->phase) {
    case PHASE_IDLE:
      if (dsl_client_connection_get_bytes_in (client->connection) >
          client->bytes_at_idle) {
        client_set_phase (client, PHASE_REQUEST);
      } else if (now - client->since > idle) {
        GST_DEBUG ("closing an idle HTTP connection");
        client_abort (client);
        dsl_metrics_count_dropped (DSL_DROPPED_IDLE);
      }
      break;
    case PHASE_REQUEST:
      if (now - client->since > header) {
        client_abort (client);
        self->timed_out++;
        dsl_metrics_count_refused (DSL_REFUSED_HEADER_TIMEOUT);
      }
      break;
    case PHASE_RESPONSE:
      if (now - client->since > idle) {
        GST_DEBUG ("closing a connection that does not read its answer");
        client_abort (client);
        dsl_metrics_count_dropped (DSL_DROPPED_UNREAD_RESPONSE);
      }
      break;
    case PHASE_WEBSOCKET:
      if (!websocket_is_dead (self, client, now, &why, &reason))
        break;
      dsl_metrics_count_dropped (reason);
      peer = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE
          (client->remote));
      GST_WARNING ("closing a dead WebSocket from %s: %s for %u s", peer, why,
          self->limits.pong_timeout_s);
      if (soup_websocket_connection_get_state (client->websocket) ==
          SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (client->websocket, CLOSE_GOING_AWAY,
            why);
      client_abort (client);
      break;
  }
}

static gboolean
sweep_cb (gpointer data)
{
  DslConnectionGuard *self = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Client *client;

  DSL_CONTEXT_SCOPE;
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & client)) {
    if (dsl_client_connection_is_closed (client->connection)) {
      g_hash_table_iter_remove (&iter);
      continue;
    }
    if (client->aborted_at) {
      if (now - client->aborted_at > ABORT_GRACE_US)
        g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
      continue;
    }
    check_client (self, client, now);
  }
  if (self->starved && now - self->last_starved > STARVED_QUIET_US) {
    self->starved = FALSE;
    GST_WARNING ("accepting connections again");
  }
  if (self->timed_out || self->evicted) {
    GST_WARNING ("closed %u connection(s) whose request did not arrive "
        "within %u s and %u over the cap of %u pending connections",
        self->timed_out, self->limits.header_timeout_s, self->evicted,
        self->limits.max_pending);
    self->timed_out = self->evicted = 0;
  }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* libsoup's request signals: the phases of a connection */

static void
request_read_cb (SoupServer * soup, SoupServerMessage * msg, gpointer data)
{
  Client *client = client_of (data, msg);

  if (client && client->phase != PHASE_WEBSOCKET)
    client_set_phase (client, PHASE_RESPONSE);
}

static void
request_done_cb (SoupServer * soup, SoupServerMessage * msg, gpointer data)
{
  Client *client = client_of (data, msg);

  if (client && client->phase != PHASE_WEBSOCKET)
    client_set_phase (client, PHASE_IDLE);
}

/* ------------------------------------------------------------------ */

DslConnectionGuard *
dsl_connection_guard_new (SoupServer * soup)
{
  DslConnectionGuard *self = g_new0 (DslConnectionGuard, 1);
  DslConnectionLimits defaults = DSL_CONNECTION_LIMITS_DEFAULT;

  self->soup = soup;
  self->limits = defaults;
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify)
      listener_free);
  self->clients = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) client_free);
  g_queue_init (&self->pending);
  g_signal_connect (soup, "request-read", G_CALLBACK (request_read_cb), self);
  g_signal_connect (soup, "request-finished", G_CALLBACK (request_done_cb),
      self);
  g_signal_connect (soup, "request-aborted", G_CALLBACK (request_done_cb),
      self);
  return self;
}

void
dsl_connection_guard_set_limits (DslConnectionGuard * self,
    const DslConnectionLimits * limits)
{
  GHashTableIter iter;
  Client *client;

  g_return_if_fail (limits->ping_interval_s >= 1
      && limits->pong_timeout_s > limits->ping_interval_s
      && limits->header_timeout_s >= 1 && limits->idle_timeout_s >= 1
      && limits->max_pending >= 1 && limits->max_websockets >= 1);

  self->limits = *limits;
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & client))
    if (client->websocket)
      soup_websocket_connection_set_keepalive_interval (client->websocket,
          limits->ping_interval_s);
}

const DslConnectionLimits *
dsl_connection_guard_get_limits (DslConnectionGuard * self)
{
  return &self->limits;
}

void
dsl_connection_guard_listen (DslConnectionGuard * self, GSocket * socket)
{
  Listener *listener = g_new0 (Listener, 1);

  g_return_if_fail (G_IS_SOCKET (socket));

  listener->socket = g_object_ref (socket);
  g_socket_set_blocking (socket, FALSE);
  g_ptr_array_add (self->listeners, listener);
  listener_watch (self, listener);
  if (!self->sweep)
    self->sweep = dsl_context_timeout (SWEEP_INTERVAL_MS, sweep_cb, self,
        NULL);
}

void
dsl_connection_guard_stop (DslConnectionGuard * self)
{
  GHashTableIter iter;
  Client *client;

  g_ptr_array_set_size (self->listeners, 0);
  if (self->resume) {
    g_source_remove (self->resume);
    self->resume = 0;
  }
  if (self->sweep) {
    g_source_remove (self->sweep);
    self->sweep = 0;
  }
  self->starved = FALSE;
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & client)) {
    if (client->phase != PHASE_WEBSOCKET)
      g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
    g_hash_table_iter_remove (&iter);
  }
}

void
dsl_connection_guard_set_certificate (DslConnectionGuard * self,
    GTlsCertificate * certificate)
{
  g_set_object (&self->certificate, certificate);
}


gboolean
dsl_connection_guard_may_upgrade (DslConnectionGuard * self)
{
  return self->websockets < self->limits.max_websockets;
}

void
dsl_connection_guard_upgraded (DslConnectionGuard * self,
    SoupServerMessage * msg, SoupWebsocketConnection * websocket)
{
  Client *client = client_of (self, msg);

  /* the cap leaves nothing unbounded for libsoup: a larger frame drops
   * the connection before its payload is read */
  soup_websocket_connection_set_max_incoming_payload_size (websocket,
      DSL_WEBSOCKET_INPUT_BURST);
  soup_websocket_connection_set_keepalive_interval (websocket,
      self->limits.ping_interval_s);
  if (!client || client->phase == PHASE_WEBSOCKET) {
    g_warn_if_reached ();
    return;
  }
  client_forget_pending (client);
  client_set_phase (client, PHASE_WEBSOCKET);
  client->websocket = g_object_ref (websocket);
  client->counted = TRUE;
  self->websockets++;
  g_signal_connect (websocket, "closed", G_CALLBACK (websocket_closed_cb),
      client);
  dsl_client_connection_set_budget (client->connection,
      DSL_WEBSOCKET_INPUT_BURST, DSL_WEBSOCKET_INPUT_RATE);
  /* a frame of our own would break a TLS stream: there the budget only
   * drops the connection */
  if (!client->tls)
    dsl_client_connection_set_close_code (client->connection,
        CLOSE_MESSAGE_TOO_BIG);
}

void
dsl_connection_guard_drop (DslConnectionGuard * self, SoupServerMessage * msg)
{
  Client *client = client_of (self, msg);

  if (client)
    client_abort (client);
}

void
dsl_connection_guard_allow_input (DslConnectionGuard * self,
    SoupServerMessage * msg, gsize bytes)
{
  Client *client = client_of (self, msg);

  if (client)
    dsl_client_connection_add_budget (client->connection, bytes);
}

void
dsl_connection_guard_get_counts (DslConnectionGuard * self, guint * pending,
    guint * websockets)
{
  *pending = self->pending.length;
  *websockets = self->websockets;
}
