/* dsl-whep-endpoint.c - see dsl-whep-endpoint.h */
#include "server/dsl-whep-endpoint.h"
#include "server/dsl-metrics.h"
#include "signaling/dsl-sdp-offer.h"
#include "signaling/dsl-whep-channel.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"

#include <string.h>
#include <sys/random.h>

#define GST_CAT_DEFAULT dsl_server_debug

/* A body up to this is read (and thrown away) so that it gets its 413;
 * beyond, the connection is closed on it. */
#define DRAIN_MAX (1024 * 1024)

/* A session that ended by itself (the viewer closed its peer connection,
 * ICE failed, the application closed it) is remembered this long, so the
 * DELETE a player sends as it leaves gets 200, not 404; at most this many
 * are remembered. */
#define ENDED_KEEP_US (60 * G_USEC_PER_SEC)
#define ENDED_MAX 1024

#define SDP_TYPE "application/sdp"
#define FRAGMENT_TYPE "application/trickle-ice-sdpfrag"

struct _DslWhepEndpoint
{
  DslWebsocketPaths *paths;
  DslAccess *access;
  DslConnectionGuard *guard;
  DslWhepViewerFunc take_viewer;
  gpointer data;
  GHashTable *sessions;        /* location -> DslWhepChannel (a reference) */
  GHashTable *ended;           /* location -> gint64* when it ended */
  GQueue ended_order;          /* the locations of ended, oldest first */
};

/* ------------------------------------------------------------------ */
/* Answers */

static void
respond (SoupServerMessage * msg, guint status, const gchar * text)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree gchar *body = NULL;

  /* like every answer of this server: one request per connection */
  soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_status (msg, status, NULL);
  if (text) {
    body = g_strdup_printf ("%s\n", text);
    soup_server_message_set_response (msg, "text/plain; charset=utf-8",
        SOUP_MEMORY_COPY, body, strlen (body));
  }
}

static void
refuse (SoupServerMessage * msg, const gchar * what, guint status,
    const gchar * text)
{
  GST_INFO ("%s %s from %s: %u (%s)", soup_server_message_get_method (msg),
      what, soup_server_message_get_remote_host (msg), status, text);
  respond (msg, status, text);
}

/* What a page of another origin needs to read our answers; the Origin
 * has passed the allow-list already. */
static void
add_cors (SoupServerMessage * msg, gboolean preflight)
{
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const gchar *origin = soup_message_headers_get_one (in, "Origin");

  soup_message_headers_replace (out, "Vary", "Origin");
  if (!origin)
    return;
  soup_message_headers_replace (out, "Access-Control-Allow-Origin", origin);
  soup_message_headers_replace (out, "Access-Control-Expose-Headers",
      "Location, Link, Accept-Patch, ETag");
  if (preflight) {
    soup_message_headers_replace (out, "Access-Control-Allow-Methods",
        "POST, PATCH, DELETE, OPTIONS");
    soup_message_headers_replace (out, "Access-Control-Allow-Headers",
        "Authorization, Content-Type, If-Match");
    soup_message_headers_replace (out, "Access-Control-Max-Age", "600");
  }
}

static gboolean
has_content_type (SoupServerMessage * msg, const gchar * type)
{
  const gchar *value = soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), NULL);

  return value && !g_ascii_strcasecmp (value, type);
}

/* ------------------------------------------------------------------ */
/* Sessions */

static gchar *
new_location (void)
{
  guint8 id[16];
  GString *location = g_string_new (DSL_WHEP_RESOURCE_PATH "/");

  /* the Location is the resource's only credential: unguessable */
  if (getrandom (id, sizeof id, 0) != sizeof id)
    for (gsize i = 0; i < sizeof id; i++)
      id[i] = (guint8) g_random_int ();
  for (gsize i = 0; i < sizeof id; i++)
    g_string_append_printf (location, "%02x", id[i]);
  return g_string_free (location, FALSE);
}

/* Forgets the ended sessions that are too old, or one too many. */
static void
prune_ended (DslWhepEndpoint * self)
{
  gint64 now = g_get_monotonic_time ();
  const gchar *oldest;

  while ((oldest = g_queue_peek_head (&self->ended_order))) {
    gint64 *when = g_hash_table_lookup (self->ended, oldest);

    if (when && now - *when < ENDED_KEEP_US
        && g_queue_get_length (&self->ended_order) <= ENDED_MAX)
      break;
    /* the queue's string is the table's key */
    g_hash_table_remove (self->ended, g_queue_pop_head (&self->ended_order));
  }
}

/* TRUE once: the DELETE of a session that ended by itself. */
static gboolean
take_ended (DslWhepEndpoint * self, const gchar * location)
{
  gpointer key = NULL;

  prune_ended (self);
  if (!g_hash_table_lookup_extended (self->ended, location, &key, NULL))
    return FALSE;
  g_queue_remove (&self->ended_order, key);
  g_hash_table_remove (self->ended, location);
  return TRUE;
}

static void
session_closed_cb (DslSignalingChannel * channel, gpointer data)
{
  DslWhepEndpoint *self = data;
  const gchar *location = dsl_whep_channel_get_location (DSL_WHEP_CHANNEL
      (channel));

  g_signal_handlers_disconnect_by_data (channel, self);
  if (!dsl_whep_channel_is_deleted (DSL_WHEP_CHANNEL (channel))) {
    gchar *key = g_strdup (location);
    gint64 *when = g_new (gint64, 1);

    *when = g_get_monotonic_time ();
    g_hash_table_insert (self->ended, key, when);
    g_queue_push_tail (&self->ended_order, key);
    prune_ended (self);
  }
  /* drops the table's reference */
  g_hash_table_remove (self->sessions, location);
}

/* ------------------------------------------------------------------ */
/* The endpoint: POST an offer */

static void
post_offer (DslWhepEndpoint * self, SoupServerMessage * msg,
    const gchar * path, const gchar * ws_path, GHashTable * query)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = NULL;
  g_autofree gchar *error = NULL;
  g_autofree gchar *location = NULL;
  GstSDPMessage *offer = NULL;
  DslSignalingChannel *channel;
  guint status;

  /* the Origin passed already (see admit): the token, or the listener */
  if ((status = dsl_access_check_upgrade (self->access, msg, ws_path, query))
      != SOUP_STATUS_NONE) {
    dsl_metrics_count_refused (status == SOUP_STATUS_UNAUTHORIZED ?
        DSL_REFUSED_TOKEN : DSL_REFUSED_ORIGIN);
    if (status == SOUP_STATUS_UNAUTHORIZED)
      soup_message_headers_replace (soup_server_message_get_response_headers
          (msg), "WWW-Authenticate", "Bearer");
    refuse (msg, path, status, status == SOUP_STATUS_UNAUTHORIZED ?
        "A viewer token is needed: Authorization: Bearer TOKEN." :
        "Pages of this origin may not connect here.");
    return;
  }
  if (!has_content_type (msg, SDP_TYPE)) {
    refuse (msg, path, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        "The offer must be " SDP_TYPE ".");
    return;
  }
  bytes = soup_message_body_flatten (body);
  if (!dsl_sdp_offer_parse (g_bytes_get_data (bytes, NULL),
          g_bytes_get_size (bytes), &offer, &error)) {
    refuse (msg, path, g_bytes_get_size (bytes) > DSL_SDP_OFFER_MAX_SIZE ?
        SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE : SOUP_STATUS_BAD_REQUEST, error);
    return;
  }
  if (!dsl_sdp_offer_wants_video (offer, &error)) {
    gst_sdp_message_free (offer);
    refuse (msg, path, SOUP_STATUS_UNPROCESSABLE_ENTITY, error);
    return;
  }

  location = new_location ();
  channel = dsl_whep_channel_new (msg, offer, ws_path, location);
  g_hash_table_insert (self->sessions, g_strdup (location), channel);
  g_signal_connect (channel, "closed", G_CALLBACK (session_closed_cb), self);
  GST_INFO ("WHEP offer on %s from %s: session %s", path,
      soup_server_message_get_remote_host (msg), location);
  g_object_ref (channel);
  if (!self->take_viewer (msg, channel, self->data))
    dsl_signaling_channel_close (channel, DSL_CLOSE_TRY_AGAIN_LATER,
        "No viewer can be served now: try again later.");
  g_object_unref (channel);
}

static void
options (SoupServerMessage * msg, const gchar * path, const gchar * allow)
{
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (out, "Allow", allow);
  if (strstr (allow, "POST"))
    soup_message_headers_replace (out, "Accept-Post", SDP_TYPE);
  else
    soup_message_headers_replace (out, "Accept-Patch", FRAGMENT_TYPE);
  respond (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
not_allowed (SoupServerMessage * msg, const gchar * path, const gchar * allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "Allow", allow);
  refuse (msg, path, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed.");
}

/* Every WHEP request, first: a page of an origin not allowed gets 403
 * whatever it asks; one allowed gets the CORS headers with every answer
 * (a refusal too, so the page can read it). */
static gboolean
admit (DslWhepEndpoint * self, SoupServerMessage * msg, const gchar * path)
{
  if (!dsl_access_origin_allowed (self->access, msg)) {
    dsl_metrics_count_refused (DSL_REFUSED_ORIGIN);
    refuse (msg, path, SOUP_STATUS_FORBIDDEN,
        "Pages of this origin may not connect here.");
    return FALSE;
  }
  add_cors (msg, g_str_equal (soup_server_message_get_method (msg),
          "OPTIONS"));
  return TRUE;
}

/* The WebSocket path of a served WHEP endpoint path, or NULL. */
static gchar *
served_path (DslWhepEndpoint * self, const gchar * path)
{
  gchar *ws_path = dsl_websocket_path_from_whep (path);

  if (ws_path && !dsl_websocket_paths_contains (self->paths, ws_path))
    g_clear_pointer (&ws_path, g_free);
  return ws_path;
}

/* A body over DSL_SDP_OFFER_MAX_SIZE gets 413 without being kept: up to
 * DRAIN_MAX it is read and thrown away, so a client that sends it all
 * gets its answer; beyond, the input budget closes the connection. */
static void
refuse_body (DslWhepEndpoint * self, SoupServerMessage * msg)
{
  soup_message_body_set_accumulate (soup_server_message_get_request_body
      (msg), FALSE);
  dsl_connection_guard_allow_input (self->guard, msg, DRAIN_MAX);
  refuse (msg, g_uri_get_path (soup_server_message_get_uri (msg)),
      SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "The request body is too large.");
}

/* A chunked body: counted as it comes. */
static void
got_chunk_cb (SoupServerMessage * msg, GBytes * chunk, gpointer data)
{
  DslWhepEndpoint *self = data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  DSL_CONTEXT_SCOPE;
  if (soup_server_message_get_status (msg) == SOUP_STATUS_NONE
      && body->length > DSL_SDP_OFFER_MAX_SIZE) {
    g_signal_handlers_disconnect_by_data (msg, self);
    refuse_body (self, msg);
  }
}

/* Before the body: a length announced larger than any real offer gets
 * 413 at once; a chunked body is watched. */
static void
endpoint_early_cb (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  DslWhepEndpoint *self = data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);

  DSL_CONTEXT_SCOPE;
  if (!admit (self, msg, path))
    return;
  switch (soup_message_headers_get_encoding (in)) {
    case SOUP_ENCODING_CONTENT_LENGTH:
      if (soup_message_headers_get_content_length (in) > DSL_SDP_OFFER_MAX_SIZE)
        refuse_body (self, msg);
      break;
    case SOUP_ENCODING_CHUNKED:
      g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self);
      break;
    default:
      break;
  }
}

static void
endpoint_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  DslWhepEndpoint *self = data;
  const gchar *method = soup_server_message_get_method (msg);
  g_autofree gchar *ws_path = NULL;

  DSL_CONTEXT_SCOPE;
  /* admitted already in the early handler (a refusal there ends it) */
  if (!(ws_path = served_path (self, path))) {
    refuse (msg, path, SOUP_STATUS_NOT_FOUND, "No such WHEP endpoint.");
  } else if (g_str_equal (method, "OPTIONS")) {
    options (msg, path, "POST, OPTIONS");
  } else if (g_str_equal (method, "POST")) {
    post_offer (self, msg, path, ws_path, query);
  } else {
    not_allowed (msg, path, "POST, OPTIONS");
  }
}

/* ------------------------------------------------------------------ */
/* The session resources: PATCH, DELETE */

static void
resource_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  DslWhepEndpoint *self = data;
  const gchar *method = soup_server_message_get_method (msg);
  DslWhepChannel *channel;

  DSL_CONTEXT_SCOPE;
  if (!(channel = g_hash_table_lookup (self->sessions, path))) {
    /* a player leaving a session that has just ended by itself */
    if (g_str_equal (method, "DELETE") && take_ended (self, path))
      respond (msg, SOUP_STATUS_OK, NULL);
    else
      refuse (msg, path, SOUP_STATUS_NOT_FOUND, "No such WHEP session.");
    return;
  }
  if (g_str_equal (method, "OPTIONS")) {
    options (msg, path, "PATCH, DELETE, OPTIONS");
    return;
  }
  if (g_str_equal (method, "PATCH")) {
    g_autoptr (GBytes) bytes = NULL;
    g_autofree gchar *reason = NULL;
    guint status;

    if (!has_content_type (msg, FRAGMENT_TYPE)) {
      refuse (msg, path, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
          "A PATCH must be " FRAGMENT_TYPE ".");
      return;
    }
    bytes = soup_message_body_flatten (soup_server_message_get_request_body
        (msg));
    g_object_ref (channel);
    status = dsl_whep_channel_patch (channel, g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes), &reason);
    g_object_unref (channel);
    if (status == SOUP_STATUS_NO_CONTENT)
      respond (msg, status, NULL);
    else
      refuse (msg, path, status, reason);
  } else if (g_str_equal (method, "DELETE")) {
    g_object_ref (channel);
    dsl_whep_channel_delete (channel);
    g_object_unref (channel);
    respond (msg, SOUP_STATUS_OK, NULL);
  } else {
    not_allowed (msg, path, "PATCH, DELETE, OPTIONS");
  }
}

DslWhepEndpoint *
dsl_whep_endpoint_new (SoupServer * soup, DslWebsocketPaths * paths,
    DslAccess * access, DslConnectionGuard * guard,
    DslWhepViewerFunc take_viewer, gpointer data)
{
  DslWhepEndpoint *self = g_new0 (DslWhepEndpoint, 1);

  self->paths = paths;
  self->access = access;
  self->guard = guard;
  self->take_viewer = take_viewer;
  self->data = data;
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_object_unref);
  self->ended = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  g_queue_init (&self->ended_order);
  soup_server_add_early_handler (soup, DSL_WHEP_PATH, endpoint_early_cb, self,
      NULL);
  soup_server_add_early_handler (soup, DSL_WHEP_RESOURCE_PATH,
      endpoint_early_cb, self, NULL);
  soup_server_add_handler (soup, DSL_WHEP_PATH, endpoint_cb, self, NULL);
  soup_server_add_handler (soup, DSL_WHEP_RESOURCE_PATH, resource_cb, self,
      NULL);
  return self;
}

guint
dsl_whep_endpoint_get_sessions (DslWhepEndpoint * self)
{
  return g_hash_table_size (self->sessions);
}
