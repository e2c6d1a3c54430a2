"""chaos.py - connect/close churn against one dsl-webrtc-serve (standard
library only), shared by tests/test-chaos.py (about 100 cycles, in CI) and
`scripts/bench churn` (1000 cycles).

One server plays a 320x240 test pattern. A witness viewer (the C test
receiver with --events) plays throughout. Then each cycle, its kind drawn
from a seeded random.Random, is one of:

  clean        a receiver decodes a few frames and closes (1000);
  reconnect    a raw client opens /ws, reads the offer, closes with 1001
               and reconnects at once, 2 to 4 times in a row (what a page
               refresh does; this used to hand the new WebSocket to the
               sink that had just closed, and crash the server);
  kill-offer   a receiver is killed (SIGKILL) when it has the offer, before
               it answers;
  kill-answer  ... as soon as its answer is sent;
  kill-ice     ... 0-80 ms after its answer, while ICE runs (at once if
               ICE connects first);
  close-ice    a receiver is sent SIGTERM as soon as its answer is sent:
               it closes its WebSocket (1000) in the middle of ICE;
  reset        a raw client aborts its TCP connection (SO_LINGER 0: RST) at
               a random point: right after connecting, in the middle of its
               request, after the 101, after the offer, or 0-300 ms after
               the offer (while the server trickles candidates).

Cycles follow each other without a pause, so one viewer's session is torn
down while the next one starts; at most MAX_OUTSTANDING departures the
server has not yet reported are allowed before the next cycle waits.

run() returns a plain dict with every figure; the callers decide what is a
failure. Counts: server threads (/proc/PID/task), open fds (/proc/PID/fd),
VmRSS, at the baseline (the witness playing, after one warm-up viewer came
and went, so thread pools are filled), at sample cycles (after waiting for
every departure), and at the end once threads and fds are back (polled for
up to `settle_s`).
"""

import base64
import json
import os
import random
import re
import signal
import socket
import struct
import time

from dsltap import Child, json_lines

WIDTH, HEIGHT = 320, 240
FPS = 30
ANNOUNCE = re.compile(r'^dsl-webrtc-serve: open http://127\.0\.0\.1:(\d+)/ ')
JOINED = re.compile(r'^viewer (\S+) joined ')
LEFT = re.compile(r'^viewer (\S+) left ')
REFUSED = re.compile(r'^viewer on \S+ refused')

# kind -> weight in the draw
KINDS = {
    'clean': 2,
    'reconnect': 2,
    'kill-offer': 1,
    'kill-answer': 1,
    'kill-ice': 1,
    'close-ice': 1,
    'reset': 2,
}
RESET_POINTS = ('tcp', 'request', 'upgraded', 'offer', 'offer+delay')
CLEAN_FRAMES = 5
MAX_OUTSTANDING = 8
# short keep-alive and header timeouts, so that whatever a killed client
# leaves behind is gone within seconds
SERVER_OPTIONS = ('--width', str(WIDTH), '--height', str(HEIGHT),
                  '--max-viewers', '64', '--ping-interval', '1',
                  '--pong-timeout', '3', '--header-timeout', '3')


# ---------------------------------------------------------------------------
# The server and its /proc figures
# ---------------------------------------------------------------------------

class Server:
    """dsl-webrtc-serve on 127.0.0.1 with MALLOC_ARENA_MAX=2; port is None
    if it never announced one."""

    def __init__(self, serve, env, scale=1, options=SERVER_OPTIONS):
        env = dict(env)
        env['MALLOC_ARENA_MAX'] = '2'
        # a witness under a slow (sanitized) server may miss a 3 s pong
        # deadline for no fault of its own
        options = [str(3 * scale) if options[i - 1] == '--pong-timeout'
                   else o for i, o in enumerate(options)]
        self.child = Child([serve, '--port', '0', '--bind', '127.0.0.1',
                            *options], env)
        _, line = self.child.wait_for_line(ANNOUNCE.match, 30 * scale)
        self.port = int(ANNOUNCE.match(line).group(1)) if line else None

    @property
    def pid(self):
        return self.child.process.pid

    def alive(self):
        return self.child.process.poll() is None

    def ws(self, path='/ws'):
        return 'ws://127.0.0.1:{}{}'.format(self.port, path)

    def count(self, pattern):
        return sum(1 for line in list(self.child.lines) if pattern.match(line))

    def outstanding(self):
        """Viewers joined and not yet reported gone."""
        return self.count(JOINED) - self.count(LEFT)

    def wait_outstanding(self, most, timeout):
        deadline = time.monotonic() + timeout
        while self.outstanding() > most and time.monotonic() < deadline:
            if not self.alive():
                break
            time.sleep(0.02)
        return self.outstanding() <= most

    def figures(self):
        """{'threads', 'fds', 'rss_kb'} now, or None if it is gone."""
        try:
            threads = len(os.listdir('/proc/{}/task'.format(self.pid)))
            fds = len(os.listdir('/proc/{}/fd'.format(self.pid)))
            rss = None
            with open('/proc/{}/status'.format(self.pid)) as status:
                for line in status:
                    if line.startswith('VmRSS:'):
                        rss = int(line.split()[1])
        except OSError:
            return None
        return {'threads': threads, 'fds': fds, 'rss_kb': rss}

    def cpu_ticks(self):
        with open('/proc/{}/stat'.format(self.pid)) as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def stop(self, timeout=15):
        """SIGINT, then SIGKILL after timeout: the exit status of the
        first (None if it had to be killed)."""
        self.child.signal(signal.SIGINT)
        status = self.child.wait(timeout)
        self.child.kill()
        return status

    def output(self):
        return self.child.output()


# ---------------------------------------------------------------------------
# A raw WebSocket client: just enough framing to read the offer and close
# (client frames masked, RFC 6455 5.3)
# ---------------------------------------------------------------------------

class RawClient:
    def __init__(self, port, timeout):
        self.sock = socket.create_connection(('127.0.0.1', port),
                                             timeout=timeout)
        self.buffer = b''

    def request(self, path='/ws', upto=None):
        key = base64.b64encode(os.urandom(16)).decode()
        text = ('GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
                'Connection: Upgrade\r\nSec-WebSocket-Key: {}\r\n'
                'Sec-WebSocket-Version: 13\r\n\r\n').format(path, key)
        data = text.encode()
        self.sock.sendall(data if upto is None else data[:upto])

    def upgraded(self):
        """True once the whole 101 response has arrived."""
        while b'\r\n\r\n' not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                return False
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b'\r\n\r\n')
        return head.split(b'\r\n', 1)[0].split(b' ')[1:2] == [b'101']

    def _take(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError('connection closed')
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def frame(self):
        """(opcode, payload) of the next frame (the server's are whole and
        unmasked)."""
        b0, b1 = self._take(2)
        length = b1 & 0x7f
        if length == 126:
            length = struct.unpack('>H', self._take(2))[0]
        elif length == 127:
            length = struct.unpack('>Q', self._take(8))[0]
        mask = self._take(4) if b1 & 0x80 else None
        payload = self._take(length)
        if mask:
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        return b0 & 0x0f, payload

    def offer(self):
        """True once an SDP offer arrived; False if the server closed."""
        while True:
            try:
                opcode, payload = self.frame()
            except EOFError:
                return False
            if opcode == 0x8:
                return False
            if opcode != 0x1:
                continue                   # pings, before the offer
            try:
                message = json.loads(payload)
            except ValueError:
                continue
            if message.get('type') == 'sdp' and \
                    message.get('data', {}).get('type') == 'offer':
                return True

    def close_frame(self, code):
        payload = struct.pack('>H', code)
        mask = os.urandom(4)
        masked = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        try:
            self.sock.sendall(bytes([0x88, 0x80 | len(payload)]) + mask +
                              masked)
        except OSError:
            pass

    def close(self):
        self.sock.close()

    def reset(self):
        """Abort the connection: the kernel sends RST, not FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack('ii', 1, 0))
        self.sock.close()


# ---------------------------------------------------------------------------
# The receivers
# ---------------------------------------------------------------------------

def receiver_args(receiver, url, frames, timeout, *extra):
    return [receiver, '--url', url, '--frames', frames, '--timeout', timeout,
            '--ice-address', '127.0.0.1', *extra]


def event_name(line):
    if not line.startswith('{"event"'):
        return None
    try:
        return json.loads(line).get('event')
    except ValueError:
        return None


def results(child):
    """The receiver's peer result lines (not its events)."""
    return [r for r in json_lines(child.lines) if 'event' not in r]


class Witness:
    """A receiver that plays until stopped (SIGTERM)."""

    def __init__(self, receiver, url, env, timeout):
        self.child = Child(receiver_args(receiver, url, 10 ** 8, timeout,
                                         '--events'), env)
        self.first_frame = None
        self.stopped = None

    def wait_playing(self, timeout):
        when, _ = self.child.wait_for_line(
            lambda line: event_name(line) == 'first-frame', timeout)
        self.first_frame = when
        return when is not None

    def closed_early(self):
        """True if its WebSocket closed or it exited while it should play."""
        return (self.child.process.poll() is not None or
                any(event_name(line) == 'closed'
                    for line in list(self.child.lines)))

    def stop(self, timeout):
        """Its result: frames_total, max_gap_ms, ... and watched_s."""
        self.stopped = time.monotonic()
        self.child.signal(signal.SIGTERM)
        status = self.child.wait(timeout)
        self.child.kill()
        peers = results(self.child)
        result = dict(peers[0]) if peers else {}
        result['exit'] = status
        if self.first_frame:
            result['watched_s'] = round(self.stopped - self.first_frame, 1)
        return result


# ---------------------------------------------------------------------------
# The cycles: each returns None on success, else what went wrong
# ---------------------------------------------------------------------------

class Cycles:
    def __init__(self, server, receiver, env, rng, scale):
        self.server = server
        self.receiver_path = receiver
        self.env = env
        self.rng = rng
        self.scale = scale
        self.timeout = 15 * scale
        self.notes = {'kill-ice before ice-connected': 0,
                      'kill-ice after ice-connected': 0}
        for point in RESET_POINTS:
            self.notes['reset at ' + point] = 0

    def receiver(self, frames=CLEAN_FRAMES):
        return Child(receiver_args(self.receiver_path, self.server.ws(),
                                   frames, self.timeout, '--events'),
                     self.env)

    def wait_event(self, child, names):
        """The first of names the receiver reports, or None."""
        _, line = child.wait_for_line(lambda l: event_name(l) in names,
                                      self.timeout)
        return event_name(line) if line else None

    def clean(self):
        child = self.receiver()
        status = child.wait(self.timeout + 10)
        child.kill()
        peers = results(child)
        peer = peers[0] if peers else {}
        if status == 0 and peer.get('frames') == CLEAN_FRAMES and \
                (peer.get('width'), peer.get('height')) == (WIDTH, HEIGHT) \
                and peer.get('close_code') == 1000:
            return None
        return 'receiver exit {}, {}\n{}'.format(status, peer,
                                                 child.output())

    def killed_at(self, event):
        child = self.receiver(10 ** 6)
        try:
            got = self.wait_event(child, (event,))
            if got is None:
                return 'no "{}" event\n{}'.format(event, child.output())
            return None
        finally:
            child.kill()

    def kill_offer(self):
        return self.killed_at('offer')

    def kill_answer(self):
        return self.killed_at('answer-sent')

    def kill_ice(self):
        child = self.receiver(10 ** 6)
        try:
            if self.wait_event(child, ('answer-sent',)) is None:
                return 'no "answer-sent" event\n' + child.output()
            delay = self.rng.uniform(0, 0.08)
            when, _ = child.wait_for_line(
                lambda l: event_name(l) == 'ice-connected', delay)
            self.notes['kill-ice {} ice-connected'.format(
                'after' if when else 'before')] += 1
            return None
        finally:
            child.kill()

    def close_ice(self):
        child = self.receiver(10 ** 6)
        try:
            if self.wait_event(child, ('answer-sent',)) is None:
                return 'no "answer-sent" event\n' + child.output()
            child.signal(signal.SIGTERM)
            status = child.wait(self.timeout)
            peers = results(child)
            if status is None or not peers:
                return 'the receiver did not finish on SIGTERM (exit {})\n{}' \
                    .format(status, child.output())
            return None
        finally:
            child.kill()

    def reconnect(self):
        count = self.rng.randint(2, 4)
        clients = []
        try:
            for n in range(count):
                client = RawClient(self.server.port, self.timeout)
                clients.append(client)
                client.request()
                if not client.upgraded():
                    return 'reconnect {} of {}: no 101'.format(n + 1, count)
                if not client.offer():
                    return 'reconnect {} of {}: no offer'.format(n + 1, count)
                client.close_frame(1001)
                client.close()
            return None
        except OSError as error:
            return 'reconnect: {!r}'.format(error)
        finally:
            for client in clients:
                client.close()

    def reset(self):
        point = self.rng.choice(RESET_POINTS)
        delay = self.rng.uniform(0, 0.3)
        self.notes['reset at ' + point] += 1
        client = None
        try:
            client = RawClient(self.server.port, self.timeout)
            if point == 'tcp':
                return None
            if point == 'request':
                client.request(upto=40)
                return None
            client.request()
            if not client.upgraded():
                return 'reset at {}: no 101'.format(point)
            if point == 'upgraded':
                return None
            if not client.offer():
                return 'reset at {}: no offer'.format(point)
            if point == 'offer+delay':
                time.sleep(delay)
            return None
        except OSError as error:
            return 'reset at {}: {!r}'.format(point, error)
        finally:
            if client:
                client.reset()

    def run(self, kind):
        return getattr(self, kind.replace('-', '_'))()


# ---------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------

def reference_cycle(cycles):
    """The cycle whose RSS the end is compared with: 100 for a long run,
    half way for a short one (50 of 100), when the allocator's arenas and
    caches have filled up (RSS still grows by some MB over the first 20
    cycles or so)."""
    return 100 if cycles >= 200 else max(1, cycles // 2)


def run(serve, receiver, env, cycles, seed, scale=1, time_limit=None,
        sample_every=None, settle_s=30, log=print):
    """Runs the churn with the server command serve and the C test
    receiver; returns a dict of everything seen (see the module doc).
    env: the environment of every child (ICE on loopback)."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    weights = [KINDS[k] for k in kinds]
    ref = reference_cycle(cycles)
    sample_every = sample_every or max(1, cycles // 10)
    out = {'seed': seed, 'cycles_planned': cycles, 'cycles_run': 0,
           'reference_cycle': ref, 'kinds': {k: {'run': 0, 'failed': 0}
                                              for k in kinds},
           'failures': [], 'samples': [], 'notes': {}}
    started = time.monotonic()
    server = Server(serve, env, scale)
    witness = None
    try:
        if server.port is None:
            out['error'] = 'the server did not announce a port\n' + \
                server.output()
            return out
        witness = Witness(receiver, server.ws(), env, 3600 * 4)
        if not witness.wait_playing(30 * scale):
            out['error'] = 'the witness does not play\n' + \
                witness.child.output() + '\n' + server.output()
            return out
        work = Cycles(server, receiver, env, rng, scale)

        # warm-up: one viewer comes and goes, then the baseline
        problem = work.clean()
        if problem or not server.wait_outstanding(1, 10 * scale):
            out['error'] = 'the warm-up viewer failed: {}\n{}'.format(
                problem, server.output())
            return out
        time.sleep(1)
        out['baseline'] = server.figures()
        log('baseline (witness playing): {}'.format(out['baseline']))

        for cycle in range(1, cycles + 1):
            if time_limit and time.monotonic() - started > time_limit:
                out['timed_out'] = True
                log('time limit of {} s reached after {} cycles'.format(
                    time_limit, cycle - 1))
                break
            if not server.alive():
                break
            server.wait_outstanding(1 + MAX_OUTSTANDING, 10 * scale)
            kind = rng.choices(kinds, weights)[0]
            out['kinds'][kind]['run'] += 1
            problem = work.run(kind)
            out['cycles_run'] = cycle
            if problem:
                out['kinds'][kind]['failed'] += 1
                out['failures'].append({'cycle': cycle, 'kind': kind,
                                        'detail': problem})
                log('cycle {} ({}) failed: {}'.format(
                    cycle, kind, problem.splitlines()[0]))
            if cycle == ref or cycle % sample_every == 0 or cycle == cycles:
                server.wait_outstanding(1, 10 * scale)
                figures = server.figures()
                if figures is None:
                    break
                figures['cycle'] = cycle
                figures['outstanding'] = server.outstanding() - 1
                figures['elapsed_s'] = round(time.monotonic() - started, 1)
                out['samples'].append(figures)
                if cycle == ref:
                    out['at_reference'] = figures
                log('after cycle {}: {} threads, {} fds, {:.1f} MB, {} '
                    'departures pending, {:.0f} s'.format(
                        cycle, figures['threads'], figures['fds'],
                        figures['rss_kb'] / 1024, figures['outstanding'],
                        figures['elapsed_s']))
        out['cycles_s'] = round(time.monotonic() - started, 1)
        out['notes'] = work.notes

        # the end: threads and fds back (sessions close asynchronously, a
        # dead peer takes up to the pong timeout)
        base = out['baseline']
        deadline = time.monotonic() + settle_s
        settle_start = time.monotonic()
        figures = server.figures()
        while figures and time.monotonic() < deadline and not (
                figures['threads'] <= base['threads'] and
                figures['fds'] <= base['fds'] and server.outstanding() <= 1):
            time.sleep(0.25)
            figures = server.figures()
        out['end'] = figures
        out['settle_s'] = round(time.monotonic() - settle_start, 1)
        out['server_alive'] = server.alive()
        log('end, {} s after the last cycle: {}'.format(out['settle_s'],
                                                        figures))

        # a new viewer still plays
        if server.alive():
            child = Child(receiver_args(receiver, server.ws(), 30,
                                        30 * scale), env)
            status = child.wait(30 * scale + 10)
            child.kill()
            peers = results(child)
            out['final_viewer'] = {'exit': status,
                                   'peer': peers[0] if peers else None,
                                   'output': child.output()}

        out['witness_closed_early'] = witness.closed_early()
        out['witness'] = witness.stop(15 * scale)
        out['witness_output'] = witness.child.output()
        witness = None
        server.wait_outstanding(0, 10 * scale)
        out['joined'] = server.count(JOINED)
        out['left'] = server.count(LEFT)
        out['refused'] = server.count(REFUSED)
        out['server_alive_at_stop'] = server.alive()
        out['server_exit'] = server.stop(15 * scale)
        out['server_output'] = server.output()
        return out
    finally:
        out['elapsed_s'] = round(time.monotonic() - started, 1)
        if witness:
            witness.child.kill()
        if 'server_output' not in out:
            out['server_output'] = server.output()
        server.child.kill()
