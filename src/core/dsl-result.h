/* dsl-result.h - names of result codes and states. */
#ifndef DSL_RESULT_H
#define DSL_RESULT_H

#include <glib.h>
#include <wchar.h>

G_BEGIN_DECLS

/* L"DSL_RESULT_..." for a known code, L"Invalid DSL Result CODE" otherwise.
 * Static storage. */
const wchar_t *dsl_result_to_wstring (guint result);

/* L"DSL_STATE_..." for a known state, L"Invalid DSL State" otherwise. */
const wchar_t *dsl_state_to_wstring (guint state);

G_END_DECLS

#endif /* DSL_RESULT_H */
