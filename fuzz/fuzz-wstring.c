/* fuzz-wstring.c - wchar_t <-> UTF-8, both directions, on every input:
 *  - the bytes as UTF-8 (what a request path or a client string is):
 *    dsl_wstring_from_utf8 gives a wide string exactly when they are
 *    valid UTF-8, every element a Unicode scalar value, and back to UTF-8
 *    it is the same bytes;
 *  - the bytes as wchar_t elements (what an application hands the API):
 *    dsl_wstring_to_utf8 gives UTF-8 exactly when every element is a
 *    scalar value (no surrogate, nothing above U+10FFFF), and back to
 *    wchar_t it is the same elements.
 */
#include "fuzz-support.h"
#include "core/dsl-wstring.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  FUZZ_CHECK (dsl_wstring_to_utf8 (NULL) == NULL, "NULL in");
  FUZZ_CHECK (dsl_wstring_from_utf8 (NULL) == NULL, "NULL in");
  return 0;
}

static gboolean
is_scalar_value (guint32 c)
{
  return c < 0xd800 || (c > 0xdfff && c <= 0x10ffff);
}

static void
from_utf8 (const uint8_t * data, size_t size)
{
  g_autofree gchar *text = fuzz_string (data, size);
  g_autofree wchar_t *wide = dsl_wstring_from_utf8 (text);
  g_autofree gchar *back = NULL;
  gboolean valid = g_utf8_validate (text, -1, NULL);
  size_t n;

  FUZZ_CHECK ((wide != NULL) == valid, "%s UTF-8 gave %s",
      valid ? "valid" : "invalid", wide ? "a wide string" : "NULL");
  if (!wide)
    return;
  n = wcslen (wide);
  FUZZ_CHECK (n == (size_t) g_utf8_strlen (text, -1), "%zu elements", n);
  for (size_t i = 0; i < n; i++)
    FUZZ_CHECK (is_scalar_value ((guint32) wide[i]), "element %zu is %#x", i,
        (guint32) wide[i]);
  back = dsl_wstring_to_utf8 (wide);
  FUZZ_CHECK (back && strcmp (back, text) == 0, "no round trip");
}

static void
to_utf8 (const uint8_t * data, size_t size)
{
  size_t n = size / sizeof (wchar_t);
  g_autofree wchar_t *wide = g_new0 (wchar_t, n + 1);
  g_autofree gchar *text = NULL;
  g_autofree wchar_t *back = NULL;
  gboolean valid = TRUE;

  memcpy (wide, data, n * sizeof (wchar_t));
  n = wcslen (wide);
  for (size_t i = 0; i < n; i++)
    valid = valid && is_scalar_value ((guint32) wide[i]);
  text = dsl_wstring_to_utf8 (wide);
  FUZZ_CHECK ((text != NULL) == valid, "%s wide string gave %s",
      valid ? "a valid" : "an invalid", text ? "UTF-8" : "NULL");
  if (!text)
    return;
  FUZZ_CHECK (g_utf8_validate (text, -1, NULL), "invalid UTF-8 out");
  back = dsl_wstring_from_utf8 (text);
  FUZZ_CHECK (back && wcscmp (back, wide) == 0, "no round trip");
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  from_utf8 (data, size);
  to_utf8 (data, size);
  return 0;
}
