/*
 * webrtc_connect_post_play.c - use case 1 of the WebSocket Server.
 *
 * The Pipeline (a source and a Fake Sink) is created and set to PLAYING
 * before the Server starts listening. Each remote client that opens a
 * WebSocket makes the Server call client_listener() first; it creates a
 * new WebRTC Sink and adds it to the playing Pipeline, and the Server then
 * connects the client with that Sink. When the client leaves, the Sink's
 * own listener removes the Sink from the Pipeline and deletes it.
 *
 *   webrtc_connect_post_play [--port N] [--bind ADDRESS] [--file PATH]
 *                            [--exit-after-viewers N]
 *
 * Watch by opening http://HOST:PORT/ in a browser (the Server's built-in
 * viewer page) or with any client of DSL's signaling protocol at
 * ws://HOST:PORT/ws. Ctrl-C stops the program.
 *
 * Written only against DslApi.h (GLib parses the command line).
 */
#include <DslApi.h>

#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

/* At most this many viewers at once; one more is refused by the Server
 * (no WebRTC Sink is available for it). */
#define MAX_VIEWERS 8

/* Command line options */
static gint port = DSL_WEBSOCKET_SERVER_DEFAULT_WEBSOCKET_PORT;
static gchar *bind_address = NULL;
static gchar *file_path = NULL;
static gint exit_after_viewers = 0;

static const GOptionEntry options[] = {
  {"port", 0, 0, G_OPTION_ARG_INT, &port,
      "Port to listen on (default 60001; 0: any free port)", "N"},
  {"bind", 0, 0, G_OPTION_ARG_STRING, &bind_address,
      "Local address to listen on (default: all interfaces)", "ADDRESS"},
  {"file", 0, 0, G_OPTION_ARG_FILENAME, &file_path,
      "Play this video file, repeated (default: a test pattern)", "PATH"},
  {"exit-after-viewers", 0, 0, G_OPTION_ARG_INT, &exit_after_viewers,
      "Quit once N viewers have left (default 0: never)", "N"},
  {NULL}
};

/* One name per viewer slot; an empty name is a free slot. The address of
 * a slot is the client_data of its Sink's listener. */
static wchar_t sink_names[MAX_VIEWERS][32];
static unsigned sinks_created = 0;
static int viewers_closed = 0;

/* DSL's strings are wide: convert a command line string (NULL if it does
 * not fit or is not valid in the current locale). */
static const wchar_t *
widen (const char *text, wchar_t * buffer, size_t size)
{
  size_t length = mbstowcs (buffer, text, size);

  return length == (size_t) - 1 || length == size ? NULL : buffer;
}

/*
 * Called by a WebRTC Sink on each change of its connection state:
 * INITIATED (1) when the Server has connected it with a client, FAILED (2),
 * CLOSED (0) when the connection has ended.
 */
static void
sink_listener (dsl_webrtc_connection_data * info, void *client_data)
{
  wchar_t *name = client_data;

  printf ("sink_listener: current_state = %u\n", info->current_state);

  if (info->current_state != DSL_SOCKET_CONNECTION_STATE_CLOSED)
    return;

  /* The viewer left: its Sink leaves the Pipeline and is deleted; this is
   * allowed from inside the Sink's own listener. */
  dsl_pipeline_component_remove (L"pipeline", name);
  dsl_component_delete (name);
  name[0] = L'\0';

  viewers_closed++;
  if (exit_after_viewers > 0 && viewers_closed >= exit_after_viewers)
    dsl_main_loop_quit ();
}

/*
 * Called by the WebSocket Server when a client opens a WebSocket, before
 * the Server looks for an available WebRTC Sink to connect it with.
 */
static void
client_listener (const wchar_t * path, void *client_data)
{
  wchar_t *name = NULL;
  DslReturnType retval;

  printf ("client_listener: path = %ls\n", path);

  for (int i = 0; i < MAX_VIEWERS && !name; i++)
    if (sink_names[i][0] == L'\0')
      name = sink_names[i];
  if (!name) {
    printf ("no free viewer slot: the client will be refused\n");
    return;
  }
  swprintf (name, 32, L"webrtc-sink-%u", ++sinks_created);

  /* A new WebRTC Sink: no STUN or TURN server (not needed on a LAN), VP8
   * (every browser plays it), the encoder's default bitrate, a key frame
   * every 30 frames. */
  retval = dsl_sink_webrtc_new (name, NULL, NULL, DSL_ENCODER_SW_VP8, 0, 30);
  if (retval == DSL_RESULT_SUCCESS)
    retval = dsl_sink_webrtc_client_listener_add (name, sink_listener, name);
  /* Adding it to the PLAYING Pipeline links it and brings it to PLAYING */
  if (retval == DSL_RESULT_SUCCESS)
    retval = dsl_pipeline_component_add (L"pipeline", name);
  if (retval != DSL_RESULT_SUCCESS) {
    printf ("cannot add a WebRTC Sink: %ls\n",
        dsl_return_value_to_string (retval));
    dsl_component_delete (name);
    name[0] = L'\0';
  }
}

int
main (int argc, char **argv)
{
  GOptionContext *context;
  GError *error = NULL;
  DslReturnType retval;
  wchar_t wide_file[4096], wide_bind[64];
  const wchar_t *components[] = { L"source", L"fake-sink", NULL };

  setlocale (LC_ALL, "");
  /* Line buffered: each line is out as soon as it is printed. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  context = g_option_context_new ("- a WebRTC Sink for each viewer of a "
      "playing Pipeline");
  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || port < 0 || port > 65535 || exit_after_viewers < 0) {
    fprintf (stderr, "%s (see --help)\n",
        error ? error->message : "an option is out of range");
    g_clear_error (&error);
    g_option_context_free (context);
    return 2;
  }
  g_option_context_free (context);

  do {
    /* A source: the video file, repeated, or a 1280x720 test pattern at
     * 30 frames/s with a clock */
    if (file_path) {
      if (!widen (file_path, wide_file, 4096)) {
        retval = DSL_RESULT_INVALID_INPUT_PARAM;
        break;
      }
      retval = dsl_source_file_new (L"source", wide_file, DSL_TRUE);
    } else
      retval = dsl_source_test_pattern_new (L"source", 1280, 720, 30, 1,
          DSL_TRUE);
    if (retval != DSL_RESULT_SUCCESS)
      break;

    /* A Fake Sink keeps the Pipeline playing while nobody watches */
    retval = dsl_sink_fake_new (L"fake-sink");
    if (retval != DSL_RESULT_SUCCESS)
      break;

    retval = dsl_pipeline_new_component_add_many (L"pipeline", components);
    if (retval != DSL_RESULT_SUCCESS)
      break;

    /* Use case 1: play the Pipeline before listening */
    retval = dsl_pipeline_play (L"pipeline");
    if (retval != DSL_RESULT_SUCCESS)
      break;

    retval = dsl_websocket_server_client_listener_add (client_listener,
        NULL);
    if (retval != DSL_RESULT_SUCCESS)
      break;

    /* extension: listen on one local address only */
    if (bind_address) {
      if (!widen (bind_address, wide_bind, 64)) {
        retval = DSL_RESULT_INVALID_INPUT_PARAM;
        break;
      }
      retval = dsl_websocket_server_bind_address_set (wide_bind);
      if (retval != DSL_RESULT_SUCCESS)
        break;
    }

    retval = dsl_websocket_server_listening_start ((uint) port);
    if (retval != DSL_RESULT_SUCCESS)
      break;

    /* With --port 0 the Server picked a free port: ask which */
    boolean is_listening;
    uint port_number;
    retval = dsl_websocket_server_listening_state_get (&is_listening,
        &port_number);
    if (retval != DSL_RESULT_SUCCESS)
      break;
    printf ("listening on port %u\n", port_number);
    printf ("open http://%s:%u/ in a browser (Ctrl-C to stop)\n",
        bind_address ? bind_address : "localhost", port_number);

    /* Runs the listeners until Ctrl-C or dsl_main_loop_quit() */
    dsl_main_loop_run ();

    dsl_websocket_server_listening_stop ();
    retval = dsl_pipeline_stop (L"pipeline");
  } while (0);

  /* The final result, then everything is deleted */
  printf ("%ls\n", dsl_return_value_to_string (retval));
  dsl_delete_all ();
  g_free (bind_address);
  g_free (file_path);
  return retval == DSL_RESULT_SUCCESS ? 0 : 1;
}
