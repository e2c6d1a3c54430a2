#!/usr/bin/env python3
################################################################################
# 1file_webrtc_connect_pre_play.py
#
# Use case 2 of the WebSocket Server: the Pipeline and its WebRTC Sink are
# created before the Server starts listening, and the Pipeline is not
# played. When a remote client opens a WebSocket, the Server connects it
# with the Sink, and the Sink's client listener plays the Pipeline (state
# INITIATED). When the client closes the connection, the listener stops the
# Pipeline and quits the main loop (state CLOSED), and the program ends.
#
# A port of DSL's example of the same name to dsl-webrtc. What DSL has and
# this library does not (EGL window sink and its key/delete handlers) is
# replaced: the source is a file (--file) or, by default, a live test
# pattern, and the window sink is a Fake Sink. Ctrl-C (SIGINT) stops the
# main loop.
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

socket_open = False


##
# Function to be called on End-of-Stream (EOS) event
##
def eos_event_listener(client_data):
    print('Pipeline EOS event', flush=True)
    dsl_main_loop_quit()


##
# Function to be called on every change of Pipeline state
##
def state_change_listener(old_state, new_state, client_data):
    print('state_change_listener: previous state = {}, new state = {}'.format(
        dsl_state_value_to_string(old_state),
        dsl_state_value_to_string(new_state)), flush=True)


##
# Function to be called on every change of the WebRTC Sink's connection
# state: play on INITIATED, stop and quit on CLOSED
##
def webrtc_sink_client_listener(connection_data_ptr, client_data):
    global socket_open

    current_state = connection_data_ptr.contents.current_state
    print('webrtc_sink_client_listener: current_state =', current_state,
          flush=True)

    if current_state == DSL_SOCKET_CONNECTION_STATE_INITIATED:
        print('setting the Pipeline to PLAYING', flush=True)
        retval = dsl_pipeline_play('pipeline')
        print('dsl_pipeline_play returned',
              dsl_return_value_to_string(retval), flush=True)
        socket_open = True

    elif current_state == DSL_SOCKET_CONNECTION_STATE_CLOSED:
        print('stopping the Pipeline', flush=True)
        retval = dsl_pipeline_stop('pipeline')
        print('dsl_pipeline_stop returned',
              dsl_return_value_to_string(retval), flush=True)
        socket_open = False
        dsl_main_loop_quit()


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='One WebRTC Sink created in advance; the Pipeline plays '
        'while a viewer is connected (DSL use case 2).')
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
                        help='STUN server for the WebRTC Sink, e.g. '
                        'stun://stun.l.google.com:19302')
    return parser.parse_args(argv[1:])


def main(args):
    global stun_server

    options = parse_args(args)
    stun_server = options.stun_server

    while True:

        # New Source: a file (repeated), or the live test pattern
        if options.file:
            retval = dsl_source_file_new('source', options.file, True)
        else:
            retval = dsl_source_test_pattern_new('source', 1280, 720, 30, 1,
                                                 True)
        if retval != DSL_RETURN_SUCCESS:
            break

        # New WebRTC Sink, created before any client connects
        retval = dsl_sink_webrtc_new('webrtc-sink',
                                     stun_server=stun_server,
                                     turn_server=None,
                                     encoder=DSL_ENCODER_HW_H264,
                                     bitrate=0,
                                     iframe_interval=30)
        if retval != DSL_RETURN_SUCCESS:
            break

        # Plays and stops the Pipeline as the connection opens and closes
        dsl_sink_webrtc_client_listener_add('webrtc-sink',
                                            webrtc_sink_client_listener, None)

        # New Fake Sink, in place of DSL's EGL window sink
        retval = dsl_sink_fake_new('fake-sink')
        if retval != DSL_RETURN_SUCCESS:
            break

        # Add all the components to a new pipeline
        retval = dsl_pipeline_new_component_add_many('pipeline',
                                                     ['source', 'fake-sink',
                                                      'webrtc-sink', None])
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

        # extension: restrict the Server to one local address
        if options.bind:
            retval = dsl_websocket_server_bind_address_set(options.bind)
            if retval != DSL_RETURN_SUCCESS:
                break

        # Start the WebSocket Server listening; the Pipeline is not played
        # until a client connects
        retval = dsl_websocket_server_listening_start(options.port)
        if retval != DSL_RETURN_SUCCESS:
            break

        retval, is_listening, port_number = \
            dsl_websocket_server_listening_state_get()
        if retval != DSL_RETURN_SUCCESS:
            break
        print('listening on port', port_number, flush=True)
        print('Waiting for remote client to initiate a connection: open '
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
