/* fuzz-support.h - what the libFuzzer harnesses share. */
#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

G_BEGIN_DECLS

/* libFuzzer's entry points */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* An invariant of the code under test: a failure aborts, and libFuzzer
 * keeps the input as a crash. */
#define FUZZ_CHECK(cond, ...) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) { \
      fprintf (stderr, "%s:%d: invariant failed: %s: ", __FILE__, \
          __LINE__, #cond); \
      fprintf (stderr, __VA_ARGS__); \
      fputc ('\n', stderr); \
      abort (); \
    } \
  } G_STMT_END

/* GStreamer and the debug categories, once; criticals abort (a
 * g_return_if_fail reached from network bytes is a bug). */
void fuzz_init (void);

/* The input as a C string, cut at its first NUL (a decoded request path
 * or a JSON string holds none). g_free. */
gchar *fuzz_string (const uint8_t * data, size_t size);

/* The full client message {"type":"sdp","data":{"type":"answer",
 * "sdp":TEXT}}, TEXT escaped so that json-glib gives back exactly the
 * bytes of text (cut at its first NUL). g_free. */
gchar *fuzz_answer_message (const gchar * text);

G_END_DECLS

#endif /* FUZZ_SUPPORT_H */
