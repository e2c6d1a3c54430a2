/* dsl-error-scope.c */
#include "core/dsl-error-scope.h"

typedef struct
{
  DslErrorScopeFunc func;
  gpointer user_data;
} Scope;

static GQuark
scope_quark (void)
{
  static GQuark quark;

  if (!quark)
    quark = g_quark_from_static_string ("dsl-error-scope");
  return quark;
}

void
dsl_error_scope_set (GstElement * element, DslErrorScopeFunc func,
    gpointer user_data)
{
  Scope *scope = g_new0 (Scope, 1);

  g_return_if_fail (GST_IS_ELEMENT (element) && func != NULL);
  scope->func = func;
  scope->user_data = user_data;
  g_object_set_qdata_full (G_OBJECT (element), scope_quark (), scope, g_free);
}

void
dsl_error_scope_clear (GstElement * element)
{
  g_return_if_fail (GST_IS_ELEMENT (element));
  g_object_set_qdata (G_OBJECT (element), scope_quark (), NULL);
}

gboolean
dsl_error_scope_claim (GstMessage * message)
{
  GstObject *object = GST_MESSAGE_SRC (message);
  gboolean claimed = FALSE;

  g_return_val_if_fail (GST_IS_MESSAGE (message), FALSE);
  if (object)
    gst_object_ref (object);
  while (object && !claimed) {
    Scope *scope = g_object_get_qdata (G_OBJECT (object), scope_quark ());
    GstObject *parent;

    if (scope) {
      scope->func (message, scope->user_data);
      claimed = TRUE;
    }
    parent = gst_object_get_parent (object);
    gst_object_unref (object);
    object = parent;
  }
  if (object)
    gst_object_unref (object);
  return claimed;
}
