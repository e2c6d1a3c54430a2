#!/usr/bin/env python3
################################################################################
# 1file_webrtc_connect_post_play.py
#
# Use case 1 of the WebSocket Server: the Pipeline is created and set to
# PLAYING before the Server starts listening. Each remote client that opens
# a WebSocket makes the Server call websocket_server_client_listener_cb(),
# which creates a new WebRTC Sink and adds it to the running Pipeline; the
# Server then connects the client with that Sink. Up to MAX_SINK_NUMBER
# sinks are created.
#
# A port of DSL's example of the same name to dsl-webrtc. What DSL has and
# this library does not (inference, tracker, on-screen display, EGL window
# sink and its key/delete handlers) is replaced: the source is a file
# (--file) or, by default, a live test pattern, and the window sink is a
# Fake Sink. Ctrl-C (SIGINT) stops the main loop.
#
# View the stream by opening http://<host>:<port>/ in a browser (the
# Server's built-in viewer page), or with any client of DSL's signaling
# protocol at ws://<host>:<port>/ws.
################################################################################

import argparse
import sys
from pathlib import Path

# dsl.py lives in <repo>/python
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / 'python'))
from dsl import *  # noqa: E402,F403

# DSL's example uses "stun://stun.l.google.com:19302". No STUN server is
# needed on a LAN or on one machine, so none is used unless --stun-server
# gives one.
stun_server = None

CUR_SINK_NUMBER = 0
MAX_SINK_NUMBER = 4

# extension for unattended runs: quit after this many viewers have closed
# (0: never, as in DSL)
EXIT_AFTER_VIEWERS = 0
CLOSED_VIEWERS = 0


##
# Function to be called on End-of-Stream (EOS) event
##
def eos_event_listener(client_data):
    print('Pipeline EOS event', flush=True)
    # The file source repeats: nothing to do.
    # dsl_main_loop_quit()


##
# Function to be called on every change of Pipeline state
##
def state_change_listener(old_state, new_state, client_data):
    print('state_change_listener: previous state = {}, new state = {}'.format(
        dsl_state_value_to_string(old_state),
        dsl_state_value_to_string(new_state)), flush=True)


##
# Function to be called on every change of a WebRTC Sink's connection state
##
def webrtc_sink_client_listener(connection_data_ptr, client_data):
    global CLOSED_VIEWERS

    current_state = connection_data_ptr.contents.current_state
    print('webrtc_sink_client_listener: current_state =', current_state,
          flush=True)

    if current_state == DSL_SOCKET_CONNECTION_STATE_CLOSED:
        CLOSED_VIEWERS += 1
        if EXIT_AFTER_VIEWERS and CLOSED_VIEWERS >= EXIT_AFTER_VIEWERS:
            retval = dsl_pipeline_stop('pipeline')
            print('dsl_pipeline_stop returned',
                  dsl_return_value_to_string(retval), flush=True)
            dsl_main_loop_quit()


##
# Function to be called by the WebSocket Server on every new connection,
# before it looks for a WebRTC Sink to connect with
##
def websocket_server_client_listener_cb(path, client_data):
    global CUR_SINK_NUMBER

    print('websocket_server_client_listener_cb: path =', path, flush=True)

    if CUR_SINK_NUMBER == MAX_SINK_NUMBER:
        print('max number of WebRTC Sinks reached:', MAX_SINK_NUMBER,
              flush=True)
        return
    CUR_SINK_NUMBER += 1

    sink_name = 'webrtc-sink-{}'.format(CUR_SINK_NUMBER)

    # New WebRTC Sink for the new connection
    retval = dsl_sink_webrtc_new(sink_name,
                                 stun_server=stun_server,
                                 turn_server=None,
                                 encoder=DSL_ENCODER_HW_H264,
                                 bitrate=0,
                                 iframe_interval=30)
    if retval != DSL_RETURN_SUCCESS:
        print('dsl_sink_webrtc_new failed:',
              dsl_return_value_to_string(retval), flush=True)
        return

    retval = dsl_sink_webrtc_client_listener_add(
        sink_name, webrtc_sink_client_listener, None)
    if retval != DSL_RETURN_SUCCESS:
        print('dsl_sink_webrtc_client_listener_add failed:',
              dsl_return_value_to_string(retval), flush=True)
        return

    # Adding the sink to the PLAYING Pipeline links it and brings it to
    # the Pipeline's state
    retval = dsl_pipeline_component_add('pipeline', sink_name)
    if retval != DSL_RETURN_SUCCESS:
        print('dsl_pipeline_component_add failed:',
              dsl_return_value_to_string(retval), flush=True)
        return
    print('new WebRTC Sink', sink_name, 'added to the Pipeline', flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='WebRTC Sinks created on demand for each viewer of a '
        'playing Pipeline (DSL use case 1).')
    parser.add_argument('--file', metavar='PATH',
                        help='play this video file (repeated) instead of '
                        'the test pattern')
    parser.add_argument('--port', type=int,
                        default=DSL_WEBSOCKET_SERVER_DEFAULT_HTTP_PORT,
                        help='port to listen on (default %(default)s; 0: '
                        'any free port)')
    parser.add_argument('--bind', metavar='ADDRESS',
                        help='local address to listen on (default: all '
                        'interfaces)')
    parser.add_argument('--stun-server', metavar='URI',
                        help='STUN server for the WebRTC Sinks, e.g. '
                        'stun://stun.l.google.com:19302')
    parser.add_argument('--exit-after-viewers', type=int, default=0,
                        metavar='N',
                        help='quit once N viewers have closed (default 0: '
                        'run until Ctrl-C)')
    return parser.parse_args(argv[1:])


def main(args):
    global stun_server, EXIT_AFTER_VIEWERS

    options = parse_args(args)
    stun_server = options.stun_server
    EXIT_AFTER_VIEWERS = options.exit_after_viewers

    while True:

        # New Source: a file (repeated), or the live test pattern
        if options.file:
            retval = dsl_source_file_new('source', options.file, True)
        else:
            retval = dsl_source_test_pattern_new('source', 1280, 720, 30, 1,
                                                 True)
        if retval != DSL_RETURN_SUCCESS:
            break

        # New Fake Sink, in place of DSL's EGL window sink
        retval = dsl_sink_fake_new('fake-sink')
        if retval != DSL_RETURN_SUCCESS:
            break

        # Add all the components to a new pipeline
        retval = dsl_pipeline_new_component_add_many('pipeline',
                                                     ['source', 'fake-sink',
                                                      None])
        if retval != DSL_RETURN_SUCCESS:
            break

        retval = dsl_pipeline_state_change_listener_add('pipeline',
                                                        state_change_listener,
                                                        None)
        if retval != DSL_RETURN_SUCCESS:
            break

        retval = dsl_pipeline_eos_listener_add('pipeline',
                                               eos_event_listener, None)
        if retval != DSL_RETURN_SUCCESS:
            break

        # Play the pipeline before listening for connections
        retval = dsl_pipeline_play('pipeline')
        if retval != DSL_RETURN_SUCCESS:
            break

        # Called on every new connection, before the Server looks for an
        # available WebRTC Sink
        dsl_websocket_server_client_listener_add(
            websocket_server_client_listener_cb, None)

        # extension: restrict the Server to one local address
        if options.bind:
            retval = dsl_websocket_server_bind_address_set(options.bind)
            if retval != DSL_RETURN_SUCCESS:
                break

        # Start the WebSocket Server listening
        retval = dsl_websocket_server_listening_start(options.port)
        if retval != DSL_RETURN_SUCCESS:
            break

        retval, is_listening, port_number = \
            dsl_websocket_server_listening_state_get()
        if retval != DSL_RETURN_SUCCESS:
            break
        print('listening on port', port_number, flush=True)
        print('Waiting for remote clients to initiate a connection: open '
              'http://{}:{}/ in a browser'.format(
                  options.bind or 'localhost', port_number), flush=True)

        dsl_main_loop_run()
        retval = DSL_RETURN_SUCCESS
        break

    # Print out the final result
    print(dsl_return_value_to_string(retval), flush=True)

    dsl_delete_all()
    return 0 if retval == DSL_RETURN_SUCCESS else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
