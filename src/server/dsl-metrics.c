/* dsl-metrics.c - see dsl-metrics.h */
#include "server/dsl-metrics.h"
#include "sink/dsl-webrtc-sink.h"
#include "stream/dsl-shared-stream.h"
#include "pipeline/dsl-component.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"

#include <string.h>

#define GST_CAT_DEFAULT dsl_server_debug

/* the sessions read webrtcbin's statistics once a second: reading ours
 * as often keeps what a leaving viewer adds to the totals that fresh */
#define REFRESH_INTERVAL_MS 1000

static const gchar *const refusal_names[DSL_REFUSED_N] = {
  [DSL_REFUSED_ORIGIN] = "origin",
  [DSL_REFUSED_TOKEN] = "token",
  [DSL_REFUSED_WEBSOCKET_LIMIT] = "websocket_limit",
  [DSL_REFUSED_NO_TRANSCEIVER] = "no_transceiver",
  [DSL_REFUSED_PENDING_LIMIT] = "pending_limit",
  [DSL_REFUSED_HEADER_TIMEOUT] = "header_timeout",
  [DSL_REFUSED_FD_LIMIT] = "fd_limit",
  [DSL_REFUSED_TLS_HANDSHAKE] = "tls_handshake",
};

static const gchar *const drop_names[DSL_DROPPED_N] = {
  [DSL_DROPPED_IDLE] = "idle_timeout",
  [DSL_DROPPED_UNREAD_RESPONSE] = "unread_response",
  [DSL_DROPPED_NO_PONG] = "no_pong",
  [DSL_DROPPED_BLOCKED] = "blocked",
};

/* What viewers send, summed. */
typedef struct
{
  guint64 bytes_sent, packets_sent, packets_lost, packets_retransmitted;
  guint64 nacks, key_frame_requests;
} Totals;

/* One viewer's channel (WebSocket or WHEP) handed to a transceiver, until
 * it closes. */
typedef struct
{
  DslSignalingChannel *channel;        /* reference */
  gchar *path;
  DslSignalingTransceiver *transceiver;        /* NULL once it left, or its
                                                 * session with us ended */
  gchar *sink;                 /* the sink's name, once read */
  dsl_webrtc_viewer_stats last;        /* the latest figures read */
  gboolean have_stats;
} Viewer;

static struct
{
  gboolean enabled;
  guint64 accepted;
  guint64 refused[DSL_REFUSED_N];
  guint64 dropped[DSL_DROPPED_N];
  GHashTable *connected;       /* path -> guint64* viewers ever handed over */
  GPtrArray *viewers;          /* Viewer* */
  Totals closed;               /* what viewers that left had sent */
  guint refresh;
} metrics;

static void
ensure (void)
{
  if (metrics.viewers)
    return;
  metrics.viewers = g_ptr_array_new ();
  metrics.connected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
}

/* ------------------------------------------------------------------ */
/* Counting */

void
dsl_metrics_count_accepted (void)
{
  metrics.accepted++;
}

void
dsl_metrics_count_refused (DslRefusal reason)
{
  g_return_if_fail (reason < DSL_REFUSED_N);
  metrics.refused[reason]++;
}

void
dsl_metrics_count_dropped (DslDrop reason)
{
  g_return_if_fail (reason < DSL_DROPPED_N);
  metrics.dropped[reason]++;
}

/* ------------------------------------------------------------------ */
/* Viewers */

static DslWebrtcSink *
sink_of (DslSignalingTransceiver * transceiver)
{
  return dsl_webrtc_sink_from_transceiver (transceiver);
}

static void
viewer_refresh (Viewer * viewer)
{
  DslWebrtcSink *sink;
  dsl_webrtc_viewer_stats stats;

  if (!viewer->transceiver)
    return;
  if (!(sink = sink_of (viewer->transceiver))) {
    viewer->transceiver = NULL;
    return;
  }
  if (!viewer->sink)
    viewer->sink = g_strdup (((DslComponent *) sink)->name);
  /* figures only go up within a session; the session that ends leaves
   * its last ones here */
  if (dsl_webrtc_sink_get_viewer_stats (sink, &stats) == DSL_RESULT_SUCCESS) {
    viewer->last = stats;
    viewer->have_stats = TRUE;
  } else {
    viewer->transceiver = NULL;
  }
}

static void
totals_add (Totals * totals, const dsl_webrtc_viewer_stats * stats)
{
  totals->bytes_sent += stats->bytes_sent;
  totals->packets_sent += stats->packets_sent;
  totals->packets_lost += stats->packets_lost;
  totals->packets_retransmitted += stats->packets_retransmitted;
  totals->nacks += stats->nack_count;
  totals->key_frame_requests += stats->key_frame_requests;
}

static void
viewer_free (Viewer * viewer)
{
  g_signal_handlers_disconnect_by_data (viewer->channel, viewer);
  g_object_unref (viewer->channel);
  g_free (viewer->path);
  g_free (viewer->sink);
  g_free (viewer);
}

static void
channel_closed_cb (DslSignalingChannel * channel, Viewer * viewer)
{
  DSL_CONTEXT_SCOPE;
  /* a viewer that left is heard of here before its session: the session
   * still answers with the final figures */
  if (metrics.enabled)
    viewer_refresh (viewer);
  if (viewer->have_stats)
    totals_add (&metrics.closed, &viewer->last);
  g_ptr_array_remove (metrics.viewers, viewer);
  viewer_free (viewer);
}

static gboolean
refresh_cb (gpointer unused)
{
  DSL_CONTEXT_SCOPE;
  if (!metrics.enabled || metrics.viewers->len == 0) {
    metrics.refresh = 0;
    return G_SOURCE_REMOVE;
  }
  for (guint i = 0; i < metrics.viewers->len; i++)
    viewer_refresh (g_ptr_array_index (metrics.viewers, i));
  return G_SOURCE_CONTINUE;
}

static void
schedule_refresh (void)
{
  if (metrics.enabled && metrics.viewers->len > 0 && !metrics.refresh)
    metrics.refresh = dsl_context_timeout (REFRESH_INTERVAL_MS, refresh_cb,
        NULL, NULL);
}

void
dsl_metrics_viewer_connected (DslSignalingTransceiver * transceiver,
    DslSignalingChannel * channel)
{
  const gchar *path = dsl_signaling_channel_get_path (channel);
  Viewer *viewer;
  guint64 *count;

  ensure ();
  if (!(count = g_hash_table_lookup (metrics.connected, path))) {
    count = g_new0 (guint64, 1);
    g_hash_table_insert (metrics.connected, g_strdup (path), count);
  }
  (*count)++;
  /* closed already (a client listener iterated the main context): it
   * will never say so again */
  if (!dsl_signaling_channel_is_open (channel))
    return;
  /* a transceiver serves one connection at a time: an older one still
   * closing keeps what it had */
  for (guint i = 0; i < metrics.viewers->len; i++) {
    Viewer *other = g_ptr_array_index (metrics.viewers, i);

    if (other->transceiver == transceiver)
      other->transceiver = NULL;
  }
  viewer = g_new0 (Viewer, 1);
  viewer->channel = g_object_ref (channel);
  viewer->path = g_strdup (path);
  viewer->transceiver = transceiver;
  g_signal_connect (channel, "closed", G_CALLBACK (channel_closed_cb),
      viewer);
  g_ptr_array_add (metrics.viewers, viewer);
  schedule_refresh ();
}

void
dsl_metrics_transceiver_gone (DslSignalingTransceiver * transceiver)
{
  if (!metrics.viewers)
    return;
  for (guint i = 0; i < metrics.viewers->len; i++) {
    Viewer *viewer = g_ptr_array_index (metrics.viewers, i);

    if (viewer->transceiver == transceiver)
      viewer->transceiver = NULL;
  }
}


/* ------------------------------------------------------------------ */

void
dsl_metrics_set_enabled (gboolean enabled)
{
  ensure ();
  if (metrics.enabled != enabled)
    GST_INFO ("GET %s %s", DSL_METRICS_PATH, enabled ? "on" : "off");
  metrics.enabled = enabled;
  schedule_refresh ();
}

gboolean
dsl_metrics_get_enabled (void)
{
  return metrics.enabled;
}

/* ------------------------------------------------------------------ */
/* The text exposition format */

void
dsl_metrics_append_escaped (GString * out, const gchar * s, gboolean help)
{
  g_autofree gchar *valid = g_utf8_make_valid (s, -1);

  for (const gchar * p = valid; *p; p++) {
    switch (*p) {
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '"':
        g_string_append (out, help ? "\"" : "\\\"");
        break;
      default:
        g_string_append_c (out, *p);
    }
  }
}

static void
family (GString * out, const gchar * name, const gchar * type,
    const gchar * help)
{
  g_string_append_printf (out, "# HELP %s ", name);
  dsl_metrics_append_escaped (out, help, TRUE);
  g_string_append_printf (out, "\n# TYPE %s %s\n", name, type);
}

/* name{key="value",...} for pairs of key, value ending with NULL */
static void
series (GString * out, const gchar * name, ...)
{
  va_list args;
  const gchar *key;
  gboolean first = TRUE;

  g_string_append (out, name);
  va_start (args, name);
  while ((key = va_arg (args, const gchar *))) {
    g_string_append_printf (out, "%s%s=\"", first ? "{" : ",", key);
    dsl_metrics_append_escaped (out, va_arg (args, const gchar *), FALSE);
    g_string_append_c (out, '"');
    first = FALSE;
  }
  va_end (args);
  if (!first)
    g_string_append_c (out, '}');
}

static void
value_u64 (GString * out, guint64 value)
{
  g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n", value);
}

static void
value_double (GString * out, gdouble value)
{
  gchar text[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (out, " %s\n", g_ascii_dtostr (text, sizeof text,
          value));
}

static void
simple (GString * out, const gchar * name, const gchar * type,
    const gchar * help, guint64 value)
{
  family (out, name, type, help);
  series (out, name, NULL);
  value_u64 (out, value);
}

static guint
viewers_on (const gchar * path)
{
  guint n = 0;

  for (guint i = 0; i < metrics.viewers->len; i++)
    if (g_str_equal (((Viewer *) g_ptr_array_index (metrics.viewers,
                    i))->path, path))
      n++;
  return n;
}

/* The served paths, then any path a viewer still holds that is not one
 * of them any more. */
static GPtrArray *
all_paths (const DslMetricsServerState * state)
{
  GPtrArray *paths = g_ptr_array_new ();
  GHashTableIter iter;
  const gchar *path;

  for (const gchar * const *p = state->paths; p && *p; p++)
    g_ptr_array_add (paths, (gpointer) * p);
  g_hash_table_iter_init (&iter, metrics.connected);
  while (g_hash_table_iter_next (&iter, (gpointer *) & path, NULL))
    if (!g_strv_contains (state->paths, path))
      g_ptr_array_add (paths, (gpointer) path);
  return paths;
}

static void
render_viewers (GString * out, const DslMetricsServerState * state)
{
  g_autoptr (GPtrArray) paths = all_paths (state);
  Totals sent = metrics.closed;
  guint relayed = 0;

  family (out, "dsl_viewers", "gauge",
      "Viewers connected now: WebSockets handed to a WebRTC Sink and not "
      "closed yet, by WebSocket path.");
  for (guint i = 0; i < paths->len; i++) {
    series (out, "dsl_viewers", "path", g_ptr_array_index (paths, i), NULL);
    value_u64 (out, viewers_on (g_ptr_array_index (paths, i)));
  }
  family (out, "dsl_viewers_connected_total", "counter",
      "WebSockets handed to a WebRTC Sink, by WebSocket path.");
  for (guint i = 0; i < paths->len; i++) {
    guint64 *count = g_hash_table_lookup (metrics.connected,
        g_ptr_array_index (paths, i));

    series (out, "dsl_viewers_connected_total", "path",
        g_ptr_array_index (paths, i), NULL);
    value_u64 (out, count ? *count : 0);
  }

  for (guint i = 0; i < metrics.viewers->len; i++) {
    Viewer *viewer = g_ptr_array_index (metrics.viewers, i);

    if (!viewer->have_stats)
      continue;
    totals_add (&sent, &viewer->last);
    if (viewer->transceiver && viewer->last.connected
        && (viewer->last.local_candidate_type == DSL_WEBRTC_CANDIDATE_TYPE_RELAY
            || viewer->last.remote_candidate_type ==
            DSL_WEBRTC_CANDIDATE_TYPE_RELAY))
      relayed++;
  }
  simple (out, "dsl_viewers_relayed", "gauge",
      "Viewers connected now whose media goes through a TURN relay (a relay "
      "candidate on either side of the selected pair).", relayed);
  simple (out, "dsl_sent_bytes_total", "counter",
      "RTP bytes sent to viewers (payload and headers), those connected and "
      "those that left.", sent.bytes_sent);
  simple (out, "dsl_sent_packets_total", "counter",
      "RTP packets sent to viewers.", sent.packets_sent);
  simple (out, "dsl_lost_packets_total", "counter",
      "RTP packets the viewers reported lost (RTCP receiver reports).",
      sent.packets_lost);
  simple (out, "dsl_retransmitted_packets_total", "counter",
      "RTP packets sent again on a viewer's NACK.",
      sent.packets_retransmitted);
  simple (out, "dsl_nacks_total", "counter",
      "NACKs received from viewers.", sent.nacks);
  simple (out, "dsl_key_frame_requests_total", "counter",
      "Key frames the viewers asked for (RTCP PLI and FIR).",
      sent.key_frame_requests);

  /* the connected viewers one by one, while their sink answers */
  family (out, "dsl_viewer_bitrate_bytes_per_second", "gauge",
      "What a connected viewer is sent, over the last second, by WebSocket "
      "path and WebRTC Sink.");
  for (guint i = 0; i < metrics.viewers->len; i++) {
    Viewer *viewer = g_ptr_array_index (metrics.viewers, i);

    if (!viewer->transceiver || !viewer->have_stats || !viewer->sink)
      continue;
    series (out, "dsl_viewer_bitrate_bytes_per_second", "path", viewer->path,
        "sink", viewer->sink, NULL);
    value_double (out, viewer->last.bitrate / 8);
  }
  family (out, "dsl_viewer_round_trip_time_seconds", "gauge",
      "A connected viewer's round-trip time (RTCP), by WebSocket path and "
      "WebRTC Sink; absent until known.");
  for (guint i = 0; i < metrics.viewers->len; i++) {
    Viewer *viewer = g_ptr_array_index (metrics.viewers, i);

    if (!viewer->transceiver || !viewer->have_stats || !viewer->sink
        || viewer->last.round_trip_time < 0)
      continue;
    series (out, "dsl_viewer_round_trip_time_seconds", "path", viewer->path,
        "sink", viewer->sink, NULL);
    value_double (out, viewer->last.round_trip_time);
  }
}

static void
render_streams (GString * out)
{
  simple (out, "dsl_key_frames_total", "counter",
      "Key frames the encoders made.", dsl_shared_stream_get_total_key_frames
      ());
  simple (out, "dsl_encoders", "gauge",
      "Encoded streams (one per Pipeline and encode settings, or per sink "
      "with an encoder of its own).", dsl_shared_stream_count ());
  simple (out, "dsl_encoders_running", "gauge",
      "Encoded streams encoding now (at least one viewer).",
      dsl_shared_stream_count_running ());
}

static void
render_connections (GString * out, const DslMetricsServerState * state)
{
  guint pending = 0, websockets = 0;

  simple (out, "dsl_connections_accepted_total", "counter",
      "TCP connections accepted.", metrics.accepted);
  family (out, "dsl_connections_refused_total", "counter",
      "Requests, WebSockets and connections turned away, by reason: origin "
      "(403), token (401), websocket_limit (503), no_transceiver (1013), "
      "pending_limit, header_timeout, fd_limit, tls_handshake.");
  for (guint i = 0; i < DSL_REFUSED_N; i++) {
    series (out, "dsl_connections_refused_total", "reason", refusal_names[i],
        NULL);
    value_u64 (out, metrics.refused[i]);
  }
  family (out, "dsl_connections_dropped_total", "counter",
      "Connections the server ended, by reason: idle_timeout, "
      "unread_response (HTTP), no_pong, blocked (WebSockets).");
  for (guint i = 0; i < DSL_DROPPED_N; i++) {
    series (out, "dsl_connections_dropped_total", "reason", drop_names[i],
        NULL);
    value_u64 (out, metrics.dropped[i]);
  }
  if (state->guard)
    dsl_connection_guard_get_counts (state->guard, &pending, &websockets);
  simple (out, "dsl_websockets_open", "gauge",
      "WebSockets open now (viewers, and those still closing).", websockets);
  simple (out, "dsl_http_connections_pending", "gauge",
      "Connections that are not WebSockets (yet), open now.", pending);
}

GString *
dsl_metrics_render (const DslMetricsServerState * state)
{
  GString *out = g_string_sized_new (4096);

  ensure ();
  /* collected now, on the main context: copies of what the sessions
   * read on webrtcbin's threads, and a few counters */
  for (guint i = 0; i < metrics.viewers->len; i++)
    viewer_refresh (g_ptr_array_index (metrics.viewers, i));
  render_viewers (out, state);
  render_streams (out);
  render_connections (out, state);
  return out;
}

void
dsl_metrics_serve (SoupServerMessage * msg,
    const DslMetricsServerState * state)
{
  const gchar *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers
      (msg);
  GString *text;
  gsize length;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace (headers, "Allow", "GET, HEAD");
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  text = dsl_metrics_render (state);
  length = text->len;
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, DSL_METRICS_CONTENT_TYPE,
      SOUP_MEMORY_TAKE, g_string_free (text, FALSE), length);
}
