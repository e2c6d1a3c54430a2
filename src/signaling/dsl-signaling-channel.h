/* dsl-signaling-channel.h - how one viewer's signaling reaches its session,
 * whatever carries it.
 *
 * A channel is one viewer's signaling: a WebSocket speaking DSL's JSON
 * protocol (dsl-websocket-channel.h: we offer, the viewer answers and
 * trickles), or a WHEP session resource (dsl-whep-channel.h: the viewer
 * offers over HTTP, we answer with every candidate, it trickles with
 * PATCH). The server makes the channel and hands it to a transceiver; the
 * transceiver's session drives it through the functions below and hears
 * the viewer through the DslSignalingChannelHandler it attaches.
 *
 * Reference-counted (a GObject); every function runs on the main context,
 * and so do the handler's callbacks and the "closed" signal.
 */
#ifndef DSL_SIGNALING_CHANNEL_H
#define DSL_SIGNALING_CHANNEL_H

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

#define DSL_TYPE_SIGNALING_CHANNEL (dsl_signaling_channel_get_type ())
G_DECLARE_DERIVABLE_TYPE (DslSignalingChannel, dsl_signaling_channel, DSL,
    SIGNALING_CHANNEL, GObject)

/* Why a channel ends: WebSocket close codes (RFC 6455), which a WHEP
 * channel turns into HTTP statuses while its offer is unanswered. */
#define DSL_CLOSE_NORMAL          1000
#define DSL_CLOSE_GOING_AWAY      1001
#define DSL_CLOSE_UNSUPPORTED_DATA 1003
#define DSL_CLOSE_POLICY_VIOLATION 1008
#define DSL_CLOSE_MESSAGE_TOO_BIG 1009
#define DSL_CLOSE_INTERNAL_ERROR  1011
#define DSL_CLOSE_TRY_AGAIN_LATER 1013

/* What the viewer is told about ICE with our description. */
typedef struct
{
  const gchar *stun_server;    /* webrtcbin's URI, or NULL */
  const gchar *turn_server;    /* webrtcbin's URI, or NULL */
  gboolean relay_only;
} DslIceServers;

/* Why a viewer's message was refused (DSL_SIGNALING_ERROR): a WebSocket
 * channel answers with an error message, a WHEP one with an HTTP status. */
#define DSL_SIGNALING_ERROR (dsl_signaling_error_quark ())
GQuark dsl_signaling_error_quark (void);
typedef enum
{
  DSL_SIGNALING_ERROR_INVALID,      /* malformed, or not now */
  DSL_SIGNALING_ERROR_LIMIT,        /* one too many */
} DslSignalingError;

/* The session's side: what the viewer says. */
typedef struct
{
  /* The viewer's answer to our offer (sdp is the handler's). */
  gboolean (*answer) (GstSDPMessage * sdp, gpointer data, GError ** error);
  /* A remote ICE candidate ("" ends them). */
  gboolean (*candidate) (guint mline, const gchar * candidate, gpointer data,
      GError ** error);
  /* The viewer left (closed its WebSocket, deleted its resource). */
  void (*closed) (gpointer data);
} DslSignalingChannelHandler;

struct _DslSignalingChannelClass
{
  GObjectClass parent_class;

  void (*send_description) (DslSignalingChannel * self,
      const gchar * type, const GstSDPMessage * sdp,
      const DslIceServers * servers);
  void (*send_candidate) (DslSignalingChannel * self, guint mline,
      const gchar * candidate);
  void (*send_error) (DslSignalingChannel * self, const gchar * message);
  void (*close) (DslSignalingChannel * self, gushort code,
      const gchar * reason);
  /* TRUE while the viewer may still hear from us. */
  gboolean (*is_open) (DslSignalingChannel * self);
};

/* The WebSocket path the viewer came for ("/ws", "/ws/NAME"). */
const gchar *dsl_signaling_channel_get_path (DslSignalingChannel * self);

/* The viewer's offer, when it offers (WHEP), or NULL: we offer (DSL's
 * protocol). */
const GstSDPMessage *dsl_signaling_channel_get_remote_offer
    (DslSignalingChannel * self);

/* TRUE when the channel carries our candidates one by one (trickle);
 * FALSE: they must all be in our description (WHEP). */
gboolean dsl_signaling_channel_can_trickle (DslSignalingChannel * self);

/* The session attaches (handler is static; data must outlive the
 * attachment) and detaches before it goes. */
void dsl_signaling_channel_attach (DslSignalingChannel * self,
    const DslSignalingChannelHandler * handler, gpointer data);
void dsl_signaling_channel_detach (DslSignalingChannel * self);

/* Our offer or answer ("offer", "answer"), with what the viewer needs to
 * know of our ICE servers. */
void dsl_signaling_channel_send_description (DslSignalingChannel * self,
    const gchar * type, const GstSDPMessage * sdp,
    const DslIceServers * servers);
/* One of our candidates: dropped by a channel that cannot trickle. */
void dsl_signaling_channel_send_candidate (DslSignalingChannel * self,
    guint mline, const gchar * candidate);
/* A message the session refused, told to the viewer where the channel
 * has a way to (DSL's JSON "error" extension). */
void dsl_signaling_channel_send_error (DslSignalingChannel * self,
    const gchar * message);
/* Ends the channel with a WebSocket close code (above) and reason; once.
 * Emits "closed", then tells the session if it is still attached (the
 * session detaches before it closes the channel itself). code 0: the
 * viewer left already. */
void dsl_signaling_channel_close (DslSignalingChannel * self, gushort code,
    const gchar * reason);
gboolean dsl_signaling_channel_is_open (DslSignalingChannel * self);

/* For implementations: construct-time data, and what the viewer said. */
void dsl_signaling_channel_set_path (DslSignalingChannel * self,
    const gchar * path);
void dsl_signaling_channel_set_remote_offer (DslSignalingChannel * self,
    GstSDPMessage * offer);
void dsl_signaling_channel_set_can_trickle (DslSignalingChannel * self,
    gboolean can_trickle);
gboolean dsl_signaling_channel_receive_answer (DslSignalingChannel * self,
    GstSDPMessage * sdp, GError ** error);
gboolean dsl_signaling_channel_receive_candidate (DslSignalingChannel * self,
    guint mline, const gchar * candidate, GError ** error);
/* The viewer went: tells the session, then emits "closed". */
void dsl_signaling_channel_peer_closed (DslSignalingChannel * self);

G_END_DECLS

#endif /* DSL_SIGNALING_CHANNEL_H */
