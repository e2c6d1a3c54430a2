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

import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import turnserver  # noqa: E402
from dsltap import (VIEW_MJS, browser_skipped, view,  # noqa: E402
                    BUILD_ROOT, RECEIVER, SOURCE_ROOT, Child,
                    decoded, json_lines, make_clip, receive, receiver_args,
                    run, run_cases)

# The page must play again within 5 s of a restart; a sanitized server
# starts several times slower, so that run allows three times as long.
REPLAY_LIMIT_MS = 5000 * (3 if os.environ.get('DSL_SANITIZED') else 1)

SERVE = os.environ.get('DSL_WEBRTC_SERVE',
                       str(BUILD_ROOT / 'tools' / 'dsl-webrtc-serve'))
VIEWER_PAGE = SOURCE_ROOT / 'src' / 'server' / 'www' / 'index.html'
PROTOCOL_PAGE = SOURCE_ROOT / 'tests' / 'browser' / 'dsl-protocol-page.html'

ANNOUNCE = re.compile(r'^dsl-webrtc-serve: open http://127\.0\.0\.1:(\d+)/ '
                      r'in a browser')
OPTIONS = ['--port', '--bind', '--path', '--file', '--uri', '--v4l2',
           '--encoder', '--bitrate', '--iframe-interval', '--width',
           '--height', '--framerate', '--stun', '--turn', '--ice-addresses',
           '--max-viewers', '--ping-interval', '--pong-timeout',
           '--header-timeout', '--idle-timeout', '--max-pending',
           '--max-websockets', '--tls-cert', '--tls-key', '--allow-origin',
           '--allow-file-pages', '--token', '--token-file',
           '--encoder-per-viewer', '--ice-relay-only', '--timecode',
           '--demo-boxes', '--metrics']


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
        _, line = server.child.wait_for_line(
            lambda l: '/whep/cam1' in l, 5)
        case.result(line is not None and
                    line.strip() == 'or ' + server.url('/whep/cam1'),
                    'announces the WHEP endpoint http://127.0.0.1:PORT/whep/cam1',
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
        status, text = make_clip(clip)
        if status != 0 or not clip.exists():
            case.result(False, 'a 2 s clip is made with gst-launch-1.0',
                        text)
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
        receiver = Child(receiver_args(server.ws(), 10, '--hold', '60',
                                       timeout=90))
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
    """The built-in page opened as a file, told where the server is (its
    Origin is "null": --allow-file-pages lets it in)."""
    server = Server('--width', '640', '--height', '480', '--allow-file-pages')
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
    server = Server('--width', '640', '--height', '480', '--allow-file-pages')
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


def case_turn(case):
    """Media only through coturn: the C receiver and Chromium relay-only;
    Chromium learns the TURN server and the policy from the server's offer
    (its page URL names neither)."""
    if not turnserver.available():
        case.skip_rest('coturn is not installed (scripts/install-deps --test)')
        return
    with turnserver.TurnServer() as turn:
        server = Server('--width', '320', '--height', '240', '--turn',
                        turn.url(), '--ice-relay-only')
        try:
            if server.port is None:
                case.fail_rest('no URL announced\n' + server.output())
                return
            status, peers, text = receive(server.ws(), 60, '--turn',
                                          turn.url(), '--relay-only')
            case.result(status == 0 and len(peers) == 1 and
                        decoded(peers[0], 60, 320, 240, 'VP8'),
                        'the C receiver, relay only, decodes 60 frames',
                        text + '\n' + server.output() + turn.log())
            status, result, text = view('--url', server.url(), '--frames',
                                        '30', '--timeout', '40')
            if browser_skipped(case, status, result):
                return
            case.result(status == 0 and result.get('ok') is True and
                        result.get('ice_transport_policy') == 'relay' and
                        result.get('candidate_type') == 'relay',
                        'Chromium plays through the relay the offer named',
                        text + '\n' + server.output())
        finally:
            server.stop()


def case_browser_leaves(case):
    """A Chromium viewer that leaves takes only its own connection down:
    its page closes while the peer connection is up (as a closed tab does),
    its SCTP association's error on the way out must not stop the
    pipeline, so the next viewers play."""
    server = Server('--width', '320', '--height', '240')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        status, lines, errors = run(
            ['node', SOURCE_ROOT / 'scripts' / 'bench-browser.mjs', '--server',
             server.url('').rstrip('/'), '--path', '/ws', '--runs', '3',
             '--mode', 'cold', '--latency-runs', '0', '--timeout', '20'], 120)
        results = json_lines(lines)
        result = results[-1] if results else {}
        if browser_skipped(case, status, result):
            return
        text = 'exit {}\n{}\n{}'.format(status, '\n'.join(lines), errors)
        case.result(status == 0 and result.get('played') == 3,
                    'three pages in turn play, each closed while playing',
                    text + '\n' + server.output())
        status, peers, text = receive(server.ws(), 30)
        case.result(status == 0 and len(peers) == 1 and
                    decoded(peers[0], 30, 320, 240),
                    'then the C receiver plays', text + '\n' + server.output())
    finally:
        server.stop()


def case_metadata(case):
    """--demo-boxes: boxes drawn over the video, messages listed in order;
    the C receiver (which ignores the channel) plays unharmed."""
    server = Server('--width', '640', '--height', '480', '--demo-boxes')
    try:
        if server.port is None:
            case.fail_rest('no URL announced\n' + server.output())
            return
        status, peers, text = receive(server.ws(), 30)
        case.result(status == 0 and len(peers) == 1 and
                    decoded(peers[0], 30, 640, 480) and
                    peers[0].get('offers') == 1,
                    'a viewer that ignores the metadata channel plays, '
                    'one offer', text + '\n' + server.output())
        status, result, text = view('--url', server.url(), '--frames', '30',
                                    '--timeout', '40', '--metadata', '25')
        if browser_skipped(case, status, result):
            return
        case.result(status == 0 and result.get('ok') is True and
                    result.get('listed_in_order') is True and
                    result.get('box_edge_hits', 0) > 0,
                    'Chromium draws the boxes at their place and lists the '
                    'messages in order', text + '\n' + server.output())
    finally:
        server.stop()


CASES = [
    ('command line', 5, case_command_line),
    ('--width 640 --height 480', 3, case_size),
    ('--encoder h264', 1, case_h264),
    ('--path /ws/cam1', 4, case_path),
    ('--max-viewers 1', 2, case_max_viewers),
    ('--file', 1, case_file),
    ('SIGINT', 2, lambda case: case_signal(case, signal.SIGINT)),
    ('SIGTERM', 2, lambda case: case_signal(case, signal.SIGTERM)),
    ('browser, built-in page', 2, case_browser_page),
    ('browser, server restart', 2, case_browser_restart),
    ('browser, page from disk', 1, case_browser_page_from_disk),
    ('browser, DSL protocol page', 1, case_browser_protocol_page),
    ('TURN relay only', 2, case_turn),
    ('metadata, --demo-boxes', 2, case_metadata),
    ('browser, viewers after one left', 2, case_browser_leaves),
]


def main():
    return run_cases(CASES, (SERVE, RECEIVER))


if __name__ == '__main__':
    sys.exit(main())
