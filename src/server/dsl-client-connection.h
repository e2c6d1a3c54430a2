/* dsl-client-connection.h - one client's TCP connection to the WebSocket
 * Server, metered.
 *
 * A GTcpConnection whose input and output streams count what passes, so
 * the connection guard can tell a live peer from a dead or hostile one:
 *
 *  - when the peer last sent anything, and how much it sent;
 *  - since when the peer has not been reading what we send (our writes
 *    would block);
 *  - an input budget (a token bucket: a burst, refilled at a rate): a read
 *    beyond it fails, so libsoup drops the connection instead of buffering
 *    without bound (libsoup 3.2 bounds neither headers nor the fragments of
 *    a WebSocket message).
 *
 * Everything runs on the main context, where libsoup does its I/O.
 */
#ifndef DSL_CLIENT_CONNECTION_H
#define DSL_CLIENT_CONNECTION_H

#include <gio/gio.h>

G_BEGIN_DECLS

#define DSL_TYPE_CLIENT_CONNECTION (dsl_client_connection_get_type ())
G_DECLARE_FINAL_TYPE (DslClientConnection, dsl_client_connection, DSL,
    CLIENT_CONNECTION, GTcpConnection)

/* Takes a connected socket (a reference). */
DslClientConnection *dsl_client_connection_new (GSocket * socket);

/* The input budget: up to burst bytes at once, refilled at rate bytes per
 * second. Starts full. */
void dsl_client_connection_set_budget (DslClientConnection * self,
    gsize burst, gsize rate);

/* Lets bytes more in once, beyond the budget (a request body that is
 * read only to be thrown away). */
void dsl_client_connection_add_budget (DslClientConnection * self,
    gsize bytes);

/* Once set, running out of budget first writes a WebSocket close frame
 * with this code (when no frame of libsoup's is half-written), then fails
 * the read. 0: no frame. */
void dsl_client_connection_set_close_code (DslClientConnection * self,
    gushort code);

/* Monotonic time (us) of the last byte received; the time of creation
 * before any. */
gint64 dsl_client_connection_get_last_input (DslClientConnection * self);
guint64 dsl_client_connection_get_bytes_in (DslClientConnection * self);

/* Monotonic time (us) since when a write would block without any write
 * completing since, or 0. */
gint64 dsl_client_connection_get_blocked_since (DslClientConnection * self);

gboolean dsl_client_connection_is_closed (DslClientConnection * self);

/* Shuts the socket down both ways: the reader (libsoup) sees the end of
 * the stream and closes the connection as if the peer had. */
void dsl_client_connection_abort (DslClientConnection * self);

G_END_DECLS

#endif /* DSL_CLIENT_CONNECTION_H */
