#!/usr/bin/env python3
################################################################################
# webrtc_metadata_boxes.py
#
# Detections drawn in the viewer's browser (extension services). Every
# viewer gets a data channel, "dsl-metadata", in its first offer. Ten times
# a second the example sends it a text message with a box that moves
# across the picture,
#
#     {"boxes": [{"x": 320, "y": 240, "w": 200, "h": 150, "label": "box 7"}]}
#
# in video pixels, with dsl_sink_webrtc_metadata_send(); the built-in page
# draws the boxes over the video. Once a second it also sends the same box
# as 12 bytes (sequence number, x, y, w, h, little-endian) with
# dsl_sink_webrtc_metadata_data_send(), for a page of your own that wants
# compact messages; the built-in page lists it in its message panel.
#
# In a real application the boxes come from your detector, e.g. sent from a
# pad probe of your own: the services never wait, and a viewer whose
# channel is congested misses a message rather than falling behind.
#
# The Pipeline plays from the start; the sink takes one viewer at a time
# and is available again when its viewer leaves. The program ends after
# --seconds, or on Ctrl-C.
#
#   python3 webrtc_metadata_boxes.py
#
# then open http://<host>:60001/ in a browser. See docs/metadata.md.
################################################################################

import argparse
import json
import struct
import sys
import threading
from pathlib import Path

# dsl.py lives in <repo>/python
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / 'python'))
from dsl import *  # noqa: E402,F403

WIDTH, HEIGHT = 1280, 720      # the picture, and so the boxes' coordinates
BOX_W, BOX_H = 200, 150
MESSAGES_PER_SECOND = 10

stopping = threading.Event()


##
# Function to be called on every change of the WebRTC Sink's connection
# state
##
def webrtc_sink_client_listener(connection_data_ptr, client_data):
    current_state = connection_data_ptr.contents.current_state
    if current_state == DSL_SOCKET_CONNECTION_STATE_INITIATED:
        print('viewer connecting (INITIATED)', flush=True)
    elif current_state == DSL_SOCKET_CONNECTION_STATE_FAILED:
        print('viewer FAILED', flush=True)
    elif current_state == DSL_SOCKET_CONNECTION_STATE_CLOSED:
        print('viewer left (CLOSED)', flush=True)


def box_at(tick):
    """The box of message number tick: left to right, then again."""
    x = (tick * 16) % (WIDTH - BOX_W)
    return {'x': x, 'y': HEIGHT // 3, 'w': BOX_W, 'h': BOX_H,
            'label': 'box {}'.format(tick)}


##
# Sends the boxes ten times a second and the binary message once a second.
# The services may be called from any thread, and never wait.
##
def metadata_sender():
    tick = 0
    boxes_sent = 0      # box messages that reached a viewer, this second
    while not stopping.wait(1.0 / MESSAGES_PER_SECOND):
        box = box_at(tick)
        # stream_wide=True would send to every viewer of every sink sharing
        # this sink's encoder (use case 1: one sink per viewer)
        retval, sent = dsl_sink_webrtc_metadata_send(
            'webrtc-sink', json.dumps({'boxes': [box]}))
        if retval != DSL_RETURN_SUCCESS:
            print('dsl_sink_webrtc_metadata_send:',
                  dsl_return_value_to_string(retval), flush=True)
        boxes_sent += sent

        if tick % MESSAGES_PER_SECOND == 0:
            data = struct.pack('<IHHHH', tick, box['x'], box['y'], box['w'],
                               box['h'])
            retval, sent = dsl_sink_webrtc_metadata_data_send('webrtc-sink',
                                                              data)
            if retval != DSL_RETURN_SUCCESS:
                print('dsl_sink_webrtc_metadata_data_send:',
                      dsl_return_value_to_string(retval), flush=True)
            # nothing to say while nobody watches
            if sent or boxes_sent:
                print('last second: {} box messages delivered; binary '
                      'message {} ({} bytes) went to {} viewer(s)'.format(
                          boxes_sent, tick, len(data), sent), flush=True)
            boxes_sent = 0
        tick += 1


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='Boxes drawn over the video in the viewer\'s page, sent '
        'on the metadata data channel.')
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
    sender = threading.Thread(target=metadata_sender, daemon=True)

    while True:

        # New live test pattern (extension), with a clock overlay
        retval = dsl_source_test_pattern_new('source', WIDTH, HEIGHT, 30, 1,
                                             True)
        if retval != DSL_RETURN_SUCCESS:
            break

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

        sender.start()
        if options.seconds > 0:
            timer = threading.Timer(options.seconds, dsl_main_loop_quit)
            timer.daemon = True
            timer.start()

        # Runs until --seconds are over or Ctrl-C
        dsl_main_loop_run()
        retval = DSL_RETURN_SUCCESS
        break

    stopping.set()
    if sender.is_alive():
        sender.join()

    # Print out the final result
    print(dsl_return_value_to_string(retval), flush=True)

    dsl_websocket_server_listening_stop()
    dsl_pipeline_stop('pipeline')
    dsl_delete_all()
    return 0 if retval == DSL_RETURN_SUCCESS else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
