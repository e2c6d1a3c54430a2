#!/usr/bin/env python3
"""test-server-limits.py - no client can stall or starve the server.

dsl-webrtc-serve runs as a child on 127.0.0.1 and is attacked the way an
unlucky or hostile client would:
  * a frozen viewer (SIGSTOP after it plays) is closed and its sink
    reported CLOSED within 30 s with the defaults, and faster when the
    keep-alive is set shorter;
  * a viewer whose media path dies while its WebSocket lives (it answers
    pings but its ICE agent is gone) is FAILED, then closed;
  * 2000 half-open HTTP requests under `ulimit -n 1024` leave room for a
    new viewer, which plays, and are all closed after the header timeout;
  * running out of file descriptors is logged once, does not spin, and
    the server recovers when descriptors are free again;
  * a half-open request lives until the header timeout, not for ever;
  * --max-websockets: one upgrade too many gets 503 with Retry-After, and
    a place freed is taken again;
  * a viewer refused with 1013 is also disconnected at once;
  * 64 error replies at most per connection (then 1008), 100 candidates;
  * --max-pending closes the oldest pending connections; a live viewer
    (it answers pings) is kept; the input budget ends a flood with 1009.

Prints TAP. Environment as for test-serve.py (DSL_WEBRTC_SERVE,
DSL_TEST_RECEIVER, DSL_SANITIZED).
"""

import json
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from dsltap import (BUILD_ROOT, RECEIVER, Child, decoded,  # noqa: E402
                    receive, receiver_args, run_cases)
from rawws import CONT, PING, TEXT, RawWebSocket, frame  # noqa: E402

SERVE = os.environ.get('DSL_WEBRTC_SERVE',
                       str(BUILD_ROOT / 'tools' / 'dsl-webrtc-serve'))
SANITIZED = bool(os.environ.get('DSL_SANITIZED'))
SCALE = 3 if SANITIZED else 1
ANNOUNCE = re.compile(r'^dsl-webrtc-serve: open http://127\.0\.0\.1:(\d+)/ ')
LEFT = re.compile(r'^viewer (\S+) left ')
JOINED = re.compile(r'^viewer (\S+) joined ')
SIZE = ('--width', '320', '--height', '240')


class Server:
    """dsl-webrtc-serve on 127.0.0.1 (port None if it never announced);
    limit_fds runs it under `ulimit -n limit_fds`."""

    def __init__(self, *options, limit_fds=None):
        args = [SERVE, '--port', '0', '--bind', '127.0.0.1', *SIZE, *options]
        if limit_fds:
            args = ['bash', '-c', 'ulimit -n {} && exec "$@"'.format(
                limit_fds), 'serve', *args]
        self.child = Child(args)
        _, line = self.child.wait_for_line(ANNOUNCE.match, 30 * SCALE)
        self.port = int(ANNOUNCE.match(line).group(1)) if line else None

    @property
    def pid(self):
        return self.child.process.pid

    def ws(self, path='/ws'):
        return 'ws://127.0.0.1:{}{}'.format(self.port, path)

    def fds(self):
        return len(os.listdir('/proc/{}/fd'.format(self.pid)))

    def cpu_seconds(self):
        with open('/proc/{}/stat'.format(self.pid)) as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def log_count(self, needle):
        return sum(needle in line for line in list(self.child.errors))

    def output(self):
        return self.child.output()

    def stop(self):
        self.child.kill()


def try_upgrade(port, path='/ws'):
    """A RawWebSocket whose upgrade may have been refused (see .status)."""
    ws = RawWebSocket(port, path, upgrade=False)
    try:
        ws.upgrade(ws.request())
    except ConnectionError:
        pass
    return ws


def read_to_end(sock, timeout=5):
    """Everything until the peer closes: (data, closed in time)."""
    data = b''
    sock.settimeout(timeout)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except OSError:
        return data, True


def is_closed(sock):
    """True if the peer closed or reset sock (without waiting)."""
    sock.setblocking(False)
    try:
        return sock.recv(65536) == b''
    except BlockingIOError:
        return False
    except OSError:
        return True


def close_all(socks):
    for sock in socks:
        sock.close()


def half_open(port, count):
    """count connections that send half an HTTP request, as many as the
    server lets connect."""
    socks = []
    for _ in range(count):
        try:
            sock = socket.create_connection(('127.0.0.1', port), timeout=2)
            sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n')
        except OSError:
            break
        socks.append(sock)
    return socks


def watcher(server, frames=100000, timeout=120):
    return Child(receiver_args(server.ws(), frames, '--events',
                               timeout=timeout))


def wait_event(child, name, timeout):
    when, _ = child.wait_for_line(
        lambda line: '"event":"{}"'.format(name) in line, timeout)
    return when


# ---------------------------------------------------------------------------

def frozen_viewer(case, options, limit_s):
    """2 results: a viewer that plays, then freezes, leaves within limit_s."""
    server = Server(*options)
    viewer = None
    try:
        viewer = watcher(server)
        playing = wait_event(viewer, 'first-frame', 30 * SCALE)
        if not case.result(playing is not None, 'the viewer plays',
                           viewer.output() + '\n' + server.output()):
            return
        viewer.signal(signal.SIGSTOP)
        frozen = time.monotonic()
        left, line = server.child.wait_for_line(LEFT.match, limit_s + 10)
        took = (left - frozen) if left else None
        case.result(took is not None and took <= limit_s,
                    'frozen, it is closed and its sink CLOSED within {} s '
                    '(took {})'.format(limit_s, took and round(took, 1)),
                    server.output())
    finally:
        if viewer:
            viewer.kill()
        server.stop()


# Two slow cases (20 s and 50 s of waiting for the defaults) run in the
# normal build only: under the sanitizers the short keep-alive case goes
# through the same code, and the suite must stay within its time.
SLOW = 'normal build only: the same code as the short cases, 20-50 s of waiting'


def case_frozen_default(case):
    if SANITIZED:
        case.skip_rest(SLOW)
        return
    frozen_viewer(case, (), 30)


def case_frozen_short(case):
    frozen_viewer(case, ('--ping-interval', '1', '--pong-timeout', '3'), 6)


def case_media_dies(case):
    """A viewer whose ICE agent stops while its WebSocket still answers
    pings is FAILED by ICE, then closed (the receiver's --drop-media).
    libnice's keep-alive checks go every 25 s and are retried for about
    25 s: this takes about 50 s."""
    if SANITIZED:
        case.skip_rest(SLOW)
        return
    server = Server()
    viewer = None
    try:
        viewer = Child(receiver_args(server.ws(), 100000, '--events',
                                     '--drop-media', '2', timeout=120))
        left, _ = server.child.wait_for_line(LEFT.match, 90)
        failed = server.log_count('connection failed: ICE or DTLS failed')
        case.result(left is not None and failed >= 1,
                    'FAILED by ICE, then closed',
                    viewer.output() + '\n' + server.output())
    finally:
        if viewer:
            viewer.kill()
        server.stop()


def case_half_open_flood(case):
    server = Server('--header-timeout', str(2 * SCALE), limit_fds=1024)
    socks = []
    try:
        if not case.result(server.port is not None, 'starts under ulimit '
                           '-n 1024', server.output()):
            return
        start_fds = server.fds()
        socks = half_open(server.port, 2000)
        case.result(len(socks) == 2000, '2000 half-open requests connect '
                    '({})'.format(len(socks)))
        status, peers, text = receive(server.ws(), 30, timeout=30 * SCALE)
        case.result(status == 0 and peers and decoded(peers[0], 30, 320, 240),
                    'a new viewer plays 320x240 meanwhile',
                    text + '\n' + server.output())
        deadline = time.monotonic() + 2 * SCALE + 10
        while time.monotonic() < deadline:
            if all(is_closed(sock) for sock in socks):
                break
            time.sleep(0.25)
        still = sum(not is_closed(sock) for sock in socks)
        case.result(still == 0, 'every half-open request is closed '
                    '({} still open)'.format(still), server.output())
        close_all(socks)
        socks = []
        deadline = time.monotonic() + 10
        while server.fds() > start_fds + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        case.result(server.fds() <= start_fds + 2, 'file descriptors back to '
                    '{} (now {})'.format(start_fds, server.fds()))
    finally:
        close_all(socks)
        server.stop()


def case_out_of_fds(case):
    """With more pending connections allowed than descriptors exist."""
    server = Server('--max-pending', '5000', '--header-timeout',
                    str(5 * SCALE), limit_fds=128)
    socks = []
    try:
        if not case.result(server.port is not None, 'starts under ulimit '
                           '-n 128', server.output()):
            return
        socks = half_open(server.port, 400)
        if not server.child.wait_for_stderr('cannot accept connections',
                                            10):
            case.fail_rest('never ran out of descriptors\n' +
                           server.output())
            return
        before = sum(is_closed(sock) for sock in socks)
        cpu = server.cpu_seconds()
        time.sleep(2)
        spent = server.cpu_seconds() - cpu
        gone = sum(is_closed(sock) for sock in socks) - before
        # one eviction per pause of 100 ms (and the header timeout's)
        case.result(gone <= 60, 'closes about 10 pending connections a '
                    'second while out of descriptors ({} in 2 s)'.format(gone))
        case.result(spent < 0.5 * SCALE, 'does not spin while out of '
                    'descriptors ({:.2f} s of CPU in 2 s)'.format(spent))
        case.result(server.log_count('cannot accept connections') == 1,
                    'says so once', server.output())
        close_all(socks)
        socks = []
        status, peers, text = receive(server.ws(), 30, timeout=30 * SCALE)
        case.result(status == 0 and peers and decoded(peers[0], 30, 320, 240),
                    'a viewer plays once descriptors are free',
                    text + '\n' + server.output())
        case.result(server.child.wait_for_stderr('accepting connections '
                                                 'again', 10),
                    'says it accepts again', server.output())
    finally:
        close_all(socks)
        server.stop()


def case_header_timeout(case):
    server = Server('--header-timeout', '3')
    try:
        sock = half_open(server.port, 1)[0]
        time.sleep(1.5)
        case.result(not is_closed(sock), 'a slow request is still open '
                    'after 1.5 s')
        data, closed = read_to_end(sock, timeout=5)
        case.result(closed and data == b'', 'closed without an answer by '
                    '3 s + 1 s sweep', repr(data[:200]))
        sock.close()
    finally:
        server.stop()


def case_max_websockets(case):
    server = Server('--max-websockets', '2', '--max-viewers', '8')
    sockets = []
    try:
        for n in (1, 2):
            ws = try_upgrade(server.port)
            sockets.append(ws)
            if not case.result(' 101 ' in ws.status, 'WebSocket {} opens'.format(
                    n), ws.status):
                return
        ws = try_upgrade(server.port)
        ws.close()
        case.result(' 503 ' in ws.status and
                    ws.headers.get('retry-after') == '5',
                    'a third gets 503 with Retry-After: 5', '{} {}'.format(
                        ws.status, ws.headers))
        sockets.pop(0).close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            ws = try_upgrade(server.port)
            sockets.append(ws)
            if ' 101 ' in ws.status:
                break
            time.sleep(0.1)
        case.result(' 101 ' in ws.status, 'the freed place is taken again',
                    ws.status)
    finally:
        for ws in sockets:
            ws.close()
        server.stop()


def case_busy_disconnects(case):
    server = Server('--max-viewers', '1')
    first = second = None
    try:
        first = RawWebSocket(server.port)
        second = RawWebSocket(server.port)
        outcome = second.outcome()
        try:
            ended = second.read_frame(timeout=2) if outcome[0] == 'close' \
                else 'no close frame'
        except TimeoutError:
            ended = 'still open 2 s after the close frame'

        case.result(outcome == ('close', 1013) and ended is None,
                    'the second viewer gets 1013 and is disconnected',
                    '{} then {}'.format(outcome, ended))
    finally:
        for ws in (first, second):
            if ws:
                ws.close()
        server.stop()


def send_text(ws, message):
    return ws.send_frame(TEXT, json.dumps(message).encode())


def case_error_replies(case):
    """64 error replies on one connection; the 65th malformed message
    closes it with 1008."""
    server = Server()
    ws = None
    try:
        ws = RawWebSocket(server.port)
        case.result(ws.message('sdp') is not None, 'the offer comes')
        replies = 0
        for _ in range(64):
            send_text(ws, {'type': 'bye', 'data': {}})
            replies += ws.message('error') is not None
        case.result(replies == 64, '64 malformed messages get 64 error '
                    'replies ({})'.format(replies))
        send_text(ws, {'type': 'bye', 'data': {}})
        outcome = ws.outcome()
        case.result(outcome == ('close', 1008) and
                    ws.close_reason == b'too many malformed messages',
                    'the 65th closes with 1008', '{} {!r}'.format(
                        outcome, ws.close_reason))
    finally:
        if ws:
            ws.close()
        server.stop()


def case_candidates(case):
    """100 client candidates are taken, the 101st is refused."""
    server = Server()
    ws = None
    candidate = {'type': 'ice', 'data': {
        'candidate': 'candidate:1 1 UDP 2122252543 127.0.0.1 9 typ host',
        'sdpMLineIndex': 0}}
    try:
        ws = RawWebSocket(server.port)
        case.result(ws.message('sdp') is not None, 'the offer comes')
        for _ in range(100):
            send_text(ws, candidate)
        # an error reply now comes from the 101st only (messages are
        # handled in order)
        send_text(ws, candidate)
        reply = ws.message('error')
        case.result(reply is not None and reply['data']['message'] ==
                    'too many ICE candidates', 'the 101st gets "too many '
                    'ICE candidates" and is the first refused', str(reply))
    finally:
        if ws:
            ws.close()
        server.stop()


def case_max_pending(case):
    """One connection over --max-pending closes the oldest pending one."""
    server = Server('--max-pending', '10', '--header-timeout', '30')
    socks = []
    try:
        socks = half_open(server.port, 20)
        deadline = time.monotonic() + 5
        while (time.monotonic() < deadline and
               not all(is_closed(sock) for sock in socks[:10])):
            time.sleep(0.1)
        closed = [is_closed(sock) for sock in socks]
        case.result(all(closed[:10]), 'the 10 oldest are closed', str(closed))
        case.result(not any(closed[10:]), 'the 10 newest stay open',
                    str(closed))
    finally:
        close_all(socks)
        server.stop()


def case_idle_viewer_kept(case):
    """A viewer that only answers pings outlives --pong-timeout 3: the
    pings are sent."""
    server = Server('--ping-interval', '1', '--pong-timeout', '3')
    viewer = None
    try:
        viewer = watcher(server)
        if not case.result(wait_event(viewer, 'first-frame', 30 * SCALE)
                           is not None, 'the viewer plays', server.output()):
            return
        left, _ = server.child.wait_for_line(LEFT.match, 8)
        case.result(left is None, 'still watching 8 s later (the pings '
                    'keep it alive)', server.output())
    finally:
        if viewer:
            viewer.kill()
        server.stop()


def case_input_budget(case):
    """1 MiB at once, then 64 KiB/s: 900 KiB at once is taken, 300 KiB
    more at once ends the connection with 1009. The message never ends,
    so the 256 KiB message limit plays no part."""
    server = Server()
    ws = None
    try:
        ws = RawWebSocket(server.port)
        piece = b'a' * (60 * 1024)
        ws.send(frame(TEXT, piece, fin=False) +
                b''.join(frame(CONT, piece, fin=False) for _ in range(14)))
        ws.send_frame(PING, b'900')
        case.result(ws.pong() == b'900', '900 KiB at once: still open')
        ws.send(b''.join(frame(CONT, piece, fin=False) for _ in range(5)))
        outcome = ws.outcome()
        case.result(outcome == ('close', 1009) and
                    ws.close_reason == b'too much data',
                    '300 KiB more: 1009 "too much data"', '{} {!r}'.format(
                        outcome, ws.close_reason))
    finally:
        if ws:
            ws.close()
        server.stop()


CASES = [
    ('frozen viewer, defaults', 2, case_frozen_default),
    ('frozen viewer, --pong-timeout 3', 2, case_frozen_short),
    ('live viewer, --pong-timeout 3', 2, case_idle_viewer_kept),
    ('media path dies', 1, case_media_dies),
    ('2000 half-open requests', 5, case_half_open_flood),
    ('out of file descriptors', 6, case_out_of_fds),
    ('--max-pending 10', 2, case_max_pending),
    ('--header-timeout 3', 2, case_header_timeout),
    ('--max-websockets 2', 4, case_max_websockets),
    ('1013 disconnects', 1, case_busy_disconnects),
    ('64 error replies', 3, case_error_replies),
    ('100 candidates', 2, case_candidates),
    ('input budget', 2, case_input_budget),
]


def main():
    return run_cases(CASES, (SERVE, RECEIVER))


if __name__ == '__main__':
    sys.exit(main())
