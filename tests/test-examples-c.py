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

import os
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from dsltap import (BUILD_ROOT, RECEIVER, Child, decoded,  # noqa: E402
                    exits_0, listening, make_clip, receive, receiver_args,
                    run_cases, start_example)

POST_PLAY = os.environ.get('DSL_EXAMPLE_POST_PLAY',
                           str(BUILD_ROOT / 'examples' / 'c' /
                               'webrtc_connect_post_play'))
PRE_PLAY = os.environ.get('DSL_EXAMPLE_PRE_PLAY',
                          str(BUILD_ROOT / 'examples' / 'c' /
                              'webrtc_connect_pre_play'))

WIDTH, HEIGHT, FRAMES = 1280, 720, 60
PATH_LINE = 'client_listener: path = /ws'
INITIATED_LINE = 'sink_listener: current_state = 1'
CLOSED_LINE = 'sink_listener: current_state = 0'


def ws_url(port):
    return 'ws://127.0.0.1:{}/ws'.format(port)


def in_order(lines, wanted):
    """True if the lines hold, in this order, exactly the lines in wanted
    among those that look like them (listener lines)."""
    kinds = (PATH_LINE.split('=')[0], INITIATED_LINE.split('=')[0])
    seen = [l for l in lines if l.startswith(kinds)]
    return seen == wanted


def view_and_check(case, child, port, frames=FRAMES, width=WIDTH,
                   height=HEIGHT, label='the viewer'):
    """The receiver views the example: 1 result."""
    status, peers, text = receive(ws_url(port), frames)
    return case.result(status == 0 and len(peers) == 1 and
                       decoded(peers[0], frames, width, height),
                       '{} decodes {} frames of {}x{}'.format(
                           label, frames, width, height),
                       text + '\n' + child.output())


# ---------------------------------------------------------------------------
# Use case 2: webrtc_connect_pre_play
# ---------------------------------------------------------------------------

def case_pre_play(case):
    child, port = start_example([PRE_PLAY])
    try:
        if not listening(case, child, port):
            return
        view_and_check(case, child, port)
        exits_0(case, child, 'exits 0 by itself after CLOSED')
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
        status, text = make_clip(clip)
        if status != 0 or not clip.exists():
            case.fail_rest('cannot make a clip with gst-launch-1.0: ' + text)
            return
        child, port = start_example([PRE_PLAY], '--file', clip)
        try:
            if port is None:
                case.fail_rest('not listening\n' + child.output())
                return
            view_and_check(case, child, port, 60, 320, 240)
            exits_0(case, child, 'exits 0 by itself after CLOSED')
        finally:
            child.kill()


# ---------------------------------------------------------------------------
# Use case 1: webrtc_connect_post_play
# ---------------------------------------------------------------------------

def case_post_play(case):
    child, port = start_example([POST_PLAY], '--exit-after-viewers', '1')
    try:
        if not listening(case, child, port):
            return
        view_and_check(case, child, port)
        exits_0(case, child, 'exits 0 after the viewer closed')
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
    child, port = start_example([POST_PLAY], '--exit-after-viewers', '2')
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
    child, port = start_example([POST_PLAY])
    receiver = None
    try:
        if port is None:
            case.fail_rest('not listening\n' + child.output())
            return
        # a viewer that stays connected after 10 frames
        receiver = Child(receiver_args(ws_url(port), 10, '--hold', '60'))
        initiated = child.wait_for_prefix(INITIATED_LINE, 20)
        # media flows: the receiver says so once it decoded its 10 frames
        playing = initiated is not None and \
            receiver.wait_for_stderr('decoded 10 frames', 20)
        if not playing or receiver.process.poll() is not None:
            case.fail_rest('the viewer did not play\n' + child.output() +
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
    return run_cases(CASES, (POST_PLAY, PRE_PLAY, RECEIVER))


if __name__ == '__main__':
    sys.exit(main())
