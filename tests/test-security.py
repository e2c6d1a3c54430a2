#!/usr/bin/env python3
"""test-security.py - dsl-webrtc-serve with TLS, a viewer token and its
Origin allow-list, end to end.

A private CA and a leaf for 127.0.0.1 are made with openssl at the start.
The server command runs as a child with --tls-cert, --tls-key and --token
(or --token-file), listening on 127.0.0.1 on a free port:
  * the C test receiver plays over wss:// only with the token and the CA
    (--ca); plain ws://, no token, a wrong token or an untrusted certificate
    give no frame, and harm nothing;
  * a bare TLS client sees 101, 401 and 403 exactly where they belong, and
    the page behind the token (its cookie is Secure);
  * headless Chromium (tests/browser/view.mjs), trusting the leaf by its
    public key (--ignore-certificate-errors-spki-list), plays the server's
    own https:// page at the source's size over wss://; without the token
    the page is refused; a page of another origin (served by a small HTTP
    server here) and a page from disk are refused (403) unless
    --allow-origin or --allow-file-pages let them in;
  * the token never appears in the server's output, even at GST_DEBUG
    level 7 for dsl*.

Prints TAP; the exit status is non-zero if any test failed. The browser
cases are skipped when view.mjs exits 77 (no Chromium or playwright-core),
unless DSL_REQUIRE_BROWSER=1, which makes that a failure.

Environment (set by the test runner): DSL_WEBRTC_SERVE, DSL_TEST_RECEIVER,
DSL_SOURCE_ROOT, DSL_BUILD_ROOT, DSL_WEBRTC_ICE_ADDRESSES=127.0.0.1;
DSL_SANITIZED=1 allows more time. Everything listens and connects on
127.0.0.1 only.
"""

import base64
import functools
import http.server
import os
import re
import secrets
import socket
import ssl
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import dsltap  # noqa: E402
from dsltap import (browser_skipped,  # noqa: E402
                    BUILD_ROOT, RECEIVER, SOURCE_ROOT, Child,
                    child_env, decoded, json_lines, receiver_args, run,
                    run_cases)
from testcerts import Certificates  # noqa: E402

SCALE = 3 if os.environ.get('DSL_SANITIZED') else 1
WAIT = 10 * SCALE
SERVE = os.environ.get('DSL_WEBRTC_SERVE',
                       str(BUILD_ROOT / 'tools' / 'dsl-webrtc-serve'))
WWW = SOURCE_ROOT / 'src' / 'server' / 'www'
W, H = 320, 240

# Random, so that no log can hold it by chance; every character a URL
# carries as it is.
TOKEN = 'tok-' + secrets.token_hex(12)
ANNOUNCE = re.compile(r'^dsl-webrtc-serve: open (https?)://127\.0\.0\.1:'
                      r'(\d+)/(\S*) in a browser')


CERTS = None   # made by main()


# ---------------------------------------------------------------------------
# The server command, its clients
# ---------------------------------------------------------------------------

class Server:
    """dsl-webrtc-serve on 127.0.0.1, logging dsl* at level 7; port is None
    if it never announced."""

    def __init__(self, *options, tls=True, token=TOKEN):
        args = [SERVE, '--port', '0', '--bind', '127.0.0.1', '--width', W,
                '--height', H]
        if tls:
            args += CERTS.tls_options()
        if token:
            args += ['--token', token]
        self.child = Child([*args, *options],
                           env=child_env(GST_DEBUG='dsl*:7',
                                         GST_DEBUG_NO_COLOR='1'))
        _, line = self.child.wait_for_line(ANNOUNCE.match, 30 * SCALE)
        match = ANNOUNCE.match(line) if line else None
        self.port = int(match.group(2)) if match else None
        self.announced = match

    def url(self, path='/', scheme='https'):
        return '{}://127.0.0.1:{}{}'.format(scheme, self.port, path)

    def origin(self, scheme='https'):
        return '{}://127.0.0.1:{}'.format(scheme, self.port)

    def joined(self):
        return [l for l in self.child.lines if ' joined on ' in l]

    def everything(self):
        """All it printed so far, stdout and stderr."""
        return '\n'.join(self.child.lines + self.child.errors)

    def output(self):
        return self.child.output()

    def stop(self):
        self.child.kill()


def receive(url, *extra, frames=60, timeout=20):
    """Runs the C receiver: (status, its peer result or {}, text)."""
    timeout *= SCALE
    status, lines, errors = run(receiver_args(url, frames, *extra,
                                              timeout=timeout), timeout + 30)
    peers = json_lines(lines)
    text = 'receiver exit {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
        status, '\n'.join(lines), '\n'.join(errors.splitlines()[-20:]))
    return status, (peers[0] if peers else {}), text, errors


def exchange(port, request, tls=True):
    """Sends a request over TLS (trusting the CA) or plain TCP and returns
    (status code or None, response head as text)."""
    sock = socket.create_connection(('127.0.0.1', port), timeout=WAIT)
    try:
        if tls:
            context = ssl.create_default_context(cafile=str(CERTS.ca))
            sock = context.wrap_socket(sock, server_hostname='127.0.0.1')
        sock.sendall(request.encode())
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (OSError, ssl.SSLError) as error:
        return None, repr(error)
    finally:
        sock.close()
    head = data.split(b'\r\n\r\n', 1)[0].decode('latin-1')
    match = re.match(r'HTTP/1\.1 (\d{3})', head)
    return (int(match.group(1)) if match else None), head


def upgrade(port, path='/ws', origin=None, headers=(), tls=True):
    """The status a WebSocket upgrade gets, and the response head."""
    lines = ['GET {} HTTP/1.1'.format(path),
             'Host: 127.0.0.1:{}'.format(port), 'Upgrade: websocket',
             'Connection: Upgrade',
             'Sec-WebSocket-Key: ' + base64.b64encode(os.urandom(16)).decode(),
             'Sec-WebSocket-Version: 13']
    if origin:
        lines.append('Origin: ' + origin)
    lines += list(headers)
    return exchange(port, '\r\n'.join(lines) + '\r\n\r\n', tls)


def get(port, path, headers=(), tls=True):
    lines = ['GET {} HTTP/1.1'.format(path),
             'Host: 127.0.0.1:{}'.format(port), 'Connection: close',
             *headers]
    return exchange(port, '\r\n'.join(lines) + '\r\n\r\n', tls)


def view(*args, timeout=40):
    """view.mjs with its own --timeout (scaled under the sanitizers)."""
    timeout *= SCALE
    return dsltap.view('--timeout', timeout, *args, timeout=timeout + 60)




def plays(status, result):
    return (status == 0 and result.get('ok') is True and
            result.get('frames', 0) >= 30 and
            (result.get('width'), result.get('height')) == (W, H))


def refused(status, result):
    return (status == 0 and result.get('refused') is True and
            result.get('frames', 0) == 0)


def handshake_errors(result):
    return [w.get('error') or '' for w in result.get('websockets', [])]


class PageServer:
    """The viewer's files over plain HTTP on another port of 127.0.0.1: a
    page of another origin."""

    def __init__(self):
        handler = functools.partial(Quiet, directory=str(WWW))
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def origin(self):
        return 'http://127.0.0.1:{}'.format(self.port)

    def page(self, server):
        return '{}/index.html?server=wss://127.0.0.1:{}&token={}'.format(
            self.origin(), server.port, TOKEN)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def disk_page(server):
    return '{}?server=wss://127.0.0.1:{}&token={}'.format(
        WWW / 'index.html', server.port, TOKEN)


# ---------------------------------------------------------------------------
# The C receiver, a bare TLS client
# ---------------------------------------------------------------------------

def case_receiver(case):
    server = Server()
    try:
        if not case.result(server.port is not None and
                           server.announced.group(1) == 'https' and
                           server.announced.group(3) == '?token=TOKEN',
                           'announces https://127.0.0.1:PORT/?token=TOKEN',
                           server.output()):
            case.fail_rest('no URL announced')
            return
        wss = 'wss://127.0.0.1:{}/ws'.format(server.port)
        good = wss + '?token=' + TOKEN
        status, peer, text, _ = receive(good, '--ca', CERTS.ca)
        case.result(status == 0 and decoded(peer, 60, W, H),
                    'over wss:// with the token and the CA: 60 frames of '
                    '{}x{}'.format(W, H), text + '\n' + server.output())
        for name, url, extra, needle in [
                ('no token', wss, ['--ca', CERTS.ca], 'did not accept'),
                ('a wrong token', wss + '?token=tok-wrong', ['--ca', CERTS.ca],
                 'did not accept'),
                ('the token in another place (?key=)', wss + '?key=' + TOKEN,
                 ['--ca', CERTS.ca], 'did not accept'),
                ('no CA', good, [], 'Unacceptable TLS certificate'),
                ('plain ws://', 'ws://127.0.0.1:{}/ws?token={}'.format(
                    server.port, TOKEN), [], 'cannot connect')]:
            status, peer, text, errors = receive(url, *extra, timeout=5)
            case.result(status == 1 and peer.get('frames', -1) == 0 and
                        needle in errors,
                        '{}: no frame ("{}")'.format(name, needle),
                        text + '\n' + server.output())
        status, peer, text, _ = receive(good, '--ca', CERTS.ca)
        case.result(status == 0 and decoded(peer, 60, W, H),
                    'and then plays again', text + '\n' + server.output())
        joined = server.joined()
        case.result(len(joined) == 2, 'exactly the 2 good viewers joined',
                    server.output())
    finally:
        server.stop()
    everything = server.everything()
    verbose = [l for l in server.child.errors if ' DEBUG ' in l or
               ' LOG ' in l]
    case.result(TOKEN not in everything and verbose,
                'the token is nowhere in its output ({} lines, {} at DEBUG '
                'or LOG)'.format(len(server.child.lines) +
                                 len(server.child.errors), len(verbose)),
                server.output())


def case_raw(case):
    server = Server()
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        port = server.port
        own = server.origin()
        token_query = '/ws?token=' + TOKEN
        expected = [
            ('own page, token', token_query, own, (), 101),
            ('no Origin, Bearer token', '/ws', None,
             ('Authorization: Bearer ' + TOKEN,), 101),
            ('own page, dsl-token. subprotocol', '/ws', own,
             ('Sec-WebSocket-Protocol: dsl-webrtc, dsl-token.' + TOKEN,),
             101),
            ('own page, no token', '/ws', own, (), 401),
            ('own page, wrong token', '/ws?token=tok-wrong', own, (), 401),
            ('own page, the cookie only', '/ws', own,
             ('Cookie: dsl-token=' + TOKEN,), 401),
            ('another origin, token', token_query, 'https://evil.test', (),
             403),
            ('own host over http, token', token_query,
             server.origin('http'), (), 403),
            ('a file page, token', token_query, 'null', (), 403),
        ]
        got = []
        for name, path, origin, headers, status in expected:
            code, head = upgrade(port, path, origin, headers)
            got.append((name, code, status, head))
        wrong = [g for g in got if g[1] != g[2]]
        case.result(not wrong, 'upgrades: 101 with the token from its own '
                    'page, 401 without it, 403 from other origins',
                    '\n'.join('{}: got {}, expected {}\n{}'.format(*w)
                              for w in wrong) + '\n' + server.output())
        unauthorized = [g[3] for g in got if g[1] == 401]
        case.result(unauthorized and
                    all('WWW-Authenticate: Bearer' in h
                        for h in unauthorized),
                    'each 401 says WWW-Authenticate: Bearer',
                    '\n\n'.join(unauthorized))

        code, head = get(port, '/')
        code_wrong, _ = get(port, '/?token=tok-wrong')
        code_page, page = get(port, '/?token=' + TOKEN)
        cookie = re.search(r'^Set-Cookie: (dsl-token=[^;\r\n]*)([^\r\n]*)',
                           page, re.M)
        code_js, _ = get(port, '/viewer.js',
                         ('Cookie: ' + cookie.group(1),) if cookie else ())
        code_js_bare, _ = get(port, '/viewer.js')
        case.result(code == 401 and code_wrong == 401 and code_page == 200 and
                    cookie is not None and
                    cookie.group(2) == '; Path=/; HttpOnly; SameSite=Strict; '
                    'Secure' and code_js == 200 and code_js_bare == 401,
                    'the page: 401 without the token, 200 with it and a '
                    'Secure HttpOnly cookie that opens viewer.js',
                    'GET /: {}; wrong token: {}; token: {}\n{}\nviewer.js '
                    'with the cookie: {}, without: {}'.format(
                        code, code_wrong, code_page, page, code_js,
                        code_js_bare))
        plain, head = get(port, '/?token=' + TOKEN, tls=False)
        plain_ws, ws_head = upgrade(port, token_query, own, tls=False)
        code_after, _ = upgrade(port, token_query, own)
        case.result(plain is None and plain_ws is None and code_after == 101,
                    'plain http:// and ws:// get no answer, and harm '
                    'nothing', 'http: {} {}\nws: {} {}\nafter: {}'.format(
                        plain, head, plain_ws, ws_head, code_after))
    finally:
        server.stop()
    refusals = [l for l in server.child.errors if 'refused' in l]
    case.result(TOKEN not in server.everything() and refusals,
                'refusals are logged, the token never',
                server.output())


def case_token_file(case):
    with tempfile.TemporaryDirectory(prefix='dsl-token-') as folder:
        token_file = Path(folder) / 'token'
        secret = 'file-' + secrets.token_hex(12)
        token_file.write_text(secret + '\n')
        server = Server('--token-file', token_file, token=None)
        try:
            if server.port is None:
                case.fail_rest('no URL announced\n' + server.output())
                return
            good, _ = upgrade(server.port, '/ws?token=' + secret,
                              server.origin())
            newline, _ = upgrade(server.port, '/ws?token=' + secret + '%0A',
                                 server.origin())
            none, _ = upgrade(server.port, '/ws', server.origin())
            case.result(good == 101 and newline == 401 and none == 401,
                        '--token-file: its first line is the token',
                        'token: {}, with the newline: {}, none: {}\n{}'
                        .format(good, newline, none, server.output()))
        finally:
            server.stop()
        case.result(secret not in server.everything(),
                    'the token from the file is nowhere in the output',
                    server.output())


def case_command_line(case):
    """Wrong TLS and access options: exit 2 and a message, at once."""
    with tempfile.TemporaryDirectory(prefix='dsl-bad-') as folder:
        garbage = Path(folder) / 'garbage.pem'
        garbage.write_text('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n'
                           '-----END CERTIFICATE-----\n')
        token_file = Path(folder) / 'token'
        token_file.write_text('x\n')
        base = [SERVE, '--port', '0', '--bind', '127.0.0.1']
        for name, options, needle in [
                ('--tls-cert without --tls-key', ['--tls-cert', CERTS.cert],
                 'together'),
                ('a missing certificate', ['--tls-cert', Path(folder) / 'no',
                                           '--tls-key', CERTS.key],
                 'TLS_FILE_UNREADABLE'),
                ('a garbage certificate', ['--tls-cert', garbage,
                                           '--tls-key', CERTS.key],
                 'TLS_CERTIFICATE_INVALID'),
                ('an expired certificate', ['--tls-cert', CERTS.expired,
                                            '--tls-key', CERTS.key],
                 'TLS_CERTIFICATE_INVALID'),
                ('a malformed --allow-origin',
                 ['--allow-origin', 'evil.test'], 'evil.test'),
                ('--token and --token-file', ['--token', 'x', '--token-file',
                                              token_file], 'not both')]:
            status, lines, errors = run([*base, *options], 30 * SCALE)
            case.result(status == 2 and needle in errors and
                        not any('open http' in l for l in lines),
                        '{}: exit 2, "{}"'.format(name, needle),
                        'exit {}\nstdout:\n{}\nstderr:\n{}'.format(
                            status, '\n'.join(lines), errors[-3000:]))


# ---------------------------------------------------------------------------
# Headless Chromium
# ---------------------------------------------------------------------------

def case_browser_own_page(case):
    server = Server()
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        status, result, text = view('--url', server.url('/?token=' + TOKEN),
                                    '--frames', '30', '--expect-width', W,
                                    '--expect-height', H,
                                    *CERTS.trusting_browser())
        if browser_skipped(case, status, result):
            return
        signaling = result.get('signaling_url', '')
        case.result(plays(status, result) and
                    signaling.startswith('wss://127.0.0.1:{}/ws?token='
                                         .format(server.port)),
                    'https://127.0.0.1:PORT/?token=... plays 30 frames of '
                    '{}x{} over wss://'.format(W, H),
                    text + '\n' + server.output())
        status, result, text = view('--url', server.url('/'),
                                    '--expect-refused',
                                    *CERTS.trusting_browser())
        status_wrong, result_wrong, text_wrong = view(
            '--url', server.url('/?token=tok-wrong'), '--expect-refused',
            *CERTS.trusting_browser())
        case.result(refused(status, result) and
                    result.get('http_status') == 401 and
                    refused(status_wrong, result_wrong) and
                    result_wrong.get('http_status') == 401,
                    'without the token, or with a wrong one, the page is '
                    'refused (401)', text + '\n' + text_wrong)
        status, result, text = view('--url', server.url('/?token=' + TOKEN),
                                    '--timeout', '15')
        case.result(status == 1 and 'ERR_CERT' in result.get('reason', ''),
                    'a browser that does not trust the certificate gets '
                    'nothing', text)
        status, result, text = view(
            '--url', server.url('/?token=' + TOKEN, scheme='http'),
            '--timeout', '15', *CERTS.trusting_browser())
        case.result(status == 1 and result.get('frames', 0) == 0 and
                    'ERR_' in result.get('reason', ''),
                    'plain http:// gets nothing', text)
    finally:
        server.stop()
    case.result(TOKEN not in server.everything() and
                len(server.joined()) == 1,
                'one viewer joined; the token is nowhere in the output',
                server.output())


def case_browser_other_origin(case):
    pages = PageServer()
    server = allowing = None
    try:
        server = Server()
        allowing = Server('--allow-origin', pages.origin())
        if server.port is None or allowing.port is None:
            case.fail_rest('no URL announced\n' + server.output() + '\n' +
                           allowing.output())
            return
        status, result, text = view('--url', pages.page(server),
                                    '--expect-refused',
                                    *CERTS.trusting_browser())
        if browser_skipped(case, status, result):
            return
        errors = handshake_errors(result)
        case.result(refused(status, result) and errors and
                    all('403' in e for e in errors),
                    'a page of {} is refused: its WebSocket gets 403'
                    .format(pages.origin()), text)
        logged = 'origin {} is not allowed'.format(pages.origin())
        case.result(any(logged in l for l in server.child.errors) and
                    not server.joined(),
                    'the server logs the refusal, and nobody joined',
                    server.output())
        status, result, text = view('--url', pages.page(allowing),
                                    '--frames', '30',
                                    *CERTS.trusting_browser())
        case.result(plays(status, result),
                    'with --allow-origin {} the page plays {}x{}'.format(
                        pages.origin(), W, H),
                    text + '\n' + allowing.output())
    finally:
        for s in (server, allowing):
            if s:
                s.stop()
        pages.stop()


def case_browser_file_page(case):
    server = allowing = None
    try:
        server = Server()
        allowing = Server('--allow-file-pages')
        if server.port is None or allowing.port is None:
            case.fail_rest('no URL announced\n' + server.output() + '\n' +
                           allowing.output())
            return
        status, result, text = view('--file', disk_page(server),
                                    '--expect-refused',
                                    *CERTS.trusting_browser())
        if browser_skipped(case, status, result):
            return
        errors = handshake_errors(result)
        case.result(refused(status, result) and errors and
                    all('403' in e for e in errors) and
                    any('origin null is not allowed' in l
                        for l in server.child.errors),
                    'a page from disk is refused: 403', text + '\n' +
                    server.output())
        status, result, text = view('--file', disk_page(allowing),
                                    '--frames', '30',
                                    *CERTS.trusting_browser())
        case.result(plays(status, result),
                    'with --allow-file-pages it plays {}x{}'.format(W, H),
                    text + '\n' + allowing.output())
        # its own ?token= is what lets it in
        status, result, text = view(
            '--file', disk_page(allowing).replace(TOKEN, 'tok-wrong'),
            '--expect-refused', *CERTS.trusting_browser())
        # Chromium's words for a 401 that asks for a Bearer token
        errors = handshake_errors(result)
        case.result(refused(status, result) and errors and
                    all('HTTP Authentication failed' in e for e in errors) and
                    any('not authorized (a token that is not accepted)' in l
                        for l in allowing.child.errors),
                    'the same page with a wrong token: its WebSocket gets '
                    '401, and the page does not play', text + '\n' +
                    allowing.output())
    finally:
        for s in (server, allowing):
            if s:
                s.stop()


CASES = [
    ('command line', 6, case_command_line),
    ('receiver over wss://', 10, case_receiver),
    ('bare TLS client', 5, case_raw),
    ('--token-file', 2, case_token_file),
    ('browser, own page', 5, case_browser_own_page),
    ('browser, page of another origin', 3, case_browser_other_origin),
    ('browser, page from disk', 3, case_browser_file_page),
]


def main():
    global CERTS
    CERTS = Certificates()
    try:
        return run_cases(CASES, (SERVE, RECEIVER))
    finally:
        CERTS.folder.cleanup()


if __name__ == '__main__':
    sys.exit(main())
