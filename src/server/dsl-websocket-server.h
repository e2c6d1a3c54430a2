/* dsl-websocket-server.h - the WebSocket Server singleton (libsoup 3).
 *
 * Serves the default path "/ws" and every added path (exact match on the
 * request path), calls the client listeners for each new WebSocket, then
 * hands the connection to the first available Signaling Transceiver, or
 * closes it with 1013 when there is none.
 *
 * Every function must be called with the main context held (dsl-context.h).
 */
#ifndef DSL_WEBSOCKET_SERVER_H
#define DSL_WEBSOCKET_SERVER_H

#include "server/dsl-signaling-transceiver.h"
#include "server/dsl-connection-guard.h"
#include "server/dsl-access.h"
#include "DslApi.h"

G_BEGIN_DECLS

typedef struct _DslWebsocketServer DslWebsocketServer;

/* The singleton, created on first use. */
DslWebsocketServer *dsl_websocket_server_get (void);

/* The services: each returns a DSL_RESULT_* code. */
DslReturnType dsl_websocket_server_add_path (DslWebsocketServer * self,
    const gchar * path);
DslReturnType dsl_websocket_server_start (DslWebsocketServer * self,
    guint port);
DslReturnType dsl_websocket_server_stop (DslWebsocketServer * self);
void dsl_websocket_server_get_state (DslWebsocketServer * self,
    gboolean * is_listening, guint * port);
DslReturnType dsl_websocket_server_add_listener (DslWebsocketServer * self,
    dsl_websocket_server_client_listener_cb listener, gpointer client_data);
DslReturnType dsl_websocket_server_remove_listener (DslWebsocketServer * self,
    dsl_websocket_server_client_listener_cb listener);
DslReturnType dsl_websocket_server_set_bind_address (DslWebsocketServer * self,
    const gchar * address);
DslReturnType dsl_websocket_server_set_http_root (DslWebsocketServer * self,
    const gchar * folder);

/* The connection limits (extension services): DSL_RESULT_SUCCESS, or
 * DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED for values out of range. */
DslReturnType dsl_websocket_server_set_limits (DslWebsocketServer * self,
    const DslConnectionLimits * limits);
const DslConnectionLimits *dsl_websocket_server_get_limits (DslWebsocketServer
    * self);

/* Origins and tokens (extension services) act on this. */
DslAccess *dsl_websocket_server_get_access (DslWebsocketServer * self);

/* TLS (extension services). set_tls_files: PEM files, both NULL for
 * plain HTTP; set_tls: a caller's certificate, NULL for plain HTTP. */
DslReturnType dsl_websocket_server_set_tls_files (DslWebsocketServer * self,
    const gchar * cert_file, const gchar * key_file);
DslReturnType dsl_websocket_server_set_tls (DslWebsocketServer * self,
    GTlsCertificate * certificate);

/* Transceivers register in the order they become able to serve. The
 * server keeps no reference: a transceiver removes itself before it goes. */
void dsl_websocket_server_add_transceiver (DslWebsocketServer * self,
    DslSignalingTransceiver * transceiver);
void dsl_websocket_server_remove_transceiver (DslWebsocketServer * self,
    DslSignalingTransceiver * transceiver);

G_END_DECLS

#endif /* DSL_WEBSOCKET_SERVER_H */
