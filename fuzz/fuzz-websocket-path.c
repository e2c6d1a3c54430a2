/* fuzz-websocket-path.c - the WebSocket path checker and matcher. The
 * input is lines: each is checked as a path an application adds, the
 * valid ones go into a set, and each is then matched as a request path.
 *
 * Invariants: a checked path is exactly what an independent reading of
 * the rule gives (it starts with "/ws/" and a name, is at most
 * DSL_WEBSOCKET_PATH_MAX bytes, is RFC 3986 pchars and '/', its percent
 * escapes decoded, none of them %00, so no NUL inside); the set holds
 * "/ws" first, then each distinct added path once, in order; a request
 * matches exactly when it equals one of them.
 */
#include "fuzz-support.h"
#include "server/dsl-websocket-path.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

/* The rule, read again here: NULL when path is not valid. */
static gchar *
expected_check (const gchar * path)
{
  static const gchar allowed[] = "-._~!$&'()*+,;=:@/";
  g_autoptr (GString) decoded = g_string_new (NULL);

  if (strlen (path) > DSL_WEBSOCKET_PATH_MAX
      || strncmp (path, "/ws/", 4) != 0 || path[4] == '\0')
    return NULL;
  for (const gchar * p = path; *p; p++) {
    if (*p == '%') {
      gint hi = g_ascii_xdigit_value (p[1]);
      gint lo = hi < 0 ? -1 : g_ascii_xdigit_value (p[2]);

      if (lo < 0 || (hi == 0 && lo == 0))
        return NULL;
      g_string_append_c (decoded, (gchar) (hi * 16 + lo));
      p += 2;
    } else if (g_ascii_isalnum (*p) || (*p && strchr (allowed, *p))) {
      g_string_append_c (decoded, *p);
    } else {
      return NULL;
    }
  }
  return g_string_free (g_steal_pointer (&decoded), FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree gchar *text = fuzz_string (data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 64);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  DslWebsocketPaths *paths = dsl_websocket_paths_new ();
  const gchar *const *list;
  guint n = 0;

  g_ptr_array_add (added, g_strdup (DSL_WEBSOCKET_PATH_DEFAULT));
  for (gchar ** l = lines; *l; l++) {
    g_autofree gchar *checked = dsl_websocket_path_check (*l);
    g_autofree gchar *expected = expected_check (*l);
    gboolean known;

    FUZZ_CHECK (g_strcmp0 (checked, expected) == 0, "'%s' checked as '%s', "
        "expected '%s'", *l, checked ? checked : "(refused)",
        expected ? expected : "(refused)");
    if (!checked)
      continue;
    FUZZ_CHECK (g_str_has_prefix (checked, "/ws/") && checked[4] != '\0'
        && strlen (checked) <= DSL_WEBSOCKET_PATH_MAX, "'%s'", checked);
    known = g_ptr_array_find_with_equal_func (added, checked, g_str_equal,
        NULL);
    FUZZ_CHECK (dsl_websocket_paths_add (paths, checked) == !known,
        "adding '%s' twice, or not once", checked);
    FUZZ_CHECK (!dsl_websocket_paths_add (paths, checked), "added twice");
    if (!known)
      g_ptr_array_add (added, g_strdup (checked));
  }

  list = dsl_websocket_paths_list (paths);
  for (; list[n]; n++)
    FUZZ_CHECK (n < added->len && g_str_equal (list[n],
            g_ptr_array_index (added, n)), "path %u is '%s'", n, list[n]);
  FUZZ_CHECK (n == added->len, "%u paths listed, %u added", n, added->len);

  for (gchar ** l = lines; *l; l++) {
    gboolean known = g_ptr_array_find_with_equal_func (added, *l, g_str_equal,
        NULL);

    FUZZ_CHECK (dsl_websocket_paths_contains (paths, *l) == known,
        "request '%s' matched wrongly", *l);
  }
  for (guint i = 0; i < added->len; i++)
    FUZZ_CHECK (dsl_websocket_paths_contains (paths,
            g_ptr_array_index (added, i)), "lost '%s'",
        (const gchar *) g_ptr_array_index (added, i));
  dsl_websocket_paths_free (paths);
  return 0;
}
