#!/usr/bin/env python3
"""test-examples-c.py - the C examples of both WebSocket Server use cases.

Runs, each in its own process and viewed by the C test receiver (which must
decode 60 frames of the 1280x720 test pattern):
  * examples/c/webrtc_connect_pre_play (use case 2): plays on INITIATED,
    stops and ends by itself on CLOSED; also with --file;
  * examples/c/webrtc_connect_post_play (use case 1): one WebRTC Sink per
    viewer, removed and deleted when it leaves; with --exit-after-viewers
    1 and 2 (two viewers one after the other), and stopped by SIGINT while
    a viewer is connected;
  * the command line errors of both.

Prints TAP; the exit status is non-zero if any test failed.

Environment (set by the test runner):
  DSL_EXAMPLE_POST_PLAY  examples/c/webrtc_connect_post_play
  DSL_EXAMPLE_PRE_PLAY   examples/c/webrtc_connect_pre_play
  DSL_TEST_RECEIVER      the C test receiver
  DSL_BUILD_ROOT         the build directory (for the defaults)
  DSL_WEBRTC_ICE_ADDRESSES=127.0.0.1
The examples listen on 127.0.0.1 only; nothing goes beyond loopback.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SOURCE_ROOT = Path(os.environ.get('DSL_SOURCE_ROOT',
                                  Path(__file__).resolve().parent.parent))
BUILD_ROOT = Path(os.environ.get('DSL_BUILD_ROOT', SOURCE_ROOT / 'build'))
POST_PLAY = os.environ.get('DSL_EXAMPLE_POST_PLAY',
                           str(BUILD_ROOT / 'examples' / 'c' /
                               'webrtc_connect_post_play'))
PRE_PLAY = os.environ.get('DSL_EXAMPLE_PRE_PLAY',
                          str(BUILD_ROOT / 'examples' / 'c' /
                              'webrtc_connect_pre_play'))
RECEIVER = os.environ.get('DSL_TEST_RECEIVER',
                          str(BUILD_ROOT / 'tests' / 'receiver' /
                              'dsl-test-receiver'))

WIDTH, HEIGHT, FRAMES = 1280, 720, 60
PATH_LINE = 'client_listener: path = /ws'
INITIATED_LINE = 'sink_listener: current_state = 1'
CLOSED_LINE = 'sink_listener: current_state = 0'


def child_env():
    env = dict(os.environ)
    env.setdefault('DSL_WEBRTC_ICE_ADDRESSES', '127.0.0.1')
    return env


# ---------------------------------------------------------------------------
# TAP: each case declares how many results it gives; those it could not
# give (a failed precondition, an exception) are reported as failures.
# ---------------------------------------------------------------------------

class Tap:
    def __init__(self, plan):
        self.plan = plan
        self.count = 0
        self.failed = 0
        print('1..{}'.format(plan), flush=True)

    def result(self, ok, name, diagnostics=None):
        self.count += 1
        if not ok:
            self.failed += 1
        print('{} {} - {}'.format('ok' if ok else 'not ok', self.count, name),
              flush=True)
        if not ok and diagnostics:
            self.diag(diagnostics)
        return ok

    @staticmethod
    def diag(text):
        for line in str(text).rstrip().splitlines()[-60:]:
            print('# ' + line, flush=True)

    def finish(self):
        if self.count != self.plan:
            self.diag('ran {} tests, planned {}'.format(self.count,
                                                        self.plan))
            self.failed += 1
        return 1 if self.failed else 0


class Case:
    def __init__(self, tap, title, planned):
        self.tap = tap
        self.title = title
        self.planned = planned
        self.given = 0

    def result(self, ok, name, diagnostics=None):
        self.given += 1
        return self.tap.result(ok, self.title + ': ' + name, diagnostics)

    def fail_rest(self, reason):
        while self.given < self.planned:
            self.result(False, 'not run', reason)


# ---------------------------------------------------------------------------
# A child process in its own session, stdout read line by line
# ---------------------------------------------------------------------------

class Child:
    def __init__(self, args):
        self.args = [str(a) for a in args]
        self.stderr_file = tempfile.TemporaryFile(mode='w+')
        self.process = subprocess.Popen(
            self.args, env=child_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=self.stderr_file, text=True,
            bufsize=1, start_new_session=True)
        self.lines = []
        self.queue = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            line = line.rstrip('\n')
            self.lines.append(line)
            self.queue.put(line)
        self.queue.put(None)

    def wait_for_line(self, prefix, timeout):
        """The first new stdout line starting with prefix, or None."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                line = self.queue.get(timeout=remaining)
            except queue.Empty:
                return None
            if line is None:
                self.queue.put(None)
                return None
            if line.startswith(prefix):
                return line

    def wait(self, timeout):
        """The exit status, or None if the child is still running."""
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.reader.join(5)
        return status

    def kill(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.reader.join(5)

    def stderr(self):
        self.stderr_file.seek(0)
        return self.stderr_file.read()

    def output(self):
        return ('$ {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
            ' '.join(self.args), '\n'.join(self.lines),
            '\n'.join(self.stderr().splitlines()[-30:])))


def start_example(program, *options):
    """The example listening on 127.0.0.1 and its port (None if it never
    said it listens)."""
    child = Child([program, '--port', '0', '--bind', '127.0.0.1', *options])
    line = child.wait_for_line('listening on port ', 30)
    try:
        port = int(line.split()[-1]) if line else None
    except ValueError:
        port = None
    return child, port


def receiver_args(port, frames=FRAMES, *extra):
    return [RECEIVER, '--url', 'ws://127.0.0.1:{}/ws'.format(port),
            '--frames', str(frames), '--timeout', '30', *extra]


def run_receiver(port, frames=FRAMES):
    """(exit status, the peers' JSON results, text for diagnostics)."""
    try:
        done = subprocess.run(receiver_args(port, frames),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=60)
    except subprocess.TimeoutExpired as error:
        return None, [], 'receiver did not exit within 60 s: {}'.format(error)
    peers = []
    for line in done.stdout.splitlines():
        if line.strip().startswith('{'):
            try:
                peers.append(json.loads(line))
            except ValueError:
                pass
    text = 'receiver exit {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
        done.returncode, done.stdout,
        '\n'.join(done.stderr.splitlines()[-30:]))
    return done.returncode, peers, text


def got_frames(peers, frames=FRAMES, width=WIDTH, height=HEIGHT):
    return (len(peers) == 1 and peers[0].get('frames', 0) >= frames and
            (peers[0].get('width'), peers[0].get('height')) == (width,
                                                                 height))


def in_order(lines, wanted):
    """True if the lines hold, in this order, exactly the lines in wanted
    among those that look like them (listener lines)."""
    kinds = (PATH_LINE.split('=')[0], INITIATED_LINE.split('=')[0])
    seen = [l for l in lines if l.startswith(kinds)]
    return seen == wanted


def view_and_check(case, child, port, frames=FRAMES, width=WIDTH,
                   height=HEIGHT, label='the viewer'):
    """The receiver views the example: 1 result."""
    status, peers, text = run_receiver(port, frames)
    return case.result(status == 0 and got_frames(peers, frames, width,
                                                  height),
                       '{} decodes {} frames of {}x{}'.format(
                           label, frames, width, height),
                       text + '\n' + child.output())


# ---------------------------------------------------------------------------
# Use case 2: webrtc_connect_pre_play
# ---------------------------------------------------------------------------

def case_pre_play(case):
    child, port = start_example(PRE_PLAY)
    try:
        if not case.result(port is not None and port > 0,
                           'listening on port {}'.format(port),
                           child.output()):
            return
        view_and_check(case, child, port)
        status = child.wait(15)
        case.result(status == 0, 'exits 0 by itself after CLOSED',
                    'exit {}\n{}'.format(status, child.output()))
        lines = child.lines
        case.result(in_order(lines, [PATH_LINE, INITIATED_LINE,
                                     CLOSED_LINE]),
                    'listener calls: path = /ws, current_state = 1, '
                    'then current_state = 0', child.output())
        initiated = lines.index(INITIATED_LINE) \
            if INITIATED_LINE in lines else len(lines)
        closed = lines.index(CLOSED_LINE) \
            if CLOSED_LINE in lines else len(lines)
        played = lines[initiated + 1:initiated + 2]
        stopped = lines[closed + 1:closed + 2]
        case.result(played == ['dsl_pipeline_play returned '
                               'DSL_RESULT_SUCCESS'] and
                    stopped == ['dsl_pipeline_stop returned '
                                'DSL_RESULT_SUCCESS'] and
                    lines[-1:] == ['DSL_RESULT_SUCCESS'],
                    'plays on INITIATED, stops on CLOSED, ends with '
                    'DSL_RESULT_SUCCESS', child.output())
    finally:
        child.kill()


def case_pre_play_file(case):
    with tempfile.TemporaryDirectory(prefix='dsl-examples-c-') as folder:
        clip = Path(folder) / 'clip.mp4'
        done = subprocess.run(
            ['gst-launch-1.0', '-q', 'videotestsrc', 'num-buffers=60', '!',
             'video/x-raw,width=320,height=240,framerate=30/1', '!',
             'x264enc', '!', 'mp4mux', '!', 'filesink',
             'location={}'.format(clip)], stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or not clip.exists():
            case.fail_rest('cannot make a clip with gst-launch-1.0: exit {}'
                           '\n{}{}'.format(done.returncode, done.stdout,
                                           done.stderr))
            return
        child, port = start_example(PRE_PLAY, '--file', clip)
        try:
            if port is None:
                case.fail_rest('not listening\n' + child.output())
                return
            view_and_check(case, child, port, 60, 320, 240)
            status = child.wait(15)
            case.result(status == 0, 'exits 0 by itself after CLOSED',
                        'exit {}\n{}'.format(status, child.output()))
        finally:
            child.kill()


# ---------------------------------------------------------------------------
# Use case 1: webrtc_connect_post_play
# ---------------------------------------------------------------------------

def case_post_play(case):
    child, port = start_example(POST_PLAY, '--exit-after-viewers', '1')
    try:
        if not case.result(port is not None and port > 0,
                           'listening on port {}'.format(port),
                           child.output()):
            return
        view_and_check(case, child, port)
        status = child.wait(15)
        case.result(status == 0, 'exits 0 after the viewer closed',
                    'exit {}\n{}'.format(status, child.output()))
        case.result(in_order(child.lines, [PATH_LINE, INITIATED_LINE,
                                           CLOSED_LINE]),
                    'listener calls: path = /ws, current_state = 1, '
                    'then current_state = 0', child.output())
        case.result(child.lines[-1:] == ['DSL_RESULT_SUCCESS'],
                    'ends with DSL_RESULT_SUCCESS', child.output())
    finally:
        child.kill()


def case_post_play_two_viewers(case):
    """The first viewer's sink is removed and deleted when it leaves, so a
    second viewer gets a new one."""
    child, port = start_example(POST_PLAY, '--exit-after-viewers', '2')
    try:
        if port is None:
            case.fail_rest('not listening\n' + child.output())
            return
        view_and_check(case, child, port, label='the first viewer')
        view_and_check(case, child, port, label='then a second viewer')
        status = child.wait(15)
        case.result(status == 0 and
                    in_order(child.lines, [PATH_LINE, INITIATED_LINE,
                                           CLOSED_LINE] * 2),
                    'listener calls twice in order, then exits 0',
                    'exit {}\n{}'.format(status, child.output()))
    finally:
        child.kill()


def case_post_play_sigint(case):
    child, port = start_example(POST_PLAY)
    receiver = None
    try:
        if port is None:
            case.fail_rest('not listening\n' + child.output())
            return
        # a viewer that stays connected after 10 frames
        receiver = Child(receiver_args(port, 10, '--hold', '60'))
        initiated = child.wait_for_line(INITIATED_LINE, 20)
        time.sleep(1.0)   # media flows
        if initiated is None or receiver.process.poll() is not None:
            case.fail_rest('the viewer did not connect\n' + child.output() +
                           '\n' + receiver.output())
            return
        child.process.send_signal(signal.SIGINT)
        status = child.wait(10)
        case.result(status == 0 and child.lines[-1:] ==
                    ['DSL_RESULT_SUCCESS'],
                    'SIGINT with a viewer connected: exits 0 within 10 s',
                    'exit {}\n{}'.format(status, child.output()))
    finally:
        if receiver:
            receiver.kill()
        child.kill()


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def case_errors(case):
    for program, options, wanted, name in [
            (POST_PLAY, ['--port', '70000'], 2, '--port 70000 exits 2'),
            (PRE_PLAY, ['--no-such-option'], 2,
             'an unknown option exits 2'),
            (PRE_PLAY, ['--port', '0', '--bind', 'not-an-address'], 1,
             'a failing service is printed, exit 1')]:
        child = Child([program, *options])
        try:
            status = child.wait(30)
            if wanted == 2:
                ok = status == 2 and child.stderr().strip() != ''
            else:
                ok = status == 1 and child.lines[-1:] == [
                    'DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED']
            case.result(ok, name, 'exit {}\n{}'.format(status,
                                                      child.output()))
        finally:
            child.kill()


CASES = [
    ('pre-play', 5, case_pre_play),
    ('pre-play --file', 2, case_pre_play_file),
    ('post-play', 5, case_post_play),
    ('post-play, 2 viewers', 3, case_post_play_two_viewers),
    ('post-play', 1, case_post_play_sigint),
    ('errors', 3, case_errors),
]


def main():
    tap = Tap(sum(count for _, count, _ in CASES))
    for path in (POST_PLAY, PRE_PLAY, RECEIVER):
        if not Path(path).exists():
            tap.diag('missing: {}'.format(path))
    for title, count, function in CASES:
        case = Case(tap, title, count)
        start = time.monotonic()
        try:
            function(case)
        except Exception as error:   # a broken case must not stop the rest
            case.fail_rest('exception: {!r}'.format(error))
        case.fail_rest('the case ended early')
        tap.diag('{}: {:.1f} s'.format(title, time.monotonic() - start))
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
