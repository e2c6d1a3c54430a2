/* dsl-signaling-transceiver.h - the WebSocket Server's only view of a
 * transceiver (the WebRTC Sink implements it; tests may implement their
 * own): something that takes viewers, one at a time, over whichever
 * signaling channel they came by.
 *
 * All functions run on the main context (see dsl-context.h).
 */
#ifndef DSL_SIGNALING_TRANSCEIVER_H
#define DSL_SIGNALING_TRANSCEIVER_H

#include "signaling/dsl-signaling-channel.h"

G_BEGIN_DECLS

typedef struct _DslSignalingTransceiver DslSignalingTransceiver;

typedef struct
{
  /* TRUE when it can take a new connection now: not connected, and ready
   * to serve (a WebRTC Sink: it belongs to a Pipeline). */
  gboolean (*is_available) (DslSignalingTransceiver * self);

  /* Takes a viewer's signaling channel (a WebSocket or a WHEP session);
   * it refs what it keeps. */
  void (*connect) (DslSignalingTransceiver * self,
      DslSignalingChannel * channel);

  /* The server stops listening: close the channel, if any, with code
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
