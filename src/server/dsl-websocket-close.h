/* dsl-websocket-close.h - closing WebSockets properly. */
#ifndef DSL_WEBSOCKET_CLOSE_H
#define DSL_WEBSOCKET_CLOSE_H

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Sends a close frame with code and reason, and keeps the connection
 * alive until libsoup has finished the closing handshake. */
void dsl_websocket_close_and_release (SoupWebsocketConnection * connection,
    gushort code, const gchar * reason);

/* For the registry codes libsoup refuses to send (1012-1014): writes the
 * close frame itself. The caller then drops the connection (see
 * dsl_connection_guard_drop), so no second frame follows. */
void dsl_websocket_close_with_registry_code (SoupWebsocketConnection *
    connection, gushort code, const gchar * reason);

/* Writes a close frame straight to a server's output stream, without
 * blocking, for when libsoup cannot (see above) or is not asked. The
 * caller makes sure no other frame is half-written. */
void dsl_websocket_write_close_frame (GOutputStream * out, gushort code,
    const gchar * reason);

G_END_DECLS

#endif /* DSL_WEBSOCKET_CLOSE_H */
