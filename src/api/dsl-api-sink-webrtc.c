/* dsl-api-sink-webrtc.c - the dsl_sink_webrtc_*() and dsl_sink_encode_*()
 * services. */
#include "api/dsl-api.h"

#include <string.h>
#include "sink/dsl-webrtc-sink.h"
#include "sink/dsl-webrtc-session.h"

/* Finds the named WebRTC Sink or returns the failure from the service. */
#define DSL_API_WEBRTC_SINK(var, name)                                     \
  DslWebrtcSink *var = NULL;                                                \
  {                                                                         \
    DslReturnType found = dsl_webrtc_sink_find (name, &var);                \
    if (found != DSL_RESULT_SUCCESS)                                        \
      return found;                                                         \
  }

/* The Encode Sink services: a component of another type is refused with
 * DSL_RESULT_SINK_COMPONENT_IS_NOT_ENCODE_SINK, as in DSL. */
#define DSL_API_ENCODE_SINK(var, name)                                     \
  DslWebrtcSink *var = NULL;                                                \
  {                                                                         \
    DslReturnType found = dsl_webrtc_sink_find (name, &var);                \
    if (found == DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE)                 \
      return DSL_RESULT_SINK_COMPONENT_IS_NOT_ENCODE_SINK;                  \
    if (found != DSL_RESULT_SUCCESS)                                        \
      return found;                                                         \
  }

DslReturnType
dsl_sink_webrtc_new (const wchar_t * name, const wchar_t * stun_server,
    const wchar_t * turn_server, uint encoder, uint bitrate,
    uint iframe_interval)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_OPTIONAL_STRING (stun, stun_server);
  DSL_API_OPTIONAL_STRING (turn, turn_server);
  return dsl_webrtc_sink_create (n, stun, turn, encoder, bitrate,
      iframe_interval);
}

DslReturnType
dsl_sink_webrtc_connection_close (const wchar_t * name)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_WEBRTC_SINK (sink, n);
  return dsl_webrtc_sink_close_connection (sink);
}

DslReturnType
dsl_sink_webrtc_servers_get (const wchar_t * name,
    const wchar_t ** stun_server, const wchar_t ** turn_server)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (stun_server);
  DSL_API_REQUIRE (turn_server);
  DSL_API_WEBRTC_SINK (sink, n);
  dsl_webrtc_sink_get_servers (sink, stun_server, turn_server);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_sink_webrtc_servers_set (const wchar_t * name,
    const wchar_t * stun_server, const wchar_t * turn_server)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_OPTIONAL_STRING (stun, stun_server);
  DSL_API_OPTIONAL_STRING (turn, turn_server);
  DSL_API_WEBRTC_SINK (sink, n);
  dsl_webrtc_sink_set_servers (sink, stun, turn);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_sink_webrtc_client_listener_add (const wchar_t * name,
    dsl_sink_webrtc_client_listener_cb listener, void *client_data)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (listener);
  DSL_API_WEBRTC_SINK (sink, n);
  return dsl_webrtc_sink_add_listener (sink, listener, client_data);
}

DslReturnType
dsl_sink_webrtc_client_listener_remove (const wchar_t * name,
    dsl_sink_webrtc_client_listener_cb listener)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (listener);
  DSL_API_WEBRTC_SINK (sink, n);
  return dsl_webrtc_sink_remove_listener (sink, listener);
}

DslReturnType
dsl_webrtc_ice_config_set (const wchar_t * local_addresses, uint min_port,
    uint max_port)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_OPTIONAL_STRING (addresses, local_addresses);
  return dsl_webrtc_session_set_ice_config (addresses, min_port, max_port) ?
      DSL_RESULT_SUCCESS : DSL_RESULT_INVALID_INPUT_PARAM;
}

DslReturnType
dsl_sink_encode_settings_get (const wchar_t * name, uint * encoder,
    uint * bitrate, uint * iframe_interval)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (encoder);
  DSL_API_REQUIRE (bitrate);
  DSL_API_REQUIRE (iframe_interval);
  DSL_API_ENCODE_SINK (sink, n);
  dsl_webrtc_sink_get_encode_settings (sink, encoder, bitrate,
      iframe_interval);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_sink_encode_dimensions_get (const wchar_t * name, uint * width,
    uint * height)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (width);
  DSL_API_REQUIRE (height);
  DSL_API_ENCODE_SINK (sink, n);
  dsl_webrtc_sink_get_dimensions (sink, width, height);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_sink_encode_dimensions_set (const wchar_t * name, uint width, uint height)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_ENCODE_SINK (sink, n);
  return dsl_webrtc_sink_set_dimensions (sink, width, height);
}

DslReturnType
dsl_sink_webrtc_encoder_shared_get (const wchar_t * name, boolean * shared)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (shared);
  DSL_API_WEBRTC_SINK (sink, n);
  *shared = !dsl_webrtc_sink_get_own_encoder (sink);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_sink_webrtc_encoder_shared_set (const wchar_t * name, boolean shared)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_WEBRTC_SINK (sink, n);
  return dsl_webrtc_sink_set_own_encoder (sink, !shared);
}

DslReturnType
dsl_sink_webrtc_viewer_stats_get (const wchar_t * name,
    dsl_webrtc_viewer_stats * stats)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (stats);
  DSL_API_WEBRTC_SINK (sink, n);
  if (dsl_webrtc_sink_get_viewer_stats (sink, stats) != DSL_RESULT_SUCCESS) {
    GST_CAT_ERROR (dsl_api_debug, "'%s' has no viewer", n);
    return DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_webrtc_ice_transport_policy_get (uint * policy)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (policy);
  *policy = dsl_webrtc_session_get_relay_only () ?
      DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY :
      DSL_WEBRTC_ICE_TRANSPORT_POLICY_ALL;
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_webrtc_ice_transport_policy_set (uint policy)
{
  DSL_CONTEXT_SCOPE;
  if (policy != DSL_WEBRTC_ICE_TRANSPORT_POLICY_ALL
      && policy != DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY) {
    GST_CAT_ERROR (dsl_api_debug, "invalid ICE transport policy %u", policy);
    return DSL_RESULT_INVALID_INPUT_PARAM;
  }
  dsl_webrtc_session_set_relay_only (policy ==
      DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_sink_webrtc_metadata_send (const wchar_t * name, const wchar_t * message,
    boolean stream_wide, uint * sent)
{
  g_autoptr (GBytes) bytes = NULL;
  gsize size;

  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_STRING (text, message);
  DSL_API_WEBRTC_SINK (sink, n);
  size = strlen (text);
  if (size > DSL_WEBRTC_METADATA_MAX_SIZE) {
    GST_CAT_ERROR (dsl_api_debug, "a %" G_GSIZE_FORMAT "-byte message: at most %d", size,
        DSL_WEBRTC_METADATA_MAX_SIZE);
    return DSL_RESULT_INVALID_INPUT_PARAM;
  }
  bytes = g_bytes_new (text, size);
  return dsl_webrtc_sink_send_metadata (sink, bytes, TRUE, stream_wide,
      sent);
}

DslReturnType
dsl_sink_webrtc_metadata_data_send (const wchar_t * name,
    const uint8_t * data, uint size, boolean stream_wide, uint * sent)
{
  g_autoptr (GBytes) bytes = NULL;

  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (n, name);
  DSL_API_REQUIRE (data);
  DSL_API_WEBRTC_SINK (sink, n);
  if (size == 0 || size > DSL_WEBRTC_METADATA_MAX_SIZE) {
    GST_CAT_ERROR (dsl_api_debug, "a %u-byte message: 1 to %d", size,
        DSL_WEBRTC_METADATA_MAX_SIZE);
    return DSL_RESULT_INVALID_INPUT_PARAM;
  }
  bytes = g_bytes_new (data, size);
  return dsl_webrtc_sink_send_metadata (sink, bytes, FALSE, stream_wide,
      sent);
}
