/* dsl-error-scope.h - errors that belong to one part of a pipeline.
 *
 * An ERROR message on a Pipeline's bus stops the Pipeline. An element
 * marked here (a viewer's webrtcbin) takes the errors of everything inside
 * it instead: when its peer leaves, its SCTP and DTLS elements post errors
 * that concern that viewer alone.
 *
 * Main context only.
 */
#ifndef DSL_ERROR_SCOPE_H
#define DSL_ERROR_SCOPE_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* Called with the error message; the pipeline plays on. */
typedef void (*DslErrorScopeFunc) (GstMessage * message, gpointer user_data);

/* Errors from element or inside it go to func(user_data) until
 * dsl_error_scope_clear. user_data must stay valid until then. */
void dsl_error_scope_set (GstElement * element, DslErrorScopeFunc func,
    gpointer user_data);
void dsl_error_scope_clear (GstElement * element);

/* TRUE when message came from inside a marked element, whose function
 * has now been called with it. */
gboolean dsl_error_scope_claim (GstMessage * message);

G_END_DECLS

#endif /* DSL_ERROR_SCOPE_H */
