/* dsl-component.c - component base and the registry of named components. */
#include "pipeline/dsl-component.h"
#include "pipeline/dsl-pipeline.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"

#define GST_CAT_DEFAULT dsl_pipeline_debug

/* name -> DslComponent* (one reference); insertion order kept for
 * deterministic delete_all. */
static GHashTable *registry;
static GPtrArray *registry_order;

static void
ensure_registry (void)
{
  if (!registry) {
    registry = g_hash_table_new (g_str_hash, g_str_equal);
    registry_order = g_ptr_array_new ();
  }
}

void
dsl_component_init (DslComponent * self, const DslComponentClass * klass,
    const gchar * name, GstElement * bin)
{
  self->klass = klass;
  self->ref_count = 1;
  self->name = g_strdup (name);
  self->bin = gst_object_ref_sink (bin);
  self->pipeline = NULL;
}

DslComponent *
dsl_component_ref (DslComponent * self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
dsl_component_unref (DslComponent * self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  GST_DEBUG ("finalizing %s '%s'", self->klass->type_name, self->name);
  if (self->klass->finalize)
    self->klass->finalize (self);
  gst_element_set_state (self->bin, GST_STATE_NULL);
  gst_object_unref (self->bin);
  g_free (self->name);
  g_free (self);
}

gboolean
dsl_component_name_in_use (const gchar * name)
{
  return dsl_component_find (name) != NULL;
}

void
dsl_component_register (DslComponent * self)
{
  ensure_registry ();
  g_return_if_fail (!g_hash_table_contains (registry, self->name));
  g_hash_table_insert (registry, self->name, dsl_component_ref (self));
  g_ptr_array_add (registry_order, self);
}

DslComponent *
dsl_component_find (const gchar * name)
{
  ensure_registry ();
  return g_hash_table_lookup (registry, name);
}

guint
dsl_component_count (void)
{
  ensure_registry ();
  return g_hash_table_size (registry);
}

static void
unregister (DslComponent * self)
{
  g_hash_table_remove (registry, self->name);
  g_ptr_array_remove (registry_order, self);
  dsl_component_unref (self);
}

DslReturnType
dsl_component_delete_by_name (const gchar * name)
{
  DslComponent *self = dsl_component_find (name);

  if (!self) {
    GST_ERROR ("component '%s' was not found", name);
    return DSL_RESULT_COMPONENT_NAME_NOT_FOUND;
  }
  if (self->pipeline) {
    GST_ERROR ("component '%s' is in use by pipeline '%s'", name,
        dsl_pipeline_get_name (self->pipeline));
    return DSL_RESULT_COMPONENT_IN_USE;
  }
  GST_INFO ("deleting component '%s'", name);
  unregister (self);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_component_delete_all_components (void)
{
  ensure_registry ();
  /* Components still in a pipeline are left alone, as DSL does. */
  for (guint i = registry_order->len; i > 0; i--) {
    DslComponent *self = g_ptr_array_index (registry_order, i - 1);

    if (!self->pipeline)
      unregister (self);
  }
  return DSL_RESULT_SUCCESS;
}
