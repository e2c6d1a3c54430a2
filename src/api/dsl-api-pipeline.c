/* dsl-api-pipeline.c - the dsl_pipeline_*() and dsl_component_*()
 * services. */
#include "api/dsl-api.h"
#include "pipeline/dsl-component.h"
#include "pipeline/dsl-pipeline.h"

DslReturnType
dsl_pipeline_new (const wchar_t * name)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_pipeline_create (n);
}

DslReturnType
dsl_pipeline_new_many (const wchar_t ** names)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (names);
  for (const wchar_t ** name = names; *name; name++) {
    DslReturnType result = dsl_pipeline_new (*name);

    if (result != DSL_RESULT_SUCCESS)
      return result;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_new_component_add_many (const wchar_t * name,
    const wchar_t ** components)
{
  DslReturnType result;

  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (components);
  result = dsl_pipeline_create (n);
  if (result != DSL_RESULT_SUCCESS)
    return result;
  return dsl_pipeline_component_add_many (name, components);
}

DslReturnType
dsl_pipeline_component_add (const wchar_t * name, const wchar_t * component)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_STRING (c, component);
  return dsl_pipeline_add_component (n, c);
}

DslReturnType
dsl_pipeline_component_add_many (const wchar_t * name,
    const wchar_t ** components)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (components);
  for (const wchar_t ** component = components; *component; component++) {
    DslReturnType result = dsl_pipeline_component_add (name, *component);

    if (result != DSL_RESULT_SUCCESS)
      return result;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_component_remove (const wchar_t * name,
    const wchar_t * component)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_STRING (c, component);
  return dsl_pipeline_remove_component (n, c);
}

DslReturnType
dsl_pipeline_component_remove_many (const wchar_t * name,
    const wchar_t ** components)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (components);
  for (const wchar_t ** component = components; *component; component++) {
    DslReturnType result = dsl_pipeline_component_remove (name, *component);

    if (result != DSL_RESULT_SUCCESS)
      return result;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_play (const wchar_t * name)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_pipeline_set_state_by_name (n, GST_STATE_PLAYING);
}

DslReturnType
dsl_pipeline_pause (const wchar_t * name)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_pipeline_set_state_by_name (n, GST_STATE_PAUSED);
}

DslReturnType
dsl_pipeline_stop (const wchar_t * name)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_pipeline_set_state_by_name (n, GST_STATE_NULL);
}

DslReturnType
dsl_pipeline_state_get (const wchar_t * name, uint * state)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (state);
  return dsl_pipeline_get_state_by_name (n, state);
}

DslReturnType
dsl_pipeline_delete (const wchar_t * name)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_pipeline_delete_by_name (n);
}

DslReturnType
dsl_pipeline_delete_many (const wchar_t ** names)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (names);
  for (const wchar_t ** name = names; *name; name++) {
    DslReturnType result = dsl_pipeline_delete (*name);

    if (result != DSL_RESULT_SUCCESS)
      return result;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_delete_all ()
{
  DSL_CONTEXT_SCOPE;
  return dsl_pipeline_delete_all_pipelines ();
}

uint
dsl_pipeline_list_size ()
{
  DSL_CONTEXT_SCOPE;
  return dsl_pipeline_count ();
}

DslReturnType
dsl_pipeline_state_change_listener_add (const wchar_t * name,
    dsl_state_change_listener_cb listener, void *client_data)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (listener);
  return dsl_pipeline_add_state_change_listener (n, listener, client_data);
}

DslReturnType
dsl_pipeline_state_change_listener_remove (const wchar_t * name,
    dsl_state_change_listener_cb listener)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (listener);
  return dsl_pipeline_remove_state_change_listener (n, listener);
}

DslReturnType
dsl_pipeline_eos_listener_add (const wchar_t * name,
    dsl_eos_listener_cb listener, void *client_data)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (listener);
  return dsl_pipeline_add_eos_listener (n, listener, client_data);
}

DslReturnType
dsl_pipeline_eos_listener_remove (const wchar_t * name,
    dsl_eos_listener_cb listener)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (listener);
  return dsl_pipeline_remove_eos_listener (n, listener);
}

DslReturnType
dsl_component_delete (const wchar_t * name)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_component_delete_by_name (n);
}

DslReturnType
dsl_component_delete_many (const wchar_t ** names)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (names);
  for (const wchar_t ** name = names; *name; name++) {
    DslReturnType result = dsl_component_delete (*name);

    if (result != DSL_RESULT_SUCCESS)
      return result;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_component_delete_all ()
{
  DSL_CONTEXT_SCOPE;
  return dsl_component_delete_all_components ();
}

uint
dsl_component_list_size ()
{
  DSL_CONTEXT_SCOPE;
  return dsl_component_count ();
}
