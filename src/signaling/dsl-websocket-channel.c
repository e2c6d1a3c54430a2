/* dsl-websocket-channel.c - see dsl-websocket-channel.h */
#include "signaling/dsl-websocket-channel.h"
#include "signaling/dsl-signaling-message.h"
#include "server/dsl-websocket-close.h"
#include "core/dsl-log.h"

#define GST_CAT_DEFAULT dsl_server_debug

struct _DslWebsocketChannel
{
  DslSignalingChannel parent;
  SoupWebsocketConnection *connection;   /* until closed */
  guint errors;                /* error replies sent */
};

G_DEFINE_FINAL_TYPE (DslWebsocketChannel, dsl_websocket_channel,
    DSL_TYPE_SIGNALING_CHANNEL)

static void
send_text (DslWebsocketChannel * self, const gchar * text)
{
  if (!self->connection || soup_websocket_connection_get_state
      (self->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  GST_LOG ("sending %s", text);
  soup_websocket_connection_send_text (self->connection, text);
}

static void
channel_send_error (DslSignalingChannel * channel, const gchar * message)
{
  DslWebsocketChannel *self = DSL_WEBSOCKET_CHANNEL (channel);
  g_autofree gchar *text = NULL;

  GST_WARNING ("%s: %s", dsl_signaling_channel_get_path (channel), message);
  if (++self->errors > DSL_SIGNALING_MAX_ERRORS) {
    dsl_signaling_channel_close (channel, DSL_CLOSE_POLICY_VIOLATION,
        "too many malformed messages");
    return;
  }
  text = dsl_signaling_message_error (message);
  send_text (self, text);
}

static void
channel_send_description (DslSignalingChannel * channel, const gchar * type,
    const GstSDPMessage * sdp, const DslIceServers * servers)
{
  g_autofree gchar *text = NULL;

  /* DSL's protocol: we always offer */
  g_return_if_fail (g_str_equal (type, "offer"));
  text = dsl_signaling_message_offer (sdp, servers->stun_server,
      servers->turn_server, servers->relay_only);
  send_text (DSL_WEBSOCKET_CHANNEL (channel), text);
}

static void
channel_send_candidate (DslSignalingChannel * channel, guint mline,
    const gchar * candidate)
{
  g_autofree gchar *text = dsl_signaling_message_ice (mline, candidate);

  send_text (DSL_WEBSOCKET_CHANNEL (channel), text);
}

static void
release (DslWebsocketChannel * self, gushort code, const gchar * reason)
{
  if (!self->connection)
    return;
  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (code)
    dsl_websocket_close_and_release (self->connection, code, reason);
  g_clear_object (&self->connection);
}

static void
channel_close (DslSignalingChannel * channel, gushort code,
    const gchar * reason)
{
  release (DSL_WEBSOCKET_CHANNEL (channel), code, reason);
}

static gboolean
channel_is_open (DslSignalingChannel * channel)
{
  DslWebsocketChannel *self = DSL_WEBSOCKET_CHANNEL (channel);

  return self->connection && soup_websocket_connection_get_state
      (self->connection) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
message_cb (SoupWebsocketConnection * connection, gint type, GBytes * bytes,
    gpointer data)
{
  DslSignalingChannel *channel = data;
  DslSignalingMessage message;
  g_autofree gchar *error = NULL;
  g_autoptr (GError) refusal = NULL;
  gboolean ok = TRUE;
  gsize size;
  const gchar *text;

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    channel_send_error (channel, "binary frames are not part of the protocol");
    return;
  }
  /* borrowed: libsoup owns the bytes */
  text = g_bytes_get_data (bytes, &size);
  if (size > DSL_SIGNALING_MAX_MESSAGE) {
    GST_WARNING ("%s: a %" G_GSIZE_FORMAT "-byte message: closing",
        dsl_signaling_channel_get_path (channel), size);
    dsl_signaling_channel_close (channel, DSL_CLOSE_MESSAGE_TOO_BIG,
        "message too big");
    return;
  }
  if (!dsl_signaling_message_parse (text, size, &message, &error)) {
    channel_send_error (channel, error);
    return;
  }
  g_object_ref (channel);
  switch (message.type) {
    case DSL_SIGNALING_ANSWER:
      ok = dsl_signaling_channel_receive_answer (channel,
          g_steal_pointer (&message.sdp), &refusal);
      break;
    case DSL_SIGNALING_ICE:
      ok = dsl_signaling_channel_receive_candidate (channel,
          message.mline_index, message.candidate, &refusal);
      break;
  }
  if (!ok && dsl_signaling_channel_is_open (channel))
    channel_send_error (channel, refusal->message);
  dsl_signaling_message_clear (&message);
  g_object_unref (channel);
}

static void
closed_cb (SoupWebsocketConnection * connection, gpointer data)
{
  DslWebsocketChannel *self = data;

  GST_INFO ("%s: the viewer closed the WebSocket (code %u)",
      dsl_signaling_channel_get_path (data),
      soup_websocket_connection_get_close_code (connection));
  g_object_ref (self);
  release (self, 0, NULL);
  dsl_signaling_channel_peer_closed (data);
  g_object_unref (self);
}

static void
dsl_websocket_channel_dispose (GObject * object)
{
  /* its session closed it (dsl_signaling_channel_close) */
  release (DSL_WEBSOCKET_CHANNEL (object), 0, NULL);
  G_OBJECT_CLASS (dsl_websocket_channel_parent_class)->dispose (object);
}

static void
dsl_websocket_channel_class_init (DslWebsocketChannelClass * klass)
{
  DslSignalingChannelClass *channel_class = DSL_SIGNALING_CHANNEL_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dsl_websocket_channel_dispose;
  channel_class->send_description = channel_send_description;
  channel_class->send_candidate = channel_send_candidate;
  channel_class->send_error = channel_send_error;
  channel_class->close = channel_close;
  channel_class->is_open = channel_is_open;
}

static void
dsl_websocket_channel_init (DslWebsocketChannel * self)
{
}

DslSignalingChannel *
dsl_websocket_channel_new (SoupWebsocketConnection * connection,
    const gchar * path)
{
  DslWebsocketChannel *self;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (connection), NULL);
  self = g_object_new (DSL_TYPE_WEBSOCKET_CHANNEL, NULL);
  dsl_signaling_channel_set_path (DSL_SIGNALING_CHANNEL (self), path);
  if (soup_websocket_connection_get_state (connection) ==
      SOUP_WEBSOCKET_STATE_CLOSED) {
    dsl_signaling_channel_peer_closed (DSL_SIGNALING_CHANNEL (self));
    return DSL_SIGNALING_CHANNEL (self);
  }
  self->connection = g_object_ref (connection);
  g_signal_connect (connection, "message", G_CALLBACK (message_cb), self);
  g_signal_connect (connection, "closed", G_CALLBACK (closed_cb), self);
  return DSL_SIGNALING_CHANNEL (self);
}
