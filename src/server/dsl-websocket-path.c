/* dsl-websocket-path.c */
#include "server/dsl-websocket-path.h"

#include <string.h>

struct _DslWebsocketPaths
{
  GPtrArray *paths;            /* gchar*, decoded, NULL-terminated */
};

DslWebsocketPaths *
dsl_websocket_paths_new (void)
{
  DslWebsocketPaths *self = g_new0 (DslWebsocketPaths, 1);

  self->paths = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  g_ptr_array_add (self->paths, g_strdup (DSL_WEBSOCKET_PATH_DEFAULT));
  return self;
}

void
dsl_websocket_paths_free (DslWebsocketPaths * self)
{
  g_ptr_array_unref (self->paths);
  g_free (self);
}

/* RFC 3986 pchar plus "/": unreserved, sub-delims, ":", "@", and
 * percent-encoded octets. */
static gboolean
is_uri_path (const gchar * path)
{
  static const gchar allowed[] = "-._~!$&'()*+,;=:@/";

  for (const gchar * p = path; *p; p++) {
    if (g_ascii_isalnum (*p) || strchr (allowed, *p))
      continue;
    if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2])) {
      p += 2;
      continue;
    }
    return FALSE;
  }
  return TRUE;
}

gchar *
dsl_websocket_path_check (const gchar * path)
{
  g_return_val_if_fail (path != NULL, NULL);

  if (strlen (path) > DSL_WEBSOCKET_PATH_MAX
      || !g_str_has_prefix (path, "/ws/") || path[4] == '\0'
      || !is_uri_path (path))
    return NULL;
  /* NULL for an encoded NUL ("%00") or, with "" as illegal characters,
   * nothing else: every other octet is a valid path byte */
  return g_uri_unescape_string (path, NULL);
}

gboolean
dsl_websocket_paths_contains (DslWebsocketPaths * self,
    const gchar * request_path)
{
  g_return_val_if_fail (request_path != NULL, FALSE);

  for (guint i = 0; i < self->paths->len; i++)
    if (g_str_equal (g_ptr_array_index (self->paths, i), request_path))
      return TRUE;
  return FALSE;
}

gchar *
dsl_websocket_path_from_whep (const gchar * whep_path)
{
  g_return_val_if_fail (whep_path != NULL, NULL);

  if (g_str_equal (whep_path, DSL_WHEP_PATH))
    return g_strdup (DSL_WEBSOCKET_PATH_DEFAULT);
  if (g_str_has_prefix (whep_path, DSL_WHEP_PATH "/")
      && whep_path[strlen (DSL_WHEP_PATH "/")])
    return g_strconcat (DSL_WEBSOCKET_PATH_DEFAULT "/",
        whep_path + strlen (DSL_WHEP_PATH "/"), NULL);
  return NULL;
}

gboolean
dsl_websocket_paths_add (DslWebsocketPaths * self, const gchar * decoded)
{
  g_return_val_if_fail (decoded != NULL, FALSE);

  if (dsl_websocket_paths_contains (self, decoded))
    return FALSE;
  g_ptr_array_add (self->paths, g_strdup (decoded));
  return TRUE;
}

const gchar *const *
dsl_websocket_paths_list (DslWebsocketPaths * self)
{
  return (const gchar * const *) self->paths->pdata;
}
