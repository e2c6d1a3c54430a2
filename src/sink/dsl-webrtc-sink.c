/* dsl-webrtc-sink.c */
#include "sink/dsl-webrtc-sink.h"
#include "sink/dsl-encoder.h"
#include "sink/dsl-webrtc-session.h"
#include "stream/dsl-shared-stream.h"
#include "server/dsl-websocket-server.h"
#include "pipeline/dsl-pipeline.h"
#include "core/dsl-context.h"
#include "core/dsl-listeners.h"
#include "core/dsl-log.h"
#include "core/dsl-wstring.h"

#define GST_CAT_DEFAULT dsl_sink_debug

struct _DslWebrtcSink
{
  DslComponent component;
  DslSignalingTransceiver transceiver;
  DslStreamSettings settings;
  gboolean own_encoder;                /* extension: not shared */
  gchar *stun_server, *turn_server;
  wchar_t *stun_wide, *turn_wide;      /* what servers_get returns */
  DslSharedStream *stream;             /* while in a Pipeline */
  DslWebrtcSession *session;           /* the connection, or NULL */
  guint closed_pending;                /* CLOSED notifications not yet run */
  guint sessions_started;
  DslListeners *listeners;             /* dsl_sink_webrtc_client_listener_cb */
  gboolean registered;                 /* with the WebSocket Server */
};

#define SINK_FROM_TRANSCEIVER(t) \
  ((DslWebrtcSink *) ((guint8 *) (t) - G_STRUCT_OFFSET (DslWebrtcSink, transceiver)))

static const DslComponentClass webrtc_sink_class;

/* ------------------------------------------------------------------ */
/* Listener notifications: always posted, so they run on the main loop
 * in order, never inside the service or signal that caused them. */

typedef struct
{
  DslWebrtcSink *sink;
  guint state;
} Notification;

static void
notification_free (gpointer data)
{
  Notification *n = data;

  dsl_component_unref (&n->sink->component);
  g_free (n);
}

static void
call_sink_listener (GCallback func, gpointer client_data, gpointer data)
{
  Notification *n = data;
  dsl_webrtc_connection_data info = { n->state };

  ((dsl_sink_webrtc_client_listener_cb) func) (&info, client_data);
}

static gboolean
notification_dispatch (gpointer data)
{
  Notification *n = data;

  DSL_CONTEXT_SCOPE;
  dsl_listeners_call (n->sink->listeners, call_sink_listener, n);
  /* only now may the sink take a new connection (see is_available) */
  if (n->state == DSL_SOCKET_CONNECTION_STATE_CLOSED)
    n->sink->closed_pending--;
  return G_SOURCE_REMOVE;
}

static void
notify (DslWebrtcSink * self, guint state)
{
  Notification *n = g_new0 (Notification, 1);

  GST_INFO ("'%s': connection state %u", self->component.name, state);
  n->sink = (DslWebrtcSink *) dsl_component_ref (&self->component);
  n->state = state;
  if (state == DSL_SOCKET_CONNECTION_STATE_CLOSED)
    self->closed_pending++;
  dsl_context_post (notification_dispatch, n, notification_free);
}

/* ------------------------------------------------------------------ */
/* Session callbacks (main context) */

static void
session_failed (DslWebrtcSession * session, gpointer data)
{
  notify (data, DSL_SOCKET_CONNECTION_STATE_FAILED);
}

static void
session_closed (DslWebrtcSession * session, gpointer data)
{
  DslWebrtcSink *self = data;

  if (self->session != session)
    return;
  self->session = NULL;
  dsl_webrtc_session_unref (session);
  notify (self, DSL_SOCKET_CONNECTION_STATE_CLOSED);
}

static void
close_session (DslWebrtcSink * self, gushort code, const gchar * reason)
{
  if (self->session)
    dsl_webrtc_session_close (self->session, code, reason);
}

/* ------------------------------------------------------------------ */
/* Signaling Transceiver */

static gboolean
transceiver_is_available (DslSignalingTransceiver * t)
{
  DslWebrtcSink *self = SINK_FROM_TRANSCEIVER (t);

  /* A sink whose connection closed is not available again until its
   * CLOSED listeners have run: a listener that deletes the sink must
   * never see a second connection land on it. */
  return self->stream && !self->session && self->closed_pending == 0;
}

static void
transceiver_connect (DslSignalingTransceiver * t,
    DslSignalingChannel * channel)
{
  const gchar *path = dsl_signaling_channel_get_path (channel);
  DslWebrtcSink *self = SINK_FROM_TRANSCEIVER (t);
  DslWebrtcSessionConfig config = { self->stun_server, self->turn_server };
  g_autofree gchar *name = g_strdup_printf ("%s-session-%u",
      self->component.name, ++self->sessions_started);

  GST_INFO ("'%s': connected on %s", self->component.name, path);
  self->session = dsl_webrtc_session_new (name, channel, self->stream,
      &config, session_failed, session_closed, self);
  notify (self, DSL_SOCKET_CONNECTION_STATE_INITIATED);
}

static void
transceiver_disconnect (DslSignalingTransceiver * t, gushort code,
    const gchar * reason)
{
  close_session (SINK_FROM_TRANSCEIVER (t), code, reason);
}

static const DslSignalingTransceiverInterface transceiver_iface = {
  transceiver_is_available,
  transceiver_connect,
  transceiver_disconnect,
};

/* ------------------------------------------------------------------ */
/* Component */

/* Attaches to the stream of the pipeline with our settings (one of our
 * own with own_encoder), or moves to it. */
static void
attach_stream (DslWebrtcSink * self, DslPipeline * pipeline)
{
  if (self->stream)
    dsl_shared_stream_release (g_steal_pointer (&self->stream));
  if (pipeline)
    self->stream = dsl_shared_stream_acquire (pipeline, &self->settings,
        self->own_encoder ? self : NULL);
}

static void
sink_added (DslComponent * component, DslPipeline * pipeline)
{
  DslWebrtcSink *self = (DslWebrtcSink *) component;

  attach_stream (self, pipeline);
  if (!self->stream)
    GST_ERROR ("'%s': no encoded stream: no viewer can connect",
        component->name);
  dsl_websocket_server_add_transceiver (dsl_websocket_server_get (),
      &self->transceiver);
  self->registered = TRUE;
}

static void
unregister (DslWebrtcSink * self)
{
  if (!self->registered)
    return;
  dsl_websocket_server_remove_transceiver (dsl_websocket_server_get (),
      &self->transceiver);
  self->registered = FALSE;
}

static void
sink_removing (DslComponent * component, DslPipeline * pipeline)
{
  DslWebrtcSink *self = (DslWebrtcSink *) component;

  close_session (self, DSL_CLOSE_GOING_AWAY, "the WebRTC Sink was removed");
  unregister (self);
  attach_stream (self, NULL);
}

static void
sink_pipeline_stopping (DslComponent * component, DslPipeline * pipeline)
{
  close_session ((DslWebrtcSink *) component, DSL_CLOSE_GOING_AWAY,
      "the pipeline stopped");
}

static void
sink_finalize (DslComponent * component)
{
  DslWebrtcSink *self = (DslWebrtcSink *) component;

  close_session (self, DSL_CLOSE_GOING_AWAY, "the WebRTC Sink was deleted");
  unregister (self);
  attach_stream (self, NULL);
  dsl_listeners_free (self->listeners);
  g_free (self->stun_server);
  g_free (self->turn_server);
  g_free (self->stun_wide);
  g_free (self->turn_wide);
}

static const DslComponentClass webrtc_sink_class = {
  .type_name = "webrtc-sink",
  .role = DSL_COMPONENT_SINK,
  .finalize = sink_finalize,
  .added = sink_added,
  .removing = sink_removing,
  .pipeline_stopping = sink_pipeline_stopping,
};

static void
store_servers (DslWebrtcSink * self, const gchar * stun, const gchar * turn)
{
  g_free (self->stun_server);
  g_free (self->turn_server);
  g_free (self->stun_wide);
  g_free (self->turn_wide);
  self->stun_server = (stun && *stun) ? g_strdup (stun) : NULL;
  self->turn_server = (turn && *turn) ? g_strdup (turn) : NULL;
  /* DSL returns L"" for an unset server, and DSL's own callers wrap the
   * result in std::wstring, which throws on NULL */
  self->stun_wide = dsl_wstring_from_utf8 (self->stun_server ?
      self->stun_server : "");
  self->turn_wide = dsl_wstring_from_utf8 (self->turn_server ?
      self->turn_server : "");
}

DslReturnType
dsl_webrtc_sink_create (const gchar * name, const gchar * stun_server,
    const gchar * turn_server, guint encoder, guint bitrate,
    guint iframe_interval)
{
  DslWebrtcSink *self;
  DslEncoderChain chain;

  if (dsl_component_name_in_use (name)) {
    GST_ERROR ("a component named '%s' exists already", name);
    return DSL_RESULT_SINK_NAME_NOT_UNIQUE;
  }
  if (!dsl_encoder_is_valid (encoder))
    return DSL_RESULT_SINK_ENCODER_VALUE_INVALID;
  if (!dsl_encoder_bitrate_is_valid (bitrate))
    return DSL_RESULT_INVALID_INPUT_PARAM;
  /* say now, not when a pipeline plays, that an element is missing */
  if (!dsl_encoder_chain_make (encoder, bitrate, iframe_interval, name, &chain))
    return DSL_RESULT_SINK_THREW_EXCEPTION;
  gst_object_unref (gst_object_ref_sink (chain.bin));
  {
    g_autoptr (GstElementFactory) webrtcbin =
        gst_element_factory_find ("webrtcbin");
    if (!webrtcbin) {
      GST_ERROR ("webrtcbin is missing: install gstreamer1.0-plugins-bad and "
          "gstreamer1.0-nice");
      return DSL_RESULT_SINK_THREW_EXCEPTION;
    }
  }

  /* The bin stays empty: the viewers' branches live in the shared
   * stream's bin (dsl-shared-stream.h), and it has no sink pad, so the
   * Pipeline leaves its input to us (see attach_stream). */
  self = g_new0 (DslWebrtcSink, 1);
  dsl_component_init (&self->component, &webrtc_sink_class, name,
      gst_bin_new (name));
  self->transceiver.iface = &transceiver_iface;
  self->settings.encoder = encoder;
  self->settings.bitrate = bitrate;
  self->settings.iframe_interval = iframe_interval;
  self->listeners = dsl_listeners_new ();
  store_servers (self, stun_server, turn_server);
  dsl_component_register (&self->component);
  dsl_component_unref (&self->component);
  dsl_webrtc_session_prewarm ();
  GST_INFO ("created WebRTC Sink '%s' (%s)", name, chain.encoding_name);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_webrtc_sink_find (const gchar * name, DslWebrtcSink ** sink)
{
  DslComponent *component = dsl_component_find (name);

  if (!component) {
    GST_ERROR ("component '%s' was not found", name);
    return DSL_RESULT_COMPONENT_NAME_NOT_FOUND;
  }
  if (component->klass != &webrtc_sink_class) {
    GST_ERROR ("component '%s' is not a WebRTC Sink", name);
    return DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE;
  }
  *sink = (DslWebrtcSink *) component;
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_webrtc_sink_close_connection (DslWebrtcSink * self)
{
  if (!self->session) {
    GST_ERROR ("'%s' has no connection to close", self->component.name);
    return DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED;
  }
  close_session (self, DSL_CLOSE_NORMAL, "closed by the application");
  return DSL_RESULT_SUCCESS;
}

void
dsl_webrtc_sink_get_servers (DslWebrtcSink * self, const wchar_t ** stun,
    const wchar_t ** turn)
{
  *stun = self->stun_wide;
  *turn = self->turn_wide;
}

void
dsl_webrtc_sink_set_servers (DslWebrtcSink * self, const gchar * stun,
    const gchar * turn)
{
  /* each connection gets a fresh webrtcbin: the next one uses these */
  store_servers (self, stun, turn);
}

DslReturnType
dsl_webrtc_sink_add_listener (DslWebrtcSink * self,
    dsl_sink_webrtc_client_listener_cb func, gpointer client_data)
{
  if (!dsl_listeners_add (self->listeners, G_CALLBACK (func), client_data)) {
    GST_ERROR ("'%s': client listener %p was already added",
        self->component.name, func);
    return DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_ADD_FAILED;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_webrtc_sink_remove_listener (DslWebrtcSink * self,
    dsl_sink_webrtc_client_listener_cb func)
{
  if (!dsl_listeners_remove (self->listeners, G_CALLBACK (func))) {
    GST_ERROR ("'%s': client listener %p was not added", self->component.name,
        func);
    return DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_REMOVE_FAILED;
  }
  return DSL_RESULT_SUCCESS;
}

void
dsl_webrtc_sink_get_encode_settings (DslWebrtcSink * self, guint * encoder,
    guint * bitrate, guint * iframe_interval)
{
  *encoder = self->settings.encoder;
  *bitrate = self->settings.bitrate;
  *iframe_interval = self->settings.iframe_interval;
}

void
dsl_webrtc_sink_get_dimensions (DslWebrtcSink * self, guint * width,
    guint * height)
{
  *width = self->settings.width;
  *height = self->settings.height;
}

DslReturnType
dsl_webrtc_sink_set_dimensions (DslWebrtcSink * self, guint width,
    guint height)
{
  if (self->session) {
    GST_ERROR ("'%s': cannot change the dimensions while a viewer is "
        "connected", self->component.name);
    return DSL_RESULT_SINK_SET_FAILED;
  }
  if ((width == 0) != (height == 0) || width % 2 || height % 2) {
    GST_ERROR ("'%s': invalid dimensions %ux%u (both 0, or both even)",
        self->component.name, width, height);
    return DSL_RESULT_SINK_SET_FAILED;
  }
  self->settings.width = width;
  self->settings.height = height;
  if (self->stream)
    attach_stream (self, self->component.pipeline);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_webrtc_sink_set_own_encoder (DslWebrtcSink * self, gboolean own)
{
  if (self->session) {
    GST_ERROR ("'%s': cannot change encoders while a viewer is connected",
        self->component.name);
    return DSL_RESULT_SINK_SET_FAILED;
  }
  self->own_encoder = own;
  if (self->stream)
    attach_stream (self, self->component.pipeline);
  GST_INFO ("'%s': %s", self->component.name, own ? "an encoder of its own" :
      "shares the encoder of its settings");
  return DSL_RESULT_SUCCESS;
}

gboolean
dsl_webrtc_sink_get_own_encoder (DslWebrtcSink * self)
{
  return self->own_encoder;
}

DslSharedStream *
dsl_webrtc_sink_get_stream (DslWebrtcSink * self)
{
  return self->stream;
}

DslReturnType
dsl_webrtc_sink_get_viewer_stats (DslWebrtcSink * self,
    dsl_webrtc_viewer_stats * stats)
{
  if (!self->session || !dsl_webrtc_session_get_stats (self->session, stats))
    return DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED;
  return DSL_RESULT_SUCCESS;
}

typedef struct
{
  GBytes *data;
  gboolean text;
  guint sent;
} Metadata;

static void
send_to_viewer (gpointer session, gpointer data)
{
  Metadata *m = data;

  if (dsl_webrtc_session_send_metadata (session, m->data, m->text))
    m->sent++;
}

DslReturnType
dsl_webrtc_sink_send_metadata (DslWebrtcSink * self, GBytes * data,
    gboolean text, gboolean stream_wide, guint * sent)
{
  Metadata m = { data, text, 0 };

  if (stream_wide && self->stream)
    dsl_shared_stream_foreach_viewer (self->stream, send_to_viewer, &m);
  else if (self->session)
    send_to_viewer (self->session, &m);
  if (sent)
    *sent = m.sent;
  return DSL_RESULT_SUCCESS;
}

DslWebrtcSink *
dsl_webrtc_sink_from_transceiver (DslSignalingTransceiver * transceiver)
{
  if (!transceiver || transceiver->iface != &transceiver_iface)
    return NULL;
  return SINK_FROM_TRANSCEIVER (transceiver);
}
