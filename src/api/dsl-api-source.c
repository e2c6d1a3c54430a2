/* dsl-api-source.c - the dsl_source_*() services. */
#include "api/dsl-api.h"
#include "pipeline/dsl-source.h"

DslReturnType
dsl_source_file_new (const wchar_t * name, const wchar_t * file_path,
    boolean repeat_enabled)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_STRING (path, file_path);
  return dsl_source_file_create (n, path, repeat_enabled ? TRUE : FALSE);
}

DslReturnType
dsl_source_uri_new (const wchar_t * name, const wchar_t * uri,
    boolean is_live, uint skip_frames, uint drop_frame_interval)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_STRING (u, uri);
  return dsl_source_uri_create (n, u, is_live ? TRUE : FALSE, skip_frames,
      drop_frame_interval);
}

DslReturnType
dsl_source_v4l2_new (const wchar_t * name, const wchar_t * device_location)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_STRING (device, device_location);
  return dsl_source_v4l2_create (n, device);
}

DslReturnType
dsl_source_test_pattern_new (const wchar_t * name, uint width, uint height,
    uint fps_n, uint fps_d, boolean clock_enabled)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_source_test_pattern_create (n, width, height, fps_n, fps_d,
      clock_enabled ? TRUE : FALSE);
}

DslReturnType
dsl_source_test_pattern_timecode_enabled_set (const wchar_t * name,
    boolean enabled)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  return dsl_source_test_pattern_set_timecode (n, enabled ? TRUE : FALSE);
}
