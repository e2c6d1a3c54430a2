#!/usr/bin/env node
// bench-browser.mjs - time to first frame and glass-to-glass latency of
// dsl-webrtc-serve in Debian's headless Chromium (issue 9, item 6).
//
//   node scripts/bench-browser.mjs --server http://127.0.0.1:PORT --path /ws
//        --runs 20 [--mode cold|warm] [--latency-seconds 10] [--latency-runs 3]
//        [--json OUT] [--timeout 20] [--settle-ms 1000] [--chromium PATH] [--verbose]
//
// The caller starts the server (in a network namespace holding only lo, with
// DSL_WEBRTC_ICE_ADDRESSES=127.0.0.1), e.g.
//   dsl-webrtc-serve --port PORT --width 640 --height 480 --bitrate 1000000 --timecode
//
// One Chromium process for the whole run; each run is a fresh page in a fresh
// browser context. The page is this file's own minimal viewer (VIEWER_HTML
// below), not the served viewer.js: the served page connects as soon as it
// loads and reports only a getStats-polled first frame, while the benchmark
// needs to stamp every step itself (WebSocket constructor and open, offer,
// answer, ICE, DTLS, requestVideoFrameCallback) and to read the time code
// from decoded frames. The page must still come from the server itself:
// the server's Origin check takes only its own pages (no --allow-file-pages
// needed), and Chromium's Local Network Access checks refuse a loopback
// WebSocket to a page whose address is not known to be local (a data: URL, or
// a response made up by Playwright's request interception). So each run loads
// a small static file of the server's (PAGE_PATH, outside the measured time)
// and replaces the document with VIEWER_HTML (page.setContent: same URL, same
// origin); the context bypasses the server's Content-Security-Policy, which
// would refuse the inline script.
//
// cold: nothing else watches, so the server's encoder is idle before each run
// (the previous page closed its WebSocket, the close was seen, then
// --settle-ms). warm: a second viewer page plays during all runs.
//
// Latency: with --timecode the source writes T = (Unix ms) mod 2^32 as 40
// blocks of B x B px at the top left (B = width / 40): blocks 0..31 bits 31..0
// of T, 32..39 bits 7..0 of the XOR of T's four bytes; white = 1. On each
// requestVideoFrameCallback of --latency-runs runs (the first ones) the page
// draws the band to a canvas, averages each block's central B/2 square and
// takes latency = Date.now() - T (same machine, same clock). A run that finds
// no valid code within 3 s stops sampling (a server without --timecode).
//
// Prints one JSON object on stdout (and to --json OUT). Times are in ms,
// measured with the page's performance.now(); phases_ms are from the
// WebSocket's open event, steps_ms the time between consecutive moments
// (connect: constructor -> open; ... dtls_to_first_frame). Besides the
// asked-for fields: ttff_from_ctor_ms, ttff_stats_ms (getStats polled every
// 10 ms, so up to ~10 ms late), first_frame (key frames decoded and PLIs
// sent by the time of the first frame: a PLI means the first packets were
// not a decodable key frame), latency_ms.receive (time code to the frame's
// last packet arriving, RTCVideoFrameMetadata.receiveTime: the server's part
// of the latency), and per run every moment, including dtls_connecting
// (RTCDtlsTransport) and open_wall_ms (Unix ms of the open event, to line
// a run up with server logs or strace -ttt). Percentiles are nearest-rank. Exit 0: every run played; 1: a run failed
// (the JSON lists it) or bad arguments; 77: {"skip":true,...} when
// playwright-core (npm ci in tests/browser) or Chromium is missing.

import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS } from '../tests/browser/chromium-args.mjs';

const EXIT_SKIP = 77;
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const PLAYWRIGHT = join(ROOT, 'tests', 'browser', 'node_modules', 'playwright-core', 'index.mjs');
const PAGE_PATH = '/viewer.css'; // served by dsl-webrtc-serve (src/server/www)


const USAGE = 'usage: node scripts/bench-browser.mjs --server http://HOST:PORT [--path /ws] ' +
  '[--runs 20] [--mode cold|warm] [--latency-seconds 10] [--latency-runs 3] [--json OUT] ' +
  '[--timeout SECONDS] [--settle-ms MS] [--chromium PATH] [--verbose]';

// The viewer page. window.dslBench.run(opts) connects, answers, and resolves
// with the moments it stamped (performance.now() values), getStats figures at
// the first frame, and the latency samples; window.dslBench.stop() closes the
// WebSocket and the peer connection and resolves when the close is seen.
const VIEWER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dsl-webrtc bench viewer</title>
<link rel="icon" href="data:,">
<style>body{margin:0;background:#000}video{display:block}</style>
</head><body>
<video id="v" autoplay playsinline muted></video>
<script>
'use strict';
(() => {
  const video = document.getElementById('v');
  let ws = null;
  let pc = null;

  // T's 40-block band: null when the check byte does not match.
  let canvas = null;
  let ctx = null;
  function readTimecode(w, h) {
    const B = Math.floor(w / 40);
    if (B < 2 || h < B) return null;
    if (!canvas || canvas.width !== 40 * B || canvas.height !== B) {
      canvas = document.createElement('canvas');
      canvas.width = 40 * B;
      canvas.height = B;
      ctx = canvas.getContext('2d', { willReadFrequently: true });
    }
    ctx.drawImage(video, 0, 0, 40 * B, B, 0, 0, 40 * B, B);
    const px = ctx.getImageData(0, 0, 40 * B, B).data;
    const half = Math.max(1, Math.floor(B / 2));
    const off = Math.floor((B - half) / 2);
    const bits = [];
    for (let k = 0; k < 40; k++) {
      let sum = 0;
      for (let y = off; y < off + half; y++) {
        for (let x = k * B + off; x < k * B + off + half; x++) {
          const i = (y * 40 * B + x) * 4;
          sum += px[i] + px[i + 1] + px[i + 2];
        }
      }
      bits.push(sum / (3 * half * half) >= 128 ? 1 : 0);
    }
    let t = 0;
    for (let k = 0; k < 32; k++) t = t * 2 + bits[k];
    let check = 0;
    for (let k = 32; k < 40; k++) check = check * 2 + bits[k];
    const xor = ((t >>> 24) ^ (t >>> 16) ^ (t >>> 8) ^ t) & 0xff;
    return xor === check ? t : null;
  }

  // a - b in ms for two values mod 2^32, as a signed difference
  const diff32 = (a, b) => {
    let d = (a - b) % 4294967296;
    if (d < 0) d += 4294967296;
    return d >= 2147483648 ? d - 4294967296 : d;
  };
  // a performance.now() moment as wall-clock ms mod 2^32
  const wall32 = (t) => (Date.now() - (performance.now() - t)) % 4294967296;

  async function inbound() {
    const report = await pc.getStats();
    let r = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && (s.kind || s.mediaType) === 'video') r = s;
    });
    return r;
  }

  function run(opts) {
    return new Promise((resolve) => {
      const m = {};                // moment name -> performance.now()
      const stamp = (k) => { if (m[k] === undefined) m[k] = performance.now(); };
      const out = { m, errors: [], stats: null, latency: [], latencyRecv: [],
        latencyBad: 0, latencyFrames: 0, iceStates: [], connStates: [] };
      let finished = false;
      let pending = [];
      let chain = Promise.resolve();
      const finish = (why) => {
        if (finished) return;
        finished = true;
        out.end = why;
        clearTimeout(deadline);
        resolve(out);
      };
      const deadline = setTimeout(() => finish('timeout'), opts.timeoutMs);
      const send = (type, data) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type, data }));
      };

      // the first decoded frame: both signals, then latency sampling if asked
      let frameSeen = false;
      let statsSeen = false;
      let sampleUntil = 0;
      let firstCodeBy = 0;
      const maybeDone = () => {
        if (!frameSeen || !statsSeen) return;
        if (!opts.latencyMs) finish('played');
        else if (!sampleUntil) {
          sampleUntil = performance.now() + opts.latencyMs;
          firstCodeBy = performance.now() + 3000;
        }
      };
      const onFrame = (now, meta) => {
        if (finished) return;
        const cbAt = performance.now();
        if (!frameSeen) {
          frameSeen = true;
          m.first_frame = cbAt;
          out.firstFrameMeta = {
            presentationTime: meta.presentationTime, expectedDisplayTime: meta.expectedDisplayTime,
            receiveTime: meta.receiveTime, width: meta.width, height: meta.height,
            presentedFrames: meta.presentedFrames,
          };
          maybeDone();
        }
        if (sampleUntil) {
          if (cbAt > sampleUntil) { finish('played'); return; }
          out.latencyFrames += 1;
          const t = readTimecode(meta.width, meta.height);
          if (t === null) {
            out.latencyBad += 1;
            if (!out.latency.length && cbAt > firstCodeBy) {
              out.errors.push('no valid time code in 3 s of frames');
              finish('played');
              return;
            }
          } else {
            out.latency.push(diff32(Date.now() % 4294967296, t));
            if (meta.receiveTime !== undefined) out.latencyRecv.push(diff32(wall32(meta.receiveTime), t));
          }
        }
        video.requestVideoFrameCallback(onFrame);
      };

      // getStats cross-check: framesDecoded > 0, polled every 10 ms
      const pollStats = async () => {
        if (finished || statsSeen) return;
        try {
          const r = await inbound();
          if (r && r.framesDecoded > 0) {
            statsSeen = true;
            m.stats_decoded = performance.now();
            out.stats = {
              framesDecoded: r.framesDecoded, keyFramesDecoded: r.keyFramesDecoded,
              frameWidth: r.frameWidth, frameHeight: r.frameHeight,
              pliCount: r.pliCount, firCount: r.firCount, nackCount: r.nackCount,
              packetsReceived: r.packetsReceived, packetsLost: r.packetsLost,
              jitterBufferDelayMs: r.jitterBufferEmittedCount
                ? (1000 * r.jitterBufferDelay) / r.jitterBufferEmittedCount : null,
            };
            maybeDone();
            return;
          }
        } catch (err) {
          out.errors.push('getStats: ' + err.message);
        }
        setTimeout(pollStats, 10);
      };

      const addCandidate = async (data) => {
        const init = { candidate: typeof data.candidate === 'string' ? data.candidate : '',
          sdpMLineIndex: Number.isInteger(data.sdpMLineIndex) ? data.sdpMLineIndex : 0 };
        if (typeof data.sdpMid === 'string') init.sdpMid = data.sdpMid;
        try { await pc.addIceCandidate(init); } catch (err) { out.errors.push('addIceCandidate: ' + err.message); }
      };

      const onMessage = async (text) => {
        let msg;
        try { msg = JSON.parse(text); } catch (err) { return; }
        if (!msg || !msg.data) return;
        if (msg.type === 'sdp' && msg.data.type === 'offer') {
          stamp('offer');
          pc = new RTCPeerConnection({ iceServers: [] });
          pc.ontrack = (e) => {
            stamp('track');
            video.srcObject = e.streams[0] || new MediaStream([e.track]);
            video.requestVideoFrameCallback(onFrame);
            const p = video.play();
            if (p && p.catch) p.catch(() => {});
          };
          pc.onicecandidate = (e) => {
            if (e.candidate && e.candidate.candidate) {
              stamp('local_candidate');
              send('ice', e.candidate.toJSON());
            }
          };
          pc.oniceconnectionstatechange = () => {
            const s = pc.iceConnectionState;
            out.iceStates.push([s, performance.now()]);
            if (s === 'checking') stamp('ice_checking');
            if (s === 'connected' || s === 'completed') stamp('ice');
            if (s === 'failed') finish('ice failed');
          };
          pc.onconnectionstatechange = () => {
            const s = pc.connectionState;
            out.connStates.push([s, performance.now()]);
            if (s === 'connected') stamp('dtls');
            if (s === 'failed') finish('connection failed');
          };
          await pc.setRemoteDescription({ type: 'offer', sdp: msg.data.sdp });
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          // an answerer's receivers get their DTLS transport with the answer
          for (const r of pc.getReceivers()) {
            const dtls = r.transport;
            if (!dtls) continue;
            const seen = () => {
              if (dtls.state === 'connecting') stamp('dtls_connecting');
              if (dtls.state === 'connected') stamp('dtls_transport');
            };
            dtls.addEventListener('statechange', seen);
            seen();
          }
          send('sdp', { type: pc.localDescription.type, sdp: pc.localDescription.sdp });
          stamp('answer');
          pollStats();
          for (const c of pending.splice(0)) await addCandidate(c);
        } else if (msg.type === 'ice') {
          stamp('remote_candidate');
          if (!pc || !pc.remoteDescription) pending.push(msg.data);
          else await addCandidate(msg.data);
        } else if (msg.type === 'error') {
          out.errors.push('server error: ' + JSON.stringify(msg.data));
        }
      };

      out.timeOrigin = performance.timeOrigin;
      m.ctor = performance.now();
      try {
        ws = new WebSocket(opts.url);
      } catch (err) {
        out.errors.push('WebSocket: ' + err.message);
        finish('bad url');
        return;
      }
      ws.onopen = () => stamp('open');
      ws.onmessage = (e) => {
        // arrival, before the chain runs it: a candidate can wait behind the offer
        if (typeof e.data === 'string' && e.data.indexOf('"ice"') >= 0) stamp('remote_candidate_rx');
        chain = chain.then(() => onMessage(e.data)).catch((err) => out.errors.push('signaling: ' + err.message));
      };
      ws.onclose = (e) => {
        out.closeCode = e.code;
        finish('websocket closed (' + e.code + ')');
      };
    });
  }

  // Close both ends; resolve once the WebSocket's close is seen (bounded).
  function stop(timeoutMs) {
    return new Promise((resolve) => {
      if (pc) pc.close();
      if (video.srcObject) video.srcObject = null;
      if (!ws || ws.readyState === WebSocket.CLOSED) { resolve('closed'); return; }
      const timer = setTimeout(() => resolve('close timeout'), timeoutMs);
      ws.onmessage = null;
      ws.onclose = () => { clearTimeout(timer); resolve('closed'); };
      if (ws.readyState <= WebSocket.OPEN) ws.close(1000, 'bench run done');
    });
  }

  // for the warm viewer: decoded frames so far
  async function frames() {
    if (!pc) return 0;
    const r = await inbound();
    return r ? r.framesDecoded : 0;
  }

  window.dslBench = { run, stop, frames };
})();
</script>
</body></html>
`;

function parseArgs(argv) {
  const o = {
    server: null, path: '/ws', runs: 20, mode: 'cold', latencySeconds: 10, latencyRuns: 3,
    json: null, timeout: 20, settleMs: 1000, chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    verbose: false,
  };
  const num = (v, name, min) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}`);
    return n;
  };
  const valued = {
    '--server': (v) => { o.server = v.replace(/\/+$/, ''); },
    '--path': (v) => { o.path = '/' + v.replace(/^\/+/, ''); },
    '--runs': (v) => { o.runs = Math.floor(num(v, '--runs', 1)); },
    '--mode': (v) => {
      if (v !== 'cold' && v !== 'warm') throw new Error('--mode is cold or warm');
      o.mode = v;
    },
    '--latency-seconds': (v) => { o.latencySeconds = num(v, '--latency-seconds', 0); },
    '--latency-runs': (v) => { o.latencyRuns = Math.floor(num(v, '--latency-runs', 0)); },
    '--json': (v) => { o.json = v; },
    '--timeout': (v) => { o.timeout = num(v, '--timeout', 1); },
    '--settle-ms': (v) => { o.settleMs = num(v, '--settle-ms', 0); },
    '--chromium': (v) => { o.chromium = v; },
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (a === '--verbose') o.verbose = true;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else if (valued[a]) {
      if (v === undefined) {
        if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
        v = argv[++i];
      }
      valued[a](v);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!o.server) throw new Error('--server is required');
  if (!/^https?:\/\/[^/]+$/.test(o.server)) throw new Error('--server must be http(s)://HOST:PORT');
  return o;
}

// nearest-rank percentile of numbers (null for none)
function percentile(values, p) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v[Math.min(v.length, Math.max(1, Math.ceil(p * v.length))) - 1];
}

const r1 = (x) => (x == null ? null : Math.round(x * 10) / 10);

function summary(values) {
  return { p50: r1(percentile(values, 0.5)), p95: r1(percentile(values, 0.95)) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// a promise, or a rejection after ms
function bounded(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); }),
  ]);
}

const PHASES = ['offer', 'answer', 'ice', 'dtls', 'first_frame'];
const STEPS = [['connect', 'ctor', 'open'], ['open_to_offer', 'open', 'offer'],
  ['offer_to_answer', 'offer', 'answer'], ['answer_to_ice', 'answer', 'ice'],
  ['ice_to_dtls', 'ice', 'dtls'], ['dtls_to_first_frame', 'dtls', 'first_frame']];

// One run's figures from the page's moments.
function digest(index, res) {
  const m = res.m;
  const from = (base, k) => (m[base] !== undefined && m[k] !== undefined ? m[k] - m[base] : null);
  const row = { run: index, end: res.end };
  // wall clock (Unix ms) of the open event, to line the phases up with server logs
  row.open_wall_ms = m.open !== undefined ? Math.round((res.timeOrigin + m.open) * 1000) / 1000 : null;
  row.ttff_ms = r1(from('open', 'first_frame'));
  row.ttff_from_ctor_ms = r1(from('ctor', 'first_frame'));
  row.stats_decoded_ms = r1(from('open', 'stats_decoded'));
  row.phases_ms = {};
  for (const k of ['offer', 'track', 'answer', 'local_candidate', 'remote_candidate_rx', 'remote_candidate',
    'ice_checking', 'ice', 'dtls_connecting', 'dtls_transport', 'dtls', 'first_frame', 'stats_decoded']) {
    row.phases_ms[k] = r1(from('open', k));
  }
  row.steps_ms = {};
  for (const [name, a, b] of STEPS) row.steps_ms[name] = r1(from(a, b));
  if (res.stats) row.stats = res.stats;
  if (res.firstFrameMeta && res.firstFrameMeta.receiveTime !== undefined) {
    // the first frame's last packet to its callback: decode + render
    row.receive_to_callback_ms = r1(m.first_frame - res.firstFrameMeta.receiveTime);
  }
  if (res.latencyFrames) {
    row.latency = { samples: res.latency.length, frames: res.latencyFrames, bad: res.latencyBad,
      ...summary(res.latency) };
    // every frame's sample, pooled over the runs by latencySummary (which drops it)
    row.latency_raw = { display: res.latency, receive: res.latencyRecv };
  }
  if (res.errors.length) row.errors = res.errors.slice(0, 5);
  return row;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: `bad arguments: ${err.message}`, usage: USAGE }) + '\n');
    return 1;
  }
  const output = (obj) => {
    const text = JSON.stringify(obj);
    process.stdout.write(text + '\n');
    if (opts.json) writeFileSync(opts.json, text + '\n');
  };
  const log = (s) => { if (opts.verbose) process.stderr.write(`bench-browser: ${s}\n`); };

  let chromium;
  try {
    ({ chromium } = await import(pathToFileURL(PLAYWRIGHT).href));
  } catch (err) {
    output({ skip: true, reason: 'playwright-core is not installed: run npm ci in tests/browser' });
    return EXIT_SKIP;
  }
  if (!existsSync(opts.chromium)) {
    output({ skip: true, reason: `no Chromium at ${opts.chromium}` });
    return EXIT_SKIP;
  }

  const timeoutMs = opts.timeout * 1000;
  const latencyMs = opts.latencySeconds * 1000;
  const wsUrl = opts.server.replace(/^http/, 'ws') + opts.path;
  const pageUrl = opts.server + PAGE_PATH;
  const perRunMs = timeoutMs + latencyMs + opts.settleMs + 10000;
  const watchdog = setTimeout(() => {
    process.stdout.write(JSON.stringify({ error: 'watchdog: the browser did not answer' }) + '\n');
    process.exit(1);
  }, perRunMs * (opts.runs + 1) + 60000);

  let browser = null;
  try {
    const t0 = Date.now();
    browser = await chromium.launch({
      executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout: timeoutMs,
    });
    const launchMs = Date.now() - t0;
    log(`Chromium ${browser.version()} up in ${launchMs} ms`);

    // A fresh context and page that holds the viewer, ready to run.
    const openViewer = async () => {
      const context = await browser.newContext({ viewport: { width: 800, height: 600 }, bypassCSP: true });
      const page = await context.newPage();
      page.on('console', (msg) => log(`[page] ${msg.type()}: ${msg.text()}`));
      page.on('pageerror', (err) => log(`[page] error: ${err.message}`));
      const resp = await page.goto(pageUrl, { waitUntil: 'load', timeout: timeoutMs });
      if (!resp || !resp.ok()) throw new Error(`HTTP ${resp ? resp.status() : '?'} for ${pageUrl}`);
      await page.setContent(VIEWER_HTML, { waitUntil: 'load', timeout: timeoutMs });
      await page.waitForFunction(() => typeof window.dslBench === 'object', null, { timeout: timeoutMs });
      return { context, page };
    };
    const closeViewer = async (v) => {
      const how = await bounded(v.page.evaluate((ms) => window.dslBench.stop(ms), 3000), 5000, 'stop')
        .catch((err) => err.message);
      await bounded(v.context.close(), 5000, 'context close').catch(() => {});
      return how;
    };

    let warm = null;
    let warmFrames0 = 0;
    if (opts.mode === 'warm') {
      warm = await openViewer();
      const res = await bounded(warm.page.evaluate((o) => window.dslBench.run(o),
        { url: wsUrl, timeoutMs, latencyMs: 0 }), timeoutMs + 5000, 'warm viewer');
      if (res.end !== 'played') throw new Error(`the warm viewer did not play: ${res.end} ${res.errors.join('; ')}`);
      warmFrames0 = await warm.page.evaluate(() => window.dslBench.frames());
      log(`warm viewer playing (${warmFrames0} frames)`);
      await sleep(opts.settleMs);
    }

    const rows = [];
    for (let i = 0; i < opts.runs; i++) {
      const sample = i < opts.latencyRuns && latencyMs > 0;
      let row;
      let viewer = null;
      try {
        viewer = await openViewer();
        const res = await bounded(viewer.page.evaluate((o) => window.dslBench.run(o),
          { url: wsUrl, timeoutMs, latencyMs: sample ? latencyMs : 0 }),
        timeoutMs + latencyMs + 5000, 'run');
        row = digest(i, res);
      } catch (err) {
        row = { run: i, end: 'harness error', errors: [err.message.split('\n')[0]] };
      }
      if (viewer) row.close = await closeViewer(viewer);
      rows.push(row);
      log(`run ${i}: ${row.end} ttff ${row.ttff_ms} ms ` + JSON.stringify(row.steps_ms || {}) +
        (row.latency ? ` latency p50 ${row.latency.p50} (${row.latency.samples})` : ''));
      if (i + 1 < opts.runs) await sleep(opts.settleMs);
    }

    let warmFrames = null;
    if (warm) {
      warmFrames = await bounded(warm.page.evaluate(() => window.dslBench.frames()), 5000, 'warm frames')
        .catch(() => null);
      await closeViewer(warm);
    }

    const ok = rows.filter((r) => r.end === 'played' && r.ttff_ms != null);
    const pick = (f) => ok.map(f).filter((x) => x != null);
    const phases = {};
    for (const k of PHASES) phases[k] = summary(pick((r) => r.phases_ms[k]));
    const steps = {};
    for (const [name] of STEPS) steps[name] = summary(pick((r) => r.steps_ms[name]));
    const result = {
      mode: opts.mode,
      runs: opts.runs,
      played: ok.length,
      failed: rows.length - ok.length,
      ttff_ms: { ...summary(pick((r) => r.ttff_ms)), all: pick((r) => r.ttff_ms) },
      ttff_from_ctor_ms: { ...summary(pick((r) => r.ttff_from_ctor_ms)), all: pick((r) => r.ttff_from_ctor_ms) },
      ttff_stats_ms: summary(pick((r) => r.stats_decoded_ms)),
      phases_ms: phases,
      steps_ms: steps,
      first_frame: {
        key_frames_decoded_at_first: summary(pick((r) => r.stats && r.stats.keyFramesDecoded)),
        runs_with_pli_before_first: ok.filter((r) => r.stats && r.stats.pliCount > 0).length,
        receive_to_callback_ms: summary(pick((r) => r.receive_to_callback_ms)),
        jitter_buffer_ms: summary(pick((r) => r.stats && r.stats.jitterBufferDelayMs)),
      },
      latency_ms: null,
      server: opts.server,
      path: opts.path,
      chromium: browser.version(),
      launch_ms: launchMs,
      per_run: rows,
    };
    if (warm) result.warm_viewer_frames = { at_start: warmFrames0, at_end: warmFrames };
    result.latency_ms = latencySummary(rows);
    if (warm && !(warmFrames > warmFrames0)) result.warm_viewer_stalled = true;
    output(result);
    return result.failed ? 1 : 0;
  } catch (err) {
    output({ mode: opts.mode, error: `harness error: ${err.message.split('\n')[0]}` });
    return 1;
  } finally {
    if (browser) await bounded(browser.close(), 10000, 'browser close').catch(() => {});
    clearTimeout(watchdog);
  }
}

// Latency over every sampled frame of every sampling run.
function latencySummary(rows) {
  const all = [];
  const recv = [];
  let frames = 0;
  let bad = 0;
  let sampledRuns = 0;
  for (const r of rows) {
    if (!r.latency_raw) continue;
    sampledRuns += 1;
    all.push(...r.latency_raw.display);
    recv.push(...r.latency_raw.receive);
    frames += r.latency.frames;
    bad += r.latency.bad;
    delete r.latency_raw;
  }
  return {
    ...summary(all), samples: all.length, runs: sampledRuns, frames, unreadable: bad,
    receive: { ...summary(recv), samples: recv.length },
  };
}

process.exitCode = await main();
