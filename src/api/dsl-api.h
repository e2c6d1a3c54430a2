/* dsl-api.h - helpers for the thin public API glue in api/. */
#ifndef DSL_API_GLUE_H
#define DSL_API_GLUE_H

#include "DslApi.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"
#include "core/dsl-wstring.h"

/* Converts a required wide-string argument; on failure logs and returns
 * DSL_RESULT_INVALID_INPUT_PARAM from the calling service. */
#define DSL_API_STRING(var, warg)                                          \
  g_autofree gchar *var = dsl_wstring_to_utf8 (warg);                       \
  if (!var) {                                                               \
    GST_CAT_ERROR (dsl_api_debug, "%s: %s is %s", G_STRFUNC, #warg,         \
        (warg) ? "not valid Unicode" : "NULL");                             \
    return DSL_RESULT_INVALID_INPUT_PARAM;                                  \
  }

/* Converts an optional wide-string argument (NULL stays NULL). */
#define DSL_API_OPTIONAL_STRING(var, warg)                                 \
  g_autofree gchar *var = dsl_wstring_to_utf8 (warg);                       \
  if ((warg) && !var) {                                                     \
    GST_CAT_ERROR (dsl_api_debug, "%s: %s is not valid Unicode",            \
        G_STRFUNC, #warg);                                                  \
    return DSL_RESULT_INVALID_INPUT_PARAM;                                  \
  }

/* Fails the calling service when a required pointer is NULL. */
#define DSL_API_REQUIRE(ptr)                                               \
  if (!(ptr)) {                                                             \
    GST_CAT_ERROR (dsl_api_debug, "%s: %s is NULL", G_STRFUNC, #ptr);       \
    return DSL_RESULT_INVALID_INPUT_PARAM;                                  \
  }

#endif /* DSL_API_GLUE_H */
