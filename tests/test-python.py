#!/usr/bin/env python3
"""test-python.py - the Python bindings and both DSL Python examples.

Runs, each in its own process:
  * a check of python/dsl.py against libdsl.so (constants, tuple getters,
    lists, listeners and client_data, the main loop, signals);
  * examples/python/1file_webrtc_connect_pre_play.py (use case 2) and
    examples/python/1file_webrtc_connect_post_play.py (use case 1), each
    viewed by the C test receiver, which must decode 60 frames of the
    1280x720 test pattern; the examples must then end by themselves;
  * the post-play example stopped by SIGINT.

Prints TAP; the exit status is non-zero if any test failed.

Environment (set by the test runner):
  DSL_TEST_RECEIVER  the C test receiver
  DSL_SOURCE_ROOT    the repository (default: this file's parent's parent)
  DSL_BUILD_ROOT     the build directory holding src/libdsl.so
  DSL_WEBRTC_ICE_ADDRESSES=127.0.0.1
The examples listen on 127.0.0.1 only; nothing goes beyond loopback.
"""

import ast
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import dsltap  # noqa: E402
from dsltap import (BUILD_ROOT, RECEIVER, SOURCE_ROOT, Case,  # noqa: E402
                    Child, Tap, decoded, exits_0, listening, receive,
                    receiver_args, run, start_example)
from testcerts import Certificates  # noqa: E402

LIBRARY = BUILD_ROOT / 'src' / 'libdsl.so'
PYTHON_DIR = SOURCE_ROOT / 'python'
EXAMPLES = SOURCE_ROOT / 'examples' / 'python'

WIDTH, HEIGHT, FRAMES = 1280, 720, 60


def child_env(**extra):
    return dsltap.child_env(**{'DSL_LIBRARY': str(LIBRARY),
                               'PYTHONUNBUFFERED': '1',
                               'PYTHONDONTWRITEBYTECODE': '1', **extra})


def index_of(lines, needle, start=0):
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i
    return -1


# ---------------------------------------------------------------------------
# The bindings, checked in a child process
# ---------------------------------------------------------------------------

BINDINGS_CHECKS = [
    'constants',
    'string services',
    'WebRTC Sink getters return tuples',
    'lists with and without a trailing None',
    'listener add/remove with plain Python functions',
    'WebSocket Server state, bind address and listening_stop(port)',
    'listeners run in dsl_main_loop_run with their client_data',
    'dsl_main_loop_quit from another thread',
    'Python SIGINT handling is back after dsl_main_loop_run',
    'dsl_delete_all',
]

BINDINGS_SCRIPT = r'''
import gc, os, signal, sys, threading, time, traceback
sys.path.insert(0, sys.argv[1])
from dsl import *

def report(name, function):
    try:
        detail = function()
        ok = detail is None
    except Exception:
        ok, detail = False, traceback.format_exc()
    print('{}\t{}\t{}'.format(name, 'ok' if ok else 'fail',
                              repr(detail)), flush=True)

def expect(actual, wanted):
    if actual != wanted:
        raise AssertionError('{!r} != {!r}'.format(actual, wanted))

def constants():
    expect(DSL_RETURN_SUCCESS, 0)
    expect(DSL_RESULT_SUCCESS, 0)
    expect(DSL_WEBSOCKET_SERVER_DEFAULT_HTTP_PORT, 60001)
    expect(DSL_WEBSOCKET_SERVER_DEFAULT_WEBSOCKET_PORT, 60001)
    expect(DSL_ENCODER_HW_H264, 0)
    expect((DSL_ENCODER_SW_VP8, DSL_ENCODER_SW_VP9), (0x1000, 0x1001))
    expect(DSL_RESULT_INVALID_RESULT_CODE, 0xFFFFFFFF)
    expect(DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED, 0x0004001A)
    expect(DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED,
           0x00700004)
    expect((DSL_STATE_NULL, DSL_STATE_PLAYING, DSL_STATE_UNKNOWN),
           (1, 4, 0xFFFFFFFF))
    expect((DSL_SOCKET_CONNECTION_STATE_CLOSED,
            DSL_SOCKET_CONNECTION_STATE_INITIATED,
            DSL_SOCKET_CONNECTION_STATE_FAILED), (0, 1, 2))
    expect((DSL_FALSE, DSL_TRUE), (0, 1))
    expect(dsl_webrtc_connection_data._fields_[0][0], 'current_state')
    for name in ('DSL_WEBSOCKET_SERVER_CLIENT_LISTENER',
                 'DSL_SINK_WEBRTC_CLIENT_LISTENER',
                 'DSL_STATE_CHANGE_LISTENER', 'DSL_EOS_LISTENER'):
        if name not in globals():
            return name + ' missing'

def strings():
    expect(dsl_return_value_to_string(DSL_RESULT_SINK_NAME_NOT_FOUND),
           'DSL_RESULT_SINK_NAME_NOT_FOUND')
    expect(dsl_return_value_to_string(12345), 'Invalid DSL Result CODE')
    expect(dsl_state_value_to_string(DSL_STATE_PLAYING), 'DSL_STATE_PLAYING')
    if not isinstance(dsl_info_version_get(), str):
        return 'dsl_info_version_get is not a str'

def sink_getters():
    expect(dsl_sink_webrtc_new('webrtc-sink', 'stun://stun.example.org:3478',
                               None, DSL_ENCODER_SW_VP8, 1000000, 10), 0)
    # an unset server is '' (DSL gives L""), never None
    expect(dsl_sink_webrtc_servers_get('webrtc-sink'),
           (0, 'stun://stun.example.org:3478', ''))
    expect(dsl_sink_webrtc_servers_set('webrtc-sink', None,
                                       'turn://u:p@turn.example.org:3478'), 0)
    expect(dsl_sink_webrtc_servers_get('webrtc-sink'),
           (0, '', 'turn://u:p@turn.example.org:3478'))
    expect(dsl_sink_encode_settings_get('webrtc-sink'),
           (0, DSL_ENCODER_SW_VP8, 1000000, 10))
    expect(dsl_sink_encode_dimensions_get('webrtc-sink'), (0, 0, 0))
    expect(dsl_sink_encode_dimensions_set('webrtc-sink', 640, 480), 0)
    expect(dsl_sink_encode_dimensions_get('webrtc-sink'), (0, 640, 480))
    # extension: shared encoder by default, opt out per sink
    expect(dsl_sink_webrtc_encoder_shared_get('webrtc-sink'), (0, True))
    expect(dsl_sink_webrtc_encoder_shared_set('webrtc-sink', False), 0)
    expect(dsl_sink_webrtc_encoder_shared_get('webrtc-sink'), (0, False))
    expect(dsl_sink_webrtc_encoder_shared_get('no-such-sink')[0],
           DSL_RESULT_COMPONENT_NAME_NOT_FOUND)
    # extension: /metrics
    expect(dsl_websocket_server_metrics_enabled_get(), (0, False))
    expect(dsl_websocket_server_metrics_enabled_set(True), 0)
    expect(dsl_websocket_server_metrics_enabled_get(), (0, True))
    expect(dsl_websocket_server_metrics_enabled_set(False), 0)
    # extension: relay only
    expect(dsl_webrtc_ice_transport_policy_get(),
           (0, DSL_WEBRTC_ICE_TRANSPORT_POLICY_ALL))
    expect(dsl_webrtc_ice_transport_policy_set(7),
           DSL_RESULT_INVALID_INPUT_PARAM)
    expect(dsl_webrtc_ice_transport_policy_set(
        DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY), 0)
    expect(dsl_webrtc_ice_transport_policy_get(),
           (0, DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY))
    expect(dsl_webrtc_ice_transport_policy_set(
        DSL_WEBRTC_ICE_TRANSPORT_POLICY_ALL), 0)
    # extension: metadata with no viewer goes nowhere; too big is refused
    expect(dsl_sink_webrtc_metadata_send('webrtc-sink', '{"boxes":[]}'),
           (0, 0))
    expect(dsl_sink_webrtc_metadata_data_send('webrtc-sink', b'x' * 65537),
           (DSL_RESULT_INVALID_INPUT_PARAM, 0))
    # extension: no viewer, no statistics
    expect(dsl_sink_webrtc_viewer_stats_get('webrtc-sink'),
           (DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED, None))
    # extension: the test pattern's time code
    expect(dsl_source_test_pattern_new('tc', 320, 240, 30, 1, False), 0)
    expect(dsl_source_test_pattern_timecode_enabled_set('tc', True), 0)
    expect(dsl_source_test_pattern_timecode_enabled_set('webrtc-sink', True),
           DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE)
    expect(dsl_component_delete('tc'), 0)
    expect(dsl_sink_encode_settings_get('no-such-sink')[0],
           DSL_RESULT_COMPONENT_NAME_NOT_FOUND)
    expect(dsl_sink_webrtc_servers_get('no-such-sink'),
           (DSL_RESULT_COMPONENT_NAME_NOT_FOUND, None, None))

def lists():
    expect(dsl_source_test_pattern_new('source', 320, 240, 30, 1, False), 0)
    expect(dsl_sink_fake_new('fake-sink'), 0)
    expect(dsl_pipeline_new_component_add_many('pipeline',
           ['source', 'fake-sink', None]), 0)
    expect(dsl_pipeline_state_get('pipeline'), (0, DSL_STATE_NULL))
    expect(dsl_pipeline_new_many(['p1', 'p2']), 0)
    expect(dsl_pipeline_list_size(), 3)
    expect(dsl_pipeline_delete_many(['p1', 'p2', None]), 0)
    expect(dsl_pipeline_list_size(), 1)
    expect(dsl_sink_fake_new('f1'), 0)
    expect(dsl_sink_fake_new('f2'), 0)
    expect(dsl_component_delete_many(['f1', 'f2']), 0)
    expect(dsl_component_list_size(), 3)

def sink_listener(connection_data_ptr, client_data):
    pass

def server_listener(path, client_data):
    pass

def listeners():
    expect(dsl_sink_webrtc_client_listener_add('webrtc-sink', sink_listener,
                                               None), 0)
    # the same function is the same C listener
    expect(dsl_sink_webrtc_client_listener_add('webrtc-sink', sink_listener,
                                               {'any': 'object'}),
           DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_ADD_FAILED)
    expect(dsl_sink_webrtc_client_listener_remove('webrtc-sink',
                                                  sink_listener), 0)
    expect(dsl_sink_webrtc_client_listener_remove('webrtc-sink',
                                                  sink_listener),
           DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_REMOVE_FAILED)
    expect(dsl_websocket_server_client_listener_add(server_listener, None), 0)
    expect(dsl_websocket_server_client_listener_add(server_listener, None),
           DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_ADD_FAILED)
    expect(dsl_websocket_server_client_listener_remove(server_listener), 0)
    expect(dsl_websocket_server_client_listener_remove(server_listener),
           DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED)

def server():
    expect(dsl_websocket_server_listening_state_get(), (0, DSL_FALSE, 0))
    expect(dsl_websocket_server_bind_address_set('not an address'),
           DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED)
    expect(dsl_websocket_server_bind_address_set('127.0.0.1'), 0)
    expect(dsl_websocket_server_listening_start(0), 0)
    retval, is_listening, port = dsl_websocket_server_listening_state_get()
    expect((retval, is_listening), (0, DSL_TRUE))
    if not 0 < port < 65536:
        return 'port {}'.format(port)
    # DSL's dsl.py took a (unused) port argument; both spellings work
    expect(dsl_websocket_server_listening_stop(port), 0)
    expect(dsl_websocket_server_listening_stop(),
           DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED)
    # extensions: keep-alive, timeouts and connection limits
    expect(dsl_websocket_server_keepalive_get(), (0, 5, 20))
    expect(dsl_websocket_server_keepalive_set(5, 5),
           DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED)
    expect(dsl_websocket_server_keepalive_set(2, 8), 0)
    expect(dsl_websocket_server_keepalive_get(), (0, 2, 8))
    expect(dsl_websocket_server_timeouts_get(), (0, 10, 30))
    expect(dsl_websocket_server_timeouts_set(0, 30),
           DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED)
    expect(dsl_websocket_server_timeouts_set(4, 9), 0)
    expect(dsl_websocket_server_timeouts_get(), (0, 4, 9))
    expect(dsl_websocket_server_connection_limits_get(), (0, 256, 512))
    expect(dsl_websocket_server_connection_limits_set(16, 0),
           DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED)
    expect(dsl_websocket_server_connection_limits_set(16, 32), 0)
    expect(dsl_websocket_server_connection_limits_get(), (0, 16, 32))
    # extensions: TLS, origins, tokens, the authorization listener
    expect(dsl_websocket_server_tls_set('/nonexistent.pem', '/nonexistent.key'),
           DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE)
    expect(dsl_websocket_server_tls_set(None, None), 0)
    expect(dsl_websocket_server_origin_add('https://cams.example.com'), 0)
    expect(dsl_websocket_server_origin_add('https://cams.example.com/page'),
           DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED)
    expect(dsl_websocket_server_origin_required_set(True), 0)
    expect(dsl_websocket_server_origin_required_set(False), 0)
    expect(dsl_websocket_server_origins_clear(), 0)
    expect(dsl_websocket_server_token_set(''),
           DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED)
    expect(dsl_websocket_server_token_set('t'), 0)
    expect(dsl_websocket_server_token_set(None), 0)
    expect(dsl_websocket_server_authorize_listener_set(
        lambda path, token, origin, address, data: True, {'a': 1}), 0)
    expect(dsl_websocket_server_authorize_listener_set(None, None), 0)

seen = []
main_thread = threading.current_thread()

def state_change_listener(old_state, new_state, client_data):
    seen.append((old_state, new_state, dsl_client_data(client_data),
                 threading.current_thread() is main_thread))
    if new_state == DSL_STATE_PLAYING:
        dsl_main_loop_quit()

def main_loop():
    guard = threading.Timer(20, dsl_main_loop_quit)
    guard.start()
    user_data = {'name': 'user data'}
    expect(dsl_pipeline_state_change_listener_add(
        'pipeline', state_change_listener, user_data), 0)
    # a refused duplicate add must not drop the registered client_data
    expect(dsl_pipeline_state_change_listener_add(
        'pipeline', state_change_listener, {'name': 'refused'}),
        DSL_RESULT_PIPELINE_CALLBACK_ADD_FAILED)
    del user_data   # the bindings keep it alive
    gc.collect()
    expect(dsl_pipeline_play('pipeline'), 0)
    dsl_main_loop_run()
    guard.cancel()
    expect(dsl_pipeline_state_get('pipeline'), (0, DSL_STATE_PLAYING))
    if not seen or seen[-1][:2] != (DSL_STATE_PAUSED, DSL_STATE_PLAYING):
        return 'states seen: {!r}'.format(seen)
    if any(s[2] != {'name': 'user data'} or not s[3] for s in seen):
        return 'client_data or thread wrong: {!r}'.format(seen)
    expect(dsl_pipeline_state_change_listener_remove(
        'pipeline', state_change_listener), 0)

def quit_from_thread():
    # the GIL is released while the loop runs
    start = time.monotonic()
    threading.Timer(0.3, dsl_main_loop_quit).start()
    dsl_main_loop_run()
    elapsed = time.monotonic() - start
    if elapsed > 10:
        return 'took {:.1f} s'.format(elapsed)

def sigint_restored():
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return 'handler {!r}'.format(signal.getsignal(signal.SIGINT))
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
    except KeyboardInterrupt:
        return None
    return 'no KeyboardInterrupt'

def delete_all():
    expect(dsl_pipeline_stop('pipeline'), 0)
    dsl_delete_all()
    expect((dsl_pipeline_list_size(), dsl_component_list_size()), (0, 0))

for name, function in zip(NAMES, [constants, strings, sink_getters, lists,
                                  listeners, server, main_loop,
                                  quit_from_thread, sigint_restored,
                                  delete_all]):
    report(name, function)

# dsl.py waits at exit for the library's DTLS certificate thread
'''


def test_bindings(tap):
    script = 'NAMES = {!r}\n'.format(BINDINGS_CHECKS) + BINDINGS_SCRIPT
    try:
        done = subprocess.run([sys.executable, '-c', script, str(PYTHON_DIR)],
                              env=child_env(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=90)
        stdout, stderr, status = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as error:
        stdout = error.stdout or ''
        stderr = error.stderr or ''
        if isinstance(stdout, bytes):
            stdout = stdout.decode(errors='replace')
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors='replace')
        status = 'timeout'
    results = {}
    for line in stdout.splitlines():
        parts = line.split('\t', 2)
        if len(parts) == 3:
            try:
                detail = ast.literal_eval(parts[2])
            except (ValueError, SyntaxError):
                detail = parts[2]
            results[parts[0]] = (parts[1] == 'ok', detail)
    for name in BINDINGS_CHECKS:
        ok, detail = results.get(name, (False, 'no result (exit {})\n{}'
                                        .format(status, stderr[-3000:])))
        tap.result(ok, 'dsl.py: ' + name, detail)
    tap.result(status == 0, 'dsl.py: the check process exits 0',
               'exit {}\n{}'.format(status, stderr[-3000:]))


def test_library_not_found(tap):
    done = subprocess.run(
        [sys.executable, '-c', 'import sys; sys.path.insert(0, sys.argv[1]); '
         'import dsl', str(PYTHON_DIR)],
        env=child_env(DSL_LIBRARY='/nonexistent/libdsl.so'),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    tap.result(done.returncode != 0 and 'DSL_LIBRARY' in done.stderr
               and '/nonexistent/libdsl.so' in done.stderr,
               'dsl.py: a clear error when DSL_LIBRARY cannot be loaded',
               done.stderr)


# ---------------------------------------------------------------------------
# The examples
# ---------------------------------------------------------------------------

PRE_PLAY_TESTS = 6
POST_PLAY_TESTS = 7


def start_python_example(script, *options):
    return start_example([sys.executable, EXAMPLES / script], *options,
                         env=child_env())


def view_and_check(case, child, port):
    """The receiver views the example: 2 results."""
    status, peers, text = receive('ws://127.0.0.1:{}/ws'.format(port), FRAMES)
    case.result(status == 0, 'the receiver decoded the stream',
                text + '\n' + child.output())
    case.result(len(peers) == 1 and decoded(peers[0], FRAMES, WIDTH, HEIGHT),
                '{} frames of {}x{}'.format(FRAMES, WIDTH, HEIGHT),
                'peers: {!r}'.format(peers))


def test_pre_play(tap):
    case = Case(tap, 'pre-play example', PRE_PLAY_TESTS)
    child, port = start_python_example('1file_webrtc_connect_pre_play.py')
    try:
        if not listening(case, child, port):
            return
        view_and_check(case, child, port)
        exits_0(case, child, 'exits 0 by itself after CLOSED')
        lines = child.lines
        initiated = index_of(lines, 'current_state = 1')
        closed = index_of(lines, 'current_state = 0', initiated + 1)
        case.result(initiated >= 0 and closed > initiated,
                    'current_state = 1, then current_state = 0',
                    child.output())
        case.result(bool(lines) and lines[-1] == 'DSL_RESULT_SUCCESS'
                    and index_of(lines, 'dsl_pipeline_play returned '
                                 'DSL_RESULT_SUCCESS') >= 0,
                    'played on INITIATED, prints DSL_RESULT_SUCCESS',
                    child.output())
    finally:
        child.kill()


def test_post_play(tap):
    case = Case(tap, 'post-play example', POST_PLAY_TESTS)
    child, port = start_python_example('1file_webrtc_connect_post_play.py',
                                       '--exit-after-viewers', '1')
    try:
        if not listening(case, child, port):
            return
        view_and_check(case, child, port)
        exits_0(case, child, 'exits 0 after the viewer closed')
        lines = child.lines
        path = index_of(lines, 'path = /ws')
        case.result(path >= 0, 'the server client listener saw path = /ws',
                    child.output())
        initiated = index_of(lines, 'current_state = 1', path + 1)
        closed = index_of(lines, 'current_state = 0', initiated + 1)
        case.result(path >= 0 and initiated > path and closed > initiated,
                    'then current_state = 1, then current_state = 0',
                    child.output())
        case.result(bool(lines) and lines[-1] == 'DSL_RESULT_SUCCESS',
                    'prints DSL_RESULT_SUCCESS', child.output())
    finally:
        child.kill()


def test_post_play_sigint(tap):
    name = 'post-play example'
    child, port = start_python_example('1file_webrtc_connect_post_play.py')
    try:
        status = None
        running = None
        if port:
            # Listeners run only while the main loop runs: the first
            # state change line says dsl_main_loop_run() is running (and
            # its SIGINT handler in place), which the port line, printed
            # just before the call, does not.
            running = child.wait_for_line(
                lambda line: line.startswith('state_change_listener: ') and
                line.endswith('new state = DSL_STATE_PLAYING'), 20)[1]
        if running:
            child.process.send_signal(signal.SIGINT)
            status = child.wait(15)
        tap.result(running is not None and status == 0 and child.lines
                   and child.lines[-1] == 'DSL_RESULT_SUCCESS',
                   name + ': SIGINT ends dsl_main_loop_run, exits 0',
                   'exit {}\n{}'.format(status, child.output()))
    finally:
        child.kill()


SECURE_TESTS = 5


def test_secure_example(tap):
    """secure_webrtc_server.py: TLS, a token per path."""
    case = Case(tap, 'secure example', SECURE_TESTS)
    certs = Certificates()
    child, port = start_python_example(
        'secure_webrtc_server.py', '--cert', certs.cert, '--key', certs.key,
        '--token', 'main-token', '--camera-token', 'cam1=cam-token')
    try:
        if not listening(case, child, port):
            return

        def watch(path):
            url = 'wss://127.0.0.1:{}{}'.format(port, path)
            status, lines, errors = run(receiver_args(
                url, 30, '--ca', certs.ca, timeout=30), 60)
            peers = dsltap.json_lines(lines)
            return (bool(peers) and decoded(peers[0], 30, WIDTH, HEIGHT),
                    '{}\n{}'.format('\n'.join(lines), errors[-2000:]))

        ok, text = watch('/ws?token=main-token')
        case.result(ok, 'plays over wss:// with the token of /ws',
                    text + '\n' + child.output())
        ok, text = watch('/ws/cam1?token=cam-token')
        case.result(ok, 'plays /ws/cam1 with its own token',
                    text + '\n' + child.output())
        ok, text = watch('/ws/cam1?token=main-token')
        case.result(not ok and index_of(child.lines, 'refused /ws/cam1') >= 0,
                    'the token of /ws does not open /ws/cam1',
                    text + '\n' + child.output())
        case.result(not any('main-token' in line or 'cam-token' in line
                            for line in child.lines + child.errors),
                    'never prints a token', child.output())
    finally:
        child.kill()


def test_failure_path(tap):
    name = 'pre-play example'
    child = Child([sys.executable,
                   EXAMPLES / '1file_webrtc_connect_pre_play.py',
                   '--port', '0', '--bind', 'not-an-address'], child_env())
    try:
        status = child.wait(30)
        tap.result(status == 1 and child.lines and child.lines[-1] ==
                   'DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED',
                   name + ': a failing service is printed, exit 1, no crash',
                   'exit {}\n{}'.format(status, child.output()))
    finally:
        child.kill()


def main():
    tap = Tap(len(BINDINGS_CHECKS) + 1 + 1 + PRE_PLAY_TESTS +
              POST_PLAY_TESTS + 1 + 1 + SECURE_TESTS)
    for path in (LIBRARY, Path(RECEIVER)):
        if not path.exists():
            tap.diag('missing: {}'.format(path))
    test_bindings(tap)
    test_library_not_found(tap)
    test_pre_play(tap)
    test_post_play(tap)
    test_post_play_sigint(tap)
    test_failure_path(tap)
    test_secure_example(tap)
    return tap.finish(fill=True)


if __name__ == '__main__':
    sys.exit(main())
