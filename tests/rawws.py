"""rawws.py - a WebSocket client of raw frames, for tests that must send
what no library would: bad masks, reserved bits, broken fragments, floods.

It speaks to a server on 127.0.0.1 only. RawWebSocket(port) upgrades at
once (raising ConnectionError unless the answer is a 101 with the right
Sec-WebSocket-Accept; .status holds the status line either way);
upgrade=False leaves the request to the caller.
"""

import base64
import hashlib
import json
import os
import socket
import struct
import time

GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'   # RFC 6455, section 1.3
WAIT = 5 * (3 if os.environ.get('DSL_SANITIZED') else 1)

# Opcodes (RFC 6455, section 5.2)
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def frame(opcode, payload=b'', fin=True, rsv=0, masked=True, length=None,
          mask=None):
    """The bytes of one client frame. rsv: the three reserved bits (0-7);
    length: the payload length to announce, if not the payload's own."""
    length = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv & 7) << 4 | opcode & 0xF])
    flag = 0x80 if masked else 0
    if length < 126:
        head += bytes([flag | length])
    elif length < 1 << 16:
        head += bytes([flag | 126]) + struct.pack('>H', length)
    else:
        head += bytes([flag | 127]) + struct.pack('>Q', length)
    if not masked:
        return head + payload
    mask = os.urandom(4) if mask is None else mask
    return head + mask + apply_mask(mask, payload)


def apply_mask(mask, data):
    if not data:
        return b''
    n = len(data)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, 'big') ^
            int.from_bytes(key, 'big')).to_bytes(n, 'big')


def close_payload(code, reason=b''):
    return struct.pack('>H', code) + reason


class RawWebSocket:
    """One TCP connection to the server, upgraded by hand."""

    def __init__(self, port, path='/ws', upgrade=True):
        self.port = port
        self.path = path
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=WAIT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b''           # what came and is not parsed yet,
        self.pos = 0                # from here on
        self.eof = False
        self.close_reason = None    # of the server's close frame
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.status = None
        self.headers = {}           # of the response, names in lower case
        if upgrade:
            self.upgrade(self.request())

    def request(self):
        return ('GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n'
                'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                'Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n'
                'Origin: http://127.0.0.1:{}\r\n\r\n'.format(
                    self.path, self.port, self.key, self.port)).encode()

    def expected_accept(self):
        digest = hashlib.sha1(self.key.encode() + GUID).digest()
        return base64.b64encode(digest).decode()

    def upgrade(self, request, byte_delay=None):
        """Sends the request (one byte at a time, byte_delay apart, if
        given) and reads the response head; raises unless it is a 101 with
        the right Sec-WebSocket-Accept."""
        if byte_delay is None:
            self.sock.sendall(request)
        else:
            for i in range(len(request)):
                self.sock.sendall(request[i:i + 1])
                time.sleep(byte_delay)
        while b'\r\n\r\n' not in self.buffer:
            if not self._fill(WAIT):
                raise ConnectionError('no response to the upgrade')
        head, self.buffer = self.buffer.split(b'\r\n\r\n', 1)
        lines = head.decode('latin-1').split('\r\n')
        self.status = lines[0]
        headers = self.headers
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers[name.strip().lower()] = value.strip()
        if not self.status.startswith('HTTP/1.1 101'):
            raise ConnectionError('upgrade refused: ' + self.status)
        if headers.get('sec-websocket-accept') != self.expected_accept():
            raise ConnectionError('bad Sec-WebSocket-Accept: {!r}'.format(
                headers.get('sec-websocket-accept')))

    def _fill(self, timeout):
        """Reads more bytes; False at the end of the stream (or a reset)
        or if nothing came within timeout seconds."""
        if self.eof:
            return False
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            data = b''
        if not data:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos:] + data
        self.pos = 0
        return True

    def read_frame(self, timeout=WAIT):
        """(fin, opcode, payload) of the next server frame; None at the end
        of the stream; raises TimeoutError if none came in time."""
        deadline = time.monotonic() + timeout
        while True:
            parsed = self._parse()
            if parsed is not None:
                return parsed
            if self.eof:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (not self._fill(remaining) and
                                  not self.eof):
                raise TimeoutError('no frame within {} s'.format(timeout))

    def _parse(self):
        b = memoryview(self.buffer)[self.pos:]
        if len(b) < 2:
            return None
        fin, opcode = b[0] & 0x80 != 0, b[0] & 0x0F
        length, at = b[1] & 0x7F, 2
        if length == 126:
            if len(b) < 4:
                return None
            length, at = struct.unpack('>H', b[2:4])[0], 4
        elif length == 127:
            if len(b) < 10:
                return None
            length, at = struct.unpack('>Q', b[2:10])[0], 10
        if b[1] & 0x80:
            raise ValueError('the server masked a frame')
        if len(b) < at + length:
            return None
        payload = bytes(b[at:at + length])
        self.pos += at + length
        return fin, opcode, payload

    def send(self, data):
        """Writes raw bytes; False if the server has gone."""
        try:
            self.sock.settimeout(WAIT)
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def send_frame(self, opcode, payload=b'', **options):
        return self.send(frame(opcode, payload, **options))

    def outcome(self, timeout=WAIT):
        """How the server ended the connection, skipping its other frames:
        ('close', code) for a close frame (code None if it had no
        payload), ('dropped',) for the end of the stream without one,
        ('open',) if neither came in time."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self.read_frame(max(deadline - time.monotonic(), 0))
            except TimeoutError:
                return ('open',)
            if got is None:
                return ('dropped',)
            _, opcode, payload = got
            if opcode == CLOSE:
                self.close_reason = payload[2:]
                if len(payload) < 2:
                    return ('close', None)
                return ('close', struct.unpack('>H', payload[:2])[0])

    def message(self, kind, timeout=WAIT):
        """The next server text message of type kind, parsed; None if the
        connection ended or none came in time."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self.read_frame(max(deadline - time.monotonic(), 0))
            except TimeoutError:
                return None
            if got is None:
                return None
            _, opcode, payload = got
            if opcode == CLOSE:
                self.close_reason = payload[2:]
                return None
            if opcode != TEXT:
                continue
            try:
                message = json.loads(payload)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get('type') == kind:
                return message

    def pong(self, timeout=WAIT):
        """The payload of the next pong; None if the connection ended or
        none came in time."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self.read_frame(max(deadline - time.monotonic(), 0))
            except TimeoutError:
                return None
            if got is None or got[1] == CLOSE:
                return None
            if got[1] == PONG:
                return got[2]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
