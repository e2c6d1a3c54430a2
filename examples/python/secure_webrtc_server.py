#!/usr/bin/env python3
################################################################################
# secure_webrtc_server.py
#
# A viewer server only those allowed can watch (extension services):
#   * TLS: the page and the signaling go over https:// and wss:// only;
#   * an Origin allow-list: only this server's own pages (and --allow-origin)
#     may open its WebSockets, so no other web site can use a visitor's
#     browser to watch;
#   * viewer tokens: an authorization listener lets a WebSocket in only
#     with the token of its path (--token for /ws, --camera-token NAME=TOKEN
#     for /ws/NAME); the page passes its own ?token= on.
#
# Use case 1: the Pipeline plays first; each viewer that gets in has a
# WebRTC Sink made for it, removed and deleted when it leaves.
#
#   openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
#     -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
#     -keyout key.pem -out cert.pem
#   python3 secure_webrtc_server.py --cert cert.pem --key key.pem --token s3cret
#
# then open https://localhost:60001/?token=s3cret (a self-signed certificate
# needs a click through the browser's warning, or see docs/securing.md).
################################################################################

import argparse
import hmac
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / 'python'))
from dsl import *  # noqa: E402,F403

TOKENS = {}       # WebSocket path -> its token
VIEWERS = {}      # sink name -> True while connected
NEXT = [0]


def authorize(path, token, origin, remote_address, client_data):
    """Lets a viewer in only with its path's token. Plain HTTP requests
    (the page and its files) need a token of any path."""
    if path.startswith('/ws'):
        wanted = TOKENS.get(path)
        allowed = (wanted is not None and token is not None and
                   hmac.compare_digest(token.encode(), wanted.encode()))
    else:
        allowed = token is not None and any(
            hmac.compare_digest(token.encode(), t.encode())
            for t in TOKENS.values())
    if path.startswith('/ws'):
        # never print the token itself
        print('{} {} from {} (origin {})'.format(
            'let in' if allowed else 'refused', path, remote_address,
            origin), flush=True)
    return allowed


def sink_listener(connection_data_ptr, client_data):
    name = dsl_client_data(client_data)
    if connection_data_ptr.contents.current_state != \
            DSL_SOCKET_CONNECTION_STATE_CLOSED:
        return
    dsl_sink_webrtc_client_listener_remove(name, sink_listener)
    dsl_pipeline_component_remove('pipeline', name)
    dsl_component_delete(name)
    VIEWERS.pop(name, None)
    print('viewer', name, 'left', flush=True)


def client_listener(path, client_data):
    # only viewers the authorization listener let in get here
    NEXT[0] += 1
    name = 'viewer-{}'.format(NEXT[0])
    if dsl_sink_webrtc_new(name, None, None, DSL_ENCODER_SW_VP8, 0, 30) or \
            dsl_sink_webrtc_client_listener_add(name, sink_listener, name) or \
            dsl_pipeline_component_add('pipeline', name):
        dsl_component_delete(name)
        return
    VIEWERS[name] = True
    print('viewer', name, 'joined on', path, flush=True)


def check(retval, what):
    if retval != DSL_RETURN_SUCCESS:
        sys.exit('{} failed: {}'.format(what, dsl_return_value_to_string(retval)))


def main():
    parser = argparse.ArgumentParser(
        description='A viewer server only those allowed can watch.')
    parser.add_argument('--cert', required=True, help='PEM certificate (chain)')
    parser.add_argument('--key', required=True, help='its PEM private key')
    parser.add_argument('--token', required=True, help='the token for /ws')
    parser.add_argument('--camera-token', action='append', default=[],
                        metavar='NAME=TOKEN', help='a path /ws/NAME and its token')
    parser.add_argument('--allow-origin', action='append', default=[],
                        help='another origin whose pages may connect')
    parser.add_argument('--port', type=int,
                        default=DSL_WEBSOCKET_SERVER_DEFAULT_WEBSOCKET_PORT)
    parser.add_argument('--bind', default=None, help='listen on this address only')
    args = parser.parse_args()

    TOKENS['/ws'] = args.token
    for entry in args.camera_token:
        name, _, token = entry.partition('=')
        TOKENS['/ws/' + name] = token
        check(dsl_websocket_server_path_add('/ws/' + name), '--camera-token')

    check(dsl_websocket_server_tls_set(args.cert, args.key), '--cert/--key')
    check(dsl_websocket_server_origin_add('self'), 'the own origin')
    for origin in args.allow_origin:
        check(dsl_websocket_server_origin_add(origin), origin)
    check(dsl_websocket_server_authorize_listener_set(authorize, None),
          'the authorization listener')
    if args.bind:
        check(dsl_websocket_server_bind_address_set(args.bind), '--bind')

    check(dsl_source_test_pattern_new('source', 1280, 720, 30, 1, True), 'source')
    check(dsl_sink_fake_new('keep-alive'), 'fake sink')
    check(dsl_pipeline_new_component_add_many('pipeline',
                                              ['source', 'keep-alive', None]),
          'pipeline')
    check(dsl_pipeline_play('pipeline'), 'play')
    check(dsl_websocket_server_client_listener_add(client_listener, None),
          'client listener')
    check(dsl_websocket_server_listening_start(args.port), 'listening_start')
    retval, _, port = dsl_websocket_server_listening_state_get()
    print('listening on port', port, flush=True)
    print('open https://{}:{}/?token=TOKEN'.format(args.bind or 'localhost',
                                                   port), flush=True)
    dsl_main_loop_run()
    dsl_websocket_server_listening_stop()
    dsl_pipeline_stop('pipeline')
    dsl_delete_all()


if __name__ == '__main__':
    main()
