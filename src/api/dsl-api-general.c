/* dsl-api-general.c - main loop, deletion and naming services. */
#include "api/dsl-api.h"
#include "core/dsl-result.h"
#include "pipeline/dsl-component.h"
#include "pipeline/dsl-pipeline.h"

#define DSL_VERSION G_PASTE (L, DSL_VERSION_STRING)

void
dsl_main_loop_run ()
{
  dsl_context_main_loop_run ();
}

void
dsl_main_loop_quit ()
{
  dsl_context_init ();
  dsl_context_main_loop_quit ();
}

void
dsl_delete_all ()
{
  DSL_CONTEXT_SCOPE;
  dsl_pipeline_delete_all_pipelines ();
  dsl_component_delete_all_components ();
}

const wchar_t *
dsl_return_value_to_string (uint result)
{
  return dsl_result_to_wstring (result);
}

const wchar_t *
dsl_state_value_to_string (uint state)
{
  return dsl_state_to_wstring (state);
}

const wchar_t *
dsl_info_version_get ()
{
  return DSL_VERSION;
}
