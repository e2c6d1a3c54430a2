/* fuzz-support.c */
#include "fuzz-support.h"
#include "core/dsl-context.h"

#include <string.h>

void
fuzz_init (void)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  dsl_context_init ();
}

gchar *
fuzz_string (const uint8_t * data, size_t size)
{
  const uint8_t *nul = memchr (data, 0, size);

  return g_strndup ((const gchar *) data, nul ? (gsize) (nul - data) : size);
}

gchar *
fuzz_answer_message (const gchar * text)
{
  GString *json = g_string_new ("{\"type\":\"sdp\",\"data\":{\"type\":"
      "\"answer\",\"sdp\":\"");

  /* only what JSON requires: the quote, the backslash and control
   * characters; every other byte (valid UTF-8 or not) as it is */
  for (const guchar * p = (const guchar *) text; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf (json, "\\%c", *p);
    else if (*p < 0x20)
      g_string_append_printf (json, "\\u%04x", *p);
    else
      g_string_append_c (json, (gchar) * p);
  }
  g_string_append (json, "\"}}");
  return g_string_free (json, FALSE);
}
