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
    another origin 403, and each shows in dsl_connections_refused_total.

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

SERVE = os.environ.get('DSL_WEBRTC_SERVE',
                       str(BUILD_ROOT / 'tools' / 'dsl-webrtc-serve'))
SCALE = 3 if os.environ.get('DSL_SANITIZED') else 1
ANNOUNCE = re.compile(r'^dsl-webrtc-serve: open http://127\.0\.0\.1:(\d+)/')
CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
PROMTOOL = shutil.which('promtool')
PROMETHEUS = shutil.which('prometheus')
TOKEN = 'metrics-test-token'


class Server:
    """dsl-webrtc-serve on 127.0.0.1; port is None if it never announced."""

    def __init__(self, *options):
        self.child = Child([SERVE, '--port', 0, '--bind', '127.0.0.1',
                            '--width', 320, '--height', 240, *options])
        _, line = self.child.wait_for_line(ANNOUNCE.match, 30 * SCALE)
        self.port = int(ANNOUNCE.match(line).group(1)) if line else None

    def ws(self, path='/ws'):
        return 'ws://127.0.0.1:{}{}'.format(self.port, path)

    def output(self):
        return self.child.output()

    def stop(self):
        self.child.kill()


def exchange(port, lines):
    """Sends a request (its head lines) over plain TCP and reads until the
    server closes: (status or None, headers in lower case, body text)."""
    request = '\r\n'.join(lines) + '\r\n\r\n'
    data = b''
    try:
        with socket.create_connection(('127.0.0.1', port),
                                      timeout=10 * SCALE) as sock:
            sock.sendall(request.encode())
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as error:
        return None, {}, repr(error)
    head, _, body = data.partition(b'\r\n\r\n')
    head_lines = head.decode('latin-1').split('\r\n')
    match = re.match(r'HTTP/1\.1 (\d{3})', head_lines[0])
    headers = {}
    for line in head_lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    return (int(match.group(1)) if match else None), headers, \
        body.decode('utf-8', 'replace')


def get(port, path='/metrics', headers=(), method='GET'):
    return exchange(port, ['{} {} HTTP/1.1'.format(method, path),
                           'Host: 127.0.0.1:{}'.format(port),
                           'Connection: close', *headers])


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


def scrape(port, headers=()):
    """(status, headers, {series: value}, text) of GET /metrics."""
    status, head, body = get(port, headers=headers)
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


def main():
    return run_cases([
        ('off, and escaping', 5, case_off_and_escaping),
        ('a viewer', 16, case_viewer),
        ('refused', 7, case_refused),
    ], required=[SERVE, RECEIVER])


if __name__ == '__main__':
    sys.exit(main())
