#!/usr/bin/env python3
################################################################################
# webrtc_whep_endpoint.py
#
# A WHEP endpoint (extension, draft-ietf-wish-whep): the WebSocket Server
# answers WHEP players on its own port, beside the WebSocket viewers of the
# built-in page. Nothing needs to be turned on: every served WebSocket path
# has one ("/ws" -> POST /whep, "/ws/NAME" -> POST /whep/NAME).
#
# A live test pattern plays into one WebRTC Sink. A WHEP player POSTs its
# offer to http://<host>:60001/whep and gets the answer; to the
# application it is a viewer like any other: the server's client listener
# is called with the WebSocket path it maps to ("/ws"), and the sink's
# listener sees INITIATED, then CLOSED when the player sends DELETE (or
# goes away). The sink takes one viewer at a time, WHEP or WebSocket, and
# is available again when its viewer leaves.
#
# Any WHEP player can play it: whep.js (npm whip-whep; tests/browser/whep.mjs
# runs it in Chromium), the aiortc client in tests/whep_aiortc_client.py,
# GStreamer's whepsrc / whepclientsrc (gst-plugins-rs, not in Debian 12),
# OBS once it has a WHEP source. With --token, the player must send
# "Authorization: Bearer TOKEN". The program ends after --seconds, or on
# Ctrl-C.
#
#   python3 webrtc_whep_endpoint.py
#
# then give a WHEP player http://<host>:60001/whep, or open
# http://<host>:60001/ in a browser. See docs/whep.md.
################################################################################

import argparse
import sys
import threading
from pathlib import Path

# dsl.py lives in <repo>/python
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / 'python'))
from dsl import *  # noqa: E402,F403

STATES = {
    DSL_SOCKET_CONNECTION_STATE_CLOSED: 'CLOSED',
    DSL_SOCKET_CONNECTION_STATE_INITIATED: 'INITIATED',
    DSL_SOCKET_CONNECTION_STATE_FAILED: 'FAILED',
}


##
# Function to be called by the WebSocket Server for every new viewer, WHEP
# or WebSocket: path is the WebSocket path ("/ws" for POST /whep)
##
def websocket_server_client_listener(path, client_data):
    print('new viewer on {}'.format(path), flush=True)


##
# Function to be called on every change of the WebRTC Sink's connection
# state
##
def webrtc_sink_client_listener(connection_data_ptr, client_data):
    state = connection_data_ptr.contents.current_state
    print('webrtc-sink: {}'.format(STATES.get(state, state)), flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='A test pattern for WHEP players (POST /whep) and the '
        'built-in WebSocket page, from one WebRTC Sink.')
    parser.add_argument('--port', type=int,
                        default=DSL_WEBSOCKET_SERVER_DEFAULT_HTTP_PORT,
                        help='port to listen on (default %(default)s; 0: '
                        'any free port)')
    parser.add_argument('--bind', metavar='ADDRESS',
                        help='local address to listen on (default: all '
                        'interfaces)')
    parser.add_argument('--token',
                        help='a viewer token: WHEP players send '
                        '"Authorization: Bearer TOKEN", the page takes '
                        '?token=TOKEN')
    parser.add_argument('--seconds', type=float, default=0,
                        help='end after this many seconds (default 0: run '
                        'until Ctrl-C)')
    return parser.parse_args(argv[1:])


def main(args):
    options = parse_args(args)

    while True:

        # New live test pattern (extension), with a clock overlay
        retval = dsl_source_test_pattern_new('source', 1280, 720, 30, 1, True)
        if retval != DSL_RETURN_SUCCESS:
            break

        # New WebRTC Sink: VP8, which every WHEP player in a browser
        # decodes. The answer uses the payload type the player's offer
        # chose for VP8.
        retval = dsl_sink_webrtc_new('webrtc-sink',
                                     stun_server=None,
                                     turn_server=None,
                                     encoder=DSL_ENCODER_SW_VP8,
                                     bitrate=0,
                                     iframe_interval=30)
        if retval != DSL_RETURN_SUCCESS:
            break

        retval = dsl_sink_webrtc_client_listener_add(
            'webrtc-sink', webrtc_sink_client_listener, None)
        if retval != DSL_RETURN_SUCCESS:
            break

        retval = dsl_pipeline_new_component_add_many(
            'pipeline', ['source', 'webrtc-sink', None])
        if retval != DSL_RETURN_SUCCESS:
            break

        # The sink waits for a viewer, and encodes only while it has one
        retval = dsl_pipeline_play('pipeline')
        if retval != DSL_RETURN_SUCCESS:
            break

        retval = dsl_websocket_server_client_listener_add(
            websocket_server_client_listener, None)
        if retval != DSL_RETURN_SUCCESS:
            break

        # extension: a viewer token, for WHEP players and WebSockets alike
        if options.token:
            retval = dsl_websocket_server_token_set(options.token)
            if retval != DSL_RETURN_SUCCESS:
                break

        # extension: restrict the Server to one local address
        if options.bind:
            retval = dsl_websocket_server_bind_address_set(options.bind)
            if retval != DSL_RETURN_SUCCESS:
                break

        retval = dsl_websocket_server_listening_start(options.port)
        if retval != DSL_RETURN_SUCCESS:
            break

        retval, is_listening, port_number = \
            dsl_websocket_server_listening_state_get()
        if retval != DSL_RETURN_SUCCESS:
            break
        host = options.bind or 'localhost'
        if ':' in host:
            host = '[{}]'.format(host)     # an IPv6 address in a URL
        print('listening on port', port_number, flush=True)
        # never print the token itself
        print('WHEP endpoint: http://{}:{}/whep{}'.format(
            host, port_number,
            ' (Authorization: Bearer TOKEN)' if options.token else ''),
            flush=True)
        print('WebSocket page: http://{}:{}/{}'.format(
            host, port_number, '?token=TOKEN' if options.token else ''),
            flush=True)

        if options.seconds > 0:
            timer = threading.Timer(options.seconds, dsl_main_loop_quit)
            timer.daemon = True
            timer.start()

        # Runs until --seconds are over or Ctrl-C
        dsl_main_loop_run()
        retval = DSL_RETURN_SUCCESS
        break

    # Print out the final result
    print(dsl_return_value_to_string(retval), flush=True)

    dsl_websocket_server_listening_stop()
    dsl_pipeline_stop('pipeline')
    dsl_delete_all()
    return 0 if retval == DSL_RETURN_SUCCESS else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
