/* dsl-signaling-transceiver.h - the WebSocket Server's only view of a
 * transceiver (the WebRTC Sink implements it; tests may implement their own).
 *
 * All functions run on the main context (see dsl-context.h).
 */
#ifndef DSL_SIGNALING_TRANSCEIVER_H
#define DSL_SIGNALING_TRANSCEIVER_H

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _DslSignalingTransceiver DslSignalingTransceiver;

typedef struct
{
  /* TRUE when it can take a new connection now: not connected, and ready
   * to serve (a WebRTC Sink: it belongs to a Pipeline). */
  gboolean (*is_available) (DslSignalingTransceiver * self);

  /* Takes the connection; it refs what it keeps. path is the request path. */
  void (*connect) (DslSignalingTransceiver * self,
      SoupWebsocketConnection * connection, const gchar * path);

  /* The server stops listening: close the connection, if any, with code
   * and reason, and notify the client listeners. */
  void (*disconnect) (DslSignalingTransceiver * self, gushort code,
      const gchar * reason);
} DslSignalingTransceiverInterface;

struct _DslSignalingTransceiver
{
  const DslSignalingTransceiverInterface *iface;
};

G_END_DECLS

#endif /* DSL_SIGNALING_TRANSCEIVER_H */
