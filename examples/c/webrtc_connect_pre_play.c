/*
 * webrtc_connect_pre_play.c - use case 2 of the WebSocket Server.
 *
 * The Pipeline and its WebRTC Sink are created before the Server starts
 * listening, and the Pipeline is not played. When a remote client opens a
 * WebSocket, the Server connects it with the Sink, and the Sink's listener
 * plays the Pipeline (state INITIATED). When the client closes the
 * connection, the listener stops the Pipeline and quits the main loop
 * (state CLOSED), and the program ends.
 *
 *   webrtc_connect_pre_play [--port N] [--bind ADDRESS] [--file PATH]
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

/* Command line options */
static gint port = DSL_WEBSOCKET_SERVER_DEFAULT_WEBSOCKET_PORT;
static gchar *bind_address = NULL;
static gchar *file_path = NULL;

static const GOptionEntry options[] = {
  {"port", 0, 0, G_OPTION_ARG_INT, &port,
      "Port to listen on (default 60001; 0: any free port)", "N"},
  {"bind", 0, 0, G_OPTION_ARG_STRING, &bind_address,
      "Local address to listen on (default: all interfaces)", "ADDRESS"},
  {"file", 0, 0, G_OPTION_ARG_FILENAME, &file_path,
      "Play this video file, repeated (default: a test pattern)", "PATH"},
  {NULL}
};

/* DSL's strings are wide: convert a command line string (NULL if it does
 * not fit or is not valid in the current locale). */
static const wchar_t *
widen (const char *text, wchar_t * buffer, size_t size)
{
  size_t length = mbstowcs (buffer, text, size);

  return length == (size_t) - 1 || length == size ? NULL : buffer;
}

/*
 * Called by the WebSocket Server when a client opens a WebSocket, before
 * it connects the client with the first available WebRTC Sink. Here the
 * Sink exists already: the listener only reports the path.
 */
static void
client_listener (const wchar_t * path, void *client_data)
{
  printf ("client_listener: path = %ls\n", path);
}

/*
 * Called by the WebRTC Sink on each change of its connection state.
 */
static void
sink_listener (dsl_webrtc_connection_data * info, void *client_data)
{
  DslReturnType retval;

  printf ("sink_listener: current_state = %u\n", info->current_state);

  if (info->current_state == DSL_SOCKET_CONNECTION_STATE_INITIATED) {
    /* A viewer is connected: start the media */
    retval = dsl_pipeline_play (L"pipeline");
    printf ("dsl_pipeline_play returned %ls\n",
        dsl_return_value_to_string (retval));
  } else if (info->current_state == DSL_SOCKET_CONNECTION_STATE_CLOSED) {
    /* The viewer left: stop the media and end the program */
    retval = dsl_pipeline_stop (L"pipeline");
    printf ("dsl_pipeline_stop returned %ls\n",
        dsl_return_value_to_string (retval));
    dsl_main_loop_quit ();
  }
}

int
main (int argc, char **argv)
{
  GOptionContext *context;
  GError *error = NULL;
  DslReturnType retval;
  wchar_t wide_file[4096], wide_bind[64];
  const wchar_t *components[] = { L"source", L"fake-sink", L"webrtc-sink",
    NULL
  };

  setlocale (LC_ALL, "");
  /* Line buffered: each line is out as soon as it is printed. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  context = g_option_context_new ("- one WebRTC Sink; the Pipeline plays "
      "while a viewer is connected");
  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || port < 0 || port > 65535) {
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

    /* A Fake Sink, as a local consumer of the media */
    retval = dsl_sink_fake_new (L"fake-sink");
    if (retval != DSL_RESULT_SUCCESS)
      break;

    /* Use case 2: the WebRTC Sink exists before anyone connects. No STUN
     * or TURN server (not needed on a LAN), VP8 (every browser plays it),
     * the encoder's default bitrate, a key frame every 30 frames. */
    retval = dsl_sink_webrtc_new (L"webrtc-sink", NULL, NULL,
        DSL_ENCODER_SW_VP8, 0, 30);
    if (retval != DSL_RESULT_SUCCESS)
      break;

    retval = dsl_sink_webrtc_client_listener_add (L"webrtc-sink",
        sink_listener, NULL);
    if (retval != DSL_RESULT_SUCCESS)
      break;

    /* All three in a new Pipeline, which is NOT played here */
    retval = dsl_pipeline_new_component_add_many (L"pipeline", components);
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

    /* Runs the listeners until the viewer leaves or Ctrl-C */
    dsl_main_loop_run ();

    dsl_websocket_server_listening_stop ();
  } while (0);

  /* The final result, then everything is deleted */
  printf ("%ls\n", dsl_return_value_to_string (retval));
  dsl_delete_all ();
  g_free (bind_address);
  g_free (file_path);
  return retval == DSL_RESULT_SUCCESS ? 0 : 1;
}
