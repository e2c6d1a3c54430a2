#!/usr/bin/env python3
"""test-metrics.py - GET /metrics of dsl-webrtc-serve --metrics.

Each case starts the command on 127.0.0.1 on a free port:
  * off by default: /metrics is 404 like any unknown path, and the
    label values of odd WebSocket paths are escaped (promtool reads them);
  * a viewer (the C test receiver) plays: 200 with the exposition content
    type, promtool accepts the text, dsl_viewers{path="/ws"} is 1 while it
    plays and 0 after, the byte and packet counters grow while it plays
    and never go back, a second viewer closed with 1013 shows as
    no_transceiver; a real Prometheus (started here, private config and
    storage in a temporary folder, scrape interval 1 s) scrapes the server
    and its query API gives dsl_viewers 1, then 0;
  * with --token: a request without the token gets 401 and an upgrade from
    another origin 403, and each shows in dsl_connections_refused_total;
  * every other reason of dsl_connections_refused_total and
    dsl_connections_dropped_total, one case each, with a fresh server and
    short limits: a known number of events gives exactly that count, the
    other reasons stay 0, and one sweep later nothing more came:
    websocket_limit (503 beyond --max-websockets), pending_limit (the
    oldest beyond --max-pending closed), header_timeout (half a request,
    or none), fd_limit (RLIMIT_NOFILE 64, ten connections more than it
    has descriptors for: as many as it closed for them),
    tls_handshake (plain text, garbage, a client that rejects the
    certificate), idle_timeout (see the case: libsoup keeps no connection
    alive here, so it cannot happen), unread_response (a large answer to a
    client that reads nothing), no_pong (a WebSocket that never answers
    pings) and blocked (a WebSocket that sends pings but reads none of the
    pongs).

promtool and prometheus (Debian's prometheus package) are optional: the
results that need them are skipped when they are missing.
Prints TAP; the exit status is non-zero if any test failed. Everything
listens and connects on 127.0.0.1 only.
"""

import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from dsltap import (BUILD_ROOT, RECEIVER, Child, json_lines,  # noqa: E402
                    receiver_args, run, run_cases)
from rawws import PING, RawWebSocket, frame  # noqa: E402
from testcerts import Certificates  # noqa: E402

SERVE = os.environ.get('DSL_WEBRTC_SERVE',
                       str(BUILD_ROOT / 'tools' / 'dsl-webrtc-serve'))
SCALE = 3 if os.environ.get('DSL_SANITIZED') else 1
ANNOUNCE = re.compile(
    r'^dsl-webrtc-serve: open https?://127\.0\.0\.1:(\d+)/')
CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
PROMTOOL = shutil.which('promtool')
PROMETHEUS = shutil.which('prometheus')
TOKEN = 'metrics-test-token'


class Server:
    """dsl-webrtc-serve on 127.0.0.1; port is None if it never announced.
    wrapper: a command that runs it (prlimit ...)."""

    def __init__(self, *options, wrapper=()):
        self.child = Child([*wrapper, SERVE, '--port', 0, '--bind',
                            '127.0.0.1', '--width', 320, '--height', 240,
                            *options])
        _, line = self.child.wait_for_line(ANNOUNCE.match, 30 * SCALE)
        self.port = int(ANNOUNCE.match(line).group(1)) if line else None

    def ws(self, path='/ws'):
        return 'ws://127.0.0.1:{}{}'.format(self.port, path)

    def output(self):
        return self.child.output()

    def stop(self):
        self.child.kill()


def exchange(port, lines, tls=None):
    """Sends a request (its head lines) over plain TCP, or over TLS with
    the ssl.SSLContext tls, and reads until the server closes: (status or
    None, headers in lower case, body text)."""
    request = '\r\n'.join(lines) + '\r\n\r\n'
    data = b''
    sock = None
    try:
        sock = socket.create_connection(('127.0.0.1', port),
                                        timeout=10 * SCALE)
        if tls:
            sock = tls.wrap_socket(sock, server_hostname='127.0.0.1')
        sock.sendall(request.encode())
        while True:
            try:
                chunk = sock.recv(65536)
            except ssl.SSLEOFError:   # TLS closed without close_notify
                chunk = b''
            if not chunk:
                break
            data += chunk
    except OSError as error:
        return None, {}, repr(error)
    finally:
        if sock:
            sock.close()
    head, _, body = data.partition(b'\r\n\r\n')
    head_lines = head.decode('latin-1').split('\r\n')
    match = re.match(r'HTTP/1\.1 (\d{3})', head_lines[0])
    headers = {}
    for line in head_lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    return (int(match.group(1)) if match else None), headers, \
        body.decode('utf-8', 'replace')


def get(port, path='/metrics', headers=(), method='GET', tls=None):
    return exchange(port, ['{} {} HTTP/1.1'.format(method, path),
                           'Host: 127.0.0.1:{}'.format(port),
                           'Connection: close', *headers], tls)


def upgrade(port, origin):
    return exchange(port, [
        'GET /ws HTTP/1.1', 'Host: 127.0.0.1:{}'.format(port),
        'Upgrade: websocket', 'Connection: Upgrade',
        'Sec-WebSocket-Key: ' + base64.b64encode(os.urandom(16)).decode(),
        'Sec-WebSocket-Version: 13', 'Origin: ' + origin])


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$')


def samples(text):
    """{series as written: value} of an exposition text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        match = SAMPLE.match(line)
        if match:
            out[match.group(1)] = float(match.group(2))
    return out


def scrape(port, headers=(), tls=None):
    """(status, headers, {series: value}, text) of GET /metrics."""
    status, head, body = get(port, headers=headers, tls=tls)
    return status, head, samples(body), body


def poll(port, history, done, timeout):
    """Scrapes until done(values) or the timeout; the values of the last
    scrape. Each scrape's bytes sent go on history."""
    deadline = time.monotonic() + timeout
    while True:
        _, _, values, _ = scrape(port)
        history.append(values.get('dsl_sent_bytes_total', -1))
        if done(values) or time.monotonic() > deadline:
            return values
        time.sleep(0.2)


def promtool(case, text, name):
    """1 result: promtool check metrics accepts text (skipped without
    promtool)."""
    if not PROMTOOL:
        case.skip(name, 'no promtool (Debian package prometheus)')
        return
    check = subprocess.run([PROMTOOL, 'check', 'metrics'], input=text,
                           capture_output=True, text=True, timeout=30)
    case.result(check.returncode == 0, name,
                'exit {}\n{}{}\n{}'.format(check.returncode, check.stdout,
                                            check.stderr, text))


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# A real Prometheus on loopback
# ---------------------------------------------------------------------------

class Prometheus:
    """prometheus scraping target every second, with its configuration
    and storage in folder; port None if it never got ready."""

    def __init__(self, folder, target):
        config = Path(folder) / 'prometheus.yml'
        config.write_text(
            'global:\n'
            '  scrape_interval: 1s\n'
            '  scrape_timeout: 1s\n'
            '  evaluation_interval: 1s\n'
            'scrape_configs:\n'
            '  - job_name: dsl\n'
            '    metrics_path: /metrics\n'
            '    static_configs:\n'
            "      - targets: ['{}']\n".format(target))
        self.port = free_port()
        self.child = Child([PROMETHEUS, '--config.file', config,
                            '--web.listen-address',
                            '127.0.0.1:{}'.format(self.port),
                            '--storage.tsdb.path', Path(folder) / 'data',
                            '--log.level', 'warn'])
        deadline = time.monotonic() + 30 * SCALE
        while time.monotonic() < deadline:
            status, _, _ = get(self.port, '/-/ready')
            if status == 200:
                return
            if self.child.process.poll() is not None:
                break
            time.sleep(0.2)
        self.port = None

    def query(self, expression):
        """The values of an instant query, as floats (a list), or None."""
        status, _, body = get(self.port, '/api/v1/query?query=' +
                              urllib.parse.quote(expression))
        try:
            answer = json.loads(body)
        except ValueError:
            return None
        if status != 200 or answer.get('status') != 'success':
            return None
        return [float(r['value'][1]) for r in answer['data']['result']]

    def wait_for(self, expression, value, timeout):
        """True once the query gives exactly [value] (within timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.query(expression) == [value]:
                return True
            time.sleep(0.25)
        return False

    def output(self):
        return self.child.output()

    def stop(self):
        self.child.kill()


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------

ODD_PATH = '/ws/a%22b%5Cc%0Ad%C3%A9%FF'
ODD_LABEL = r'/ws/a\"b\\c\nd' + '\u00e9\ufffd'


def case_off_and_escaping(case):
    server = Server()
    try:
        if not case.result(server.port is not None, 'announces its URL',
                           server.output()):
            return
        status, _, body = get(server.port)
        case.result(status == 404,
                    'without --metrics, /metrics is 404 (as any unknown path)',
                    '{} {}'.format(status, body))
    finally:
        server.stop()

    server = Server('--metrics', '--path', ODD_PATH)
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        status, head, values, text = scrape(server.port)
        case.result(
            values.get('dsl_viewers{path="/ws"}') == 0 and
            values.get('dsl_viewers{{path="{}"}}'.format(ODD_LABEL)) == 0,
            'a path with a quote, a backslash, a line feed, UTF-8 and a byte '
            'that is not UTF-8 is one escaped, valid label value',
            '{}\n{}'.format(status, text))
        promtool(case, text, 'promtool accepts the escaped labels')
        status, head, _ = get(server.port, method='POST')
        case.result(status == 405 and head.get('allow') == 'GET, HEAD',
                    'POST /metrics is 405 with Allow: GET, HEAD',
                    '{} {}'.format(status, head))
    finally:
        server.stop()


def case_viewer(case):
    folder = tempfile.mkdtemp(prefix='dsl-metrics-')
    server = Server('--metrics', '--max-viewers', '1')
    prometheus = None
    try:
        if not case.result(server.port is not None, 'announces its URL',
                           server.output()):
            return
        status, head, values, text = scrape(server.port)
        case.result(status == 200 and
                    head.get('content-type') == CONTENT_TYPE,
                    'GET /metrics is 200 with Content-Type ' + CONTENT_TYPE,
                    '{} {}\n{}'.format(status, head, text))
        case.result(values.get('dsl_viewers{path="/ws"}') == 0 and
                    values.get('dsl_encoders_running') == 0,
                    'no viewer and no encoder running before anyone comes',
                    text)

        if PROMETHEUS:
            prometheus = Prometheus(folder, '127.0.0.1:{}'.format(
                server.port))
            case.result(prometheus.port is not None, 'prometheus is ready',
                        prometheus.output())
        else:
            case.skip('prometheus is ready',
                      'no prometheus (Debian package prometheus)')

        viewer = Child(receiver_args(server.ws(), 30, '--events', '--hold',
                                     8 * SCALE, timeout=40 * SCALE))
        try:
            when, _ = viewer.wait_for_line(
                lambda line: '"event":"first-frame"' in line, 30 * SCALE)
            if not case.result(when is not None, 'the viewer plays',
                               viewer.output() + '\n' + server.output()):
                return
            # while it plays: the figures and promtool
            history = []
            _, _, now, text = scrape(server.port)
            case.result(now.get('dsl_viewers{path="/ws"}') == 1 and
                        now.get('dsl_viewers_connected_total{path="/ws"}')
                        == 1 and now.get('dsl_encoders_running') == 1 and
                        now.get('dsl_websockets_open') == 1,
                        'while it plays: dsl_viewers{path="/ws"} 1, one '
                        'viewer connected in all, one encoder running, one '
                        'WebSocket open', text)
            promtool(case, text, 'promtool accepts the text with a viewer')
            # the sink reads webrtcbin's statistics once a second: the
            # first figures come within a second or two of the first frame
            first = poll(server.port, history, lambda v: v.get(
                'dsl_sent_bytes_total', 0) > 0, 5 * SCALE)
            time.sleep(1.5)
            second = poll(server.port, history, lambda v: any(
                k.startswith('dsl_viewer_bitrate_bytes_per_second'
                             '{path="/ws",sink="viewer-') and x > 0
                for k, x in v.items()), 5 * SCALE)
            grew = [name for name in ('dsl_sent_bytes_total',
                                      'dsl_sent_packets_total')
                    if second.get(name, 0) > first.get(name, 0) > 0]
            case.result(len(grew) == 2,
                        'bytes and packets sent grow while it plays',
                        'first {}\nsecond {}'.format(first, second))
            case.result(any(k.startswith('dsl_viewer_bitrate_bytes_per_'
                                         'second{path="/ws",sink="viewer-')
                            and v > 0 for k, v in second.items()),
                        'the viewer\'s own bit rate is shown, by path and '
                        'sink', second)

            # a second viewer finds no sink (--max-viewers 1): 1013
            status, lines, errors = run(receiver_args(
                server.ws(), 30, timeout=10 * SCALE), 40 * SCALE)
            peers = json_lines(lines)
            _, _, third, text = scrape(server.port)
            history.append(third.get('dsl_sent_bytes_total', -1))
            case.result(
                len(peers) == 1 and peers[0].get('close_code') == 1013 and
                third.get('dsl_connections_refused_total'
                          '{reason="no_transceiver"}') == 1,
                'a second viewer closed with 1013 counts once as '
                'no_transceiver', '{}\n{}\n{}'.format(lines, errors, text))

            if prometheus and prometheus.port:
                case.result(prometheus.wait_for('dsl_viewers{path="/ws"}', 1,
                                                10 * SCALE),
                            'prometheus scraped it: its query API gives '
                            'dsl_viewers 1',
                            '{}\n{}'.format(prometheus.query('dsl_viewers'),
                                            prometheus.output()))
            else:
                case.skip('prometheus sees dsl_viewers 1', 'no prometheus')
            status = viewer.wait(40 * SCALE)
        finally:
            viewer.kill()
        peers = [p for p in json_lines(viewer.lines) if 'event' not in p]
        case.result(status == 0 and len(peers) == 1 and
                    peers[0].get('frames') == 30,
                    'the viewer decoded its 30 frames and left',
                    viewer.output())

        # after it left
        deadline = time.monotonic() + 10 * SCALE
        after = {}
        while time.monotonic() < deadline:
            _, _, after, text = scrape(server.port)
            history.append(after.get('dsl_sent_bytes_total', -1))
            if after.get('dsl_viewers{path="/ws"}') == 0:
                break
            time.sleep(0.2)
        case.result(after.get('dsl_viewers{path="/ws"}') == 0 and
                    after.get('dsl_websockets_open') == 0 and
                    after.get('dsl_encoders_running') == 0,
                    'after it left: dsl_viewers{path="/ws"} 0, no WebSocket '
                    'open, no encoder running', text)
        case.result(min(history) >= 0 and history[-1] > 0 and
                    history == sorted(history) and
                    after.get('dsl_sent_packets_total', 0) >=
                    second.get('dsl_sent_packets_total', 1) and
                    after.get('dsl_key_frames_total', 0) >= 1,
                    'the counters never went back when the viewer left '
                    '(bytes over every scrape: {})'.format(
                        [int(b) for b in history]), text)
        if prometheus and prometheus.port:
            case.result(prometheus.wait_for('dsl_viewers{path="/ws"}', 0,
                                            10 * SCALE) and
                        (prometheus.query('dsl_sent_bytes_total') or [0])[0]
                        > 0 and
                        prometheus.query('up{job="dsl"}') == [1],
                        'prometheus then gives dsl_viewers 0, bytes sent, '
                        'and the target up',
                        '{}\n{}'.format(prometheus.query('{job="dsl"}'),
                                        prometheus.output()))
        else:
            case.skip('prometheus sees dsl_viewers 0', 'no prometheus')
        # under the sanitizers, a leak would make this exit non-zero
        server.child.signal(signal.SIGINT)
        status = server.child.wait(30 * SCALE)
        case.result(status == 0, 'the server exits 0 on SIGINT',
                    'exit {}\n{}'.format(status, server.output()))
    finally:
        if prometheus:
            prometheus.stop()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def case_refused(case):
    server = Server('--metrics', '--token', TOKEN)
    try:
        if not case.result(server.port is not None, 'announces its URL',
                           server.output()):
            return
        bearer = ['Authorization: Bearer ' + TOKEN]
        status, head, _ = get(server.port)
        case.result(status == 401 and head.get('www-authenticate') ==
                    'Bearer', 'GET /metrics without the token is 401',
                    '{} {}'.format(status, head))
        status, _, _ = get(server.port, '/metrics?token=wrong')
        case.result(status == 401, 'and with a wrong token too', status)
        status, _, _ = upgrade(server.port, 'http://elsewhere.example')
        case.result(status == 403, 'an upgrade from another origin is 403',
                    status)
        status, head, values, text = scrape(server.port, bearer)
        case.result(status == 200 and
                    head.get('content-type') == CONTENT_TYPE,
                    'GET /metrics with Authorization: Bearer is 200',
                    '{} {}\n{}'.format(status, head, text))
        case.result(values.get('dsl_connections_refused_total'
                               '{reason="token"}') == 2 and
                    values.get('dsl_connections_refused_total'
                               '{reason="origin"}') == 1 and
                    values.get('dsl_connections_accepted_total') == 4,
                    'the refusals counted by reason: token 2, origin 1, of 4 '
                    'connections accepted', text)
        promtool(case, text, 'promtool accepts it')
    finally:
        server.stop()


# ---------------------------------------------------------------------------
# Every refusal and drop reason, counted exactly
# ---------------------------------------------------------------------------

REFUSED = ('origin', 'token', 'websocket_limit', 'no_transceiver',
           'pending_limit', 'header_timeout', 'fd_limit', 'tls_handshake')
DROPPED = ('idle_timeout', 'unread_response', 'no_pong', 'blocked')
# the guard looks at every connection once a second
SWEEP_S = 1


def reasons(values):
    """{'refused:REASON' or 'dropped:REASON': value or None} of a scrape."""
    out = {}
    for family, names in (('refused', REFUSED), ('dropped', DROPPED)):
        for name in names:
            value = values.get('dsl_connections_{}_total{{reason="{}"}}'
                               .format(family, name))
            out[family + ':' + name] = value if value is None or \
                value != int(value) else int(value)
    return out


def expected(**counts):
    """Every reason 0 but those given (refused_X=n, dropped_X=n)."""
    out = dict.fromkeys(reasons({}), 0)
    for key, count in counts.items():
        family, _, name = key.partition('_')
        assert family + ':' + name in out, key
        out[family + ':' + name] = count
    return out


def await_reasons(server, want, timeout, tls=None, between=None):
    """Scrapes until every reason of want has at least its count (or the
    timeout), then once more one sweep later, when nothing may have come
    since: the reasons of that last scrape, and its text. between() runs
    before each scrape of the wait."""
    deadline = time.monotonic() + timeout * SCALE
    while True:
        if between:
            between()
        _, _, values, _ = scrape(server.port, tls=tls)
        got = reasons(values)
        if all((got[k] or 0) >= n for k, n in want.items() if n) or \
                time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(SWEEP_S + 0.5)
    status, _, values, text = scrape(server.port, tls=tls)
    return reasons(values), '{}\n{}'.format(status, text)


def check_reasons(case, got, want, text, name=None):
    """1 result: every reason shows exactly its count of want."""
    wrong = {k: (got.get(k), n) for k, n in want.items() if got.get(k) != n}
    shown = ', '.join('{} {}'.format(k, n) for k, n in want.items() if n)
    if not name:
        name = ('counted exactly {}, every other reason 0'.format(shown)
                if shown else 'every reason 0') + \
            ', and nothing more a sweep later'
    return case.result(not wrong, name,
                       '{}\nwrong (shown, expected): {}'.format(text, wrong))


def started(case, server):
    return case.result(server.port is not None, 'announces its URL',
                       server.output())


def connect(port):
    return socket.create_connection(('127.0.0.1', port), timeout=10 * SCALE)


def half_request(port):
    """A connection that sends half a request and waits."""
    sock = connect(port)
    sock.sendall('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n'.format(
        port).encode())
    return sock


def closed_by_peer(sock):
    """True if the peer closed or reset sock (without waiting)."""
    sock.setblocking(False)
    try:
        return sock.recv(65536) == b''
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.settimeout(10 * SCALE)


def await_closed(socks, timeout):
    """True once the server closed every one of socks (within timeout)."""
    deadline = time.monotonic() + timeout * SCALE
    while not all(closed_by_peer(sock) for sock in socks):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def read_to_end(sock, timeout):
    """Everything until the peer closes: (data, closed within timeout)."""
    data = b''
    sock.settimeout(timeout * SCALE)
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


def slow_reader(port):
    """A connection that takes in as little as Linux lets it before the
    application reads: the least receive buffer, and the least segment
    size, because Linux sizes the server's send buffer from the peer's
    segment size (on loopback, with 64 KiB segments, it holds megabytes;
    with 536-byte ones, tens of KiB)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    sock.settimeout(10 * SCALE)
    sock.connect(('127.0.0.1', port))
    return sock


def close_all(socks):
    for sock in socks:
        sock.close()


def case_websocket_limit(case):
    server = Server('--metrics', '--max-websockets', '1')
    sockets = []
    try:
        if not started(case, server):
            return
        statuses = []
        for _ in range(3):
            ws = RawWebSocket(server.port, upgrade=False)
            sockets.append(ws)
            try:
                ws.upgrade(ws.request())
            except ConnectionError:
                pass
            statuses.append(ws.status)
        case.result(' 101 ' in statuses[0] and
                    all(' 503 ' in s for s in statuses[1:]),
                    'the first WebSocket opens, the next two get 503',
                    statuses)
        got, text = await_reasons(server, expected(
            refused_websocket_limit=2), 5)
        check_reasons(case, got, expected(refused_websocket_limit=2), text)
    finally:
        for ws in sockets:
            ws.close()
        server.stop()


def case_pending_limit(case):
    server = Server('--metrics', '--max-pending', '3', '--header-timeout',
                    '30')
    socks = []
    try:
        if not started(case, server):
            return
        # A..E: D and E close A and B; the scrape is a pending connection
        # too, and its own arrival closes C before it is answered
        for _ in range(5):
            socks.append(half_request(server.port))
        await_closed(socks[:2], 5)
        _, _, values, text = scrape(server.port)
        got = reasons(values)
        gone = await_closed(socks[:3], 5)
        case.result(gone and not any(closed_by_peer(s) for s in socks[3:]),
                    'five half requests and a scrape over --max-pending 3: '
                    'the three oldest are closed, the two newest open',
                    [closed_by_peer(s) for s in socks])
        check_reasons(case, got, expected(refused_pending_limit=3), text,
                      'the scrape counted exactly pending_limit 3, every '
                      'other reason 0')
        # closed connections stay pending until the next sweep forgets
        # them: once two sweeps have passed, a scrape finds none to close
        close_all(socks)
        time.sleep(2 * SWEEP_S + 0.5)
        _, _, values, text = scrape(server.port)
        check_reasons(case, reasons(values),
                      expected(refused_pending_limit=3), text,
                      'and still exactly that once they are closed')
    finally:
        close_all(socks)
        server.stop()


def case_header_timeout(case):
    server = Server('--metrics', '--header-timeout', '1')
    socks = []
    try:
        if not started(case, server):
            return
        # two with half a request, one that sends nothing at all
        socks = [half_request(server.port), half_request(server.port),
                 connect(server.port)]
        start = time.monotonic()
        ended = [read_to_end(sock, 5) for sock in socks]
        took = time.monotonic() - start
        case.result(all(closed and data == b'' for data, closed in ended) and
                    took >= 1,
                    'three incomplete requests closed without an answer, '
                    'after the 1 s header timeout ({:.1f} s)'.format(took),
                    ended)
        got, text = await_reasons(server, expected(refused_header_timeout=3),
                                  5)
        check_reasons(case, got, expected(refused_header_timeout=3), text)
    finally:
        close_all(socks)
        server.stop()


def accept_queue(port):
    """Connections waiting in the kernel for the listening socket on port
    to accept them (rx_queue of a LISTEN socket in /proc/net/tcp), or
    None."""
    with open('/proc/net/tcp') as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[3] == '0A' and int(fields[1].split(':')[1], 16) == port:
                return int(fields[4].split(':')[1], 16)
    return None


def open_fds(pid):
    return len(os.listdir('/proc/{}/fd'.format(pid)))


def case_fd_limit(case):
    # more pending connections allowed than descriptors: accept fails
    limit = 64
    server = Server('--metrics', '--max-pending', '5000', '--header-timeout',
                    '30', wrapper=['prlimit', '--nofile={0}:{0}'.format(limit),
                                   '--'])
    socks = []
    try:
        if not started(case, server):
            return
        pid = server.child.process.pid   # prlimit runs the server in itself
        idle_fds = open_fds(pid)
        # ten more than it has descriptors left for: with every one in
        # use, each failed accept closes the oldest pending connection,
        # and accepting resumes 100 ms later, until the kernel holds no
        # connection waiting
        for _ in range(limit - idle_fds + 10):
            socks.append(half_request(server.port))
        deadline = time.monotonic() + 10 * SCALE
        while accept_queue(server.port) != 0 and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        evicted = sum(closed_by_peer(sock) for sock in socks)
        case.result(accept_queue(server.port) == 0 and evicted >= 1,
                    '{} half requests with {} descriptors free: all '
                    'accepted in the end, {} of the oldest closed for them'
                    .format(len(socks), limit - idle_fds, evicted),
                    'waiting: {}\n{}'.format(accept_queue(server.port),
                                             server.output()))
        close_all(socks)
        socks = []
        # the closed ones are gone when their descriptors are: a scrape
        # before then could find none free again
        deadline = time.monotonic() + 10 * SCALE
        while open_fds(pid) > idle_fds and time.monotonic() < deadline:
            time.sleep(0.1)
        status, _, values, text = scrape(server.port)
        case.result(status == 200, 'GET /metrics is answered once they are '
                    'closed', '{}\n{}\n{}'.format(status, text,
                                                  server.output()))
        # fd_limit counts exactly the connections closed for a descriptor
        count = reasons(values)['refused:fd_limit']
        case.result(count == evicted and count >= 1, 'fd_limit {} (the '
                    'connections closed: {})'.format(count, evicted), text)
        got, text = await_reasons(server, {}, 5)
        check_reasons(case, got, expected(refused_fd_limit=evicted), text,
                      'every other reason 0, and fd_limit the same a sweep '
                      'later')
    finally:
        close_all(socks)
        server.stop()


def case_tls_handshake(case):
    certificates = Certificates()
    server = Server('--metrics', *certificates.tls_options())
    trusting = ssl.create_default_context(cafile=str(certificates.ca))
    try:
        if not started(case, server):
            return
        # plain HTTP to the TLS port, then bytes that are no handshake
        ended = []
        for data in (b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n',
                     bytes(range(256)) * 2):
            with connect(server.port) as sock:
                sock.sendall(data)
                ended.append(read_to_end(sock, 5))
        # a client that does not trust the certificate gives up
        distrust = ssl.create_default_context()
        try:
            with connect(server.port) as sock:
                distrust.wrap_socket(sock, server_hostname='127.0.0.1')
            rejected = 'the handshake succeeded'
        except ssl.SSLCertVerificationError:
            rejected = None
        except OSError as error:
            rejected = repr(error)
        case.result(all(data == b'' and closed for data, closed in ended) and
                    rejected is None,
                    'plain HTTP and garbage are closed without an answer; a '
                    'client that does not trust the certificate gives up',
                    '{} {}'.format(ended, rejected))
        got, text = await_reasons(server, expected(refused_tls_handshake=3),
                                  5, tls=trusting)
        check_reasons(case, got, expected(refused_tls_handshake=3), text)
    finally:
        server.stop()
        certificates.folder.cleanup()


def case_idle(case):
    """idle_timeout cannot happen with libsoup 3.2: it keeps a connection
    alive only for a SoupServer with listeners of its own (soup-server.c,
    request_finished), and the connection guard accepts instead, so every
    connection ends after one answer (dsl-websocket-server.c says
    Connection: close). This case checks that, and that the counter stays
    0 past the idle timeout; should connections ever be kept alive, it
    checks that one left idle is closed and counted once."""
    server = Server('--metrics', '--idle-timeout', '1')
    sock = None
    try:
        if not started(case, server):
            return
        sock = connect(server.port)
        sock.sendall('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n'
                     '\r\n'.format(server.port).encode())
        start = time.monotonic()
        data, closed = read_to_end(sock, 5)
        took = time.monotonic() - start
        head = data.partition(b'\r\n\r\n')[0].decode('latin-1').lower()
        if 'connection: close' in head.split('\r\n'):
            case.result(head.startswith('http/1.1 200') and closed and
                        took < 1,
                        'a keep-alive request is answered with Connection: '
                        'close and the connection ends at once ({:.2f} s): '
                        'no connection is ever idle'.format(took), head)
            time.sleep(1 + SWEEP_S + 0.5)   # past the idle timeout
            want = expected()
        else:
            case.result(head.startswith('http/1.1 200') and closed and
                        took >= 1,
                        'a keep-alive connection left idle is closed after '
                        'the 1 s idle timeout ({:.2f} s)'.format(took), head)
            want = expected(dropped_idle_timeout=1)
        got, text = await_reasons(server, want, 5)
        check_reasons(case, got, want, text)
    finally:
        if sock:
            sock.close()
        server.stop()


def case_unread_response(case):
    # /metrics names every path twice: 200 of 1000 bytes make its answer
    # about 400 KiB, far more than a slow reader's connection buffers
    paths = []
    for n in range(200):
        paths += ['--path', '/ws/{:03d}'.format(n) + 'x' * 996]
    server = Server('--metrics', '--idle-timeout', '1', *paths)
    sock = None
    try:
        if not started(case, server):
            return
        _, _, body = get(server.port)
        size = len(body)
        sock = slow_reader(server.port)
        sock.sendall('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n'
                     'Connection: close\r\n\r\n'.format(server.port).encode())
        # reads nothing until it was counted
        got, text = await_reasons(server, expected(
            dropped_unread_response=1), 10)
        data, closed = read_to_end(sock, 10)
        case.result(size > 300000 and closed and len(data) < size,
                    'a client that reads nothing of a {} byte answer is '
                    'closed before the end of it (it then read {} bytes)'
                    .format(size, len(data)), closed)
        check_reasons(case, got, expected(dropped_unread_response=1), text)
    finally:
        if sock:
            sock.close()
        server.stop()


def case_no_pong(case):
    server = Server('--metrics', '--ping-interval', '1', '--pong-timeout',
                    '2')
    ws = None
    try:
        if not started(case, server):
            return
        ws = RawWebSocket(server.port)
        # it reads the offer and the pings, and answers nothing
        outcome = ws.outcome(10)
        case.result(outcome == ('close', 1001) and
                    ws.close_reason == b'no answer to pings',
                    'a WebSocket that answers no ping is closed with 1001 '
                    '"no answer to pings"', '{} {!r}'.format(
                        outcome, ws.close_reason))
        got, text = await_reasons(server, expected(dropped_no_pong=1), 5)
        check_reasons(case, got, expected(dropped_no_pong=1), text)
    finally:
        if ws:
            ws.close()
        server.stop()


def case_blocked(case):
    server = Server('--metrics', '--ping-interval', '1', '--pong-timeout',
                    '2')
    ws = None
    try:
        if not started(case, server):
            return
        # RawWebSocket connects by itself: that connection (nothing sent
        # on it) is swapped for a slow reader before the upgrade
        ws = RawWebSocket(server.port, upgrade=False)
        ws.sock.close()
        ws.sock = slow_reader(server.port)
        ws.upgrade(ws.request())
        # 2000 pings at once: their 250 KiB of pongs cannot all be taken
        # in. Then more all the time (about 20 KiB/s, within the input
        # budget), so that it is never silent and the server always has
        # more to write: Linux still takes a small write into the last
        # segment not sent yet, even with the send buffer full, so a
        # trickle of pongs would let a write complete now and then (and
        # the guard counts a connection blocked only when none has for
        # --pong-timeout).
        ping = frame(PING, b'p' * 125)
        ws.send(ping * 2000)
        got, text = await_reasons(server, expected(dropped_blocked=1), 10,
                                  between=lambda: ws.send(ping * 40))
        outcome = ws.outcome(10)
        case.result(outcome[0] != 'open', 'a WebSocket that sends pings but '
                    'reads none of the pongs is closed ({})'.format(
                        outcome), text)
        check_reasons(case, got, expected(dropped_blocked=1), text)
    finally:
        if ws:
            ws.close()
        server.stop()


def main():
    return run_cases([
        ('off, and escaping', 5, case_off_and_escaping),
        ('a viewer', 16, case_viewer),
        ('refused', 7, case_refused),
        ('refused: websocket_limit', 3, case_websocket_limit),
        ('refused: pending_limit', 4, case_pending_limit),
        ('refused: header_timeout', 3, case_header_timeout),
        ('refused: fd_limit', 5, case_fd_limit),
        ('refused: tls_handshake', 3, case_tls_handshake),
        ('dropped: idle_timeout', 3, case_idle),
        ('dropped: unread_response', 3, case_unread_response),
        ('dropped: no_pong', 3, case_no_pong),
        ('dropped: blocked', 3, case_blocked),
    ], required=[SERVE, RECEIVER])


if __name__ == '__main__':
    sys.exit(main())
