/* dsl-websocket-channel.h - a viewer's signaling over its WebSocket, in
 * DSL's JSON protocol (dsl-signaling-message.h): we send the offer and
 * our candidates; the viewer answers and trickles. A malformed message
 * gets an error message, a binary frame too; a message over
 * DSL_SIGNALING_MAX_MESSAGE closes with 1009, and more than
 * DSL_SIGNALING_MAX_ERRORS errors with 1008.
 */
#ifndef DSL_WEBSOCKET_CHANNEL_H
#define DSL_WEBSOCKET_CHANNEL_H

#include <libsoup/soup.h>
#include "signaling/dsl-signaling-channel.h"

G_BEGIN_DECLS

#define DSL_TYPE_WEBSOCKET_CHANNEL (dsl_websocket_channel_get_type ())
G_DECLARE_FINAL_TYPE (DslWebsocketChannel, dsl_websocket_channel, DSL,
    WEBSOCKET_CHANNEL, DslSignalingChannel)

/* Takes a reference to connection, upgraded on path. A connection closed
 * already makes a closed channel. */
DslSignalingChannel *dsl_websocket_channel_new (SoupWebsocketConnection *
    connection, const gchar * path);

G_END_DECLS

#endif /* DSL_WEBSOCKET_CHANNEL_H */
