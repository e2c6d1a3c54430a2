#!/usr/bin/env python3
"""test-examples-python.py - the Python examples of TURN, statistics and
metrics, and metadata, each run as a user would and watched by a viewer:

  * examples/python/webrtc_turn_relay.py with Debian's coturn on 127.0.0.1
    (tests/turnserver.py): the C test receiver, relay only too, decodes
    60 frames, the example prints the selected candidate type "relay",
    and Ctrl-C ends it;
  * examples/python/webrtc_metrics_and_stats.py: while the receiver plays,
    GET /metrics says one viewer on /ws and the example prints the
    viewer's figures; after, none; it ends after --seconds;
  * examples/python/webrtc_metadata_boxes.py: the sink hands its text and
    binary messages to the receiver's data channel, and in headless
    Chromium (tests/browser/view.mjs --metadata) the built-in page gets
    them, draws the box at its place and lists the binary message; it
    ends after --seconds;
  * examples/python/webrtc_whep_endpoint.py: a WHEP player nobody here
    wrote, medooze's whep.js in headless Chromium (tests/browser/whep.mjs),
    plays POST /whep: 30 frames of 1280x720 VP8 decoded, the <video>
    element at that size, DELETE 200; the example
    prints the viewer on /ws, then INITIATED and CLOSED; with --token, a
    POST without the token (or with another) gets 401 and reaches no
    listener, whep.js with the token plays, and the token is never
    printed; Ctrl-C ends it.

Prints TAP; the exit status is non-zero if any test failed. Without coturn
the TURN case is skipped; without Chromium (view.mjs or whep.mjs exits 77,
or no node) its results are skipped, unless DSL_REQUIRE_BROWSER=1.

Everything runs in a private network namespace that holds only loopback:
when started outside one (meson test run by hand), the script runs itself
again under `unshare --net` with lo up. Environment (set by the test
runner): DSL_LIBRARY, DSL_TEST_RECEIVER, DSL_SOURCE_ROOT, DSL_BUILD_ROOT,
DSL_WEBRTC_ICE_ADDRESSES=127.0.0.1.
"""

import os
import re
import shutil
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import dsltap  # noqa: E402
import turnserver  # noqa: E402
from dsltap import (BUILD_ROOT, EXIT_SKIP, RECEIVER,  # noqa: E402
                    SOURCE_ROOT, Child, browser_skipped, decoded, exits_0,
                    json_lines, listening, receive, receiver_args, run,
                    run_cases, start_example, view)

NETNS_MARK = 'DSL_EXAMPLES_NETNS'
LIBRARY = Path(os.environ.get('DSL_LIBRARY',
                              BUILD_ROOT / 'src' / 'libdsl.so'))
PYTHON_DIR = SOURCE_ROOT / 'python'
EXAMPLES = SOURCE_ROOT / 'examples' / 'python'
WIDTH, HEIGHT = 1280, 720      # what the examples' test patterns send


def child_env():
    return dsltap.child_env(**{
        'DSL_LIBRARY': str(LIBRARY),
        'PYTHONPATH': os.pathsep.join(
            p for p in (str(PYTHON_DIR), os.environ.get('PYTHONPATH')) if p),
        'LD_LIBRARY_PATH': os.pathsep.join(
            p for p in (str(LIBRARY.parent),
                        os.environ.get('LD_LIBRARY_PATH')) if p),
        'DSL_WEBRTC_ICE_ADDRESSES': '127.0.0.1',
        'PYTHONUNBUFFERED': '1',
        'PYTHONDONTWRITEBYTECODE': '1'})


def start_python_example(script, *options):
    """The example on 127.0.0.1, a free port: (child, port or None)."""
    return start_example([sys.executable, EXAMPLES / script], *options,
                         env=child_env())


def index_of(lines, needle, start=0):
    for i in range(max(start, 0), len(lines)):
        if needle in lines[i]:
            return i
    return -1


def ends_with_success(child):
    return bool(child.lines) and child.lines[-1] == 'DSL_RESULT_SUCCESS'


# ---------------------------------------------------------------------------
# The network namespace
# ---------------------------------------------------------------------------

def links():
    # /proc/self/net follows this process's network namespace
    with open('/proc/self/net/dev') as f:
        return sorted(line.split(':')[0].strip() for line in f if ':' in line)


def enter_netns():
    """Runs this script again in a namespace of its own with only lo (up),
    unless already in one; never returns in the caller when it re-runs."""
    if links() == ['lo'] or os.environ.get(NETNS_MARK) == '1':
        return
    command = ['unshare', '--net']
    if os.geteuid() != 0:
        command.append('--map-root-user')
    command += ['bash', '-c', 'ip link set lo up && exec "$@"', '_',
                sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    os.environ[NETNS_MARK] = '1'
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print('1..1\nnot ok 1 - unshare --net: {}'.format(error), flush=True)
        sys.exit(1)


# ---------------------------------------------------------------------------
# TURN: webrtc_turn_relay.py
# ---------------------------------------------------------------------------

def case_turn(case):
    if not turnserver.available():
        case.skip_rest('coturn is not installed (scripts/install-deps --test)')
        return
    with turnserver.TurnServer() as turn:
        # --seconds only as a safety net: Ctrl-C ends it here
        child, port = start_python_example('webrtc_turn_relay.py', '--turn',
                                           turn.url(), '--seconds', '90')
        try:
            if not listening(case, child, port):
                return
            status, peers, text = receive(
                'ws://127.0.0.1:{}/ws'.format(port), 60, '--turn',
                turn.url(), '--relay-only', '--hold', '2')
            case.result(status == 0 and len(peers) == 1 and
                        decoded(peers[0], 60, WIDTH, HEIGHT, 'VP8'),
                        'the receiver, relay only too, decodes 60 frames of '
                        '{}x{} VP8'.format(WIDTH, HEIGHT),
                        text + '\n' + child.output() + '\n' + turn.log())
            # the receiver is gone: the example says so, then Ctrl-C
            child.wait_for_prefix('viewer left (CLOSED)', 15)
            lines = child.lines
            initiated = index_of(lines, 'viewer connecting (INITIATED)')
            route = index_of(lines, 'selected candidate type: ', initiated)
            closed = index_of(lines, 'viewer left (CLOSED)', route)
            case.result(initiated >= 0 and route > initiated and
                        lines[route] ==
                        'selected candidate type: relay (viewer: relay)',
                        'prints the selected candidate type relay (viewer: '
                        'relay) once connected', child.output())
            case.result(closed > route, 'then the viewer left (CLOSED)',
                        child.output())
            child.signal(signal.SIGINT)
            status = child.wait(20)
            case.result(status == 0 and ends_with_success(child),
                        'Ctrl-C ends it: exit 0, DSL_RESULT_SUCCESS',
                        'exit {}\n{}'.format(status, child.output()))
            everything = child.lines + child.errors
            case.result(index_of(everything, turnserver.PASSWORD) < 0 and
                        index_of(lines, 'TURN server: turn://test:***@') >= 0,
                        'never prints the TURN password', child.output())
        finally:
            child.kill()


# ---------------------------------------------------------------------------
# Statistics and metrics: webrtc_metrics_and_stats.py
# ---------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$')


def scrape(port):
    """(HTTP status, {series: value}, text) of GET /metrics."""
    url = 'http://127.0.0.1:{}/metrics'.format(port)
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            status, body = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {}, ''
    except OSError as error:
        return None, {}, repr(error)
    values = {}
    for line in body.splitlines():
        match = SAMPLE.match(line)
        if match:
            values[match.group(1)] = float(match.group(2))
    return status, values, body


def scrape_until(port, done, timeout):
    """Scrapes until done(values), at most timeout seconds: (status,
    values, text) of the last scrape."""
    deadline = time.monotonic() + timeout
    while True:
        status, values, text = scrape(port)
        if (status == 200 and done(values)) or time.monotonic() > deadline:
            return status, values, text
        time.sleep(0.2)


VIEWERS = 'dsl_viewers{path="/ws"}'
STATS_LINE = re.compile(
    r'^viewer-1 /ws: connected, VP8, (\d+) kbit/s, packets sent (\d+) lost '
    r'(\d+) retransmitted (\d+), NACK (\d+), PLI/FIR (\d+), RTT (\S+ ms|-), '
    r'candidate host$')


def case_metrics(case):
    seconds = 12
    child, port = start_python_example('webrtc_metrics_and_stats.py',
                                       '--seconds', seconds)
    started = time.monotonic()
    try:
        if not listening(case, child, port):
            return
        line = child.wait_for_prefix('metrics at ', 10)
        case.result(line == 'metrics at http://127.0.0.1:{}/metrics'.format(
            port), 'prints the /metrics URL', child.output())
        # the receiver stays 3 s after its frames: scraped meanwhile
        receiver = Child(receiver_args('ws://127.0.0.1:{}/ws'.format(port),
                                       60, '--hold', '3'))
        try:
            status, values, text = scrape_until(
                port, lambda v: v.get(VIEWERS) == 1, 20)
            playing = receiver.process.poll() is None
            case.result(status == 200 and values.get(VIEWERS) == 1 and
                        values.get('dsl_viewers_connected_total{path="/ws"}')
                        == 1 and playing,
                        '/metrics while the receiver plays: 1 viewer on /ws',
                        'HTTP {}, receiver running: {}\n{}\n{}'.format(
                            status, playing, text, child.output()))
            stats = child.wait_for_line(STATS_LINE.match, 15)[1]
            match = STATS_LINE.match(stats or '')
            case.result(match is not None and int(match.group(2)) > 0,
                        'prints the viewer\'s figures once a second: '
                        'connected, VP8, packets sent, candidate host',
                        child.output())
            status = receiver.wait(40)
            peers = json_lines(receiver.lines)
            case.result(status == 0 and len(peers) == 1 and
                        decoded(peers[0], 60, WIDTH, HEIGHT, 'VP8'),
                        'the receiver decodes 60 frames of {}x{}'.format(
                            WIDTH, HEIGHT),
                        'exit {}\n{}\n{}'.format(status, receiver.output(),
                                                 child.output()))
        finally:
            receiver.kill()
        status, values, text = scrape_until(
            port, lambda v: v.get(VIEWERS) == 0, 15)
        case.result(status == 200 and values.get(VIEWERS) == 0 and
                    values.get('dsl_viewers_connected_total{path="/ws"}')
                    == 1 and values.get('dsl_sent_packets_total', 0) > 0,
                    'after it left: 0 viewers, 1 connected in all, packets '
                    'sent counted', 'HTTP {}\n{}'.format(status, text))
        left = seconds - (time.monotonic() - started)
        exits_0(case, child, 'ends by itself after --seconds {}'.format(
            seconds), max(left, 0) + 15)
        case.result(ends_with_success(child) and
                    index_of(child.lines, 'viewer-1: viewer left') >= 0,
                    'the sink was removed when its viewer left; prints '
                    'DSL_RESULT_SUCCESS', child.output())
    finally:
        child.kill()


# ---------------------------------------------------------------------------
# Metadata: webrtc_metadata_boxes.py
# ---------------------------------------------------------------------------

DELIVERED = re.compile(r'^last second: (\d+) box messages delivered; binary '
                       r'message (\d+) \(12 bytes\) went to (\d+) viewer\(s\)$')


def delivered_to_one(line):
    match = DELIVERED.match(line)
    # ten a second; one short of that for timer slack
    return (match is not None and int(match.group(1)) >= 9 and
            int(match.group(3)) == 1)


def case_metadata(case):
    seconds = 20
    child, port = start_python_example('webrtc_metadata_boxes.py',
                                       '--seconds', seconds)
    started = time.monotonic()
    try:
        if not listening(case, child, port):
            return
        # the receiver ignores the channel, but its webrtcbin opens it:
        # the sink counts every message that reached it
        receiver = Child(receiver_args('ws://127.0.0.1:{}/ws'.format(port),
                                       30, '--hold', '3'))
        try:
            line = child.wait_for_line(delivered_to_one, 20)[1]
            case.result(line is not None,
                        'a whole second of box messages and a binary '
                        'message went to the receiver', child.output())
            status = receiver.wait(40)
            peers = json_lines(receiver.lines)
            case.result(status == 0 and len(peers) == 1 and
                        decoded(peers[0], 30, WIDTH, HEIGHT, 'VP8') and
                        peers[0].get('offers') == 1,
                        'the receiver decodes 30 frames, one offer',
                        'exit {}\n{}\n{}'.format(status, receiver.output(),
                                                 child.output()))
        finally:
            receiver.kill()
        child.wait_for_prefix('viewer left (CLOSED)', 15)
        status, result, text = view(
            '--url', 'http://127.0.0.1:{}/'.format(port), '--frames', '30',
            '--timeout', '40', '--metadata', '15')
        if not browser_skipped(case, status, result):
            # the page lists the binary messages ("binary message, 12
            # bytes"); view.mjs checks the order of numbered ones only
            box = result.get('box') or {}
            hits = result.get('box_edge_hits', 0)
            probes = result.get('box_edge_probes', 0)
            case.result(status == 0 and result.get('listed_in_order') and
                        result.get('metadata_messages', 0) >= 15 and
                        box.get('w', 0) > 0 and probes > 0 and
                        hits >= probes / 2 and result.get('listed', 0) >= 1,
                        'Chromium gets the messages, draws the box at its '
                        'place and lists the binary message',
                        text + '\n' + child.output())
        left = seconds - (time.monotonic() - started)
        exits_0(case, child, 'ends by itself after --seconds {}'.format(
            seconds), max(left, 0) + 15)
        case.result(ends_with_success(child), 'prints DSL_RESULT_SUCCESS',
                    child.output())
    finally:
        child.kill()


# ---------------------------------------------------------------------------
# WHEP: webrtc_whep_endpoint.py
# ---------------------------------------------------------------------------

WHEP_MJS = SOURCE_ROOT / 'tests' / 'browser' / 'whep.mjs'
WHEP_FRAMES = 30
WHEP_TOKEN = 'whep-example-token-41c9'
# Ctrl-C ends the example here; --seconds only as a safety net
WHEP_SAFETY_SECONDS = 150
# An offer as a player makes one (recvonly VP8), for the POSTs that must be
# refused before it is read
WHEP_OFFER = (
    'v=0\r\n'
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n'
    's=-\r\n'
    't=0 0\r\n'
    'a=group:BUNDLE 0\r\n'
    'm=video 9 UDP/TLS/RTP/SAVPF 96\r\n'
    'c=IN IP4 0.0.0.0\r\n'
    'a=ice-ufrag:dslx\r\n'
    'a=ice-pwd:whepExamplePasswordOf24c\r\n'
    'a=fingerprint:sha-256 ' + ':'.join(['5A'] * 32) + '\r\n'
    'a=setup:actpass\r\n'
    'a=mid:0\r\n'
    'a=recvonly\r\n'
    'a=rtcp-mux\r\n'
    'a=rtpmap:96 VP8/90000\r\n')


def whep_js(url, *extra):
    """whep.js in headless Chromium on url: (status, its JSON result,
    text); status EXIT_SKIP when node or whep.mjs is missing (as whep.mjs
    gives when Chromium, playwright-core or whip-whep is)."""
    if not shutil.which('node'):
        return EXIT_SKIP, {'reason': 'node is not installed'}, ''
    if not WHEP_MJS.exists():
        return EXIT_SKIP, {'reason': '{} is missing'.format(WHEP_MJS)}, ''
    # --width/--height: whep.mjs wants that size from the decoder and
    # from the <video> element (a frame shown, not only decoded)
    status, lines, errors = run(['node', WHEP_MJS, '--url', url, '--frames',
                                 WHEP_FRAMES, '--width', WIDTH, '--height',
                                 HEIGHT, '--timeout-ms', 60000, *extra], 100)
    results = json_lines(lines)
    text = 'whep.mjs exit {}\nstdout:\n{}\nstderr (last lines):\n{}'.format(
        status, '\n'.join(lines), '\n'.join(errors.splitlines()[-20:]))
    return status, (results[-1] if results else {}), text


def whep_played(status, result):
    """whep.js decoded WHEP_FRAMES frames of VP8 at the example's size,
    the <video> element showed that size, and its DELETE got 200."""
    return (status == 0 and result.get('ok') is True and
            result.get('frames', 0) >= WHEP_FRAMES and
            (result.get('width'), result.get('height')) == (WIDTH, HEIGHT) and
            (result.get('video_width'), result.get('video_height')) ==
            (WIDTH, HEIGHT) and
            result.get('codec') == 'video/VP8' and
            result.get('delete_status') == 200)


def post_offer(port, headers):
    """(HTTP status, response headers) of POST /whep with WHEP_OFFER."""
    request = urllib.request.Request(
        'http://127.0.0.1:{}/whep'.format(port), method='POST',
        data=WHEP_OFFER.encode(),
        headers={'Content-Type': 'application/sdp', **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers
    except OSError as error:
        return repr(error), {}


def whep_viewer_seen(case, child, port):
    """2 results: whep.js played through the example (False: skipped),
    and the example printed the viewer on /ws, INITIATED, then CLOSED."""
    extra = ('--token', WHEP_TOKEN) if '--token' in child.args else ()
    status, result, text = whep_js('http://127.0.0.1:{}/whep'.format(port),
                                   *extra)
    if browser_skipped(case, status, result):
        return False
    case.result(whep_played(status, result),
                'whep.js in Chromium decodes and shows {} frames of {}x{} '
                'VP8, DELETE 200'.format(WHEP_FRAMES, WIDTH, HEIGHT),
                text + '\n' + child.output())
    # DELETE ends the session; the sink's listeners run just after
    child.wait_for_prefix('webrtc-sink: CLOSED', 15)
    lines = child.lines
    joined = index_of(lines, 'new viewer on /ws')
    initiated = index_of(lines, 'webrtc-sink: INITIATED', joined)
    closed = index_of(lines, 'webrtc-sink: CLOSED', initiated)
    case.result(joined >= 0 and initiated > joined and closed > initiated and
                index_of(lines, 'webrtc-sink: FAILED') < 0 and
                sum(line == 'new viewer on /ws' for line in lines) == 1,
                'the example prints one viewer on /ws, then INITIATED, then '
                'CLOSED', child.output())
    return True


def interrupted(case, child):
    """1 result: Ctrl-C (SIGINT) ends the example with exit 0."""
    child.signal(signal.SIGINT)
    exits_0(case, child, 'Ctrl-C ends it: exit 0', 20)


def case_whep(case):
    child, port = start_python_example('webrtc_whep_endpoint.py',
                                       '--seconds', WHEP_SAFETY_SECONDS)
    try:
        if not listening(case, child, port):
            return
        endpoint = child.wait_for_prefix('WHEP endpoint: ', 10)
        page = child.wait_for_prefix('WebSocket page: ', 10)
        case.result(endpoint == 'WHEP endpoint: http://127.0.0.1:{}/whep'
                    .format(port) and page ==
                    'WebSocket page: http://127.0.0.1:{}/'.format(port),
                    'prints the WHEP URL and the page URL', child.output())
        if not whep_viewer_seen(case, child, port):
            return
        interrupted(case, child)
        case.result(ends_with_success(child), 'prints DSL_RESULT_SUCCESS',
                    child.output())
    finally:
        child.kill()


def case_whep_token(case):
    child, port = start_python_example('webrtc_whep_endpoint.py',
                                       '--seconds', WHEP_SAFETY_SECONDS,
                                       '--token', WHEP_TOKEN)
    try:
        if not listening(case, child, port):
            return
        endpoint = child.wait_for_prefix('WHEP endpoint: ', 10)
        case.result(endpoint == 'WHEP endpoint: http://127.0.0.1:{}/whep '
                    '(Authorization: Bearer TOKEN)'.format(port),
                    'prints the WHEP URL and how to pass the token',
                    child.output())
        refusals = [post_offer(port, headers) for headers in
                    ({}, {'Authorization': 'Bearer not-' + WHEP_TOKEN})]
        case.result(all(status == 401 and
                        headers.get('WWW-Authenticate') == 'Bearer'
                        for status, headers in refusals),
                    'a POST without the token, or with another, gets 401 '
                    'with WWW-Authenticate: Bearer',
                    '{}\n{}'.format([(s, dict(h)) for s, h in refusals],
                                    child.output()))
        # what was refused reached no listener: the only viewer the
        # example ever prints is whep.js (checked there)
        if not whep_viewer_seen(case, child, port):
            return
        interrupted(case, child)
        everything = child.lines + child.errors
        case.result(ends_with_success(child) and
                    index_of(everything, WHEP_TOKEN) < 0,
                    'prints DSL_RESULT_SUCCESS, never the token',
                    child.output())
    finally:
        child.kill()


CASES = [
    ('webrtc_turn_relay.py', 6, case_turn),
    ('webrtc_metrics_and_stats.py', 8, case_metrics),
    ('webrtc_metadata_boxes.py', 6, case_metadata),
    ('webrtc_whep_endpoint.py', 6, case_whep),
    ('webrtc_whep_endpoint.py --token', 7, case_whep_token),
]


def main():
    enter_netns()
    if links() != ['lo']:
        print('1..1\nnot ok 1 - not in a loopback-only network namespace '
              '({})'.format(links()), flush=True)
        return 1
    return run_cases(CASES, (LIBRARY, RECEIVER))


if __name__ == '__main__':
    sys.exit(main())
