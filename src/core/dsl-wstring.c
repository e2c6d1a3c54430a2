/* dsl-wstring.c - wchar_t is UTF-32 on every platform we build for. */
#include "dsl-wstring.h"

G_STATIC_ASSERT (sizeof (wchar_t) == sizeof (gunichar));

gchar *
dsl_wstring_to_utf8 (const wchar_t * wstr)
{
  if (!wstr)
    return NULL;
  /* g_ucs4_to_utf8 lets surrogates through: reject them here */
  for (const wchar_t * w = wstr; *w; w++)
    if (!g_unichar_validate ((gunichar) * w))
      return NULL;
  return g_ucs4_to_utf8 ((const gunichar *) wstr, -1, NULL, NULL, NULL);
}

wchar_t *
dsl_wstring_from_utf8 (const gchar * str)
{
  /* g_utf8_to_ucs4 lets encoded surrogates and values above U+10FFFF
   * through: g_utf8_validate does not */
  if (!str || !g_utf8_validate (str, -1, NULL))
    return NULL;
  return (wchar_t *) g_utf8_to_ucs4 (str, -1, NULL, NULL, NULL);
}
