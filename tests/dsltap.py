"""dsltap.py - what the Python test scripts share (standard library only).

  * Tap and Case: the TAP stream, and one case's part of it;
  * Child: a child process in its own session, its stdout and stderr read
    line by line in the background, killed with whatever it started;
  * run(), json_lines(), receive(), decoded(): short-lived children, the C
    test receiver and its JSON results;
  * start_example(), listening(), exits_0(), make_clip(), run_cases().

The scripts beside this file import it (they put their own folder on
sys.path first). Environment:
  DSL_SOURCE_ROOT    the repository (default: this file's parent's parent)
  DSL_BUILD_ROOT     the build directory (default: DSL_SOURCE_ROOT/build)
  DSL_TEST_RECEIVER  the C test receiver
  DSL_WEBRTC_ICE_ADDRESSES, if unset, is 127.0.0.1 for every child.
"""

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

SOURCE_ROOT = Path(os.environ.get('DSL_SOURCE_ROOT',
                                  Path(__file__).resolve().parent.parent))
BUILD_ROOT = Path(os.environ.get('DSL_BUILD_ROOT', SOURCE_ROOT / 'build'))
RECEIVER = os.environ.get('DSL_TEST_RECEIVER',
                          str(BUILD_ROOT / 'tests' / 'receiver' /
                              'dsl-test-receiver'))


def child_env(**extra):
    """The environment of a child: ours, ICE on loopback unless set, and
    extra."""
    env = dict(os.environ)
    env.setdefault('DSL_WEBRTC_ICE_ADDRESSES', '127.0.0.1')
    env.update(extra)
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

    def finish(self, fill=False):
        """The exit status: 1 if a test failed or the plan did not hold.
        With fill, the tests not run are first reported as failures."""
        while fill and self.count < self.plan:
            self.result(False, 'not run')
        if self.count != self.plan:
            self.diag('ran {} tests, planned {}'.format(self.count,
                                                        self.plan))
            self.failed += 1
        return 1 if self.failed else 0


class Case:
    """One case's view of the TAP stream: at most `planned` results, each
    named after the case's title."""

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


def run_cases(cases, required=()):
    """Runs (title, planned results, function(case)) in order, each timed;
    returns the exit status. A missing required file is noted first.
    DSL_TEST_CASES=WORD[,WORD...] runs only the cases whose title holds one
    of the words (for a quick run by hand)."""
    only = [w for w in os.environ.get('DSL_TEST_CASES', '').split(',') if w]
    if only:
        cases = [c for c in cases if any(w in c[0] for w in only)]
    tap = Tap(sum(count for _, count, _ in cases))
    for path in required:
        if not Path(path).exists():
            tap.diag('missing: {}'.format(path))
    for title, count, function in cases:
        case = Case(tap, title, count)
        start = time.monotonic()
        try:
            function(case)
        except Exception as error:   # a broken case must not stop the rest
            case.fail_rest('exception: {!r}'.format(error))
        case.fail_rest('the case ended early')
        tap.diag('{}: {:.1f} s'.format(title, time.monotonic() - start))
    return tap.finish()


# ---------------------------------------------------------------------------
# Child processes, each in its own session (so Ctrl-C at the terminal goes
# to the test only, and a child's own children can be killed with it);
# stdout and stderr are read line by line in the background.
# ---------------------------------------------------------------------------

class Child:
    def __init__(self, args, env=None):
        self.args = [str(a) for a in args]
        self.process = subprocess.Popen(
            self.args, env=child_env() if env is None else env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1,
            start_new_session=True)
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

    def wait_for_prefix(self, prefix, timeout):
        """The first new stdout line starting with prefix, or None."""
        return self.wait_for_line(lambda line: line.startswith(prefix),
                                  timeout)[1]

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

    def stderr(self):
        return '\n'.join(self.errors)

    def output(self):
        return ('$ {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
            ' '.join(self.args), '\n'.join(self.lines),
            '\n'.join(self.errors[-30:])))


def run(args, timeout, env=None):
    """(status, stdout lines, stderr text) of a short-lived child; the
    status is 'timeout' if it had to be killed."""
    child = Child(args, env)
    try:
        status = child.wait(timeout)
        return ('timeout' if status is None else status, list(child.lines),
                child.stderr())
    finally:
        child.kill()


def json_lines(lines):
    """The lines that are JSON objects, parsed."""
    out = []
    for line in lines:
        line = line.strip()
        if line.startswith('{'):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


# ---------------------------------------------------------------------------
# The C test receiver, the examples and a test clip
# ---------------------------------------------------------------------------

def receiver_args(url, frames=60, *extra, peers=1, timeout=30):
    return [RECEIVER, '--url', url, '--peers', peers, '--frames', frames,
            '--timeout', timeout, *extra]


def receive(url, frames=60, *extra, peers=1, timeout=30):
    """Runs the C receiver (extra: more of its options): (status, peers'
    JSON results, text)."""
    status, lines, errors = run(receiver_args(url, frames, *extra,
                                              peers=peers, timeout=timeout),
                                timeout + 30)
    text = 'receiver exit {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
        status, '\n'.join(lines), '\n'.join(errors.splitlines()[-30:]))
    return status, json_lines(lines), text


def decoded(peer, frames, width, height, codec=None):
    """True if the receiver's peer result shows at least frames frames of
    width x height (and codec, if given)."""
    return (peer.get('frames', 0) >= frames and
            (peer.get('width'), peer.get('height')) == (width, height) and
            (codec is None or peer.get('codec') == codec))


def start_example(command, *options, env=None):
    """An example (command: its program, or an interpreter and a script)
    listening on 127.0.0.1 on a free port, and that port (None if it never
    said it listens)."""
    child = Child([*command, '--port', '0', '--bind', '127.0.0.1', *options],
                  env)
    line = child.wait_for_prefix('listening on port ', 30)
    try:
        port = int(line.split()[-1]) if line else None
    except ValueError:
        port = None
    return child, port


def listening(case, child, port):
    """1 result: the example said it listens on a port."""
    return case.result(port is not None and port > 0,
                       'listening on port {}'.format(port), child.output())


def exits_0(case, child, name, timeout=15):
    """1 result: the child exits 0 within timeout seconds."""
    status = child.wait(timeout)
    return case.result(status == 0, name,
                       'exit {}\n{}'.format(status, child.output()))


def make_clip(path, timeout=60):
    """Writes a 2 s H.264 MP4 clip of 60 frames of 320x240 at path with
    gst-launch-1.0: (status, text for diagnostics)."""
    status, lines, errors = run(
        ['gst-launch-1.0', '-q', 'videotestsrc', 'num-buffers=60', '!',
         'video/x-raw,width=320,height=240,framerate=30/1', '!',
         'x264enc', '!', 'mp4mux', '!', 'filesink',
         'location={}'.format(path)], timeout)
    return status, 'exit {}\n{}\n{}'.format(status, '\n'.join(lines), errors)


# ---------------------------------------------------------------------------
# Headless Chromium (tests/browser/view.mjs)
# ---------------------------------------------------------------------------

VIEW_MJS = SOURCE_ROOT / 'tests' / 'browser' / 'view.mjs'
REQUIRE_BROWSER = os.environ.get('DSL_REQUIRE_BROWSER') == '1'
EXIT_SKIP = 77   # view.mjs: no Chromium or playwright-core here


def view(*args, timeout=90):
    """Runs view.mjs with args: (status, its last JSON line, text)."""
    status, lines, errors = run(['node', VIEW_MJS, *args], timeout)
    results = json_lines(lines)
    text = 'view.mjs exit {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
        status, '\n'.join(lines), '\n'.join(errors.splitlines()[-20:]))
    return status, (results[-1] if results else {}), text


def browser_skipped(case, status, result):
    """True if view.mjs could not run here: the case is then skipped, or
    failed when the browser is required (DSL_REQUIRE_BROWSER=1)."""
    if status != EXIT_SKIP:
        return False
    reason = result.get('reason', 'no browser')
    if REQUIRE_BROWSER:
        case.fail_rest('DSL_REQUIRE_BROWSER=1 but view.mjs skipped: ' +
                       reason)
    else:
        case.skip_rest(reason)
    return True
