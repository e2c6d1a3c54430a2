/* dsl-connection-guard.h - accepts the WebSocket Server's connections and
 * keeps every client within bounds.
 *
 * The guard owns the listening sockets and accepts on them itself (libsoup
 * would spin on EMFILE and knows no limits), wraps each connection in a
 * DslClientConnection and hands it to libsoup. Then, once a second, it
 * looks at every client:
 *
 *   not a WebSocket  the request must arrive within header_timeout_s (from
 *                    connecting, or from the first byte of a later request);
 *                    an answer must be read, and an idle keep-alive
 *                    connection must ask again, within idle_timeout_s;
 *                    at most max_pending at once: one more closes the oldest
 *   WebSocket        pinged every ping_interval_s; one that sends nothing
 *                    for pong_timeout_s, or reads nothing we send for that
 *                    long, is closed with 1001; at most max_websockets
 *                    (an upgrade beyond gets HTTP 503)
 *
 * Running out of file descriptors pauses accepting for a moment (logged
 * once, no spinning) and closes the oldest pending connection.
 *
 * Every function runs with the main context held.
 */
#ifndef DSL_CONNECTION_GUARD_H
#define DSL_CONNECTION_GUARD_H

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  guint ping_interval_s;
  guint pong_timeout_s;
  guint header_timeout_s;
  guint idle_timeout_s;
  guint max_pending;
  guint max_websockets;
} DslConnectionLimits;

#define DSL_CONNECTION_LIMITS_DEFAULT { 5, 20, 10, 30, 256, 512 }

/* What one client may send: a burst, then a rate (bytes per second).
 * A real viewer sends a few KiB in all. */
#define DSL_HTTP_INPUT_BURST (64 * 1024)
#define DSL_HTTP_INPUT_RATE (16 * 1024)
#define DSL_WEBSOCKET_INPUT_BURST (1024 * 1024)
#define DSL_WEBSOCKET_INPUT_RATE (64 * 1024)

typedef struct _DslConnectionGuard DslConnectionGuard;

DslConnectionGuard *dsl_connection_guard_new (SoupServer * soup);

/* Limits apply at once (timeouts, the ping interval of open WebSockets)
 * or to the connections that come next (the caps). */
void dsl_connection_guard_set_limits (DslConnectionGuard * self,
    const DslConnectionLimits * limits);
const DslConnectionLimits *dsl_connection_guard_get_limits (DslConnectionGuard
    * self);

/* Starts accepting on a bound, listening socket. */
void dsl_connection_guard_listen (DslConnectionGuard * self, GSocket * socket);

/* Stops accepting, closes the listening sockets and every connection that
 * is not a WebSocket (WebSockets belong to their transceivers). */
void dsl_connection_guard_stop (DslConnectionGuard * self);

/* With a certificate, every connection accepted from now on speaks TLS
 * (https, wss) and nothing else; NULL: plain HTTP. */
void dsl_connection_guard_set_certificate (DslConnectionGuard * self,
    GTlsCertificate * certificate);

/* For a request on a WebSocket path: FALSE when max_websockets are open. */
gboolean dsl_connection_guard_may_upgrade (DslConnectionGuard * self);

/* msg's connection became websocket: watch it as one. */
void dsl_connection_guard_upgraded (DslConnectionGuard * self,
    SoupServerMessage * msg, SoupWebsocketConnection * websocket);

/* msg's connection may send bytes more than its input budget, once (a
 * body read only to be thrown away, so that it gets an answer). */
void dsl_connection_guard_allow_input (DslConnectionGuard * self,
    SoupServerMessage * msg, gsize bytes);

/* The connections that are not WebSockets yet, and the open WebSockets
 * (for metrics). */
void dsl_connection_guard_get_counts (DslConnectionGuard * self,
    guint * pending, guint * websockets);

/* Ends msg's connection now, without a word more (libsoup then sees the
 * end of the stream, and a WebSocket on it reports closed). */
void dsl_connection_guard_drop (DslConnectionGuard * self,
    SoupServerMessage * msg);

G_END_DECLS

#endif /* DSL_CONNECTION_GUARD_H */
