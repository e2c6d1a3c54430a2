/* dsl-wstring.h - wchar_t (UTF-32 on Linux) <-> UTF-8 conversion. */
#ifndef DSL_WSTRING_H
#define DSL_WSTRING_H

#include <glib.h>
#include <wchar.h>

G_BEGIN_DECLS

/* Converts a NUL-terminated wide string to newly allocated UTF-8.
 * Returns NULL when wstr is NULL or is not valid Unicode (a surrogate, a
 * value above U+10FFFF). */
gchar *dsl_wstring_to_utf8 (const wchar_t *wstr);

/* Converts UTF-8 to a newly allocated wide string (g_free it). NULL in,
 * NULL out; invalid UTF-8 gives NULL. */
wchar_t *dsl_wstring_from_utf8 (const gchar *str);

G_END_DECLS

#endif /* DSL_WSTRING_H */
