/* dsl-webrtc-serve - stream a source to every browser that opens the page.
 *
 * Written only against the public API (DslApi.h): it is also the reference
 * example of use case 1, where a Pipeline plays before anyone connects and
 * a WebRTC Sink is created for each viewer when its WebSocket opens, then
 * removed and deleted when the viewer leaves.
 */
#include <DslApi.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIPELINE L"pipeline"
#define SOURCE L"source"

static struct
{
  gint port;
  gchar *bind;
  gchar **paths;
  gchar *encoder;
  gint bitrate;
  gint iframe_interval;
  gint width, height;
  gchar *framerate;
  gchar *stun, *turn;
  gchar *ice_addresses;
  gint max_viewers;
  gboolean encoder_per_viewer;
  gboolean relay_only;
  gboolean demo_boxes;
  gchar *file, *uri, *v4l2;
  gboolean no_clock, timecode;
  gint ping_interval, pong_timeout, header_timeout, idle_timeout;
  gint max_pending, max_websockets;
  gchar *tls_cert, *tls_key;
  gchar **origins;
  gboolean file_pages;
  gchar *token, *token_file;
  gboolean metrics;
} opt = {
  .port = DSL_WEBSOCKET_SERVER_DEFAULT_WEBSOCKET_PORT,
  .encoder = NULL,
  .iframe_interval = 30,
  .width = 1280,
  .height = 720,
  .max_viewers = 100,
  .ping_interval = -1, .pong_timeout = -1,
  .header_timeout = -1, .idle_timeout = -1,
  .max_pending = -1, .max_websockets = -1,
};

static const GOptionEntry entries[] = {
  {"port", 'p', 0, G_OPTION_ARG_INT, &opt.port,
      "TCP port for the page and the WebSockets (0: any free port; default 60001)", "PORT"},
  {"bind", 'b', 0, G_OPTION_ARG_STRING, &opt.bind,
      "Listen on this local address only, e.g. 127.0.0.1 (default: all interfaces)", "ADDRESS"},
  {"path", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.paths,
      "Also serve this WebSocket path, e.g. /ws/cam1 (repeatable; /ws is always served)", "PATH"},
  {"file", 'f', 0, G_OPTION_ARG_FILENAME, &opt.file,
      "Stream this video file, looping (instead of the test pattern)", "FILE"},
  {"uri", 'u', 0, G_OPTION_ARG_STRING, &opt.uri,
      "Stream this URI: rtsp://, http://, file:// (instead of the test pattern)", "URI"},
  {"v4l2", 0, 0, G_OPTION_ARG_FILENAME, &opt.v4l2,
      "Stream this V4L2 camera, e.g. /dev/video0 (instead of the test pattern)", "DEVICE"},
  {"no-clock", 0, 0, G_OPTION_ARG_NONE, &opt.no_clock,
      "No clock overlay on the test pattern", NULL},
  {"timecode", 0, 0, G_OPTION_ARG_NONE, &opt.timecode,
      "Write each frame's capture time as a pixel code in the test pattern's "
      "top band, for measuring glass-to-glass latency", NULL},
  {"width", 0, 0, G_OPTION_ARG_INT, &opt.width,
      "Test pattern width (default 1280)", "PIXELS"},
  {"height", 0, 0, G_OPTION_ARG_INT, &opt.height,
      "Test pattern height (default 720)", "PIXELS"},
  {"framerate", 0, 0, G_OPTION_ARG_STRING, &opt.framerate,
      "Test pattern frame rate, N or N/D (default 30)", "FPS"},
  {"encoder", 'e', 0, G_OPTION_ARG_STRING, &opt.encoder,
      "vp8 (default: every browser plays it), vp9, h264, h265, hw-h264, hw-h265", "CODEC"},
  {"bitrate", 0, 0, G_OPTION_ARG_INT, &opt.bitrate,
      "Target bitrate in bit/s, at least 10000 (0: the encoder's default)", "BPS"},
  {"iframe-interval", 0, 0, G_OPTION_ARG_INT, &opt.iframe_interval,
      "Frames between key frames (default 30)", "FRAMES"},
  {"stun", 0, 0, G_OPTION_ARG_STRING, &opt.stun,
      "STUN server, stun://host:port (default: none)", "URL"},
  {"turn", 0, 0, G_OPTION_ARG_STRING, &opt.turn,
      "TURN server, turn(s)://user:password@host:port (default: none)", "URL"},
  {"ice-relay-only", 0, 0, G_OPTION_ARG_NONE, &opt.relay_only,
      "Media only through the --turn server (relay candidates), on both "
      "sides: the page is told too", NULL},
  {"demo-boxes", 0, 0, G_OPTION_ARG_NONE, &opt.demo_boxes,
      "Send every viewer a moving box as metadata, 10 times a second, and a "
      "text message every second: the page draws the box over the video", NULL},
  {"ice-addresses", 0, 0, G_OPTION_ARG_STRING, &opt.ice_addresses,
      "Comma-separated local addresses for ICE host candidates (default: all)", "LIST"},
  {"max-viewers", 'm', 0, G_OPTION_ARG_INT, &opt.max_viewers,
      "Most viewers at once; more get 'busy' (default 100)", "N"},
  {"encoder-per-viewer", 0, 0, G_OPTION_ARG_NONE, &opt.encoder_per_viewer,
      "Give every viewer an encoder of its own instead of one shared by all "
      "(costs a core per dozen viewers; for comparisons)", NULL},
  {"ping-interval", 0, 0, G_OPTION_ARG_INT, &opt.ping_interval,
      "Seconds between WebSocket pings (default 5)", "S"},
  {"pong-timeout", 0, 0, G_OPTION_ARG_INT, &opt.pong_timeout,
      "Close a viewer that sends nothing, or reads nothing, for this long (default 20)", "S"},
  {"header-timeout", 0, 0, G_OPTION_ARG_INT, &opt.header_timeout,
      "Seconds a client has to send a whole HTTP request (default 10)", "S"},
  {"idle-timeout", 0, 0, G_OPTION_ARG_INT, &opt.idle_timeout,
      "Seconds an HTTP connection may stay idle (default 30)", "S"},
  {"max-pending", 0, 0, G_OPTION_ARG_INT, &opt.max_pending,
      "Most connections that are not WebSockets; one more closes the oldest (default 256)", "N"},
  {"max-websockets", 0, 0, G_OPTION_ARG_INT, &opt.max_websockets,
      "Most WebSockets open at once; more get HTTP 503 (default 512)", "N"},
  {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt.tls_cert,
      "Serve https:// and wss:// only, with this PEM certificate (chain)", "FILE"},
  {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt.tls_key,
      "The PEM private key of --tls-cert", "FILE"},
  {"allow-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.origins,
      "Also let pages of this origin (scheme://host[:port]) connect (repeatable; "
      "default: only this server's own pages)", "ORIGIN"},
  {"allow-file-pages", 0, 0, G_OPTION_ARG_NONE, &opt.file_pages,
      "Also let pages opened from disk (Origin: null) connect", NULL},
  {"token", 0, 0, G_OPTION_ARG_STRING, &opt.token,
      "Viewers need this token: open the page with ?token=TOKEN", "TOKEN"},
  {"token-file", 0, 0, G_OPTION_ARG_FILENAME, &opt.token_file,
      "Read the token from the first line of this file (keeps it off the "
      "command line)", "FILE"},
  {"metrics", 0, 0, G_OPTION_ARG_NONE, &opt.metrics,
      "Serve GET /metrics in the Prometheus text format (viewers, bytes and "
      "packets sent, losses, key frames, encoders, refused connections), "
      "under the same token rules as the page", NULL},
  {NULL}
};

static guint fps_n = 30, fps_d = 1;
static guint viewers;
static guint next_viewer;
static guint encoder_value;

static gboolean
check (DslReturnType result, const gchar * what)
{
  if (result == DSL_RESULT_SUCCESS)
    return TRUE;
  fprintf (stderr, "dsl-webrtc-serve: %s failed: %ls\n", what,
      dsl_return_value_to_string (result));
  return FALSE;
}

static wchar_t *
wide (const gchar * s)
{
  return s ? (wchar_t *) g_utf8_to_ucs4 (s, -1, NULL, NULL, NULL) : NULL;
}

/* One viewer: the sink made for its connection. */
typedef struct
{
  wchar_t *name;
} Viewer;

/* Every viewer's sink, for --demo-boxes (main loop only). */
static GPtrArray *all_viewers;

static void
viewer_free (Viewer * viewer)
{
  g_ptr_array_remove (all_viewers, viewer);
  g_free (viewer->name);
  g_free (viewer);
}

/* --demo-boxes: a box that crosses the picture, in video pixels, and a
 * counter message once a second; every viewer gets both. */
static gboolean
demo_boxes_cb (gpointer unused)
{
  static guint tick;
  guint width = opt.width, height = opt.height;
  guint w = width / 5, h = height / 4;
  guint span = width - w, x = (tick * 8) % (2 * span);
  g_autofree gchar *boxes = NULL, *text = NULL;
  g_autofree wchar_t *wide_boxes = NULL, *wide_text = NULL;

  if (x > span)
    x = 2 * span - x;
  boxes = g_strdup_printf ("{\"boxes\":[{\"x\":%u,\"y\":%u,\"w\":%u,"
      "\"h\":%u,\"label\":\"demo %u\"}],\"seq\":%u}", x, height / 3, w, h,
      tick / 10, tick);
  wide_boxes = wide (boxes);
  if (tick % 10 == 0) {
    text = g_strdup_printf ("demo message %u", tick / 10);
    wide_text = wide (text);
  }
  for (guint i = 0; i < all_viewers->len; i++) {
    Viewer *viewer = g_ptr_array_index (all_viewers, i);

    dsl_sink_webrtc_metadata_send (viewer->name, wide_boxes, DSL_FALSE, NULL);
    if (wide_text)
      dsl_sink_webrtc_metadata_send (viewer->name, wide_text, DSL_FALSE,
          NULL);
  }
  tick++;
  return G_SOURCE_CONTINUE;
}

/* A viewer left: its sink leaves the pipeline and is deleted, right here
 * in its own listener. The listener goes first, so it acts once per
 * connection whatever else the sink reports afterwards. */
static void
viewer_listener (dsl_webrtc_connection_data * info, void *client_data)
{
  Viewer *viewer = client_data;

  if (info->current_state != DSL_SOCKET_CONNECTION_STATE_CLOSED)
    return;
  dsl_sink_webrtc_client_listener_remove (viewer->name, viewer_listener);
  dsl_pipeline_component_remove (PIPELINE, viewer->name);
  dsl_component_delete (viewer->name);
  viewers--;
  printf ("viewer %ls left (%u watching)\n", viewer->name, viewers);
  fflush (stdout);
  viewer_free (viewer);
}

/* A WebSocket opened: make a sink for it before the server looks for one. */
static void
server_listener (const wchar_t * path, void *client_data)
{
  g_autofree gchar *name = g_strdup_printf ("viewer-%u", ++next_viewer);
  g_autofree wchar_t *stun = wide (opt.stun), *turn = wide (opt.turn);
  Viewer *viewer;

  if (viewers >= (guint) opt.max_viewers) {
    printf ("viewer on %ls refused: %u watching already\n", path, viewers);
    fflush (stdout);
    return;
  }
  viewer = g_new0 (Viewer, 1);
  viewer->name = wide (name);
  if (!check (dsl_sink_webrtc_new (viewer->name, stun, turn, encoder_value,
              opt.bitrate, opt.iframe_interval), "dsl_sink_webrtc_new")
      || (opt.encoder_per_viewer
          && !check (dsl_sink_webrtc_encoder_shared_set (viewer->name,
                  DSL_FALSE), "dsl_sink_webrtc_encoder_shared_set"))
      || !check (dsl_sink_webrtc_client_listener_add (viewer->name,
              viewer_listener, viewer), "dsl_sink_webrtc_client_listener_add")
      || !check (dsl_pipeline_component_add (PIPELINE, viewer->name),
          "dsl_pipeline_component_add")) {
    dsl_component_delete (viewer->name);
    viewer_free (viewer);
    return;
  }
  viewers++;
  g_ptr_array_add (all_viewers, viewer);
  printf ("viewer %ls joined on %ls (%u watching)\n", viewer->name, path,
      viewers);
  fflush (stdout);
}

static gboolean
parse_encoder (const gchar * name, guint * value)
{
  static const struct
  {
    const gchar *name;
    guint value;
  } encoders[] = {
    {"vp8", DSL_ENCODER_SW_VP8}, {"vp9", DSL_ENCODER_SW_VP9},
    {"h264", DSL_ENCODER_SW_H264}, {"h265", DSL_ENCODER_SW_H265},
    {"hw-h264", DSL_ENCODER_HW_H264}, {"hw-h265", DSL_ENCODER_HW_H265},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (encoders); i++)
    if (g_ascii_strcasecmp (name, encoders[i].name) == 0) {
      *value = encoders[i].value;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_framerate (const gchar * text)
{
  g_auto (GStrv) parts = g_strsplit (text, "/", 3);
  guint64 n, d = 1;

  if (!parts[0] || (parts[1] && parts[2])
      || !g_ascii_string_to_unsigned (parts[0], 10, 1, 1000, &n, NULL)
      || (parts[1] && !g_ascii_string_to_unsigned (parts[1], 10, 1, 1000, &d,
              NULL)))
    return FALSE;
  fps_n = (guint) n;
  fps_d = (guint) d;
  return TRUE;
}

static gboolean
make_source (void)
{
  g_autofree wchar_t *arg = NULL;

  if (opt.file) {
    arg = wide (opt.file);
    return check (dsl_source_file_new (SOURCE, arg, DSL_TRUE),
        "dsl_source_file_new");
  }
  if (opt.uri) {
    arg = wide (opt.uri);
    return check (dsl_source_uri_new (SOURCE, arg, DSL_FALSE, 0, 0),
        "dsl_source_uri_new");
  }
  if (opt.v4l2) {
    arg = wide (opt.v4l2);
    return check (dsl_source_v4l2_new (SOURCE, arg), "dsl_source_v4l2_new");
  }
  if (!check (dsl_source_test_pattern_new (SOURCE, opt.width, opt.height,
              fps_n, fps_d, !opt.no_clock), "dsl_source_test_pattern_new"))
    return FALSE;
  return !opt.timecode
      || check (dsl_source_test_pattern_timecode_enabled_set (SOURCE, DSL_TRUE),
      "dsl_source_test_pattern_timecode_enabled_set");
}

static gboolean
announce (gpointer unused)
{
  const gchar *host = opt.bind && !strchr (opt.bind, ':') ? opt.bind :
      "localhost";
  const gchar *scheme = opt.tls_cert ? "https" : "http";
  boolean listening;
  uint port;

  dsl_websocket_server_listening_state_get (&listening, &port);

  printf ("dsl-webrtc-serve: open %s://%s:%u/%s in a browser "
      "(Ctrl-C to stop)\n", scheme, host, port,
      opt.token || opt.token_file ? "?token=TOKEN" : "");
  for (gchar ** p = opt.paths; p && *p; p++)
    printf ("  or %s://%s:%u/?path=%s\n", scheme, host, port, *p);
  printf ("  WHEP players: %s://%s:%u/whep%s\n", scheme, host, port,
      opt.token || opt.token_file ? " (Authorization: Bearer TOKEN)" : "");
  for (gchar ** p = opt.paths; p && *p; p++)
    if (g_str_has_prefix (*p, "/ws/"))
      printf ("  or %s://%s:%u/whep/%s\n", scheme, host, port,
          *p + strlen ("/ws/"));
  if (opt.metrics)
    printf ("  metrics: %s://%s:%u/metrics\n", scheme, host, port);
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

/* Options left at -1 keep the library's value. */
static gboolean
apply_limits (void)
{
  uint interval, timeout, header, idle, pending, websockets;

  dsl_websocket_server_keepalive_get (&interval, &timeout);
  dsl_websocket_server_timeouts_get (&header, &idle);
  dsl_websocket_server_connection_limits_get (&pending, &websockets);
  if (opt.ping_interval >= 0)
    interval = opt.ping_interval;
  if (opt.pong_timeout >= 0)
    timeout = opt.pong_timeout;
  if (opt.header_timeout >= 0)
    header = opt.header_timeout;
  if (opt.idle_timeout >= 0)
    idle = opt.idle_timeout;
  if (opt.max_pending >= 0)
    pending = opt.max_pending;
  if (opt.max_websockets >= 0)
    websockets = opt.max_websockets;
  return check (dsl_websocket_server_keepalive_set (interval, timeout),
      "--ping-interval/--pong-timeout (need 1 <= interval < timeout)")
      && check (dsl_websocket_server_timeouts_set (header, idle),
      "--header-timeout/--idle-timeout (at least 1)")
      && check (dsl_websocket_server_connection_limits_set (pending,
          websockets), "--max-pending/--max-websockets (at least 1)");
}

/* Who may watch: this server's own pages (and the origins and file pages
 * asked for), with the token when one is given. */
static gboolean
apply_access (void)
{
  g_autofree gchar *token = g_strdup (opt.token);

  if (opt.token && opt.token_file) {
    fprintf (stderr, "dsl-webrtc-serve: give --token or --token-file, not "
        "both\n");
    return FALSE;
  }
  if (opt.token_file) {
    g_autoptr (GError) error = NULL;
    gchar *newline;

    if (!g_file_get_contents (opt.token_file, &token, NULL, &error)) {
      fprintf (stderr, "dsl-webrtc-serve: --token-file: %s\n",
          error->message);
      return FALSE;
    }
    if ((newline = strpbrk (token, "\r\n")))
      *newline = '\0';
  }
  if (!check (dsl_websocket_server_origin_add (L"self"), "the own origin")
      || (opt.file_pages && !check (dsl_websocket_server_origin_add (L"null"),
              "--allow-file-pages")))
    return FALSE;
  for (gchar ** o = opt.origins; o && *o; o++) {
    g_autofree wchar_t *origin = wide (*o);
    if (!check (dsl_websocket_server_origin_add (origin), *o))
      return FALSE;
  }
  if (token) {
    g_autofree wchar_t *wtoken = wide (token);
    if (!check (dsl_websocket_server_token_set (wtoken), "--token"))
      return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context =
      g_option_context_new ("- stream a video source to web browsers over WebRTC");
  g_autoptr (GError) error = NULL;
  const wchar_t *components[] = { SOURCE, L"keep-alive", NULL };
  int sources;

  all_viewers = g_ptr_array_new ();
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
      "Open the printed URL in a browser to watch. Each viewer gets its own "
      "WebRTC connection,\nand all viewers share one encoder: a viewer costs "
      "packetising and encryption only.\n?path=/ws/NAME in the URL picks a "
      "--path. WHEP players (draft-ietf-wish-whep) play /whep, and "
      "/whep/NAME for --path /ws/NAME.\nCtrl-C stops the server.\nLogs: "
      "GST_DEBUG=dsl*:5 "
      "dsl-webrtc-serve\n");
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "dsl-webrtc-serve: %s\n", error->message);
    return 2;
  }
  sources = !!opt.file + !!opt.uri + !!opt.v4l2;
  if (sources > 1) {
    fprintf (stderr, "dsl-webrtc-serve: give at most one of --file, --uri, "
        "--v4l2\n");
    return 2;
  }
  if (opt.port < 0 || opt.port > 65535 || opt.max_viewers < 1
      || opt.bitrate < 0 || (opt.bitrate > 0 && opt.bitrate < 10000)
      || opt.iframe_interval < 0 || opt.width <= 0
      || opt.height <= 0) {
    fprintf (stderr, "dsl-webrtc-serve: an option is out of range (see "
        "--help)\n");
    return 2;
  }
  if (opt.framerate && !parse_framerate (opt.framerate)) {
    fprintf (stderr, "dsl-webrtc-serve: bad --framerate '%s' (N or N/D, "
        "both positive)\n", opt.framerate);
    return 2;
  }
  encoder_value = DSL_ENCODER_SW_VP8;
  if (opt.encoder && !parse_encoder (opt.encoder, &encoder_value)) {
    fprintf (stderr, "dsl-webrtc-serve: unknown encoder '%s' (see --help)\n",
        opt.encoder);
    return 2;
  }

  if (!apply_limits ())
    return 2;
  if (!apply_access ())
    return 2;
  if (opt.metrics && !check (dsl_websocket_server_metrics_enabled_set
          (DSL_TRUE), "--metrics"))
    return 2;
  if (!opt.tls_cert != !opt.tls_key) {
    fprintf (stderr, "dsl-webrtc-serve: give --tls-cert and --tls-key "
        "together\n");
    return 2;
  }
  if (opt.tls_cert) {
    g_autofree wchar_t *cert = wide (opt.tls_cert), *key = wide (opt.tls_key);
    if (!check (dsl_websocket_server_tls_set (cert, key), "--tls-cert/--tls-key"))
      return 2;
  }
  if (opt.ice_addresses) {
    g_autofree wchar_t *list = wide (opt.ice_addresses);
    if (!check (dsl_webrtc_ice_config_set (list, 0, 0), "--ice-addresses"))
      return 2;
  }
  if (opt.relay_only) {
    if (!opt.turn) {
      fprintf (stderr, "dsl-webrtc-serve: --ice-relay-only needs --turn\n");
      return 2;
    }
    if (!check (dsl_webrtc_ice_transport_policy_set
            (DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY), "--ice-relay-only"))
      return 2;
  }
  if (opt.bind) {
    g_autofree wchar_t *address = wide (opt.bind);
    if (!check (dsl_websocket_server_bind_address_set (address), "--bind"))
      return 2;
  }
  for (gchar ** p = opt.paths; p && *p; p++) {
    g_autofree wchar_t *path = wide (*p);
    if (g_str_equal (*p, "/ws"))
      continue;                 /* always served */
    if (!check (dsl_websocket_server_path_add (path), *p))
      return 2;
  }

  /* use case 1: the pipeline plays before anyone connects; a fake sink
   * keeps it playing while nobody watches */
  if (!make_source ()
      || !check (dsl_sink_fake_new (L"keep-alive"), "dsl_sink_fake_new")
      || !check (dsl_pipeline_new_component_add_many (PIPELINE, components),
          "dsl_pipeline_new_component_add_many")
      || !check (dsl_pipeline_play (PIPELINE), "dsl_pipeline_play")
      || !check (dsl_websocket_server_client_listener_add (server_listener,
              NULL), "dsl_websocket_server_client_listener_add")
      || !check (dsl_websocket_server_listening_start ((uint) opt.port),
          "dsl_websocket_server_listening_start (is the port free?)")) {
    dsl_delete_all ();
    return 1;
  }

  /* announced from inside the loop, once Ctrl-C is handled */
  g_idle_add (announce, NULL);
  if (opt.demo_boxes)
    g_timeout_add (100, demo_boxes_cb, NULL);
  dsl_main_loop_run ();

  printf ("dsl-webrtc-serve: stopping\n");
  dsl_websocket_server_listening_stop ();
  dsl_pipeline_stop (PIPELINE);
  /* let the viewers' CLOSED listeners run */
  while (g_main_context_iteration (NULL, FALSE));
  dsl_delete_all ();
  printf ("dsl-webrtc-serve: stopped\n");
  return 0;
}
