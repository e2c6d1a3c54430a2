#!/usr/bin/env python3
"""test-chaos.py - connect/close churn cannot crash, leak or stall the
server.

One dsl-webrtc-serve (320x240, --ping-interval 1 --pong-timeout 3 (9 sanitized)
--header-timeout 3, started with MALLOC_ARENA_MAX=2) takes DSL_CHAOS_CYCLES
cycles (default 100; 40 when DSL_SANITIZED is set) of clean closes,
immediate reconnects, kill -9 of a receiver at its offer, at its answer and
during ICE, SIGTERM (a clean close) in the middle of ICE, and TCP resets at
random points, the kinds drawn from a seeded random.Random (seed printed;
DSL_CHAOS_SEED sets it). tests/chaos.py does the work; see it for the mix.
Meanwhile a witness viewer plays. Afterwards:
  * every cycle did what it should (an offer where one was due, a clean
    viewer decoding its frames at 320x240), all within the time limit;
  * the server is alive and a new viewer decodes 30 frames at 320x240;
  * the witness played throughout: never closed, no gap of 1 s or more
    between two decoded frames (its max_gap_ms; 3 s under the sanitizers,
    see GAP_LIMIT_MS), at least half the frames the source made while it
    watched;
  * the server's threads and fds are back to their baseline (the witness
    playing, after one warm-up viewer) within 30 s of the last cycle;
  * its VmRSS at the end is within 10 MB of its value after cycle 50
    (half way; cycle 100 in the bench's 1000-cycle run), not checked
    under the sanitizers, whose quarantine holds freed memory on purpose;
  * every viewer the server reported joined was reported gone, none was
    refused, and the server stops on SIGINT with exit status 0.

Prints TAP. Environment: DSL_WEBRTC_SERVE, DSL_TEST_RECEIVER (as for
test-serve.py), DSL_SANITIZED, DSL_CHAOS_CYCLES, DSL_CHAOS_SEED.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import chaos  # noqa: E402
from dsltap import (BUILD_ROOT, RECEIVER, child_env, decoded,  # noqa: E402
                    run_cases)

SERVE = os.environ.get('DSL_WEBRTC_SERVE',
                       str(BUILD_ROOT / 'tools' / 'dsl-webrtc-serve'))
SANITIZED = bool(os.environ.get('DSL_SANITIZED'))
SCALE = 3 if SANITIZED else 1
CYCLES = int(os.environ.get('DSL_CHAOS_CYCLES', 40 if SANITIZED else 100))
SEED = int(os.environ.get('DSL_CHAOS_SEED', int(time.time() * 1000) % 10**6))
# the whole run of cycles: about 1 s per cycle, four times as long allowed
TIME_LIMIT_S = max(60, 4 * CYCLES) * SCALE
SETTLE_S = 30
# The witness's longest gap: under 1 s. The sanitized build is the
# exception: there every receiver of the churn is an ASan build too, and
# starting one costs about a second of CPU, so on 2 cores the witness's own
# receiver is starved (ASan server with plain receivers: 48 ms; ASan
# everything: 1.5 s, at 19 fps); it gets three times as long.
GAP_LIMIT_MS = 1000 * SCALE
RSS_LIMIT_KB = 10 * 1024
# the witness must decode at least this share of the source's frames
FPS_FRACTION = 0.5


def case_chaos(case):
    case.tap.diag('seed {} (DSL_CHAOS_SEED={} repeats the mix), {} cycles'
                  .format(SEED, SEED, CYCLES))
    r = chaos.run(SERVE, RECEIVER, child_env(), CYCLES, SEED, SCALE,
                  time_limit=TIME_LIMIT_S, settle_s=SETTLE_S,
                  log=case.tap.diag)
    server_text = r.get('server_output', '')
    if not case.result('error' not in r, 'the server starts and a witness '
                       'plays 320x240', r.get('error')):
        return
    case.tap.diag('cycles by kind: ' + ', '.join(
        '{} {}'.format(k, v['run']) for k, v in r['kinds'].items()))
    case.tap.diag(', '.join('{} {}'.format(k, v)
                            for k, v in r['notes'].items()))

    case.result(r['cycles_run'] == CYCLES and not r.get('timed_out'),
                '{} cycles run within {} s (ran {} in {} s)'.format(
                    CYCLES, TIME_LIMIT_S, r['cycles_run'], r.get('cycles_s')),
                server_text)
    failures = r['failures']
    case.result(not failures, 'every cycle did its part ({} failed, seed {})'
                .format(len(failures), SEED),
                '\n'.join('cycle {} ({}): {}'.format(f['cycle'], f['kind'],
                                                     f['detail'])
                          for f in failures[:3]))
    case.result(r.get('server_alive'), 'the server is alive after the '
                'cycles', server_text)

    final = r.get('final_viewer') or {}
    peer = final.get('peer') or {}
    case.result(final.get('exit') == 0 and decoded(peer, 30, 320, 240),
                'a new viewer decodes 30 frames of 320x240',
                final.get('output', '') + '\n' + server_text)

    w = r.get('witness', {})
    expected = FPS_FRACTION * chaos.FPS * w.get('watched_s', 0)
    case.result(not r.get('witness_closed_early') and
                0 <= w.get('max_gap_ms', -1) < GAP_LIMIT_MS and
                w.get('frames_total', 0) >= expected,
                'the witness played throughout: max gap {} ms (< {}), {} '
                'frames in {} s'.format(w.get('max_gap_ms'), GAP_LIMIT_MS,
                                        w.get('frames_total'),
                                        w.get('watched_s')),
                '{}\n{}'.format(w, r.get('witness_output', '')))

    base = r.get('baseline') or {}
    end = r.get('end') or {}
    case.result(end and end['threads'] <= base['threads'],
                'threads back to {} (at the end: {}, {} s after the last '
                'cycle)'.format(base.get('threads'), end.get('threads'),
                                r.get('settle_s')), str(r['samples']))
    case.result(end and end['fds'] <= base['fds'],
                'fds back to {} (at the end: {})'.format(
                    base.get('fds'), end.get('fds')), str(r['samples']))

    ref = r.get('at_reference') or {}
    if SANITIZED:
        case.skip('RSS flat', 'the sanitizers hold freed memory')
    else:
        grown = end.get('rss_kb', 1 << 40) - ref.get('rss_kb', 0)
        case.result(ref and grown <= RSS_LIMIT_KB,
                    'VmRSS at the end within 10 MB of cycle {} ({:.1f} -> '
                    '{:.1f} MB)'.format(r['reference_cycle'],
                                        ref.get('rss_kb', 0) / 1024,
                                        end.get('rss_kb', 0) / 1024),
                    str(r['samples']))

    case.result(r.get('joined') == r.get('left') and r.get('joined', 0) > 0
                and r.get('refused') == 0,
                'every viewer joined left ({} joined, {} left, {} refused)'
                .format(r.get('joined'), r.get('left'), r.get('refused')),
                server_text)
    case.result(r.get('server_exit') == 0, 'the server stops on SIGINT '
                'with exit 0 (exit {})'.format(r.get('server_exit')),
                server_text)



CASES = [
    ('churn', 11, case_chaos),
]


def main():
    return run_cases(CASES, (SERVE, RECEIVER))


if __name__ == '__main__':
    sys.exit(main())
