/* dsl-access.c - see dsl-access.h */
#include "server/dsl-access.h"
#include "core/dsl-log.h"
#include "core/dsl-wstring.h"

#include <string.h>

#define GST_CAT_DEFAULT dsl_server_debug

struct _DslAccess
{
  GPtrArray *origins;          /* gchar*, lower case; empty: any origin */
  gboolean origin_required;
  GBytes *token_digest;        /* SHA-256 of the static token, or NULL */
  dsl_websocket_server_authorize_cb listener;
  gpointer client_data;
};

DslAccess *
dsl_access_new (void)
{
  DslAccess *self = g_new0 (DslAccess, 1);

  self->origins = g_ptr_array_new_with_free_func (g_free);
  return self;
}

/* ------------------------------------------------------------------ */
/* Origins */

/* scheme://host[:port] in lower case, without the scheme's default port
 * (browsers leave it out); NULL for anything that is not such an origin. */
static gchar *
normalize_origin (const gchar * origin)
{
  g_autoptr (GUri) uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  const gchar *scheme, *host;
  gint port;
  g_autofree gchar *normal = NULL;

  if (!uri)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri);
  if ((g_ascii_strcasecmp (scheme, "http") != 0
          && g_ascii_strcasecmp (scheme, "https") != 0)
      || !host || !*host || g_uri_get_userinfo (uri) || *g_uri_get_path (uri)
      || g_uri_get_query (uri) || g_uri_get_fragment (uri))
    return NULL;
  if (port == (g_ascii_strcasecmp (scheme, "http") == 0 ? 80 : 443))
    port = -1;
  /* GUri gives an IPv6 host without its brackets */
  normal = g_strdup_printf (strchr (host, ':') ? "%s://[%s]" : "%s://%s",
      scheme, host);
  if (port > 0) {
    gchar *with_port = g_strdup_printf ("%s:%d", normal, port);

    g_free (normal);
    normal = with_port;
  }
  return g_ascii_strdown (normal, -1);
}

gboolean
dsl_access_add_origin (DslAccess * self, const gchar * origin)
{
  g_autofree gchar *normal = NULL;

  g_return_val_if_fail (origin != NULL, FALSE);

  if (g_str_equal (origin, "null") || g_str_equal (origin, "self"))
    normal = g_strdup (origin);
  else if (!(normal = normalize_origin (origin)))
    return FALSE;
  for (guint i = 0; i < self->origins->len; i++)
    if (g_str_equal (g_ptr_array_index (self->origins, i), normal))
      return TRUE;
  g_ptr_array_add (self->origins, g_steal_pointer (&normal));
  return TRUE;
}

void
dsl_access_clear_origins (DslAccess * self)
{
  g_ptr_array_set_size (self->origins, 0);
}

void
dsl_access_set_origin_required (DslAccess * self, gboolean required)
{
  self->origin_required = required;
}

/* "self": the origin of the server's own pages, as this request names
 * the server (a browser on another site sends that site's origin). */
/* "self": the origin of the server's own pages, as this request names
 * the server (a browser on another site sends that site's origin). */
static gboolean
is_own_origin (SoupServerMessage * msg, const gchar * normal)
{
  const gchar *host = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Host");
  g_autofree gchar *own = NULL, *own_normal = NULL;

  if (!host)
    return FALSE;
  own = g_strconcat (g_uri_get_scheme (soup_server_message_get_uri (msg)),
      "://", host, NULL);
  own_normal = normalize_origin (own);
  return own_normal && g_str_equal (own_normal, normal);
}

static gboolean
origin_allowed (DslAccess * self, SoupServerMessage * msg,
    const gchar * origin)
{
  g_autofree gchar *normal = NULL;

  if (self->origins->len == 0)
    return TRUE;
  if (!origin)
    return !self->origin_required;
  normal = g_str_equal (origin, "null") ? g_strdup ("null") :
      normalize_origin (origin);
  if (!normal)
    return FALSE;
  for (guint i = 0; i < self->origins->len; i++) {
    const gchar *allowed = g_ptr_array_index (self->origins, i);

    if (g_str_equal (allowed, "self") ? is_own_origin (msg, normal) :
        g_str_equal (allowed, normal))
      return TRUE;
  }
  return FALSE;
}

gboolean
dsl_access_origin_allowed (DslAccess * self, SoupServerMessage * msg)
{
  const gchar *origin = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Origin");

  if (origin_allowed (self, msg, origin))
    return TRUE;
  GST_WARNING ("%s %s from %s refused: origin %s is not allowed",
      soup_server_message_get_method (msg),
      g_uri_get_path (soup_server_message_get_uri (msg)),
      soup_server_message_get_remote_host (msg), origin ? origin : "(none)");
  return FALSE;
}

void
dsl_access_log_policy (DslAccess * self)
{
  if (self->origins->len == 0)
    GST_WARNING ("no Origin allow-list: a page of any web site can open a "
        "WebSocket here from its visitors' browsers "
        "(dsl_websocket_server_origin_add)");
}

/* ------------------------------------------------------------------ */
/* Tokens */

static GBytes *
digest_of (const gchar * text)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) text, strlen (text));
  g_checksum_get_digest (checksum, digest, &length);
  return g_bytes_new (digest, length);
}

void
dsl_access_set_token (DslAccess * self, const gchar * token)
{
  g_clear_pointer (&self->token_digest, g_bytes_unref);
  if (token)
    self->token_digest = digest_of (token);
}

void
dsl_access_set_listener (DslAccess * self,
    dsl_websocket_server_authorize_cb listener, gpointer client_data)
{
  self->listener = listener;
  self->client_data = client_data;
}

/* Compares digests, so the time taken says nothing of the token, not
 * even its length. */
static gboolean
token_matches (DslAccess * self, const gchar * token)
{
  g_autoptr (GBytes) digest = NULL;
  const guint8 *a, *b;
  gsize length;
  guint8 difference = 0;

  if (!token)
    return FALSE;
  digest = digest_of (token);
  a = g_bytes_get_data (digest, &length);
  b = g_bytes_get_data (self->token_digest, NULL);
  for (gsize i = 0; i < length; i++)
    difference |= a[i] ^ b[i];
  return difference == 0;
}

static const gchar *
bearer_token (SoupMessageHeaders * headers)
{
  const gchar *value = soup_message_headers_get_one (headers,
      "Authorization");

  if (!value || g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return NULL;
  value += 7;
  while (*value == ' ')
    value++;
  return *value ? value : NULL;
}

/* The token of a WebSocket upgrade, in the documented order: ?token=, a
 * "dsl-token." Sec-WebSocket-Protocol entry, Authorization: Bearer. */
static gchar *
upgrade_token (SoupMessageHeaders * headers, GHashTable * query)
{
  const gchar *value = query ? g_hash_table_lookup (query, "token") : NULL;
  const gchar *protocols;
  gchar *found = NULL;

  if (value)
    return g_strdup (value);
  protocols = soup_message_headers_get_list (headers,
      "Sec-WebSocket-Protocol");
  if (protocols) {
    GSList *list = soup_header_parse_list (protocols);

    for (GSList * l = list; l && !found; l = l->next)
      if (g_str_has_prefix (l->data, DSL_ACCESS_TOKEN_PROTOCOL_PREFIX))
        found = g_strdup ((gchar *) l->data +
            strlen (DSL_ACCESS_TOKEN_PROTOCOL_PREFIX));
    soup_header_free_list (list);
    if (found)
      return found;
  }
  return g_strdup (bearer_token (headers));
}

static gchar *
cookie_token (SoupMessageHeaders * headers)
{
  const gchar *cookies = soup_message_headers_get_list (headers, "Cookie");
  GHashTable *values;
  gchar *token = NULL;

  if (!cookies)
    return NULL;
  values = soup_header_parse_semi_param_list (cookies);
  if (g_hash_table_lookup (values, DSL_ACCESS_TOKEN_COOKIE))
    token = g_uri_unescape_string (g_hash_table_lookup (values,
            DSL_ACCESS_TOKEN_COOKIE), NULL);
  soup_header_free_param_list (values);
  return token;
}

/* The static token (if set) must match and the listener (if set) must
 * say yes. Tokens are never logged. */
static gboolean
authorized (DslAccess * self, SoupServerMessage * msg, const gchar * path,
    const gchar * token)
{
  const gchar *origin;
  g_autofree wchar_t *wpath = NULL, *wtoken = NULL, *worigin = NULL,
      *wremote = NULL;

  if (self->token_digest && !token_matches (self, token))
    return FALSE;
  if (!self->listener)
    return TRUE;
  origin = soup_message_headers_get_one (soup_server_message_get_request_headers
      (msg), "Origin");
  wpath = dsl_wstring_from_utf8 (path);
  wtoken = dsl_wstring_from_utf8 (token);
  worigin = dsl_wstring_from_utf8 (origin);
  wremote = dsl_wstring_from_utf8 (soup_server_message_get_remote_host (msg));
  return self->listener (wpath, wtoken, worigin, wremote,
      self->client_data) == DSL_TRUE;
}

guint
dsl_access_check_upgrade (DslAccess * self, SoupServerMessage * msg,
    const gchar * path, GHashTable * query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const gchar *origin = soup_message_headers_get_one (headers, "Origin");
  g_autofree gchar *token = NULL;

  if (!origin_allowed (self, msg, origin)) {
    GST_WARNING ("WebSocket on %s from %s refused: origin %s is not allowed",
        path, soup_server_message_get_remote_host (msg),
        origin ? origin : "(none)");
    return SOUP_STATUS_FORBIDDEN;
  }
  if (!self->token_digest && !self->listener)
    return SOUP_STATUS_NONE;
  token = upgrade_token (headers, query);
  if (!authorized (self, msg, path, token)) {
    GST_WARNING ("WebSocket on %s from %s refused: not authorized (%s)",
        path, soup_server_message_get_remote_host (msg),
        token ? "a token that is not accepted" : "no token");
    return SOUP_STATUS_UNAUTHORIZED;
  }
  return SOUP_STATUS_NONE;
}

guint
dsl_access_check_http (DslAccess * self, SoupServerMessage * msg,
    const gchar * path, GHashTable * query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const gchar *from_query = query ? g_hash_table_lookup (query, "token") :
      NULL;
  g_autofree gchar *token = NULL;

  if (!self->token_digest && !self->listener)
    return SOUP_STATUS_NONE;
  token = g_strdup (from_query ? from_query : bearer_token (headers));
  if (!token)
    token = cookie_token (headers);
  if (!authorized (self, msg, path, token)) {
    GST_INFO ("GET %s from %s: not authorized", path,
        soup_server_message_get_remote_host (msg));
    return SOUP_STATUS_UNAUTHORIZED;
  }
  if (from_query) {
    /* the page's own files come without the query: let them in */
    g_autofree gchar *escaped = g_uri_escape_string (from_query, NULL, FALSE);
    g_autofree gchar *cookie = g_strdup_printf ("%s=%s; Path=/; HttpOnly; "
        "SameSite=Strict%s", DSL_ACCESS_TOKEN_COOKIE, escaped,
        g_str_equal (g_uri_get_scheme (soup_server_message_get_uri (msg)),
            "https") ? "; Secure" : "");

    soup_message_headers_append (soup_server_message_get_response_headers
        (msg), "Set-Cookie", cookie);
  }
  return SOUP_STATUS_NONE;
}
