#!/usr/bin/env python3
################################################################################
# webrtc_turn_relay.py
#
# Media through a TURN server only (extension services). A live test
# pattern plays into one WebRTC Sink whose TURN server is given on the
# command line, and dsl_webrtc_ice_transport_policy_set() makes every
# connection use relay candidates only, on the sink's side and on the
# page's (the offer tells the page the servers and the policy). Once a
# viewer is connected, the example prints the type of the selected
# candidates, from dsl_sink_webrtc_viewer_stats_get(): "relay" when the
# media goes through the TURN server.
#
# The Pipeline plays from the start; the sink takes one viewer at a time
# and is available again when its viewer leaves. The program ends after
# --seconds, or on Ctrl-C.
#
#   python3 webrtc_turn_relay.py --turn turn://user:password@turn.example.org:3478
#
# then open http://<host>:60001/ in a browser. To try it on one machine,
# see docs/nat-and-turn.md (coturn on 127.0.0.1).
################################################################################

import argparse
import re
import sys
import threading
from pathlib import Path

# dsl.py lives in <repo>/python
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / 'python'))
from dsl import *  # noqa: E402,F403

CANDIDATE_TYPES = {
    DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN: 'unknown',
    DSL_WEBRTC_CANDIDATE_TYPE_HOST: 'host',
    DSL_WEBRTC_CANDIDATE_TYPE_SRFLX: 'srflx',
    DSL_WEBRTC_CANDIDATE_TYPE_PRFLX: 'prflx',
    DSL_WEBRTC_CANDIDATE_TYPE_RELAY: 'relay',
}

# Set while the sink has a viewer; the watcher prints its route once
viewer_connected = threading.Event()
stopping = threading.Event()


##
# Function to be called on every change of the WebRTC Sink's connection
# state
##
def webrtc_sink_client_listener(connection_data_ptr, client_data):
    current_state = connection_data_ptr.contents.current_state
    if current_state == DSL_SOCKET_CONNECTION_STATE_INITIATED:
        print('viewer connecting (INITIATED)', flush=True)
        viewer_connected.set()
    elif current_state == DSL_SOCKET_CONNECTION_STATE_FAILED:
        # e.g. relay only and the TURN server refused us: the log says why
        print('viewer FAILED: no connection through the TURN server',
              flush=True)
        viewer_connected.clear()
    elif current_state == DSL_SOCKET_CONNECTION_STATE_CLOSED:
        print('viewer left (CLOSED)', flush=True)
        viewer_connected.clear()


##
# Waits for each viewer's peer connection to be up and prints which
# candidates it selected. Services may be called from any thread.
##
def route_watcher():
    while not stopping.is_set():
        if not viewer_connected.wait(0.5):
            continue
        # the sink reads its webrtcbin's statistics once a second
        while viewer_connected.is_set() and not stopping.is_set():
            retval, stats = dsl_sink_webrtc_viewer_stats_get('webrtc-sink')
            if (retval == DSL_RETURN_SUCCESS and stats.connected and
                    stats.local_candidate_type !=
                    DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN):
                print('selected candidate type: {} (viewer: {})'.format(
                    CANDIDATE_TYPES.get(stats.local_candidate_type, '?'),
                    CANDIDATE_TYPES.get(stats.remote_candidate_type, '?')),
                    flush=True)
                break
            stopping.wait(0.25)
        # once per viewer: wait for this one to leave
        while viewer_connected.is_set() and not stopping.is_set():
            stopping.wait(0.25)


def without_password(uri):
    """turn://user:password@host:port -> turn://user:***@host:port"""
    return re.sub(r'(://[^:@/]*:)[^@]*@', r'\1***@', uri)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='A WebRTC Sink whose media goes through a TURN server '
        'only (ICE transport policy relay).')
    parser.add_argument('--turn', required=True, metavar='URI',
                        help='the TURN server, turn://user:password@host:port '
                        '(add ?transport=tcp for TCP)')
    parser.add_argument('--port', type=int,
                        default=DSL_WEBSOCKET_SERVER_DEFAULT_HTTP_PORT,
                        help='port to listen on (default %(default)s; 0: '
                        'any free port)')
    parser.add_argument('--bind', metavar='ADDRESS',
                        help='local address to listen on (default: all '
                        'interfaces)')
    parser.add_argument('--seconds', type=float, default=0,
                        help='end after this many seconds (default 0: run '
                        'until Ctrl-C)')
    return parser.parse_args(argv[1:])


def main(args):
    options = parse_args(args)
    watcher = threading.Thread(target=route_watcher, daemon=True)

    while True:

        # extension: relay candidates only, for every new connection
        retval = dsl_webrtc_ice_transport_policy_set(
            DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY)
        if retval != DSL_RETURN_SUCCESS:
            break

        # New live test pattern (extension), with a clock overlay
        retval = dsl_source_test_pattern_new('source', 1280, 720, 30, 1, True)
        if retval != DSL_RETURN_SUCCESS:
            break

        # New WebRTC Sink with the TURN server and no STUN server: relayed
        # candidates are all it may use
        retval = dsl_sink_webrtc_new('webrtc-sink',
                                     stun_server=None,
                                     turn_server=options.turn,
                                     encoder=DSL_ENCODER_SW_VP8,
                                     bitrate=0,
                                     iframe_interval=30)
        if retval != DSL_RETURN_SUCCESS:
            break
        print('TURN server:', without_password(options.turn), flush=True)

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
        print('listening on port', port_number, flush=True)
        print('open http://{}:{}/ in a browser'.format(
            options.bind or 'localhost', port_number), flush=True)

        watcher.start()
        if options.seconds > 0:
            timer = threading.Timer(options.seconds, dsl_main_loop_quit)
            timer.daemon = True
            timer.start()

        # Runs until --seconds are over or Ctrl-C
        dsl_main_loop_run()
        retval = DSL_RETURN_SUCCESS
        break

    stopping.set()
    if watcher.is_alive():
        watcher.join()

    # Print out the final result
    print(dsl_return_value_to_string(retval), flush=True)

    dsl_websocket_server_listening_stop()
    dsl_pipeline_stop('pipeline')
    dsl_delete_all()
    return 0 if retval == DSL_RETURN_SUCCESS else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
