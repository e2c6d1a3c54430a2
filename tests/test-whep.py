#!/usr/bin/env python3
"""test-whep.py - dsl-webrtc-serve's WHEP endpoints with players nobody here
wrote, and the HTTP contract of WHEP request by request.

Each case starts the command as a child process on 127.0.0.1 on a free port
(as test-serve.py does) and plays its WHEP endpoints with:
  * medooze's whep.js (npm whip-whep 1.2.0) in headless Chromium
    (tests/browser/whep.mjs): VP8 on /whep and on /whep/cam1 for --path
    /ws/cam1, H.264 (the answer picks one of Chromium's H.264 payload
    types), with a viewer token, and from a page of another origin (a
    small HTTP server here on another port) that --allow-origin lets in,
    or not;
  * aiortc (Debian's python3-aiortc, tests/whep_aiortc_client.py): VP8,
    DELETE 200 then 404, and beside a WebSocket viewer (the C test
    receiver) on one shared encoder, as GET /metrics shows;
  * plain HTTP requests (http.client, a raw socket for oversized bodies):
    every status of the contract (401, 403, 404, 405, 413, 415, 422, 503,
    and PATCH's 204, 404, 415, 422), and the CORS preflight.
The statuses are those of the library's WHEP contract (issue 10; the
exchange itself is draft-ietf-wish-whep's, notes in the scale research
spec, section 3).

Prints TAP; the exit status is non-zero if any test failed. The Chromium
results are skipped when whep.mjs exits 77 (no Chromium, playwright-core or
whip-whep), the aiortc ones when the aiortc client exits 77 (no
python3-aiortc), unless DSL_REQUIRE_BROWSER=1, which makes either a failure.

Environment (set by the test runner): DSL_WEBRTC_SERVE, DSL_TEST_RECEIVER,
DSL_SOURCE_ROOT, DSL_BUILD_ROOT, DSL_WEBRTC_ICE_ADDRESSES=127.0.0.1;
DSL_SANITIZED=1 allows more time. Everything listens and connects on
127.0.0.1 only.
"""

import http.client
import http.server
import os
import re
import socket
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from dsltap import (BUILD_ROOT, EXIT_SKIP, RECEIVER,  # noqa: E402
                    REQUIRE_BROWSER, SOURCE_ROOT, Child, json_lines,
                    receiver_args, run, run_cases)

SCALE = 3 if os.environ.get('DSL_SANITIZED') else 1
WAIT = 10 * SCALE
SERVE = os.environ.get('DSL_WEBRTC_SERVE',
                       str(BUILD_ROOT / 'tools' / 'dsl-webrtc-serve'))
WHEP_MJS = SOURCE_ROOT / 'tests' / 'browser' / 'whep.mjs'
AIORTC_CLIENT = SOURCE_ROOT / 'tests' / 'whep_aiortc_client.py'
# aiortc is a Debian package: the client runs on Debian's Python, whatever
# Python runs this script
DEBIAN_PYTHON = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') \
    else sys.executable
# (with --token the page URL carries ?token=TOKEN)
ANNOUNCE = re.compile(r'^dsl-webrtc-serve: open http://127\.0\.0\.1:(\d+)/'
                      r'\S* in a browser')
RESOURCE = re.compile(r'^/whep-resource/[0-9a-f]{32}$')
W, H = 320, 240
FRAMES = 30
TOKEN = 'whep-test-token-7d1c'

# A recvonly offer as a player would make it (no candidates: they trickle),
# VP8 (96) and H.264 packetization-mode=1 (102); and its variants.
OFFER_HEAD = (
    'v=0\r\n'
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n'
    's=-\r\n'
    't=0 0\r\n'
    'a=group:BUNDLE 0\r\n'
    'a=msid-semantic: WMS\r\n')
MEDIA_COMMON = (
    'c=IN IP4 0.0.0.0\r\n'
    'a=rtcp:9 IN IP4 0.0.0.0\r\n'
    'a=ice-ufrag:dslt\r\n'
    'a=ice-pwd:whepTestPasswordOf24Char\r\n'
    'a=ice-options:trickle\r\n'
    'a=fingerprint:sha-256 5B:0D:6C:1E:83:0A:6F:49:2C:7B:9E:D4:11:3A:F0:88:'
    '64:25:C7:1D:9B:E2:40:5F:AA:13:77:0C:D8:36:4E:91\r\n'
    'a=setup:actpass\r\n'
    'a=mid:0\r\n'
    'a=recvonly\r\n'
    'a=rtcp-mux\r\n')
OFFER = (OFFER_HEAD + 'm=video 9 UDP/TLS/RTP/SAVPF 96 102\r\n' + MEDIA_COMMON +
         'a=rtpmap:96 VP8/90000\r\n'
         'a=rtcp-fb:96 nack\r\n'
         'a=rtcp-fb:96 nack pli\r\n'
         'a=rtpmap:102 H264/90000\r\n'
         'a=rtcp-fb:102 nack\r\n'
         'a=rtcp-fb:102 nack pli\r\n'
         'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;'
         'profile-level-id=42e01f\r\n')
VP8_ONLY_OFFER = (OFFER_HEAD + 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\n' +
                  MEDIA_COMMON + 'a=rtpmap:96 VP8/90000\r\n')
VP9_ONLY_OFFER = (OFFER_HEAD + 'm=video 9 UDP/TLS/RTP/SAVPF 98\r\n' +
                  MEDIA_COMMON + 'a=rtpmap:98 VP9/90000\r\n')
AUDIO_OFFER = (OFFER_HEAD + 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' +
               MEDIA_COMMON + 'a=rtpmap:111 opus/48000/2\r\n')
# RFC 8840 fragments for PATCH: a candidate of the offer's ICE session, and
# another session's credentials (an ICE restart)
FRAGMENT = ('a=ice-ufrag:dslt\r\n'
            'a=ice-pwd:whepTestPasswordOf24Char\r\n'
            'm=video 9 UDP/TLS/RTP/SAVPF 0\r\n'
            'a=mid:0\r\n'
            'a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n'
            'a=end-of-candidates\r\n')
RESTART_FRAGMENT = ('a=ice-ufrag:rstr\r\n'
                    'a=ice-pwd:anotherPasswordOf24Chars\r\n'
                    'm=video 9 UDP/TLS/RTP/SAVPF 0\r\n'
                    'a=mid:0\r\n'
                    'a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n')
SDP = {'Content-Type': 'application/sdp'}
SDPFRAG = {'Content-Type': 'application/trickle-ice-sdpfrag'}


class Server:
    """dsl-webrtc-serve on 127.0.0.1; port is None if it never announced."""

    def __init__(self, *options):
        self.child = Child([SERVE, '--port', 0, '--bind', '127.0.0.1',
                            '--width', W, '--height', H, *options])
        _, line = self.child.wait_for_line(ANNOUNCE.match, 30 * SCALE)
        self.port = int(ANNOUNCE.match(line).group(1)) if line else None

    def url(self, path='/whep'):
        return 'http://127.0.0.1:{}{}'.format(self.port, path)

    def ws(self, path='/ws'):
        return 'ws://127.0.0.1:{}{}'.format(self.port, path)

    def origin(self):
        return 'http://127.0.0.1:{}'.format(self.port)

    def wait_for(self, text, timeout=WAIT):
        """The first new output line holding text, or None."""
        return self.child.wait_for_line(lambda line: text in line,
                                        timeout)[1]

    def output(self):
        return self.child.output()

    def stop(self):
        self.child.kill()


# ---------------------------------------------------------------------------
# Plain HTTP
# ---------------------------------------------------------------------------

class Reply:
    """One response: status (None if there was none), headers as sent (a
    header may come more than once), body; error when the request failed."""

    def __init__(self, status=None, headers=(), body=b'', error=None):
        self.status = status
        self.headers = list(headers)
        self.body = body
        self.error = error

    def header(self, name):
        values = self.all(name)
        return values[0] if values else None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def tokens(self, name):
        """The comma-separated values of a header, lower case."""
        return {t.strip().lower() for v in self.all(name)
                for t in v.split(',') if t.strip()}

    def __str__(self):
        if self.status is None:
            return 'no response: {}'.format(self.error)
        return '{}\n{}\n\n{}'.format(
            self.status, '\n'.join('{}: {}'.format(k, v)
                                   for k, v in self.headers),
            self.body[:300].decode('utf-8', 'replace'))


def request(port, method, path, body=None, headers=None):
    """One request on a connection of its own: a Reply."""
    connection = http.client.HTTPConnection('127.0.0.1', port,
                                            timeout=WAIT)
    try:
        if isinstance(body, str):
            body = body.encode()
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    except (OSError, http.client.HTTPException) as error:
        return Reply(error=repr(error))
    finally:
        connection.close()


def shown(method, path, headers, reply):
    """The exchange, for diagnostics."""
    return '> {} {}\n{}\n< {}'.format(
        method, path, '\n'.join('> {}: {}'.format(k, v)
                                for k, v in (headers or {}).items()), reply)


def oversized(port, size):
    """POSTs a body of size bytes over a raw socket, as fast as the server
    takes it: the Reply (status None and error 'closed' when the server
    closed the connection without an answer)."""
    head = ('POST /whep HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n'
            'Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n'
            .format(port, size)).encode()
    chunk = b'a=x-padding\r\n' * 5000
    data = b''
    try:
        with socket.create_connection(('127.0.0.1', port),
                                      timeout=WAIT) as sock:
            try:
                sock.sendall(head)
                sent = 0
                while sent < size:
                    piece = chunk[:size - sent]
                    sock.sendall(piece)
                    sent += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                pass   # the server stopped reading: its answer may be there
            while True:
                try:
                    piece = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not piece:
                    break
                data += piece
                if b'\r\n\r\n' in data:
                    break
    except socket.timeout:
        return Reply(error='timeout: the server neither read nor answered')
    except OSError as error:
        return Reply(error=repr(error))
    match = re.match(rb'HTTP/1\.[01] (\d{3})', data)
    if not match:
        return Reply(error='closed' if not data else
                     'not HTTP: {!r}'.format(data[:100]))
    return Reply(int(match.group(1)))


def post_offer(port, path='/whep', offer=OFFER, headers=None):
    """POSTs an offer: (Reply, the resource path from Location or None)."""
    reply = request(port, 'POST', path, offer, {**SDP, **(headers or {})})
    location = reply.header('Location')
    return reply, (location if location and RESOURCE.match(location)
                   else None)


# ---------------------------------------------------------------------------
# The players
# ---------------------------------------------------------------------------

def player(args, timeout):
    """(status, its last JSON result line, event lines, text) of a player
    run to its end."""
    status, lines, errors = run(args, timeout)
    results = [r for r in json_lines(lines) if 'event' not in r]
    text = '$ {}\nexit {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
        ' '.join(str(a) for a in args), status, '\n'.join(lines),
        '\n'.join(errors.splitlines()[-20:]))
    return status, (results[-1] if results else {}), text


def whep_js(url, *extra, frames=FRAMES, timeout=40):
    """whep.js in Chromium on url: (status, result, text)."""
    return player(['node', WHEP_MJS, '--url', url, '--frames', frames,
                   '--width', W, '--height', H, '--timeout-ms',
                   timeout * SCALE * 1000, *extra], timeout * SCALE + 40)


def aiortc_args(url, *extra, frames=FRAMES, timeout=30):
    return [DEBIAN_PYTHON, AIORTC_CLIENT, '--url', url, '--frames', frames,
            '--width', W, '--height', H, '--timeout', timeout * SCALE,
            *extra]


def aiortc(url, *extra, frames=FRAMES, timeout=30):
    """The aiortc client on url: (status, result, text)."""
    return player(aiortc_args(url, *extra, frames=frames, timeout=timeout),
                  timeout * SCALE + 30)


def skipped(case, status, result, what):
    """True if a player could not run here (exit 77): the rest of the case
    is skipped, or failed when DSL_REQUIRE_BROWSER=1."""
    if status != EXIT_SKIP:
        return False
    reason = '{}: {}'.format(what, result.get('reason', 'not installed'))
    if REQUIRE_BROWSER:
        case.fail_rest('DSL_REQUIRE_BROWSER=1 but ' + reason)
    else:
        case.skip_rest(reason)
    return True


def played(status, result, codec=None):
    """whep.js or aiortc played FRAMES frames of W x H (the decoder's and,
    for whep.js, the <video> element's) and its DELETE got 200."""
    ok = (status == 0 and result.get('ok') is True and
          result.get('frames', 0) >= FRAMES and
          (result.get('width'), result.get('height')) == (W, H) and
          result.get('delete_status') == 200)
    if 'video_width' in result:
        ok = ok and (result['video_width'], result['video_height']) == (W, H)
    if 'answer_ssrc_lines' in result:
        # the answer names the media's SSRC (a=ssrc-group:FID 0 ...: the
        # browser decodes but never shows it)
        lines = result['answer_ssrc_lines']
        ok = ok and any(l.startswith('a=ssrc:') for l in lines) and not any(
            l.startswith('a=ssrc-group:FID 0 ') for l in lines)
    if codec:
        ok = ok and codec in (result.get('codec') or
                              result.get('answer_codec') or '')
    return ok


def on_loopback(result):
    """The selected pair ends at one of the answer's host candidates on
    127.0.0.1 (whep.js: getStats; aiortc: its nominated pair)."""
    remote = result.get('remote_address') or ''
    return (result.get('remote_candidate_type') == 'host' and
            remote.startswith('127.0.0.1:') and
            result.get('candidate_type') in ('host', 'prflx'))


def patches_ok(result):
    """Every PATCH whep.js trickled got a 2xx (it throws otherwise)."""
    patches = [r for r in result.get('requests', []) if
               r.get('method') == 'PATCH']
    return all(200 <= (r.get('status') or 0) < 300 for r in patches)


class PageServer:
    """An empty page over plain HTTP on another port of 127.0.0.1: a page
    of another origin, for whep.js to run in."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     BlankPage)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def origin(self):
        return 'http://127.0.0.1:{}'.format(self.port)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class BlankPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'<!doctype html><title>another origin</title><body></body>'
        if self.path.startswith('/favicon'):
            self.send_response(204)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header('Content-Type', 'text/html; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# ---------------------------------------------------------------------------
# a. whep.js plays /whep and /whep/NAME
# ---------------------------------------------------------------------------

def case_whep_js_paths(case):
    server = Server('--path', '/ws/cam1')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        for endpoint, ws_path in (('/whep', '/ws'), ('/whep/cam1',
                                                      '/ws/cam1')):
            status, result, text = whep_js(server.url(endpoint))
            if skipped(case, status, result, 'whep.mjs'):
                return
            case.result(played(status, result, 'VP8') and patches_ok(result)
                        and on_loopback(result),
                        'whep.js plays {} {} frames of {}x{} (VP8, host '
                        'pair on 127.0.0.1), stop() DELETE 200'.format(
                            endpoint, FRAMES, W, H),
                        text + '\n' + server.output())
            joined = any(' joined on {} '.format(ws_path) in line
                         for line in server.child.lines)
            left = server.wait_for(' left (0 watching)')
            case.result(joined and left is not None,
                        'the server saw a viewer join on {} and leave'.format(
                            ws_path), server.output())
            resource = urlpath(result.get('resource_url'))
            reply = (request(server.port, 'DELETE', resource) if resource
                     else Reply(error='no resource URL'))
            case.result(resource is not None and RESOURCE.match(resource)
                        and reply.status == 404,
                        'after stop(), DELETE {} is 404'.format(
                            resource and '/whep-resource/ID'),
                        shown('DELETE', resource, {}, reply))
    finally:
        server.stop()


def urlpath(url):
    """The path of http://127.0.0.1:PORT/PATH, or None."""
    match = re.match(r'^http://127\.0\.0\.1:\d+(/.*)$', url or '')
    return match.group(1) if match else None


# ---------------------------------------------------------------------------
# b. H.264
# ---------------------------------------------------------------------------

def case_h264(case):
    server = Server('--encoder', 'h264')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        reply, _ = post_offer(server.port, offer=VP8_ONLY_OFFER)
        case.result(reply.status == 422,
                    'an offer of VP8 only to an H.264 server is 422',
                    shown('POST', '/whep', SDP, reply))
        status, result, text = whep_js(server.url(), '--codec', 'H264')
        if skipped(case, status, result, 'whep.mjs'):
            return
        case.result(played(status, result, 'H264'),
                    'whep.js plays {} H.264 frames of {}x{}'.format(
                        FRAMES, W, H), text + '\n' + server.output())
        offered = result.get('offer_h264_pts', [])
        fmtp = result.get('offer_h264_fmtp', {})
        answered = result.get('answer_pts', [])
        rtpmap = result.get('answer_rtpmap', {})
        h264 = [pt for pt in answered
                if rtpmap.get(pt, '').upper().startswith('H264/')]
        chosen = str(result.get('payload_type'))
        case.result(len(offered) > 1 and h264 and
                    all(pt in offered for pt in h264) and
                    chosen in h264 and
                    'packetization-mode=1' in (fmtp.get(chosen) or ''),
                    'of the {} H.264 payload types Chromium offers, the '
                    'answer names offered ones only, and the media comes on '
                    'one with packetization-mode=1 ({})'.format(
                        len(offered), chosen),
                    'offered {}\nfmtp {}\nanswered {} {}\nreceived {}'.format(
                        offered, fmtp, answered, rtpmap, chosen))
    finally:
        server.stop()


# ---------------------------------------------------------------------------
# c. aiortc
# ---------------------------------------------------------------------------

def case_aiortc(case):
    server = Server()
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        status, result, text = aiortc(server.url())
        if skipped(case, status, result, 'the aiortc client'):
            return
        case.result(played(status, result, 'VP8') and on_loopback(result),
                    'aiortc plays {} VP8 frames of {}x{}, DELETE 200'.format(
                        FRAMES, W, H), text + '\n' + server.output())
        candidates = result.get('answer_candidates') or []
        content_type = (result.get('content_type') or '').split(';')[0]
        case.result(result.get('post_status') == 201 and
                    RESOURCE.match(result.get('location') or '') and
                    content_type.strip() == 'application/sdp' and
                    result.get('accept_patch') ==
                    'application/trickle-ice-sdpfrag' and
                    result.get('answer_direction') == 'sendonly' and
                    candidates and
                    all(' 127.0.0.1 ' in c for c in candidates),
                    '201 with Location /whep-resource/<32 hex>, '
                    'application/sdp, Accept-Patch; the answer is sendonly '
                    'with its candidates, all on 127.0.0.1', text)
        resource = urlpath(result.get('resource_url'))
        reply = (request(server.port, 'DELETE', resource) if resource
                 else Reply(error='no resource URL'))
        case.result(reply.status == 404, 'a second DELETE is 404',
                    shown('DELETE', resource, {}, reply))
        left = server.wait_for(' left (0 watching)')
        case.result(any(' joined on /ws ' in line
                        for line in server.child.lines) and left,
                    'the server saw the viewer join on /ws and leave',
                    server.output())
        status, result, text = aiortc(server.url(), '--codec', 'H264',
                                      timeout=15)
        case.result(status == 1 and result.get('post_status') == 422 and
                    result.get('frames') == 0,
                    'aiortc offering H.264 only to a VP8 server gets 422',
                    text)
    finally:
        server.stop()


# ---------------------------------------------------------------------------
# d. a viewer token
# ---------------------------------------------------------------------------

def case_token(case):
    server = Server('--token', TOKEN)
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        reply, resource = post_offer(server.port)
        challenge = (reply.header('WWW-Authenticate') or '').split(' ')[0]
        case.result(reply.status == 401 and challenge.lower() == 'bearer'
                    and resource is None,
                    'POST without Authorization: 401, WWW-Authenticate: '
                    'Bearer', shown('POST', '/whep', SDP, reply))
        wrong = {'Authorization': 'Bearer not-' + TOKEN}
        reply, resource = post_offer(server.port, headers=wrong)
        case.result(reply.status == 401 and resource is None,
                    'POST with a wrong token: 401',
                    shown('POST', '/whep', wrong, reply))
        right = {'Authorization': 'Bearer ' + TOKEN}
        for path, headers, name in (
                ('/whep', right, 'Authorization: Bearer TOKEN'),
                ('/whep?token=' + TOKEN, {}, '?token=TOKEN')):
            reply, resource = post_offer(server.port, path, headers=headers)
            gone = (request(server.port, 'DELETE', resource, None, headers)
                    if resource else Reply(error='no resource'))
            case.result(reply.status == 201 and resource and
                        gone.status == 200,
                        'POST with {}: 201, then DELETE 200'.format(name),
                        shown('POST', path, headers, reply) + '\n' +
                        shown('DELETE', resource, headers, gone))
        status, result, text = whep_js(server.url(), '--token', TOKEN)
        if skipped(case, status, result, 'whep.mjs'):
            return
        case.result(played(status, result) and patches_ok(result),
                    'whep.js with the token plays {}x{}'.format(W, H),
                    text + '\n' + server.output())
    finally:
        server.stop()


# ---------------------------------------------------------------------------
# e. requests the contract refuses, each with its status
# ---------------------------------------------------------------------------

def case_malformed(case):
    server = Server()
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        port = server.port
        for name, path, body, headers, expected in (
                ('Content-Type text/plain', '/whep', OFFER,
                 {'Content-Type': 'text/plain'}, 415),
                ('a body that is not SDP', '/whep',
                 'this is not an SDP offer\r\n', SDP, 400),
                ('an offer with only an audio m-line', '/whep', AUDIO_OFFER,
                 SDP, 422),
                ('an offer of VP9 only to a VP8 server', '/whep',
                 VP9_ONLY_OFFER, SDP, 422),
                ('/whep/nosuch (no /ws/nosuch served)', '/whep/nosuch',
                 OFFER, SDP, 404),
                ('a 200 KiB body', '/whep', 'a=x\r\n' * (200 * 1024 // 5),
                 SDP, 413)):
            reply = request(port, 'POST', path, body, headers)
            case.result(reply.status == expected,
                        'POST {}: {}'.format(name, expected),
                        shown('POST', path, headers, reply))

        reply = oversized(port, 5 * 1024 * 1024)
        case.result(reply.status == 413 or reply.error == 'closed',
                    'POST of a 5 MiB body: 413 or the connection closed',
                    str(reply))
        reply, resource = post_offer(port)
        gone = (request(port, 'DELETE', resource) if resource
                else Reply(error='no resource'))
        case.result(reply.status == 201 and gone.status == 200,
                    'then a good POST: 201 (and its DELETE 200)',
                    shown('POST', '/whep', SDP, reply) + '\n' + str(gone) +
                    '\n' + server.output())

        unknown = '/whep-resource/' + '0123456789abcdef' * 2
        for method, body, headers in (('PATCH', FRAGMENT, SDPFRAG),
                                      ('DELETE', None, {})):
            reply = request(port, method, unknown, body, headers)
            case.result(reply.status == 404,
                        '{} of an unknown resource: 404'.format(method),
                        shown(method, unknown, headers, reply))

        reply, resource = post_offer(port)
        if not case.result(reply.status == 201 and resource,
                           'POST of a player\'s offer: 201 with Location',
                           shown('POST', '/whep', SDP, reply)):
            case.fail_rest('no resource to PATCH')
            return
        for name, body, headers, expected in (
                ('with Content-Type application/sdp', FRAGMENT, SDP, 415),
                ('of a candidate (RFC 8840 fragment)', FRAGMENT, SDPFRAG,
                 204),
                ('with other ICE credentials (an ICE restart)',
                 RESTART_FRAGMENT, SDPFRAG, 422)):
            reply = request(port, 'PATCH', resource, body, headers)
            case.result(reply.status == expected,
                        'PATCH {}: {}'.format(name, expected),
                        shown('PATCH', resource, headers, reply))
        reply = request(port, 'DELETE', resource)
        after = request(port, 'PATCH', resource, FRAGMENT, SDPFRAG)
        case.result(reply.status == 200 and after.status == 404,
                    'DELETE: 200, then PATCH: 404',
                    str(reply) + '\n' + str(after))

        reply = request(port, 'GET', '/whep')
        allowed = reply.tokens('Allow')
        case.result(reply.status == 405 and 'post' in allowed,
                    'GET /whep: 405 with Allow (POST among them)',
                    shown('GET', '/whep', {}, reply))
    finally:
        server.stop()


# ---------------------------------------------------------------------------
# f. CORS
# ---------------------------------------------------------------------------

def case_cors(case):
    allowed = PageServer()
    other = PageServer()
    server = Server('--allow-origin', allowed.origin())
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        port = server.port
        preflight = {'Origin': allowed.origin(),
                     'Access-Control-Request-Method': 'POST',
                     'Access-Control-Request-Headers':
                     'authorization,content-type'}
        reply = request(port, 'OPTIONS', '/whep', None, preflight)
        case.result(
            reply.status == 204 and
            reply.header('Access-Control-Allow-Origin') == allowed.origin()
            and 'origin' in reply.tokens('Vary') and
            {'post', 'patch', 'delete', 'options'} <=
            reply.tokens('Access-Control-Allow-Methods') and
            {'authorization', 'content-type'} <=
            reply.tokens('Access-Control-Allow-Headers') and
            {'location', 'link', 'accept-patch'} <=
            reply.tokens('Access-Control-Expose-Headers') and
            'application/sdp' in reply.tokens('Accept-Post'),
            'OPTIONS /whep from an allowed origin: 204, '
            'Access-Control-Allow-Origin is that origin, Vary: Origin, the '
            'methods, headers, exposed headers and Accept-Post',
            shown('OPTIONS', '/whep', preflight, reply))
        refused = dict(preflight, Origin=other.origin())
        reply = request(port, 'OPTIONS', '/whep', None, refused)
        case.result(reply.status == 403 and
                    reply.header('Access-Control-Allow-Origin') is None,
                    'OPTIONS /whep from an origin not allowed: 403',
                    shown('OPTIONS', '/whep', refused, reply))

        origin = {'Origin': allowed.origin()}
        reply, resource = post_offer(port, headers=origin)
        case.result(reply.status == 201 and resource and
                    reply.header('Access-Control-Allow-Origin') ==
                    allowed.origin() and
                    'location' in reply.tokens('Access-Control-Expose-Headers'),
                    'POST from the allowed origin: 201 with '
                    'Access-Control-Allow-Origin and Location exposed',
                    shown('POST', '/whep', origin, reply))
        if resource:
            ask = dict(preflight, **{'Access-Control-Request-Method':
                                     'DELETE'})
            reply = request(port, 'OPTIONS', resource, None, ask)
            gone = request(port, 'DELETE', resource, None, origin)
            case.result(reply.status == 204 and
                        reply.header('Access-Control-Allow-Origin') ==
                        allowed.origin() and
                        'delete' in
                        reply.tokens('Access-Control-Allow-Methods') and
                        gone.status == 200 and
                        gone.header('Access-Control-Allow-Origin') ==
                        allowed.origin(),
                        'OPTIONS and DELETE of the resource from the allowed '
                        'origin: 204 and 200, both with '
                        'Access-Control-Allow-Origin',
                        shown('OPTIONS', resource, ask, reply) + '\n' +
                        shown('DELETE', resource, origin, gone))
        else:
            case.result(False, 'OPTIONS and DELETE of the resource',
                        'the POST made no resource')
        reply, resource = post_offer(port, headers={'Origin':
                                                    other.origin()})
        case.result(reply.status == 403 and resource is None,
                    'POST from an origin not allowed: 403', str(reply))

        status, result, text = whep_js(server.url(), '--page-url',
                                       allowed.origin() + '/')
        if skipped(case, status, result, 'whep.mjs'):
            return
        case.result(played(status, result) and patches_ok(result),
                    'whep.js in a page of the allowed origin plays '
                    '{}x{}'.format(W, H), text + '\n' + server.output())
        status, result, text = whep_js(server.url(), '--page-url',
                                       other.origin() + '/', timeout=15)
        posts = [r for r in result.get('requests', [])
                 if r.get('method') == 'POST']
        case.result(status == 1 and result.get('frames') == 0 and
                    len(posts) == 1 and 'status' not in posts[0] and
                    'Failed to fetch' in (posts[0].get('error') or ''),
                    'whep.js in a page of another origin: Chromium refuses '
                    'its POST (the preflight got 403), no frame', text)
    finally:
        server.stop()
        allowed.stop()
        other.stop()


# ---------------------------------------------------------------------------
# g. a WebSocket viewer and a WHEP viewer share one encoder
# ---------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$')


def metrics(port):
    """{series: value} of GET /metrics, and its text."""
    reply = request(port, 'GET', '/metrics')
    text = reply.body.decode('utf-8', 'replace')
    values = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith('#'):
            values[match.group(1)] = float(match.group(2))
    return values, '{}\n{}'.format(reply.status, text)


def case_shared_encoder(case):
    server = Server('--max-viewers', '2', '--metrics')
    receiver = None
    whep = None
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        receiver = Child(receiver_args(server.ws(), FRAMES, '--events',
                                       '--hold', 40 * SCALE,
                                       timeout=40 * SCALE))
        first, _ = receiver.wait_for_line(
            lambda line: '"event":"first-frame"' in line, 20 * SCALE)
        values, text = metrics(server.port)
        case.result(first is not None and
                    values.get('dsl_viewers{path="/ws"}') == 1 and
                    values.get('dsl_encoders_running') == 1,
                    'a WebSocket viewer plays: 1 viewer on /ws, 1 encoder '
                    'running', receiver.output() + '\n' + text)
        whep = Child(aiortc_args(server.url(), '--hold', 4 * SCALE))
        playing, line = whep.wait_for_line(
            lambda line: '"event"' in line or '"ok"' in line, 40 * SCALE)
        if playing is None or '"playing"' not in line:
            status = whep.wait(10)
            results = json_lines(whep.lines)
            if skipped(case, status, results[-1] if results else {},
                       'the aiortc client'):
                return
            case.fail_rest('the WHEP viewer did not play\n' + whep.output() +
                           '\n' + server.output())
            return
        values, text = metrics(server.port)
        case.result(values.get('dsl_viewers{path="/ws"}') == 2 and
                    values.get('dsl_encoders_running') == 1 and
                    values.get('dsl_encoders') == 1,
                    'with a WHEP viewer too: 2 viewers on /ws, still 1 '
                    'encoder (running)', text)
        reply, resource = post_offer(server.port)
        if resource:
            request(server.port, 'DELETE', resource)
        case.result(reply.status == 503 and
                    (reply.header('Retry-After') or '').strip().isdigit(),
                    'a third viewer (--max-viewers 2) gets 503 with '
                    'Retry-After', shown('POST', '/whep', SDP, reply))
        status = whep.wait(30 * SCALE)
        results = [r for r in json_lines(whep.lines) if 'event' not in r]
        result = results[-1] if results else {}
        case.result(played(status, result, 'VP8') and
                    result.get('frames_held', 0) > 0,
                    'the WHEP viewer played {}x{} beside it and DELETE got '
                    '200'.format(W, H), whep.output())
        left = server.wait_for(' left (1 watching)')
        values, text = metrics(server.port)
        case.result(left is not None and
                    values.get('dsl_viewers{path="/ws"}') == 1 and
                    values.get('dsl_encoders_running') == 1 and
                    receiver.process.poll() is None,
                    'after its DELETE: 1 viewer, the encoder still runs for '
                    'the WebSocket viewer', text + '\n' + server.output())
    finally:
        if whep:
            whep.kill()
        if receiver:
            receiver.kill()
        server.stop()


# ---------------------------------------------------------------------------
# h. metadata over WHEP, and a player that closes its peer connection first
# ---------------------------------------------------------------------------

def case_data_channel(case):
    """A player whose offer has a data channel section gets the sink's
    metadata channel in the same association; whep.js closes its peer
    connection before its DELETE, which still gets 200 and the viewer
    leaves (CLOSED), not FAILED."""
    server = Server('--demo-boxes')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        status, result, text = whep_js(server.url(), '--data-channel', '10')
        if skipped(case, status, result, 'whep.mjs'):
            return
        case.result(played(status, result) and
                    result.get('metadata_messages', 0) >= 10 and
                    'dsl-metadata' in result.get('data_channels', []),
                    'whep.js with a data channel plays and gets 10 messages '
                    'on the dsl-metadata channel; its DELETE gets 200',
                    text + '\n' + server.output())
        _, line = server.child.wait_for_line(
            lambda l: 'left' in l and 'viewer' in l, 10)
        case.result(line is not None and not any(
            'connection failed' in l for l in server.child.errors),
                    'the viewer left without a failure',
                    server.output())
    finally:
        server.stop()


CASES = [
    ('whep.js on /whep and /whep/cam1', 6, case_whep_js_paths),
    ('whep.js, H.264', 3, case_h264),
    ('aiortc', 5, case_aiortc),
    ('viewer token', 5, case_token),
    ('requests refused', 16, case_malformed),
    ('CORS', 7, case_cors),
    ('one encoder for WebSocket and WHEP', 5, case_shared_encoder),
    ('metadata over WHEP', 2, case_data_channel),
]


def main():
    return run_cases(CASES, (SERVE, RECEIVER))


if __name__ == '__main__':
    sys.exit(main())
