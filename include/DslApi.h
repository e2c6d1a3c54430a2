/*
 * DslApi.h - public C API of dsl-webrtc.
 *
 * The subset of the DeepStream Services Library (DSL) API that gives a
 * GStreamer pipeline a live view in web browsers over WebRTC: the WebSocket
 * Server, the WebRTC Sink, Pipelines, and the Sources and Sinks they need.
 * Names, types and values are DSL's, so DSL client code compiles unchanged.
 * Services that DSL does not have are marked "extension".
 *
 * Conventions (as in DSL):
 *  - every service returns a DslReturnType; DSL_RESULT_SUCCESS is 0;
 *  - strings are wchar_t* (UTF-32 on Linux) in both directions; strings the
 *    library returns are owned by the library;
 *  - every service may be called from any thread, and from inside any
 *    listener callback;
 *  - every callback runs on the thread of the main loop (the thread that
 *    iterates GLib's default main context, normally dsl_main_loop_run()).
 */
#ifndef _DSL_API_H
#define _DSL_API_H

#include <stdint.h>
#include <wchar.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Only the services declared here are exported from libdsl.so. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define DSL_FALSE                                                   0
#define DSL_TRUE                                                    1

#define DSL_RESULT_SUCCESS                                          0x00000000
#define DSL_RESULT_FAILURE                                          0x00000001
#define DSL_RESULT_API_NOT_IMPLEMENTED                              0x00000002
#define DSL_RESULT_API_NOT_SUPPORTED                                0x00000003
#define DSL_RESULT_API_NOT_ENABLED                                  0x00000004
#define DSL_RESULT_INVALID_INPUT_PARAM                              0x00000005
#define DSL_RESULT_THREW_EXCEPTION                                  0x00000006
#define DSL_RESULT_INVALID_RESULT_CODE                              UINT32_MAX

/* Component API return values */
#define DSL_RESULT_COMPONENT_RESULT                                 0x00010000
#define DSL_RESULT_COMPONENT_NAME_NOT_UNIQUE                        0x00010001
#define DSL_RESULT_COMPONENT_NAME_NOT_FOUND                         0x00010002
#define DSL_RESULT_COMPONENT_NAME_BAD_FORMAT                        0x00010003
#define DSL_RESULT_COMPONENT_THREW_EXCEPTION                        0x00010004
#define DSL_RESULT_COMPONENT_IN_USE                                 0x00010005
#define DSL_RESULT_COMPONENT_NOT_USED_BY_PIPELINE                   0x00010006
#define DSL_RESULT_COMPONENT_NOT_USED_BY_BRANCH                     0x00010007
#define DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE                   0x00010008

/* Source API return values */
#define DSL_RESULT_SOURCE_RESULT                                    0x00020000
#define DSL_RESULT_SOURCE_NAME_NOT_UNIQUE                           0x00020001
#define DSL_RESULT_SOURCE_NAME_NOT_FOUND                            0x00020002
#define DSL_RESULT_SOURCE_NAME_BAD_FORMAT                           0x00020003
#define DSL_RESULT_SOURCE_NOT_FOUND                                 0x00020004
#define DSL_RESULT_SOURCE_THREW_EXCEPTION                           0x00020005
#define DSL_RESULT_SOURCE_FILE_NOT_FOUND                            0x00020006
#define DSL_RESULT_SOURCE_SET_FAILED                                0x00020015

/* Sink API return values */
#define DSL_RESULT_SINK_RESULT                                      0x00040000
#define DSL_RESULT_SINK_NAME_NOT_UNIQUE                             0x00040001
#define DSL_RESULT_SINK_NAME_NOT_FOUND                              0x00040002
#define DSL_RESULT_SINK_NAME_BAD_FORMAT                             0x00040003
#define DSL_RESULT_SINK_THREW_EXCEPTION                             0x00040004
#define DSL_RESULT_SINK_IS_IN_USE                                   0x00040007
#define DSL_RESULT_SINK_GET_FAILED                                  0x00040008
#define DSL_RESULT_SINK_SET_FAILED                                  0x00040009
#define DSL_RESULT_SINK_ENCODER_VALUE_INVALID                       0x0004000A
#define DSL_RESULT_SINK_COMPONENT_IS_NOT_SINK                       0x0004000C
#define DSL_RESULT_SINK_COMPONENT_IS_NOT_ENCODE_SINK                0x0004000D
#define DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_ADD_FAILED           0x00040018
#define DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_REMOVE_FAILED        0x00040019
#define DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED             0x0004001A

/* Pipeline API return values */
#define DSL_RESULT_PIPELINE_RESULT                                  0x00080000
#define DSL_RESULT_PIPELINE_NAME_NOT_UNIQUE                         0x00080001
#define DSL_RESULT_PIPELINE_NAME_NOT_FOUND                          0x00080002
#define DSL_RESULT_PIPELINE_NAME_BAD_FORMAT                         0x00080003
#define DSL_RESULT_PIPELINE_STATE_PAUSED                            0x00080004
#define DSL_RESULT_PIPELINE_STATE_RUNNING                           0x00080005
#define DSL_RESULT_PIPELINE_THREW_EXCEPTION                         0x00080006
#define DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED                    0x00080007
#define DSL_RESULT_PIPELINE_COMPONENT_REMOVE_FAILED                 0x00080008
#define DSL_RESULT_PIPELINE_CALLBACK_ADD_FAILED                     0x0008000E
#define DSL_RESULT_PIPELINE_CALLBACK_REMOVE_FAILED                  0x0008000F
#define DSL_RESULT_PIPELINE_FAILED_TO_PLAY                          0x00080010
#define DSL_RESULT_PIPELINE_FAILED_TO_PAUSE                         0x00080011
#define DSL_RESULT_PIPELINE_FAILED_TO_STOP                          0x00080012
#define DSL_RESULT_PIPELINE_GET_FAILED                              0x00080013
#define DSL_RESULT_PIPELINE_SET_FAILED                              0x00080014

/* Websocket Server Manager API return values */
#define DSL_RESULT_WEBSOCKET_SERVER_RESULT                          0x00700000
#define DSL_RESULT_WEBSOCKET_SERVER_THREW_EXCEPTION                 0x00700001
#define DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED                      0x00700002
#define DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_ADD_FAILED      0x00700003
#define DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED   0x00700004
/* extension: values chosen far from DSL's own range */
#define DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE             0x00701000
#define DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID         0x00701001

/* Encoders, shared by all Encode Sinks */
#define DSL_ENCODER_HW_H264                                         0
#define DSL_ENCODER_HW_H265                                         1
#define DSL_ENCODER_SW_H264                                         2
#define DSL_ENCODER_SW_H265                                         3
#define DSL_ENCODER_SW_MPEG4                                        4
/* extension: values chosen far from DSL's own range */
#define DSL_ENCODER_SW_VP8                                          0x00001000
#define DSL_ENCODER_SW_VP9                                          0x00001001

/* Pipeline states: these match GstState */
#define DSL_STATE_NULL                                              1
#define DSL_STATE_READY                                             2
#define DSL_STATE_PAUSED                                            3
#define DSL_STATE_PLAYING                                           4
#define DSL_STATE_CHANGE_ASYNC                                      5
#define DSL_STATE_UNKNOWN                                           UINT32_MAX

/**
 * Websocket Port number for the WebSocket Server.
 * If 0 is given to dsl_websocket_server_listening_start, the Server picks an
 * unused port, and dsl_websocket_server_listening_state_get reports it.
 */
#define DSL_WEBSOCKET_SERVER_DEFAULT_WEBSOCKET_PORT                 60001

#define DSL_SOCKET_CONNECTION_STATE_CLOSED                          0
#define DSL_SOCKET_CONNECTION_STATE_INITIATED                       1
#define DSL_SOCKET_CONNECTION_STATE_FAILED                          2

typedef uint DslReturnType;
typedef uint boolean;

typedef struct _dsl_webrtc_connection_data
{
    uint current_state;   /* one of DSL_SOCKET_CONNECTION_STATE_* */
} dsl_webrtc_connection_data;

typedef void (*dsl_state_change_listener_cb)(uint prev_state,
    uint curr_state, void* client_data);

typedef void (*dsl_eos_listener_cb)(void* client_data);

typedef void (*dsl_websocket_server_client_listener_cb)(const wchar_t* path,
    void* client_data);

typedef void (*dsl_sink_webrtc_client_listener_cb)(dsl_webrtc_connection_data* info,
    void* client_data);

/**
 * extension: decides whether a client may come in. Called on the main-loop
 * thread for every WebSocket upgrade, before any client listener, and for
 * every plain HTTP request. path: the request path; token: the viewer
 * token found (for an upgrade: ?token= first, then a Sec-WebSocket-Protocol
 * entry "dsl-token.TOKEN", then an "Authorization: Bearer TOKEN" header;
 * for HTTP: ?token=, the header, or the cookie a page request with a valid
 * ?token= got), or NULL; origin: the Origin header, or NULL;
 * remote_address: the client's IP address. Return DSL_TRUE to let it in;
 * a refused upgrade or request gets HTTP 401.
 */
typedef boolean (*dsl_websocket_server_authorize_cb)(const wchar_t* path,
    const wchar_t* token, const wchar_t* origin, const wchar_t* remote_address,
    void* client_data);

/* ------------------------------------------------------------------------
 * Pipeline
 * --------------------------------------------------------------------- */
DslReturnType dsl_pipeline_new(const wchar_t* name);
DslReturnType dsl_pipeline_new_many(const wchar_t** names);
DslReturnType dsl_pipeline_new_component_add_many(const wchar_t* name,
    const wchar_t** components);
DslReturnType dsl_pipeline_component_add(const wchar_t* name,
    const wchar_t* component);
DslReturnType dsl_pipeline_component_add_many(const wchar_t* name,
    const wchar_t** components);
DslReturnType dsl_pipeline_component_remove(const wchar_t* name,
    const wchar_t* component);
DslReturnType dsl_pipeline_component_remove_many(const wchar_t* name,
    const wchar_t** components);
DslReturnType dsl_pipeline_play(const wchar_t* name);
DslReturnType dsl_pipeline_pause(const wchar_t* name);
DslReturnType dsl_pipeline_stop(const wchar_t* name);
DslReturnType dsl_pipeline_state_get(const wchar_t* name, uint* state);
DslReturnType dsl_pipeline_delete(const wchar_t* name);
DslReturnType dsl_pipeline_delete_many(const wchar_t** names);
DslReturnType dsl_pipeline_delete_all();
uint dsl_pipeline_list_size();
DslReturnType dsl_pipeline_state_change_listener_add(const wchar_t* name,
    dsl_state_change_listener_cb listener, void* client_data);
DslReturnType dsl_pipeline_state_change_listener_remove(const wchar_t* name,
    dsl_state_change_listener_cb listener);
DslReturnType dsl_pipeline_eos_listener_add(const wchar_t* name,
    dsl_eos_listener_cb listener, void* client_data);
DslReturnType dsl_pipeline_eos_listener_remove(const wchar_t* name,
    dsl_eos_listener_cb listener);

/* ------------------------------------------------------------------------
 * Component
 * --------------------------------------------------------------------- */
DslReturnType dsl_component_delete(const wchar_t* name);
DslReturnType dsl_component_delete_many(const wchar_t** names);
DslReturnType dsl_component_delete_all();
uint dsl_component_list_size();

/* ------------------------------------------------------------------------
 * Sources
 * --------------------------------------------------------------------- */
DslReturnType dsl_source_file_new(const wchar_t* name,
    const wchar_t* file_path, boolean repeat_enabled);
DslReturnType dsl_source_uri_new(const wchar_t* name, const wchar_t* uri,
    boolean is_live, uint skip_frames, uint drop_frame_interval);
DslReturnType dsl_source_v4l2_new(const wchar_t* name,
    const wchar_t* device_location);

/**
 * extension: a live test pattern (SMPTE bars with a moving element) of the
 * given size and frame rate, with an optional wall-clock overlay.
 */
DslReturnType dsl_source_test_pattern_new(const wchar_t* name,
    uint width, uint height, uint fps_n, uint fps_d, boolean clock_enabled);

/**
 * extension: writes the capture time of every frame of a test pattern
 * source as a pixel code in its top-left band (40 blocks of width/40 px:
 * bits 31..0 of the wall-clock milliseconds mod 2^32, then an 8-bit XOR of
 * its bytes; white 1, black 0), so a viewer can measure glass-to-glass
 * latency from the decoded picture (docs/benchmarks.md).
 */
DslReturnType dsl_source_test_pattern_timecode_enabled_set(const wchar_t* name,
    boolean enabled);

/* ------------------------------------------------------------------------
 * Sinks
 * --------------------------------------------------------------------- */
DslReturnType dsl_sink_fake_new(const wchar_t* name);

DslReturnType dsl_sink_webrtc_new(const wchar_t* name, const wchar_t* stun_server,
    const wchar_t* turn_server, uint encoder, uint bitrate, uint iframe_interval);
DslReturnType dsl_sink_webrtc_connection_close(const wchar_t* name);
DslReturnType dsl_sink_webrtc_servers_get(const wchar_t* name,
    const wchar_t** stun_server, const wchar_t** turn_server);
DslReturnType dsl_sink_webrtc_servers_set(const wchar_t* name,
    const wchar_t* stun_server, const wchar_t* turn_server);
DslReturnType dsl_sink_webrtc_client_listener_add(const wchar_t* name,
    dsl_sink_webrtc_client_listener_cb listener, void* client_data);
DslReturnType dsl_sink_webrtc_client_listener_remove(const wchar_t* name,
    dsl_sink_webrtc_client_listener_cb listener);

/**
 * extension: ICE configuration for every WebRTC connection created after the
 * call. local_addresses is a comma-separated list of local IP addresses that
 * host candidates are restricted to (NULL or empty: all interfaces);
 * min_port..max_port restricts the UDP ports (0, 0: any port).
 * The environment variable DSL_WEBRTC_ICE_ADDRESSES gives the initial list.
 */
DslReturnType dsl_webrtc_ice_config_set(const wchar_t* local_addresses,
    uint min_port, uint max_port);

/**
 * extension: which candidates every new connection may use: ALL (the
 * default), or RELAY only (through the sink's TURN server; the viewer's
 * page is told to do the same). A connection that cannot connect reports
 * FAILED, with the reason in the log.
 */
#define DSL_WEBRTC_ICE_TRANSPORT_POLICY_ALL                         0
#define DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY                       1
DslReturnType dsl_webrtc_ice_transport_policy_get(uint* policy);
DslReturnType dsl_webrtc_ice_transport_policy_set(uint policy);

DslReturnType dsl_sink_encode_settings_get(const wchar_t* name,
    uint* encoder, uint* bitrate, uint* iframe_interval);
DslReturnType dsl_sink_encode_dimensions_get(const wchar_t* name,
    uint* width, uint* height);
DslReturnType dsl_sink_encode_dimensions_set(const wchar_t* name,
    uint width, uint height);

/**
 * extension: what a WebRTC Sink's viewer gets, from its WebRTC endpoint's
 * statistics (refreshed every second off the main loop).
 */
#define DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN                           0
#define DSL_WEBRTC_CANDIDATE_TYPE_HOST                              1
#define DSL_WEBRTC_CANDIDATE_TYPE_SRFLX                             2
#define DSL_WEBRTC_CANDIDATE_TYPE_PRFLX                             3
#define DSL_WEBRTC_CANDIDATE_TYPE_RELAY                             4

typedef struct _dsl_webrtc_viewer_stats
{
    uint connected;               /* 1 once the peer connection is up */
    uint64_t bytes_sent;          /* RTP payload and headers */
    uint64_t packets_sent;
    uint64_t packets_lost;        /* as the viewer reports (RTCP) */
    uint64_t packets_retransmitted;
    uint nack_count;              /* NACKs from the viewer (webrtcbin's count) */
    uint key_frame_requests;      /* the viewer's PLI and FIR */
    double bitrate;               /* bit/s over the last second */
    double round_trip_time;       /* seconds, -1 if not known yet */
    uint local_candidate_type;    /* DSL_WEBRTC_CANDIDATE_TYPE_*, ours */
    uint remote_candidate_type;   /* the viewer's */
} dsl_webrtc_viewer_stats;

/**
 * extension: the latest statistics of the sink's viewer.
 * DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED when it has none.
 */
DslReturnType dsl_sink_webrtc_viewer_stats_get(const wchar_t* name,
    dsl_webrtc_viewer_stats* stats);

/**
 * extension: metadata to viewers (detections to draw, events), on a data
 * channel every viewer gets in its first offer ("dsl-metadata"). The
 * message goes to the sink's viewer, or with stream_wide to every viewer
 * of every sink sharing its encoder. Never waits: a viewer whose channel
 * is not open yet, or holds more than 256 KiB unsent, misses it. sent
 * (may be NULL) receives how many viewers it went to. At most 65536 bytes
 * (DSL_RESULT_INVALID_INPUT_PARAM beyond). The built-in page draws
 * {"boxes":[{"x":..,"y":..,"w":..,"h":..,"label":".."}]} (video pixels)
 * over the video and lists other messages.
 */
#define DSL_WEBRTC_METADATA_MAX_SIZE                                65536
DslReturnType dsl_sink_webrtc_metadata_send(const wchar_t* name,
    const wchar_t* message, boolean stream_wide, uint* sent);
DslReturnType dsl_sink_webrtc_metadata_data_send(const wchar_t* name,
    const uint8_t* data, uint size, boolean stream_wide, uint* sent);

/**
 * extension: whether a WebRTC Sink shares its encoder. By default (TRUE)
 * the WebRTC Sinks of one Pipeline with the same encode settings (encoder,
 * bitrate, iframe interval, dimensions) run one encoder between them, and
 * every viewer gets the same pictures; FALSE gives the sink an encoder of
 * its own (e.g. for a viewer on a slow link with a lower bitrate).
 * Refused (DSL_RESULT_SINK_SET_FAILED) while a viewer is connected.
 */
DslReturnType dsl_sink_webrtc_encoder_shared_get(const wchar_t* name,
    boolean* shared);
DslReturnType dsl_sink_webrtc_encoder_shared_set(const wchar_t* name,
    boolean shared);

/* ------------------------------------------------------------------------
 * WebSocket Server
 *
 * extension: the server also serves WHEP (draft-ietf-wish-whep) on the
 * same port, with no service to call: POST /whep for the path "/ws", and
 * POST /whep/NAME for a path "/ws/NAME" added here. A WHEP viewer is a
 * connection like any other: the client listeners get its WebSocket path,
 * it goes to the first available WebRTC Sink, whose listeners see
 * INITIATED and CLOSED, and the Origin allow-list and the token (as
 * "Authorization: Bearer TOKEN") apply. See docs/whep.md.
 * --------------------------------------------------------------------- */
DslReturnType dsl_websocket_server_path_add(const wchar_t* path);
DslReturnType dsl_websocket_server_listening_start(uint port_number);
DslReturnType dsl_websocket_server_listening_stop();
DslReturnType dsl_websocket_server_listening_state_get(boolean* is_listening,
    uint* port_number);
DslReturnType dsl_websocket_server_client_listener_add(
    dsl_websocket_server_client_listener_cb listener, void* client_data);
DslReturnType dsl_websocket_server_client_listener_remove(
    dsl_websocket_server_client_listener_cb listener);

/**
 * extension: the local address the next dsl_websocket_server_listening_start
 * binds, for example L"127.0.0.1" or L"::1". NULL or L"" binds all
 * interfaces (the default). Refused with DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED
 * while listening or for a string that is not an IP address.
 */
DslReturnType dsl_websocket_server_bind_address_set(const wchar_t* address);

/**
 * extension: what the server answers to plain HTTP GET requests outside its
 * WebSocket paths. NULL: the built-in viewer page at "/" (the default);
 * L"": nothing (404); a folder: files are served from that folder, never
 * from outside it. Refused while listening.
 */
DslReturnType dsl_websocket_server_http_root_set(const wchar_t* folder);

/**
 * extension: dead-peer detection for every WebSocket. The server sends a
 * ping every interval_s seconds; a WebSocket on which nothing arrives for
 * timeout_s seconds, or whose peer stops reading what the server sends, is
 * closed with 1001 and its sink reports CLOSED. Defaults: 5 and 20 (a
 * frozen viewer is gone within 30 s). Needs 1 <= interval_s < timeout_s;
 * takes effect at once, also on open WebSockets.
 */
DslReturnType dsl_websocket_server_keepalive_set(uint interval_s,
    uint timeout_s);
DslReturnType dsl_websocket_server_keepalive_get(uint* interval_s,
    uint* timeout_s);

/**
 * extension: how long a client may take. header_timeout_s: from connecting,
 * or from the first byte of a later request, until the whole request has
 * arrived, WebSocket upgrades included (default 10). idle_timeout_s: how long
 * a plain HTTP connection may stay open without a request, or take to read
 * an answer (default 30). Both at least 1; take effect at once.
 */
DslReturnType dsl_websocket_server_timeouts_set(uint header_timeout_s,
    uint idle_timeout_s);
DslReturnType dsl_websocket_server_timeouts_get(uint* header_timeout_s,
    uint* idle_timeout_s);

/**
 * extension: how many connections at once. max_pending: connections that
 * are not WebSockets (HTTP requests, upgrades under way, idle keep-alive
 * connections); one more closes the oldest of them (default 256).
 * max_websockets: open WebSockets; an upgrade beyond it gets HTTP 503
 * (default 512). Both at least 1; apply to connections that come next.
 */
DslReturnType dsl_websocket_server_connection_limits_set(uint max_pending,
    uint max_websockets);
DslReturnType dsl_websocket_server_connection_limits_get(uint* max_pending,
    uint* max_websockets);

/**
 * extension: TLS. With a certificate, the server serves only https:// and
 * wss:// on its port, from the next connection on (also while listening,
 * so a renewed certificate can be put in place). cert_file: PEM, the
 * certificate and any intermediates; key_file: its PEM private key. Both
 * NULL: plain HTTP again. The certificate must be within its validity
 * period and the key must match it (checked by a TLS handshake with
 * itself); otherwise nothing changes. Needs glib-networking.
 * Returns DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE (a file missing
 * or unreadable), DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID (not
 * PEM, no or a mismatched key, expired, no TLS support), or
 * DSL_RESULT_INVALID_INPUT_PARAM (only one of the two is NULL).
 */
DslReturnType dsl_websocket_server_tls_set(const wchar_t* cert_file,
    const wchar_t* key_file);

/**
 * extension: the same with a GTlsCertificate* (with its private key) made
 * by the caller, for C programs; NULL: plain HTTP. The server takes a
 * reference.
 */
DslReturnType dsl_websocket_server_tls_certificate_set(void* certificate);

/**
 * extension: the Origin allow-list for WebSocket upgrades. origin: exactly
 * scheme://host[:port] as a browser sends it (http or https), "null" for
 * pages opened from disk, or "self" for the server's own pages (an Origin
 * equal to the request's own scheme and Host). With a list, an upgrade
 * from another origin gets HTTP 403 before anything is made and no client
 * listener is called; with none (the default, as DSL), every origin may
 * connect, and the server logs so when it starts. Returns
 * DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED for a malformed origin.
 */
DslReturnType dsl_websocket_server_origin_add(const wchar_t* origin);
DslReturnType dsl_websocket_server_origins_clear();

/**
 * extension: whether an upgrade without an Origin header (a client that is
 * not a browser) is refused while an allow-list is set. Default DSL_FALSE:
 * let in.
 */
DslReturnType dsl_websocket_server_origin_required_set(boolean required);

/**
 * extension: a static viewer token. Once set, every WebSocket upgrade and
 * every HTTP request must carry it (see dsl_websocket_server_authorize_cb
 * for where), else HTTP 401; it is compared in constant time and never
 * logged. NULL: none (the default). L"" is refused with
 * DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED.
 */
DslReturnType dsl_websocket_server_token_set(const wchar_t* token);

/**
 * extension: the authorization listener (one; NULL removes it). With a
 * static token as well, both must let a client in.
 */
DslReturnType dsl_websocket_server_authorize_listener_set(
    dsl_websocket_server_authorize_cb listener, void* client_data);

/**
 * extension: whether the server answers GET /metrics with its figures in
 * the Prometheus text exposition format 0.0.4 (viewers by WebSocket path,
 * bytes and packets sent, losses, key frames, encoders running,
 * connections refused by reason; docs/api-ws-server.md#metrics), under the
 * token rules of every plain HTTP request. Default DSL_FALSE: /metrics is
 * then a path like any other. May be changed at any time, listening or not.
 */
DslReturnType dsl_websocket_server_metrics_enabled_set(boolean enabled);
DslReturnType dsl_websocket_server_metrics_enabled_get(boolean* enabled);

/* ------------------------------------------------------------------------
 * General services
 * --------------------------------------------------------------------- */
void dsl_main_loop_run();
void dsl_main_loop_quit();
void dsl_delete_all();
const wchar_t* dsl_return_value_to_string(uint result);
const wchar_t* dsl_state_value_to_string(uint state);
const wchar_t* dsl_info_version_get();

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* _DSL_API_H */
