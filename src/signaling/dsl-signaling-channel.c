/* dsl-signaling-channel.c - see dsl-signaling-channel.h */
#include "signaling/dsl-signaling-channel.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"

#define GST_CAT_DEFAULT dsl_server_debug

typedef struct
{
  gchar *path;
  GstSDPMessage *remote_offer;
  gboolean can_trickle;
  gboolean closed;
  const DslSignalingChannelHandler *handler;
  gpointer handler_data;
} DslSignalingChannelPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (DslSignalingChannel,
    dsl_signaling_channel, G_TYPE_OBJECT)

enum
{
  SIGNAL_CLOSED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_QUARK (dsl-signaling-error-quark, dsl_signaling_error)

#define PRIV(self) ((DslSignalingChannelPrivate *) \
    dsl_signaling_channel_get_instance_private (self))

static void
dsl_signaling_channel_finalize (GObject * object)
{
  DslSignalingChannelPrivate *priv = PRIV (DSL_SIGNALING_CHANNEL (object));

  g_free (priv->path);
  g_clear_pointer (&priv->remote_offer, gst_sdp_message_free);
  G_OBJECT_CLASS (dsl_signaling_channel_parent_class)->finalize (object);
}

static void
dsl_signaling_channel_class_init (DslSignalingChannelClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = dsl_signaling_channel_finalize;
  /* once, when the channel ends, whoever ended it (main context) */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dsl_signaling_channel_init (DslSignalingChannel * self)
{
  PRIV (self)->can_trickle = TRUE;
}

const gchar *
dsl_signaling_channel_get_path (DslSignalingChannel * self)
{
  g_return_val_if_fail (DSL_IS_SIGNALING_CHANNEL (self), NULL);
  return PRIV (self)->path;
}

const GstSDPMessage *
dsl_signaling_channel_get_remote_offer (DslSignalingChannel * self)
{
  g_return_val_if_fail (DSL_IS_SIGNALING_CHANNEL (self), NULL);
  return PRIV (self)->remote_offer;
}

gboolean
dsl_signaling_channel_can_trickle (DslSignalingChannel * self)
{
  g_return_val_if_fail (DSL_IS_SIGNALING_CHANNEL (self), FALSE);
  return PRIV (self)->can_trickle;
}

void
dsl_signaling_channel_attach (DslSignalingChannel * self,
    const DslSignalingChannelHandler * handler, gpointer data)
{
  g_return_if_fail (DSL_IS_SIGNALING_CHANNEL (self) && handler != NULL);
  g_return_if_fail (dsl_context_is_held ());
  PRIV (self)->handler = handler;
  PRIV (self)->handler_data = data;
}

void
dsl_signaling_channel_detach (DslSignalingChannel * self)
{
  g_return_if_fail (DSL_IS_SIGNALING_CHANNEL (self));
  PRIV (self)->handler = NULL;
  PRIV (self)->handler_data = NULL;
}

gboolean
dsl_signaling_channel_is_open (DslSignalingChannel * self)
{
  g_return_val_if_fail (DSL_IS_SIGNALING_CHANNEL (self), FALSE);
  return !PRIV (self)->closed
      && DSL_SIGNALING_CHANNEL_GET_CLASS (self)->is_open (self);
}

void
dsl_signaling_channel_send_description (DslSignalingChannel * self,
    const gchar * type, const GstSDPMessage * sdp,
    const DslIceServers * servers)
{
  g_return_if_fail (DSL_IS_SIGNALING_CHANNEL (self) && type && sdp
      && servers);
  if (PRIV (self)->closed)
    return;
  DSL_SIGNALING_CHANNEL_GET_CLASS (self)->send_description (self, type, sdp,
      servers);
}

void
dsl_signaling_channel_send_candidate (DslSignalingChannel * self,
    guint mline, const gchar * candidate)
{
  g_return_if_fail (DSL_IS_SIGNALING_CHANNEL (self) && candidate);
  if (PRIV (self)->closed || !PRIV (self)->can_trickle)
    return;
  DSL_SIGNALING_CHANNEL_GET_CLASS (self)->send_candidate (self, mline,
      candidate);
}

void
dsl_signaling_channel_send_error (DslSignalingChannel * self,
    const gchar * message)
{
  g_return_if_fail (DSL_IS_SIGNALING_CHANNEL (self) && message);
  if (PRIV (self)->closed)
    return;
  DSL_SIGNALING_CHANNEL_GET_CLASS (self)->send_error (self, message);
}

static void
mark_closed (DslSignalingChannel * self)
{
  PRIV (self)->closed = TRUE;
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

void
dsl_signaling_channel_close (DslSignalingChannel * self, gushort code,
    const gchar * reason)
{
  g_return_if_fail (DSL_IS_SIGNALING_CHANNEL (self));
  if (PRIV (self)->closed)
    return;
  g_object_ref (self);
  DSL_SIGNALING_CHANNEL_GET_CLASS (self)->close (self, code, reason);
  mark_closed (self);
  /* the channel ended it (a message too big, too many errors): the
   * session, still attached, learns of it like of a viewer that left */
  if (PRIV (self)->handler)
    PRIV (self)->handler->closed (PRIV (self)->handler_data);
  g_object_unref (self);
}

void
dsl_signaling_channel_set_path (DslSignalingChannel * self, const gchar * path)
{
  g_free (PRIV (self)->path);
  PRIV (self)->path = g_strdup (path);
}

void
dsl_signaling_channel_set_remote_offer (DslSignalingChannel * self,
    GstSDPMessage * offer)
{
  g_clear_pointer (&PRIV (self)->remote_offer, gst_sdp_message_free);
  PRIV (self)->remote_offer = offer;
}

void
dsl_signaling_channel_set_can_trickle (DslSignalingChannel * self,
    gboolean can_trickle)
{
  PRIV (self)->can_trickle = can_trickle;
}

gboolean
dsl_signaling_channel_receive_answer (DslSignalingChannel * self,
    GstSDPMessage * sdp, GError ** error)
{
  DslSignalingChannelPrivate *priv = PRIV (self);

  if (priv->closed || !priv->handler) {
    gst_sdp_message_free (sdp);
    g_set_error_literal (error, DSL_SIGNALING_ERROR,
        DSL_SIGNALING_ERROR_INVALID, "nobody is waiting for an answer");
    return FALSE;
  }
  return priv->handler->answer (sdp, priv->handler_data, error);
}

gboolean
dsl_signaling_channel_receive_candidate (DslSignalingChannel * self,
    guint mline, const gchar * candidate, GError ** error)
{
  DslSignalingChannelPrivate *priv = PRIV (self);

  if (priv->closed || !priv->handler) {
    g_set_error_literal (error, DSL_SIGNALING_ERROR,
        DSL_SIGNALING_ERROR_INVALID, "the connection is over");
    return FALSE;
  }
  return priv->handler->candidate (mline, candidate, priv->handler_data,
      error);
}

void
dsl_signaling_channel_peer_closed (DslSignalingChannel * self)
{
  DslSignalingChannelPrivate *priv = PRIV (self);

  if (priv->closed)
    return;
  g_object_ref (self);
  priv->closed = TRUE;
  /* observers first (metrics read the session's last figures), then the
   * session */
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  if (priv->handler)
    priv->handler->closed (priv->handler_data);
  g_object_unref (self);
}
