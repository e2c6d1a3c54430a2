#!/usr/bin/env python3
"""clients.py - the hostile part of scripts/valgrind's scenario.

Runs, one after the other, against a dsl-webrtc-serve listening on
127.0.0.1:PORT (under valgrind, so everything is slow and every wait is
long), the clients a server must survive without a leak or a bad access:
  * malformed signaling messages, each on its own WebSocket (so each gets a
    session of its own, torn down at the end): bad JSON before and after
    the offer, 200 KB of nested brackets, a binary frame, an unknown type,
    an answer that is not SDP, an answer webrtcbin refuses, junk ICE
    candidates, a message over 256 KiB, an error flood;
  * connections that end badly: a clean close and a TCP reset before the
    offer, a reset in the middle of negotiation, quick reconnects (close
    1001 after the offer and open again at once), a viewer that never
    answers, a frozen viewer, one viewer more than --max-viewers;
  * HTTP: a half-open request and a half-open upgrade (closed by the
    server's header timeout), plain GETs, a wrong method, an upgrade on a
    path that is not served.
The WebSocket client is tests/rawws.py (raw frames), so the bytes sent are
exactly the ones written here.

Usage: clients.py --port N [--header-timeout S] [--pong-timeout S]
                  [--max-viewers N]
         (the server's settings: the cases wait for them)
       clients.py --port N --hold-unanswered
         (one viewer that never answers the offer: prints "offer" when it
         has it, then "closed CODE" when the server closes it)
Prints TAP; exits 1 if a case did not get the answer it should.
"""

import argparse
import json
import socket
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import rawws  # noqa: E402
from dsltap import run_cases  # noqa: E402
from rawws import BINARY, CLOSE, PING, PONG, TEXT  # noqa: E402

HOST = '127.0.0.1'
PORT = 0                     # set by main()
HEADER_TIMEOUT = 10.0        # the server's defaults, unless told otherwise
PONG_TIMEOUT = 20.0
MAX_VIEWERS = 16
ANSWER_TIMEOUT = 15.0        # DSL_WEBRTC_ANSWER_TIMEOUT_MS

# Under valgrind a new sink and its webrtcbin take seconds before the
# offer, and even the upgrade is slow: every wait is long.
OFFER_WAIT = 120
REPLY_WAIT = 60
rawws.WAIT = REPLY_WAIT      # the upgrade's wait, read when it runs

MAX_MESSAGE = 256 * 1024     # DSL_SIGNALING_MAX_MESSAGE
MAX_ERRORS = 64              # DSL_SIGNALING_MAX_ERRORS


class Closed(Exception):
    """The server closed the WebSocket (code None: no close frame)."""

    def __init__(self, code):
        super().__init__('closed {}'.format(code))
        self.code = code


class WebSocket:
    """rawws's client as a patient viewer: it answers the server's pings
    (a viewer silent for the pong timeout is closed as dead, and waits
    here can be longer than that) and keeps count of error replies."""

    def __init__(self, path='/ws'):
        self.raw = rawws.RawWebSocket(PORT, path)
        self.errors = 0
        self.close_sent = False

    def receive(self, deadline):
        """The next text message, parsed (or its text if it is not JSON);
        raises Closed at the server's close, TimeoutError at deadline."""
        while True:
            got = self.raw.read_frame(max(deadline - time.monotonic(), 0))
            if got is None:
                raise Closed(None)
            _, opcode, payload = got
            if opcode == PING:
                self.raw.send_frame(PONG, payload)
            elif opcode == CLOSE:
                if not self.close_sent:
                    self.close_sent = True
                    self.raw.send_frame(CLOSE, payload[:2])
                raise Closed(struct.unpack('>H', payload[:2])[0]
                             if len(payload) >= 2 else None)
            elif opcode == TEXT:
                try:
                    message = json.loads(payload)
                except ValueError:
                    message = payload.decode('utf-8', 'replace')
                if is_error(message):
                    self.errors += 1
                return message

    def wait_for(self, wanted, timeout):
        """Reads until wanted(message) holds: that message."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(deadline)
            if wanted(message):
                return message

    def wait_for_close(self, timeout):
        """Reads until the server closes: its close code (None without a
        close frame), or 'timeout'."""
        try:
            self.wait_for(lambda m: False, timeout)
        except Closed as closed:
            return closed.code
        except TimeoutError:
            return 'timeout'

    def send_frame(self, opcode, payload):
        self.raw.send_frame(opcode, payload)

    def send_text(self, text):
        self.raw.send_frame(TEXT, text.encode())

    def send_json(self, value):
        self.send_text(json.dumps(value))

    def close(self, code=1000):
        """A clean close: our close frame, then the server's code."""
        self.close_sent = True
        self.raw.send_frame(CLOSE, rawws.close_payload(code))
        result = self.wait_for_close(REPLY_WAIT)
        self.raw.close()
        return result

    def reset(self):
        """An abrupt end: TCP RST, no close frame."""
        self.raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack('ii', 1, 0))
        self.raw.close()


def is_offer(message):
    return isinstance(message, dict) and message.get('type') == 'sdp' and \
        isinstance(message.get('data'), dict) and \
        message['data'].get('type') == 'offer'


def is_error(message):
    return isinstance(message, dict) and message.get('type') == 'error'


def offered():
    """A WebSocket whose offer has arrived, and the offer."""
    ws = WebSocket()
    return ws, ws.wait_for(is_offer, OFFER_WAIT)


def expect_error_reply(case, name, send):
    """On a fresh negotiated WebSocket: send(ws), then an error reply must
    come and the connection stay open (a clean close after it)."""
    ws, _ = offered()
    before = ws.errors
    send(ws)
    try:
        reply = ws.wait_for(is_error, REPLY_WAIT)
        got = 'error reply {!r}'.format(reply.get('data'))
    except (Closed, TimeoutError) as error:
        reply, got = None, repr(error)
    case.result(reply is not None and ws.errors == before + 1,
                name + ' gets one error reply', got)
    code = ws.close()
    case.result(code == 1000, name + ': the session is still open after it '
                '(our 1000 is echoed)', 'close: {}'.format(code))


# ---------------------------------------------------------------------------
# Malformed signaling
# ---------------------------------------------------------------------------

def case_bad_json_before_offer(case):
    ws = WebSocket()
    ws.send_text('this is not JSON')
    try:
        reply = ws.wait_for(is_error, OFFER_WAIT)
    except (Closed, TimeoutError) as error:
        reply = error
    case.result(is_error(reply), 'an error reply', repr(reply))
    case.result(ws.close() == 1000, 'closed cleanly afterwards')


def case_bad_json(case):
    expect_error_reply(case, 'a truncated object',
                       lambda ws: ws.send_text('{"type": "sdp", "data": '))


def case_deep_brackets(case):
    """200 KB of nesting (the message that once overflowed json-glib's
    stack): an error reply, or a close with 1008/1009."""
    ws, _ = offered()
    ws.send_text('[' * 100000 + ']' * 100000)
    try:
        reply = ws.wait_for(is_error, REPLY_WAIT)
        outcome = 'error'
    except Closed as closed:
        reply, outcome = None, closed.code
    except TimeoutError:
        reply, outcome = None, 'timeout'
    case.result(outcome == 'error' or outcome in (1008, 1009),
                'an error reply or a 1008/1009 close', repr(outcome))
    if outcome == 'error':
        case.result(ws.close() == 1000, 'the session goes on')
    else:
        case.result(True, 'the session was closed ({})'.format(outcome))


def case_binary(case):
    expect_error_reply(case, 'a binary frame',
                       lambda ws: ws.send_frame(BINARY, bytes(range(256))))


def case_unknown_type(case):
    expect_error_reply(case, 'an unknown type',
                       lambda ws: ws.send_json({'type': 'bye', 'data': {}}))


def case_answer_not_sdp(case):
    expect_error_reply(case, 'an answer that is not SDP',
                       lambda ws: ws.send_json(
                           {'type': 'sdp',
                            'data': {'type': 'answer', 'sdp': 'hello'}}))


def case_answer_refused(case):
    """An answer that parses as SDP but matches nothing in the offer:
    webrtcbin refuses it, the session fails and is closed with 1011."""
    sdp = ('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'
           'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n'
           'a=recvonly\r\n')
    ws, _ = offered()
    ws.send_json({'type': 'sdp', 'data': {'type': 'answer', 'sdp': sdp}})
    code = ws.wait_for_close(REPLY_WAIT)
    case.result(code == 1011, 'closed with 1011', 'close: {}'.format(code))


def case_junk_candidates(case):
    """Candidates that are garbage, out of range or on a closed loopback
    port go to webrtcbin; the session answers the next message."""
    ws, _ = offered()
    for data in [{'candidate': 'candidate:garbage', 'sdpMLineIndex': 0},
                 {'candidate': 'candidate:1 1 UDP 1 127.0.0.1 9 typ host',
                  'sdpMLineIndex': 7},
                 {'candidate': 'candidate:1 1 UDP 2130706431 127.0.0.1 9 '
                  'typ host', 'sdpMLineIndex': 0},
                 {'candidate': '', 'sdpMLineIndex': 0}]:
        ws.send_json({'type': 'ice', 'data': data})
    ws.send_text('{')
    try:
        reply = ws.wait_for(is_error, REPLY_WAIT)
    except (Closed, TimeoutError) as error:
        reply = error
    case.result(is_error(reply), 'still answering after them', repr(reply))
    case.result(ws.close() == 1000, 'closed cleanly')


def case_too_big(case):
    """One byte over the 256 KiB limit, as a valid message: 1009."""
    ws, _ = offered()
    head = '{"type":"ice","data":{"sdpMLineIndex":0,"candidate":"'
    tail = '"}}'
    ws.send_text(head + 'x' * (MAX_MESSAGE + 1 - len(head) - len(tail)) +
                 tail)
    code = ws.wait_for_close(REPLY_WAIT)
    case.result(code == 1009, 'closed with 1009', 'close: {}'.format(code))


def case_error_flood(case):
    """More malformed messages than the session answers: 1008."""
    ws, _ = offered()
    for i in range(MAX_ERRORS + 1):
        ws.send_text('x{}'.format(i))
    code = ws.wait_for_close(REPLY_WAIT)
    case.result(code == 1008 and ws.errors == MAX_ERRORS,
                '{} error replies, then closed with 1008'.format(MAX_ERRORS),
                'close {}, {} error replies'.format(code, ws.errors))


# ---------------------------------------------------------------------------
# Connections that end badly (the server must simply go on: the next case
# and the receivers after this script show it does)
# ---------------------------------------------------------------------------

def case_close_before_offer(case):
    ws = WebSocket()
    case.result(ws.close() == 1000, 'a clean close before the offer')


def case_reset_before_offer(case):
    ws = WebSocket()
    ws.reset()
    case.result(True, 'TCP reset right after the upgrade')


def case_reset_during_negotiation(case):
    ws, _ = offered()
    ws.reset()
    case.result(True, 'TCP reset after the offer, before any answer')


def case_quick_reconnects(case):
    """What a page refresh does: the offer, close with 1001, open again at
    once. Each new WebSocket gets a sink of its own and an offer."""
    offers = 0
    for _ in range(5):
        ws, _ = offered()
        offers += 1
        ws.close_sent = True
        ws.send_frame(CLOSE, rawws.close_payload(1001))
        ws.raw.close()
    ws, _ = offered()
    offers += 1
    case.result(offers == 6 and ws.close() == 1000,
                'six offers in a row, the last one closed cleanly')


def case_no_answer(case):
    """A viewer that answers pings but never the offer: the session fails
    at the answer timeout (1011)."""
    ws, _ = offered()
    start = time.monotonic()
    code = ws.wait_for_close(ANSWER_TIMEOUT + REPLY_WAIT)
    case.result(code == 1011, 'closed with 1011 after the answer timeout',
                'close {} after {:.1f} s'.format(code,
                                                 time.monotonic() - start))


def case_frozen(case):
    """A viewer that stops reading and answering after the offer (a
    stopped process, TCP still open): the server closes it as dead within
    the pong timeout, with 1001."""
    ws, _ = offered()
    start = time.monotonic()
    time.sleep(PONG_TIMEOUT + 5)     # frozen: nothing read, nothing sent
    code = ws.wait_for_close(REPLY_WAIT)
    case.result(code == 1001, 'closed with 1001 as dead',
                'close {} after {:.1f} s'.format(code,
                                                 time.monotonic() - start))


def case_busy(case):
    """--max-viewers viewers at once, then one more: 1013. dsl-webrtc-serve
    counts a viewer until its sink's CLOSED listener has run, a moment
    after the close handshake: this case comes after one that ends with
    the server's own close, seconds before it reads it."""
    viewers = [offered()[0] for _ in range(MAX_VIEWERS)]
    extra = WebSocket()
    code = extra.wait_for_close(REPLY_WAIT)
    case.result(code == 1013, 'viewer {} is refused with 1013'.format(
        MAX_VIEWERS + 1), 'close {}'.format(code))
    codes = [ws.close() for ws in viewers]
    case.result(codes == [1000] * MAX_VIEWERS,
                'the {} others closed cleanly'.format(MAX_VIEWERS),
                repr(codes))


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

def http(request, timeout=REPLY_WAIT):
    """Sends request bytes, reads until the server closes: (status code or
    None, whole answer, seconds until the close)."""
    start = time.monotonic()
    sock = socket.create_connection((HOST, PORT), timeout)
    sock.sendall(request)
    data = b''
    sock.settimeout(timeout)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        data += b'<still open>'
    except ConnectionResetError:
        pass
    sock.close()
    status = None
    if data.startswith(b'HTTP/1.1 '):
        status = int(data[9:12])
    return status, data, time.monotonic() - start


def case_half_open(case):
    """A request whose headers never end: closed after the header timeout
    (with a 408 or without an answer), not held for ever."""
    for name, request in [
            ('a half-open GET', b'GET / HTTP/1.1\r\nHost: x\r\n'),
            ('a half-open upgrade',
             b'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'
             b'Connection: Upgrade\r\n')]:
        status, data, seconds = http(request, HEADER_TIMEOUT + 60)
        case.result(not data.endswith(b'<still open>') and
                    seconds >= HEADER_TIMEOUT - 0.5,
                    '{} is closed after the header timeout'.format(name),
                    'status {}, {:.1f} s, {!r}'.format(status, seconds,
                                                       data[:200]))


def case_http(case):
    for name, request, wanted in [
            ('the page', b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 200),
            ('a missing file', b'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n', 404),
            ('POST', b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n'
             b'\r\nabc', 405)]:
        status, data, _ = http(request)
        case.result(status == wanted, '{}: {}'.format(name, wanted),
                    repr(data[:200]))
    try:
        WebSocket('/wsx')
        refused = 'upgraded'
    except ConnectionError as error:
        refused = str(error)
    case.result(refused != 'upgraded', 'an upgrade on /wsx is refused',
                refused)


def hold_unanswered():
    """One viewer that has the offer and never answers, until the server
    closes it."""
    ws, _ = offered()
    print('offer', flush=True)
    print('closed {}'.format(ws.wait_for_close(OFFER_WAIT * 5)), flush=True)
    return 0


def main():
    global PORT, HEADER_TIMEOUT, PONG_TIMEOUT, MAX_VIEWERS
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--header-timeout', type=float, default=HEADER_TIMEOUT)
    parser.add_argument('--pong-timeout', type=float, default=PONG_TIMEOUT)
    parser.add_argument('--max-viewers', type=int, default=MAX_VIEWERS)
    parser.add_argument('--hold-unanswered', action='store_true')
    options = parser.parse_args()
    PORT = options.port
    HEADER_TIMEOUT = options.header_timeout
    PONG_TIMEOUT = options.pong_timeout
    MAX_VIEWERS = options.max_viewers
    if options.hold_unanswered:
        return hold_unanswered()
    return run_cases([
        ('bad JSON before the offer', 2, case_bad_json_before_offer),
        ('bad JSON', 2, case_bad_json),
        ('200 KB of brackets', 2, case_deep_brackets),
        ('binary frame', 2, case_binary),
        ('unknown type', 2, case_unknown_type),
        ('answer that is not SDP', 2, case_answer_not_sdp),
        ('answer webrtcbin refuses', 1, case_answer_refused),
        ('junk candidates', 2, case_junk_candidates),
        ('message over 256 KiB', 1, case_too_big),
        ('error flood', 1, case_error_flood),
        ('close before the offer', 1, case_close_before_offer),
        ('reset before the offer', 1, case_reset_before_offer),
        ('reset during negotiation', 1, case_reset_during_negotiation),
        ('quick reconnects', 1, case_quick_reconnects),
        ('no answer', 1, case_no_answer),
        ('frozen viewer', 1, case_frozen),
        ('one viewer too many', 2, case_busy),
        ('half-open requests', 2, case_half_open),
        ('HTTP', 4, case_http),
    ])


if __name__ == '__main__':
    sys.exit(main())
