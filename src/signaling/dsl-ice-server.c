/* dsl-ice-server.c - see dsl-ice-server.h */
#include "signaling/dsl-ice-server.h"

#include <string.h>

gboolean
dsl_ice_server_parse (const gchar * text, DslIceServer * server)
{
  g_autoptr (GUri) uri = NULL;
  g_autofree gchar *port_text = NULL, *transport = NULL;
  const gchar *scheme, *host, *query, *user, *password;
  gboolean v6;
  gint port;

  if (!text || !*text
      || !(uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD, NULL)))
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri);
  if (!host || !*host || !(g_str_equal (scheme, "stun")
          || g_str_equal (scheme, "turn") || g_str_equal (scheme, "turns")))
    return FALSE;
  v6 = strchr (host, ':') != NULL;
  port_text = port > 0 ? g_strdup_printf (":%d", port) : g_strdup ("");
  memset (server, 0, sizeof *server);
  if (g_str_equal (scheme, "stun")) {
    server->url = g_strdup_printf ("stun:%s%s%s%s", v6 ? "[" : "", host,
        v6 ? "]" : "", port_text);
    return TRUE;
  }
  query = g_uri_get_query (uri);
  if (query && g_str_has_prefix (query, "transport="))
    transport = g_strdup (query + strlen ("transport="));
  server->url = g_strdup_printf ("%s:%s%s%s%s?transport=%s", scheme,
      v6 ? "[" : "", host, v6 ? "]" : "", port_text,
      transport ? transport : (g_str_equal (scheme, "turns") ? "tcp" : "udp"));
  user = g_uri_get_user (uri);
  password = g_uri_get_password (uri);
  server->username = g_strdup (user ? user : "");
  server->credential = g_strdup (password ? password : "");
  return TRUE;
}

void
dsl_ice_server_clear (DslIceServer * server)
{
  g_clear_pointer (&server->url, g_free);
  g_clear_pointer (&server->username, g_free);
  g_clear_pointer (&server->credential, g_free);
}
