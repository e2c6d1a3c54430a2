#!/usr/bin/env python3
"""test-serve.py - dsl-webrtc-serve as a user sees it.

Each case starts the command as a child process listening on 127.0.0.1 on a
free port, reads the URL it announces, and watches it with the C test
receiver or with headless Chromium (tests/browser/view.mjs):
  * the command line: --help, and the errors that exit 2;
  * media: picture size, H.264, extra paths, --max-viewers, a looping file;
  * Ctrl-C (SIGINT) and SIGTERM while a viewer is connected;
  * the built-in page in Chromium: size and statistics shown, playing
    again after the server restarts on the same port, and DSL's minimal
    protocol page.

Prints TAP; the exit status is non-zero if any test failed. The browser
cases are skipped when view.mjs exits 77 (no Chromium or playwright-core),
unless DSL_REQUIRE_BROWSER=1, which makes that a failure.

Environment (set by the test runner):
  DSL_WEBRTC_SERVE   the command under test
  DSL_TEST_RECEIVER  the C test receiver
  DSL_SOURCE_ROOT    the repository (default: this file's parent's parent)
  DSL_BUILD_ROOT     the build directory
  DSL_WEBRTC_ICE_ADDRESSES=127.0.0.1
Everything listens and connects on 127.0.0.1 only.
"""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# The page must play again within 5 s of a restart; a sanitized server
# starts several times slower, so that run allows three times as long.
REPLAY_LIMIT_MS = 5000 * (3 if os.environ.get('DSL_SANITIZED') else 1)

SOURCE_ROOT = Path(os.environ.get('DSL_SOURCE_ROOT',
                                  Path(__file__).resolve().parent.parent))
BUILD_ROOT = Path(os.environ.get('DSL_BUILD_ROOT', SOURCE_ROOT / 'build'))
SERVE = os.environ.get('DSL_WEBRTC_SERVE',
                       str(BUILD_ROOT / 'tools' / 'dsl-webrtc-serve'))
RECEIVER = os.environ.get('DSL_TEST_RECEIVER',
                          str(BUILD_ROOT / 'tests' / 'receiver' /
                              'dsl-test-receiver'))
VIEW_MJS = SOURCE_ROOT / 'tests' / 'browser' / 'view.mjs'
VIEWER_PAGE = SOURCE_ROOT / 'src' / 'server' / 'www' / 'index.html'
PROTOCOL_PAGE = SOURCE_ROOT / 'tests' / 'browser' / 'dsl-protocol-page.html'
REQUIRE_BROWSER = os.environ.get('DSL_REQUIRE_BROWSER') == '1'

ANNOUNCE = re.compile(r'^dsl-webrtc-serve: open http://127\.0\.0\.1:(\d+)/ '
                      r'in a browser')
OPTIONS = ['--port', '--bind', '--path', '--file', '--uri', '--v4l2',
           '--encoder', '--bitrate', '--iframe-interval', '--width',
           '--height', '--framerate', '--stun', '--turn', '--ice-addresses',
           '--max-viewers']
EXIT_SKIP = 77


def child_env():
    env = dict(os.environ)
    env.setdefault('DSL_WEBRTC_ICE_ADDRESSES', '127.0.0.1')
    return env


# ---------------------------------------------------------------------------
# TAP: each case declares how many results it gives; a case that stops
# early (an exception, or a failed precondition) has the rest reported as
# failures, so the plan always holds.
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

    def skip(self, name, reason):
        self.count += 1
        print('ok {} - {} # SKIP {}'.format(self.count, name, reason),
              flush=True)

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
    """One case's view of the TAP stream: at most `planned` results."""

    def __init__(self, tap, title, planned):
        self.tap = tap
        self.title = title
        self.planned = planned
        self.given = 0

    def result(self, ok, name, diagnostics=None):
        self.given += 1
        return self.tap.result(ok, self.title + ': ' + name, diagnostics)

    def skip(self, name, reason):
        self.given += 1
        self.tap.skip(self.title + ': ' + name, reason)

    def skip_rest(self, reason):
        while self.given < self.planned:
            self.skip('skipped', reason)

    def fail_rest(self, reason):
        while self.given < self.planned:
            self.result(False, 'not run', reason)


# ---------------------------------------------------------------------------
# Child processes, each in its own session (so Ctrl-C at the terminal goes
# to the test only, and a child's own children can be killed with it);
# stdout and stderr are read line by line in the background.
# ---------------------------------------------------------------------------

class Child:
    def __init__(self, args):
        self.args = [str(a) for a in args]
        self.process = subprocess.Popen(
            self.args, env=child_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            bufsize=1, start_new_session=True)
        self.lines = []
        self.errors = []
        self.queue = queue.Queue()
        self.readers = [
            threading.Thread(target=self._read, daemon=True,
                             args=(self.process.stdout, self.lines, True)),
            threading.Thread(target=self._read, daemon=True,
                             args=(self.process.stderr, self.errors, False)),
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, stream, store, queued):
        for line in stream:
            line = line.rstrip('\n')
            store.append(line)
            if queued:
                self.queue.put((time.monotonic(), line))
        if queued:
            self.queue.put((time.monotonic(), None))

    def wait_for_line(self, match, timeout):
        """(arrival time, line) of the first new stdout line for which
        match(line) is true, or (None, None) at the timeout or the end."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, None
            try:
                when, line = self.queue.get(timeout=remaining)
            except queue.Empty:
                return None, None
            if line is None:
                self.queue.put((when, None))   # the end stays visible
                return None, None
            if match(line):
                return when, line

    def wait_for_stderr(self, needle, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(needle in line for line in list(self.errors)):
                return True
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        return any(needle in line for line in list(self.errors))

    def signal(self, number):
        if self.process.poll() is None:
            self.process.send_signal(number)

    def wait(self, timeout):
        """The exit status, or None if the child is still running."""
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        for reader in self.readers:
            reader.join(5)
        return status

    def kill(self):
        """Kills the child and whatever it started (its process group)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        for reader in self.readers:
            reader.join(5)

    def output(self):
        return ('$ {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
            ' '.join(self.args), '\n'.join(self.lines),
            '\n'.join(self.errors[-30:])))


def json_lines(lines):
    out = []
    for line in lines:
        line = line.strip()
        if line.startswith('{'):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def run(args, timeout):
    """(status, stdout lines, stderr text) of a short-lived child; the
    status is 'timeout' if it had to be killed."""
    child = Child(args)
    try:
        status = child.wait(timeout)
        return ('timeout' if status is None else status, list(child.lines),
                '\n'.join(child.errors))
    finally:
        child.kill()


class Server:
    """dsl-webrtc-serve on 127.0.0.1; port is None if it never announced."""

    def __init__(self, *options, port=0):
        self.child = Child([SERVE, '--port', port, '--bind', '127.0.0.1',
                            *options])
        _, line = self.child.wait_for_line(ANNOUNCE.match, 30)
        self.port = int(ANNOUNCE.match(line).group(1)) if line else None

    def url(self, path='/'):
        return 'http://127.0.0.1:{}{}'.format(self.port, path)

    def ws(self, path='/ws'):
        return 'ws://127.0.0.1:{}{}'.format(self.port, path)

    def output(self):
        return self.child.output()

    def stop(self):
        self.child.kill()


def receive(url, frames=60, peers=1, timeout=30):
    """Runs the C receiver: (status, peers' JSON results, text)."""
    status, lines, errors = run([RECEIVER, '--url', url, '--peers', peers,
                                 '--frames', frames, '--timeout', timeout],
                                timeout + 30)
    text = 'receiver exit {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
        status, '\n'.join(lines), '\n'.join(errors.splitlines()[-30:]))
    return status, json_lines(lines), text


def decoded(peer, frames, width, height, codec=None):
    return (peer.get('frames', 0) >= frames and
            (peer.get('width'), peer.get('height')) == (width, height) and
            (codec is None or peer.get('codec') == codec))


def view(*args, timeout=90):
    """Runs view.mjs: (status, its last JSON line, text)."""
    status, lines, errors = run(['node', VIEW_MJS, *args], timeout)
    results = json_lines(lines)
    text = 'view.mjs exit {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
        status, '\n'.join(lines), '\n'.join(errors.splitlines()[-20:]))
    return status, (results[-1] if results else {}), text


def browser_skipped(case, status, result):
    """True if view.mjs could not run here: the case is then skipped, or
    failed when the browser is required."""
    if status != EXIT_SKIP:
        return False
    reason = result.get('reason', 'no browser')
    if REQUIRE_BROWSER:
        case.fail_rest('DSL_REQUIRE_BROWSER=1 but view.mjs skipped: ' +
                       reason)
    else:
        case.skip_rest(reason)
    return True


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------

def case_command_line(case):
    status, lines, errors = run([SERVE, '--help'], 30)
    text = '\n'.join(lines)
    missing = [o for o in OPTIONS if o not in text]
    case.result(status == 0 and not missing,
                '--help exits 0 and shows every option',
                'exit {}, missing {}\n{}\n{}'.format(status, missing, text,
                                                     errors))
    for name, options in [
            ('an unknown option', ['--no-such-option']),
            ('a bad --encoder', ['--encoder', 'mpeg2']),
            ('--max-viewers 0', ['--max-viewers', '0']),
            ('two sources at once', ['--file', '/nonexistent.mp4',
                                     '--uri', 'file:///nonexistent.mp4'])]:
        status, lines, errors = run([SERVE, '--port', '0', '--bind',
                                     '127.0.0.1', *options], 30)
        case.result(status == 2 and errors.strip() != '',
                    name + ' exits 2 with a message on stderr',
                    'exit {}\nstdout:\n{}\nstderr:\n{}'.format(
                        status, '\n'.join(lines), errors))


# ---------------------------------------------------------------------------
# Media, checked by the C receiver
# ---------------------------------------------------------------------------

def case_size(case):
    server = Server('--width', '640', '--height', '480')
    try:
        if not case.result(server.port is not None, 'announces its URL',
                           server.output()):
            return
        status, peers, text = receive(server.ws(), peers=2)
        case.result(status == 0 and len(peers) == 2 and
                    all(decoded(p, 60, 640, 480, 'VP8') for p in peers),
                    '2 viewers decode 60 VP8 frames of 640x480 each',
                    text + '\n' + server.output())
        # each viewer's sink is deleted when it leaves
        left, _ = server.child.wait_for_line(
            lambda line: '(0 watching)' in line, 10)
        joined = [l for l in server.child.lines if ' joined on /ws ' in l]
        case.result(len(joined) == 2 and left is not None,
                    'prints 2 viewers joining, then leaving',
                    server.output())
    finally:
        server.stop()


def case_h264(case):
    server = Server('--encoder', 'h264', '--width', '640', '--height', '480')
    try:
        if server.port is None:
            case.result(False, 'announces its URL', server.output())
            return
        status, peers, text = receive(server.ws())
        case.result(status == 0 and len(peers) == 1 and
                    decoded(peers[0], 60, 640, 480, 'H264'),
                    'the receiver decodes 60 H264 frames',
                    text + '\n' + server.output())
    finally:
        server.stop()


def case_path(case):
    server = Server('--path', '/ws/cam1', '--width', '320', '--height', '240')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        _, line = server.child.wait_for_line(
            lambda l: '?path=/ws/cam1' in l, 5)
        case.result(line is not None and
                    line.strip() == 'or ' + server.url('/?path=/ws/cam1'),
                    'announces http://127.0.0.1:PORT/?path=/ws/cam1',
                    server.output())
        status, peers, text = receive(server.ws('/ws/cam1'))
        case.result(status == 0 and len(peers) == 1 and
                    decoded(peers[0], 60, 320, 240) and
                    any(' joined on /ws/cam1 ' in l
                        for l in server.child.lines),
                    'a viewer on /ws/cam1 gets frames',
                    text + '\n' + server.output())
        status, peers, text = receive(server.ws('/ws/other'), timeout=10)
        case.result(status == 1 and all(p.get('frames', 0) == 0
                                        for p in peers),
                    'a viewer on /ws/other gets none',
                    text + '\n' + server.output())
    finally:
        server.stop()


def case_max_viewers(case):
    server = Server('--max-viewers', '1', '--width', '320', '--height', '240')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        status, peers, text = receive(server.ws(), peers=2)
        got = [p for p in peers if p.get('frames', 0) > 0]
        busy = [p for p in peers if p.get('close_code') == 1013]
        case.result(len(peers) == 2 and len(got) == 1 and
                    decoded(got[0], 60, 320, 240) and len(busy) == 1 and
                    busy[0].get('frames', 0) == 0,
                    'of 2 viewers, exactly one gets frames, the other is '
                    'closed with 1013',
                    text + '\n' + server.output())
        refused = [l for l in server.child.lines if ' refused' in l]
        case.result(len(refused) == 1, 'prints one refusal',
                    server.output())
    finally:
        server.stop()


def case_file(case):
    with tempfile.TemporaryDirectory(prefix='dsl-serve-') as folder:
        clip = Path(folder) / 'clip.mp4'
        status, lines, errors = run(
            ['gst-launch-1.0', '-q', 'videotestsrc', 'num-buffers=60', '!',
             'video/x-raw,width=320,height=240,framerate=30/1', '!',
             'x264enc', '!', 'mp4mux', '!', 'filesink',
             'location={}'.format(clip)], 60)
        if status != 0 or not clip.exists():
            case.result(False, 'a 2 s clip is made with gst-launch-1.0',
                        'exit {}\n{}\n{}'.format(status, '\n'.join(lines),
                                                 errors))
            return
        server = Server('--file', clip)
        try:
            if server.port is None:
                case.result(False, 'announces its URL', server.output())
                return
            status, peers, text = receive(server.ws(), frames=120)
            case.result(status == 0 and len(peers) == 1 and
                        decoded(peers[0], 120, 320, 240),
                        '120 frames of 320x240 from a 60-frame clip '
                        '(it loops)', text + '\n' + server.output())
        finally:
            server.stop()


# ---------------------------------------------------------------------------
# Stopping
# ---------------------------------------------------------------------------

def case_signal(case, number):
    server = Server('--width', '320', '--height', '240')
    receiver = None
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        # a viewer that stays connected
        receiver = Child([RECEIVER, '--url', server.ws(), '--frames', '10',
                          '--hold', '60', '--timeout', '90'])
        joined, _ = server.child.wait_for_line(
            lambda l: ' joined on /ws ' in l, 20)
        playing = receiver.wait_for_stderr('first frame', 20)
        if not (joined and playing and receiver.process.poll() is None):
            case.fail_rest('the viewer did not join and play\n' +
                           server.output() + '\n' + receiver.output())
            return
        start = time.monotonic()
        server.child.signal(number)
        status = server.child.wait(10)
        elapsed = time.monotonic() - start
        case.result(status == 0, 'exits 0 within 10 s, viewer connected '
                    '({:.1f} s)'.format(elapsed),
                    'exit {}\n{}'.format(status, server.output()))
        lines = [l for l in server.child.lines if l.strip()]
        case.result(status is not None and lines and
                    lines[-1] == 'dsl-webrtc-serve: stopped',
                    'the output ends with "dsl-webrtc-serve: stopped"',
                    server.output())
    finally:
        if receiver:
            receiver.kill()
        server.stop()


# ---------------------------------------------------------------------------
# Headless Chromium
# ---------------------------------------------------------------------------

def shows_number(text):
    return bool(text) and re.search(r'\d', text) is not None


def case_browser_page(case):
    server = Server('--width', '640', '--height', '480')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        status, result, text = view('--url', server.url(), '--frames', '30',
                                    '--timeout', '30', '--expect-width',
                                    '640', '--expect-height', '480')
        if browser_skipped(case, status, result):
            return
        case.result(status == 0 and result.get('ok') is True,
                    'the page plays 30 frames of 640x480',
                    text + '\n' + server.output())
        shown = result.get('stats_shown', {})
        blank = [k for k in ('resolution', 'fps', 'bitrate', 'rtt', 'lost')
                 if not shows_number(shown.get(k))]
        case.result(status == 0 and not blank and
                    shown.get('resolution') == '640 \u00d7 480',
                    'the page shows resolution 640 \u00d7 480, fps, '
                    'bitrate, rtt and lost',
                    'blank: {}\nshown: {!r}\n{}'.format(blank, shown, text))
    finally:
        server.stop()


def case_browser_restart(case):
    first = Server('--width', '320', '--height', '240')
    second = None
    viewer = None
    try:
        if first.port is None:
            case.fail_rest('no URL announced\n' + first.output())
            return
        port = first.port
        viewer = Child(['node', VIEW_MJS, '--url', first.url(), '--frames',
                        '30', '--timeout', '30', '--reconnect-check'])
        _, line = viewer.wait_for_line(
            lambda l: '"event":"playing"' in l or '"ok":false' in l, 60)
        if line is None or '"ok":false' in line:
            status = viewer.wait(10)
            result = json_lines([line or ''])
            if browser_skipped(case, status, result[0] if result else {}):
                return
            case.fail_rest('the page did not play\n' + viewer.output() +
                           '\n' + first.output())
            return
        first.child.signal(signal.SIGINT)
        status = first.child.wait(10)
        if status != 0:
            case.fail_rest('the first server did not stop: exit {}\n{}'
                           .format(status, first.output()))
            return
        restart = time.monotonic()
        second = Server('--width', '320', '--height', '240', port=port)
        case.result(second.port == port,
                    'a new server listens on the same port',
                    second.output())
        when, line = viewer.wait_for_line(
            lambda l: '"event":"replayed"' in l or '"ok":false' in l, 30)
        elapsed = (when - restart) * 1000 if when else None
        case.result(line is not None and '"event":"replayed"' in line and
                    elapsed < REPLAY_LIMIT_MS,
                    'the page plays again {} ms after the restart'.format(
                        None if elapsed is None else round(elapsed)),
                    'line: {}\n{}\n{}'.format(line, viewer.output(),
                                              second.output()))
    finally:
        if viewer:
            viewer.kill()
        if second:
            second.stop()
        first.stop()


def case_browser_page_from_disk(case):
    """The built-in page opened as a file, told where the server is."""
    server = Server('--width', '640', '--height', '480')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        page = '{}?server=127.0.0.1:{}'.format(VIEWER_PAGE, server.port)
        status, result, text = view('--file', page, '--frames', '30',
                                    '--timeout', '30')
        if browser_skipped(case, status, result):
            return
        case.result(status == 0 and result.get('ok') is True and
                    (result.get('width'), result.get('height')) == (640, 480),
                    'the page from disk plays 640x480',
                    text + '\n' + server.output())
    finally:
        server.stop()


def case_browser_protocol_page(case):
    server = Server('--width', '640', '--height', '480')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        page = '{}?server=127.0.0.1:{}&path=/ws'.format(PROTOCOL_PAGE,
                                                       server.port)
        status, result, text = view('--file', page, '--frames', '31',
                                    '--timeout', '30')
        if browser_skipped(case, status, result):
            return
        case.result(status == 0 and result.get('ok') is True and
                    result.get('frames', 0) > 30 and
                    (result.get('width'), result.get('height')) == (640, 480),
                    'more than 30 frames of 640x480',
                    text + '\n' + server.output())
    finally:
        server.stop()


CASES = [
    ('command line', 5, case_command_line),
    ('--width 640 --height 480', 3, case_size),
    ('--encoder h264', 1, case_h264),
    ('--path /ws/cam1', 3, case_path),
    ('--max-viewers 1', 2, case_max_viewers),
    ('--file', 1, case_file),
    ('SIGINT', 2, lambda case: case_signal(case, signal.SIGINT)),
    ('SIGTERM', 2, lambda case: case_signal(case, signal.SIGTERM)),
    ('browser, built-in page', 2, case_browser_page),
    ('browser, server restart', 2, case_browser_restart),
    ('browser, page from disk', 1, case_browser_page_from_disk),
    ('browser, DSL protocol page', 1, case_browser_protocol_page),
]


def main():
    tap = Tap(sum(count for _, count, _ in CASES))
    for path in (SERVE, RECEIVER):
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
