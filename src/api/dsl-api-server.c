/* dsl-api-server.c - the dsl_websocket_server_*() services. */
#include "api/dsl-api.h"
#include "server/dsl-websocket-server.h"
#include "server/dsl-metrics.h"
#include "sink/dsl-webrtc-session.h"

DslReturnType
dsl_websocket_server_path_add (const wchar_t * path)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (p, path);
  return dsl_websocket_server_add_path (dsl_websocket_server_get (), p);
}

DslReturnType
dsl_websocket_server_listening_start (uint port_number)
{
  DslReturnType result;

  DSL_CONTEXT_SCOPE;
  result = dsl_websocket_server_start (dsl_websocket_server_get (),
      port_number);
  /* ready for the first viewer before it comes */
  if (result == DSL_RESULT_SUCCESS)
    dsl_webrtc_session_prewarm ();
  return result;
}

DslReturnType
dsl_websocket_server_listening_stop ()
{
  DSL_CONTEXT_SCOPE;
  return dsl_websocket_server_stop (dsl_websocket_server_get ());
}

DslReturnType
dsl_websocket_server_listening_state_get (boolean * is_listening,
    uint * port_number)
{
  gboolean listening;
  guint port;

  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (is_listening);
  DSL_API_REQUIRE (port_number);
  dsl_websocket_server_get_state (dsl_websocket_server_get (), &listening,
      &port);
  *is_listening = listening ? DSL_TRUE : DSL_FALSE;
  *port_number = port;
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_client_listener_add (
    dsl_websocket_server_client_listener_cb listener, void *client_data)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (listener);
  return dsl_websocket_server_add_listener (dsl_websocket_server_get (),
      listener, client_data);
}

DslReturnType
dsl_websocket_server_client_listener_remove (
    dsl_websocket_server_client_listener_cb listener)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (listener);
  return dsl_websocket_server_remove_listener (dsl_websocket_server_get (),
      listener);
}

DslReturnType
dsl_websocket_server_bind_address_set (const wchar_t * address)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_OPTIONAL_STRING (a, address);
  return dsl_websocket_server_set_bind_address (dsl_websocket_server_get (),
      a);
}

DslReturnType
dsl_websocket_server_http_root_set (const wchar_t * folder)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_OPTIONAL_STRING (f, folder);
  return dsl_websocket_server_set_http_root (dsl_websocket_server_get (), f);
}

DslReturnType
dsl_websocket_server_tls_set (const wchar_t * cert_file,
    const wchar_t * key_file)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_OPTIONAL_STRING (cert, cert_file);
  DSL_API_OPTIONAL_STRING (key, key_file);
  if (!cert != !key) {
    GST_CAT_ERROR (dsl_api_debug, "dsl_websocket_server_tls_set: give both "
        "files, or neither");
    return DSL_RESULT_INVALID_INPUT_PARAM;
  }
  return dsl_websocket_server_set_tls_files (dsl_websocket_server_get (),
      cert, key);
}

DslReturnType
dsl_websocket_server_tls_certificate_set (void *certificate)
{
  DSL_CONTEXT_SCOPE;
  if (certificate && !G_IS_TLS_CERTIFICATE (certificate)) {
    GST_CAT_ERROR (dsl_api_debug, "dsl_websocket_server_tls_certificate_set: "
        "not a GTlsCertificate");
    return DSL_RESULT_INVALID_INPUT_PARAM;
  }
  return dsl_websocket_server_set_tls (dsl_websocket_server_get (),
      certificate);
}

DslReturnType
dsl_websocket_server_origin_add (const wchar_t * origin)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_STRING (o, origin);
  if (!dsl_access_add_origin (dsl_websocket_server_get_access
          (dsl_websocket_server_get ()), o)) {
    GST_CAT_ERROR (dsl_api_debug, "'%s' is not an origin: scheme://host[:port] "
        "(http or https), \"null\" or \"self\"", o);
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_origins_clear ()
{
  DSL_CONTEXT_SCOPE;
  dsl_access_clear_origins (dsl_websocket_server_get_access
      (dsl_websocket_server_get ()));
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_origin_required_set (boolean required)
{
  DSL_CONTEXT_SCOPE;
  dsl_access_set_origin_required (dsl_websocket_server_get_access
      (dsl_websocket_server_get ()), required != DSL_FALSE);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_token_set (const wchar_t * token)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_OPTIONAL_STRING (t, token);
  if (t && !*t) {
    GST_CAT_ERROR (dsl_api_debug, "an empty token protects nothing");
    return DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED;
  }
  dsl_access_set_token (dsl_websocket_server_get_access
      (dsl_websocket_server_get ()), t);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_authorize_listener_set (
    dsl_websocket_server_authorize_cb listener, void *client_data)
{
  DSL_CONTEXT_SCOPE;
  dsl_access_set_listener (dsl_websocket_server_get_access
      (dsl_websocket_server_get ()), listener, client_data);
  return DSL_RESULT_SUCCESS;
}

/* The three pairs below each set or get two of the connection limits,
 * named by their offsets in DslConnectionLimits. */
#define LIMIT(member) G_STRUCT_OFFSET (DslConnectionLimits, member)

static DslReturnType
set_limit_pair (glong first, glong second, uint a, uint b)
{
  DslWebsocketServer *server = dsl_websocket_server_get ();
  DslConnectionLimits limits = *dsl_websocket_server_get_limits (server);

  G_STRUCT_MEMBER (guint, &limits, first) = a;
  G_STRUCT_MEMBER (guint, &limits, second) = b;
  return dsl_websocket_server_set_limits (server, &limits);
}

static void
get_limit_pair (glong first, glong second, uint * a, uint * b)
{
  const DslConnectionLimits *limits =
      dsl_websocket_server_get_limits (dsl_websocket_server_get ());

  *a = G_STRUCT_MEMBER (guint, limits, first);
  *b = G_STRUCT_MEMBER (guint, limits, second);
}

DslReturnType
dsl_websocket_server_keepalive_set (uint interval_s, uint timeout_s)
{
  DSL_CONTEXT_SCOPE;
  return set_limit_pair (LIMIT (ping_interval_s), LIMIT (pong_timeout_s),
      interval_s, timeout_s);
}

DslReturnType
dsl_websocket_server_keepalive_get (uint * interval_s, uint * timeout_s)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (interval_s);
  DSL_API_REQUIRE (timeout_s);
  get_limit_pair (LIMIT (ping_interval_s), LIMIT (pong_timeout_s), interval_s,
      timeout_s);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_timeouts_set (uint header_timeout_s, uint idle_timeout_s)
{
  DSL_CONTEXT_SCOPE;
  return set_limit_pair (LIMIT (header_timeout_s), LIMIT (idle_timeout_s),
      header_timeout_s, idle_timeout_s);
}

DslReturnType
dsl_websocket_server_timeouts_get (uint * header_timeout_s,
    uint * idle_timeout_s)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (header_timeout_s);
  DSL_API_REQUIRE (idle_timeout_s);
  get_limit_pair (LIMIT (header_timeout_s), LIMIT (idle_timeout_s),
      header_timeout_s, idle_timeout_s);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_connection_limits_set (uint max_pending,
    uint max_websockets)
{
  DSL_CONTEXT_SCOPE;
  return set_limit_pair (LIMIT (max_pending), LIMIT (max_websockets),
      max_pending, max_websockets);
}

DslReturnType
dsl_websocket_server_connection_limits_get (uint * max_pending,
    uint * max_websockets)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (max_pending);
  DSL_API_REQUIRE (max_websockets);
  get_limit_pair (LIMIT (max_pending), LIMIT (max_websockets), max_pending,
      max_websockets);
  return DSL_RESULT_SUCCESS;
}

/* GET /metrics (extension): off by default, a service call turns it on
 * or off at any time, listening or not. */
DslReturnType
dsl_websocket_server_metrics_enabled_set (boolean enabled)
{
  DSL_CONTEXT_SCOPE;
  /* the server exists from here on, as after any other server service */
  dsl_websocket_server_get ();
  dsl_metrics_set_enabled (enabled != DSL_FALSE);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_websocket_server_metrics_enabled_get (boolean * enabled)
{
  DSL_CONTEXT_SCOPE;
  DSL_API_REQUIRE (enabled);
  *enabled = dsl_metrics_get_enabled () ? DSL_TRUE : DSL_FALSE;
  return DSL_RESULT_SUCCESS;
}
