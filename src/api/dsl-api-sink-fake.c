/* dsl-api-sink-fake.c - the dsl_sink_fake_new() service. */
#include "api/dsl-api.h"
#include "pipeline/dsl-sink-fake.h"

DslReturnType
dsl_sink_fake_new (const wchar_t * name)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_sink_fake_create (n);
}
