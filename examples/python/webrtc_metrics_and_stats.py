#!/usr/bin/env python3
################################################################################
# webrtc_metrics_and_stats.py
#
# What the viewers get, two ways (extension services):
#   * the WebSocket Server answers GET /metrics in the Prometheus text
#     format (dsl_websocket_server_metrics_enabled_set): viewers by path,
#     bytes and packets sent, losses, key frames, refused connections...
#     for Prometheus to scrape;
#   * once a second, the example prints each connected viewer's figures
#     from dsl_sink_webrtc_viewer_stats_get: state, codec, bit rate,
#     packets sent, lost and retransmitted, NACKs, key frame requests
#     (PLI/FIR), round-trip time and the selected candidate type.
#
# Use case 1: the Pipeline plays first; each viewer has a WebRTC Sink made
# for it, removed and deleted when it leaves. The sinks share one encoder.
# The program ends after --seconds, or on Ctrl-C.
#
#   python3 webrtc_metrics_and_stats.py
#
# then open http://<host>:60001/ in a browser, and scrape
# http://<host>:60001/metrics (curl, or Prometheus: docs/api-ws-server.md).
################################################################################

import argparse
import sys
import threading
from pathlib import Path

# dsl.py lives in <repo>/python
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / 'python'))
from dsl import *  # noqa: E402,F403

ENCODER = DSL_ENCODER_SW_VP8

CODECS = {
    DSL_ENCODER_HW_H264: 'H264', DSL_ENCODER_SW_H264: 'H264',
    DSL_ENCODER_HW_H265: 'H265', DSL_ENCODER_SW_H265: 'H265',
    DSL_ENCODER_SW_VP8: 'VP8', DSL_ENCODER_SW_VP9: 'VP9',
}

CANDIDATE_TYPES = {
    DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN: '-',
    DSL_WEBRTC_CANDIDATE_TYPE_HOST: 'host',
    DSL_WEBRTC_CANDIDATE_TYPE_SRFLX: 'srflx',
    DSL_WEBRTC_CANDIDATE_TYPE_PRFLX: 'prflx',
    DSL_WEBRTC_CANDIDATE_TYPE_RELAY: 'relay',
}

# sink name -> the path its viewer came on; changed on the main-loop
# thread, read by the printer thread (a copy, under the lock)
viewers = {}
viewers_lock = threading.Lock()
sink_count = 0
stopping = threading.Event()


##
# Function to be called on every change of a WebRTC Sink's connection
# state: the sink of a viewer that left is removed and deleted
##
def webrtc_sink_client_listener(connection_data_ptr, client_data):
    name = dsl_client_data(client_data)
    if connection_data_ptr.contents.current_state != \
            DSL_SOCKET_CONNECTION_STATE_CLOSED:
        return
    with viewers_lock:
        viewers.pop(name, None)
    dsl_sink_webrtc_client_listener_remove(name, webrtc_sink_client_listener)
    dsl_pipeline_component_remove('pipeline', name)
    dsl_component_delete(name)
    print('{}: viewer left'.format(name), flush=True)


##
# Function to be called by the WebSocket Server on every new connection:
# a new WebRTC Sink for it, added to the playing Pipeline
##
def websocket_server_client_listener(path, client_data):
    global sink_count
    sink_count += 1
    name = 'viewer-{}'.format(sink_count)

    retval = dsl_sink_webrtc_new(name, None, None, ENCODER, 0, 30)
    if retval == DSL_RETURN_SUCCESS:
        retval = dsl_sink_webrtc_client_listener_add(
            name, webrtc_sink_client_listener, name)
    if retval == DSL_RETURN_SUCCESS:
        retval = dsl_pipeline_component_add('pipeline', name)
    if retval != DSL_RETURN_SUCCESS:
        print('{}: {}'.format(name, dsl_return_value_to_string(retval)),
              flush=True)
        dsl_component_delete(name)
        return
    with viewers_lock:
        viewers[name] = path
    print('{}: viewer joined on {}'.format(name, path), flush=True)


def format_stats(name, path, stats):
    retval, encoder, bitrate, iframe_interval = \
        dsl_sink_encode_settings_get(name)
    codec = CODECS.get(encoder, '?') if retval == DSL_RETURN_SUCCESS else '?'
    rtt = ('{:.1f} ms'.format(stats.round_trip_time * 1000)
           if stats.round_trip_time >= 0 else '-')
    return ('{} {}: {}, {}, {:.0f} kbit/s, packets sent {} lost {} '
            'retransmitted {}, NACK {}, PLI/FIR {}, RTT {}, candidate {}'
            .format(name, path,
                    'connected' if stats.connected else 'connecting',
                    codec, stats.bitrate / 1000,
                    stats.packets_sent, stats.packets_lost,
                    stats.packets_retransmitted, stats.nack_count,
                    stats.key_frame_requests, rtt,
                    CANDIDATE_TYPES.get(stats.local_candidate_type, '?')))


##
# Prints every viewer's figures once a second. Services may be called from
# any thread; the sink only copies what it read from webrtcbin.
##
def stats_printer():
    while not stopping.wait(1.0):
        with viewers_lock:
            current = sorted(viewers.items())
        for name, path in current:
            retval, stats = dsl_sink_webrtc_viewer_stats_get(name)
            # a viewer that just left has no figures any more
            if retval == DSL_RETURN_SUCCESS:
                print(format_stats(name, path, stats), flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='GET /metrics for Prometheus, and every viewer\'s '
        'statistics printed once a second.')
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
    printer = threading.Thread(target=stats_printer, daemon=True)

    while True:

        # New live test pattern (extension), with a clock overlay
        retval = dsl_source_test_pattern_new('source', 1280, 720, 30, 1, True)
        if retval != DSL_RETURN_SUCCESS:
            break

        # A Fake Sink keeps the Pipeline whole while nobody watches
        retval = dsl_sink_fake_new('fake-sink')
        if retval != DSL_RETURN_SUCCESS:
            break

        retval = dsl_pipeline_new_component_add_many(
            'pipeline', ['source', 'fake-sink', None])
        if retval != DSL_RETURN_SUCCESS:
            break

        retval = dsl_pipeline_play('pipeline')
        if retval != DSL_RETURN_SUCCESS:
            break

        retval = dsl_websocket_server_client_listener_add(
            websocket_server_client_listener, None)
        if retval != DSL_RETURN_SUCCESS:
            break

        # extension: GET /metrics (off by default)
        retval = dsl_websocket_server_metrics_enabled_set(True)
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
        print('listening on port', port_number, flush=True)
        print('open http://{}:{}/ in a browser'.format(host, port_number),
              flush=True)
        print('metrics at http://{}:{}/metrics'.format(host, port_number),
              flush=True)

        printer.start()
        if options.seconds > 0:
            timer = threading.Timer(options.seconds, dsl_main_loop_quit)
            timer.daemon = True
            timer.start()

        # Runs until --seconds are over or Ctrl-C
        dsl_main_loop_run()
        retval = DSL_RETURN_SUCCESS
        break

    stopping.set()
    if printer.is_alive():
        printer.join()

    # Print out the final result
    print(dsl_return_value_to_string(retval), flush=True)

    dsl_websocket_server_listening_stop()
    dsl_pipeline_stop('pipeline')
    dsl_delete_all()
    return 0 if retval == DSL_RETURN_SUCCESS else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
