#!/usr/bin/env node
// view.mjs - open a dsl-webrtc viewer page in Debian's headless Chromium and
// check that it plays.
//
//   node view.mjs --url http://127.0.0.1:PORT/?path=/ws --frames 30 --timeout 20
//                 [--screenshot out.png] [--expect-width 640 --expect-height 480]
//                 [--reconnect-check] [--metadata N]
//   node view.mjs --file dsl-protocol-page.html?server=127.0.0.1:PORT&path=/ws ...
//   node view.mjs --url https://127.0.0.1:PORT/ --expect-refused [--refused-for 3]
//
// The page must expose window.dslViewer (src/server/www/viewer.js and
// dsl-protocol-page.html do). Prints JSON lines on stdout; the last one is the
// result, {"ok":true,...} (exit 0) or {"ok":false,"reason":...} (exit 1), or
// {"ok":false,"skip":true,...} (exit 77) when playwright-core (npm ci in
// tests/browser) or the Chromium executable is missing.
// With --reconnect-check it first prints {"event":"playing"}, then
// {"event":"disconnected"} and {"event":"replayed","ms":N} as they happen.
// With --expect-refused the page must not play: the result is
// {"ok":true,"refused":true,...} (exit 0) when the page itself was refused
// (http_status >= 400, page_text) or loaded but saw its WebSocket fail
// (state "reconnecting") and then neither opened one nor decoded a frame
// for --refused-for seconds (default 3); a page that plays fails.
// Every result also lists the page's WebSockets (url, error: Chromium's
// handshake error such as "Unexpected response code: 403", closed), and a
// played one the page's signaling_url.
// Options: --chromium PATH (default $CHROMIUM or /usr/bin/chromium),
// --viewport WxH (default 1280x720), --browser-arg ARG (repeatable),
// --verbose (page console on stderr).

import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS } from './chromium-args.mjs';

const EXIT_SKIP = 77; // what is needed to run is missing (meson/automake "skip")


const USAGE = 'usage: node view.mjs (--url URL | --file PAGE[?QUERY]) [--frames N] ' +
  '[--timeout SECONDS] [--screenshot FILE] [--expect-width W] [--expect-height H] ' +
  '[--reconnect-check] [--expect-refused] [--refused-for SECONDS] [--chromium PATH] ' +
  '[--viewport WxH] [--browser-arg ARG] [--verbose]';

function emit(obj) {
  // stdout to a pipe or file is synchronous on Linux: each line is out at once.
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function parseArgs(argv) {
  const o = {
    url: null, file: null, frames: 30, timeout: 20, screenshot: null,
    expectWidth: null, expectHeight: null, reconnectCheck: false,
    expectRefused: false, refusedFor: 3, metadata: 0,
    chromium: process.env.CHROMIUM || '/usr/bin/chromium', viewport: '1280x720',
    browserArgs: [], verbose: false,
  };
  const valued = {
    '--url': (v) => { o.url = v; },
    '--file': (v) => { o.file = v; },
    '--frames': (v) => { o.frames = positive(v, '--frames'); },
    '--timeout': (v) => { o.timeout = positive(v, '--timeout'); },
    '--screenshot': (v) => { o.screenshot = v; },
    '--expect-width': (v) => { o.expectWidth = positive(v, '--expect-width'); },
    '--expect-height': (v) => { o.expectHeight = positive(v, '--expect-height'); },
    '--chromium': (v) => { o.chromium = v; },
    '--viewport': (v) => { o.viewport = v; },
    '--browser-arg': (v) => { o.browserArgs.push(v); },
    '--refused-for': (v) => { o.refusedFor = positive(v, '--refused-for'); },
    '--metadata': (v) => { o.metadata = positive(v, '--metadata'); },
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (a === '--reconnect-check') o.reconnectCheck = true;
    else if (a === '--expect-refused') o.expectRefused = true;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else if (valued[a]) {
      if (v === undefined) {
        if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
        v = argv[++i];
      }
      valued[a](v);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!o.url === !o.file) throw new Error('give exactly one of --url and --file');
  if (!/^\d+x\d+$/.test(o.viewport)) throw new Error('--viewport must be WxH');
  if (o.expectRefused && o.reconnectCheck) {
    throw new Error('--expect-refused and --reconnect-check do not go together');
  }
  return o;
}

// The RGB(A) pixels of an 8-bit PNG (what page.screenshot gives).
function decodePng(buf) {
  let pos = 8; let width = 0; let height = 0; let channels = 4;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos); const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let v = src[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c; const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
      }
      out[y * stride + x] = v & 255;
    }
  }
  return { width, height, channels, pixels: out };
}

function positive(v, name) {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

function fileUrl(spec) {
  const q = spec.indexOf('?');
  const path = q < 0 ? spec : spec.slice(0, q);
  return pathToFileURL(resolve(path)).href + (q < 0 ? '' : spec.slice(q));
}

// Everything the page shows and exposes, read in one go.
function snapshot(page) {
  return page.evaluate(() => {
    const text = (id) => {
      const el = document.getElementById(id);
      return el ? el.textContent.trim() : null;
    };
    const stats = {};
    for (const id of ['resolution', 'fps', 'bitrate', 'rtt', 'lost', 'codec']) {
      const t = text(id);
      if (t !== null) stats[id] = t;
    }
    return {
      viewer: { ...(window.dslViewer || {}) }, stateText: text('state'), messageText: text('message'),
      stats,
    };
  });
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    emit({ ok: false, reason: `bad arguments: ${err.message}`, usage: USAGE });
    return 1;
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    emit({ ok: false, skip: true, reason: 'playwright-core is not installed: run npm ci in tests/browser' });
    return EXIT_SKIP;
  }
  if (!existsSync(opts.chromium)) {
    emit({ ok: false, skip: true, reason: `no Chromium at ${opts.chromium}` });
    return EXIT_SKIP;
  }
  const url = opts.url || fileUrl(opts.file);
  const timeoutMs = opts.timeout * 1000;
  const [vw, vh] = opts.viewport.split('x').map(Number);
  const consoleLines = [];
  const websockets = []; // every WebSocket the page opened: { url, error, closed }
  let browser = null;
  let page = null;

  const fail = async (reason, extra = {}) => {
    let snap = null;
    if (page) snap = await snapshot(page).catch(() => null);
    emit({
      ok: false, reason, url,
      state: snap ? snap.stateText : null,
      frames: snap ? snap.viewer.framesDecoded ?? 0 : 0,
      viewer: snap ? snap.viewer : null,
      console: consoleLines.slice(-10),
      websockets,
      ...extra,
    });
    return 1;
  };

  // A last resort should the browser itself hang.
  const watchdogMs = timeoutMs * (opts.reconnectCheck ? 3 : 1) +
    (opts.expectRefused ? opts.refusedFor * 1000 : 0) + 30000;
  const watchdog = setTimeout(() => {
    emit({ ok: false, reason: 'watchdog: the browser did not answer', url });
    process.exit(1);
  }, watchdogMs);

  try {
    try {
      browser = await chromium.launch({
        executablePath: opts.chromium,
        headless: true,
        args: [...CHROMIUM_ARGS, ...opts.browserArgs],
        timeout: timeoutMs,
      });
    } catch (err) {
      return await fail(`cannot launch ${opts.chromium}: ${err.message.split('\n')[0]}`);
    }
    const context = await browser.newContext({ viewport: { width: vw, height: vh } });
    page = await context.newPage();
    page.on('console', (m) => {
      const line = `${m.type()}: ${m.text()}`;
      consoleLines.push(line);
      if (consoleLines.length > 200) consoleLines.shift();
      if (opts.verbose) process.stderr.write(`[page] ${line}\n`);
    });
    page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
    // the main document's status: Chromium turns an error status with an
    // empty body into a navigation error of its own
    let navigationStatus = null;
    page.on('response', (r) => {
      if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
        navigationStatus = r.status();
      }
    });
    page.on('websocket', (ws) => {
      const record = { url: ws.url(), error: null, closed: false };
      websockets.push(record);
      if (websockets.length > 50) websockets.shift();
      ws.on('socketerror', (err) => { record.error = String(err); });
      ws.on('close', () => { record.closed = true; });
    });

    const t0 = Date.now();
    const left = () => Math.max(1, timeoutMs - (Date.now() - t0));
    let httpStatus = null;
    try {
      const resp = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: left() });
      httpStatus = resp ? resp.status() : null;
      if (resp && !resp.ok()) {
        if (!opts.expectRefused) return await fail(`HTTP ${resp.status()} for ${url}`);
        const pageText = await page.evaluate(
          () => (document.body ? document.body.innerText : '').slice(0, 200)).catch(() => '');
        emit({ ok: true, refused: true, http_status: httpStatus, page_text: pageText, frames: 0, websockets });
        return 0;
      }
      await page.waitForFunction(() => typeof window.dslViewer === 'object',
        null, { timeout: left() });
    } catch (err) {
      const reason = err.message.split('\n')[0];
      if (opts.expectRefused && navigationStatus >= 400) {
        emit({ ok: true, refused: true, http_status: navigationStatus, page_text: reason, frames: 0, websockets });
        return 0;
      }
      return await fail(`page did not load: ${reason}`, { http_status: navigationStatus });
    }

    if (opts.expectRefused) return await expectRefused(page, opts, left, httpStatus, websockets, fail);

    // First decoded frame, then the requested count.
    try {
      await page.waitForFunction(() => window.dslViewer.framesDecoded > 0,
        null, { timeout: left(), polling: 20 });
    } catch (err) {
      return await fail('timeout waiting for the first decoded frame');
    }
    const loadToFrameMs = Date.now() - t0;
    try {
      await page.waitForFunction((n) => window.dslViewer.framesDecoded >= n,
        opts.frames, { timeout: left(), polling: 50 });
    } catch (err) {
      return await fail(`timeout waiting for ${opts.frames} decoded frames`);
    }
    // The viewer refreshes its panel each second: wait (briefly, not fatally)
    // until it shows real numbers.
    await page.waitForFunction(() => {
      const ready = (id) => {
        const el = document.getElementById(id);
        return !el || /\d/.test(el.textContent);
      };
      return ready('resolution') && ready('fps') && ready('bitrate');
    }, null, { timeout: Math.min(left(), 3000), polling: 100 }).catch(() => {});

    const snap = await snapshot(page);
    const v = snap.viewer;
    const result = {
      ok: true,
      frames: v.framesDecoded,
      width: v.width,
      height: v.height,
      codec: v.codec,
      candidate_type: v.candidateType,
      remote_candidate_type: v.remoteCandidateType,
      ice_transport_policy: v.iceTransportPolicy,
      ttff_ms: v.ttffMs ?? loadToFrameMs,
      load_to_frame_ms: loadToFrameMs,
      state: snap.stateText,
      stats_shown: snap.stats,
      signaling_url: v.url,
      websockets,
    };
    if ((opts.expectWidth && v.width !== opts.expectWidth) ||
        (opts.expectHeight && v.height !== opts.expectHeight)) {
      return await fail(`resolution ${v.width}x${v.height}, expected ` +
        `${opts.expectWidth ?? '*'}x${opts.expectHeight ?? '*'}`, { width: v.width, height: v.height });
    }
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot });

    // --metadata N: N messages on the metadata channel, the page's list in
    // order, and its boxes drawn: the screenshot holds the box colour at
    // the place the last box message names (in video pixels, letterboxed).
    if (opts.metadata) {
      try {
        await page.waitForFunction((n) => window.dslViewer.metadataMessages >= n &&
          window.dslViewer.boxesDrawn > 0, opts.metadata, { timeout: left(), polling: 50 });
      } catch (err) {
        return await fail(`timeout waiting for ${opts.metadata} metadata messages`);
      }
      const listed = await page.evaluate(() =>
        [...document.querySelectorAll('#metadata-list li')].map((li) => li.textContent));
      // the numbered (text) messages in order; others (binary ones, listed
      // by their size) are not part of the count
      const numbers = listed.filter((t) => !/^binary/.test(t))
        .map((t) => Number((t.match(/(\d+)$/) || [])[1]));
      const inOrder = numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);
      // freeze the box for the screenshot: the page draws what it last got
      const box = await page.evaluate(() => {
        const v = window.dslViewer; const video = document.getElementById('video');
        const r = video.getBoundingClientRect();
        const b = v.boxes[0];
        if (!b) return null;
        window.dslViewer.boxes = [b];
        const scale = Math.min(r.width / video.videoWidth, r.height / video.videoHeight);
        const ox = r.left + (r.width - video.videoWidth * scale) / 2;
        const oy = r.top + (r.height - video.videoHeight * scale) / 2;
        return { x: ox + b.x * scale, y: oy + b.y * scale, w: b.w * scale, h: b.h * scale };
      });
      const png = decodePng(await page.screenshot());
      let hits = 0; let probes = 0;
      if (box) {
        // along the box's top edge, where the stroke is
        for (let x = Math.round(box.x + 4); x < box.x + box.w - 4; x += 2) {
          const y = Math.round(box.y);
          probes++;
          for (const dy of [-1, 0, 1]) {
            const i = ((y + dy) * png.width + x) * png.channels;
            if (png.pixels[i] > 200 && png.pixels[i + 1] > 100 && png.pixels[i + 1] < 170 && png.pixels[i + 2] < 60) { hits++; break; }
          }
        }
      }
      Object.assign(result, {
        metadata_messages: await page.evaluate(() => window.dslViewer.metadataMessages),
        listed: listed.length, listed_in_order: inOrder, box, box_edge_hits: hits,
        box_edge_probes: probes,
      });
      if (!inOrder || listed.length === 0 || !box || hits < probes / 2) {
        return await fail('metadata: messages out of order or the box not drawn', result);
      }
    }

    if (opts.reconnectCheck) {
      emit({ event: 'playing', frames: v.framesDecoded, connects: v.connects, ttff_ms: result.ttff_ms });
      const connects0 = v.connects;
      const tLoss = Date.now();
      try {
        await page.waitForFunction(() => window.dslViewer.state !== 'playing',
          null, { timeout: timeoutMs, polling: 20 });
      } catch (err) {
        return await fail('reconnect check: the stream was never interrupted');
      }
      const lost = await snapshot(page);
      emit({
        event: 'disconnected', state: lost.stateText,
        close_code: lost.viewer.closeCode ?? null, after_ms: Date.now() - tLoss,
      });
      const tDrop = Date.now();
      try {
        await page.waitForFunction(([c0, n]) => {
          const d = window.dslViewer;
          return d.connects > c0 && d.state === 'playing' && d.framesDecoded >= n;
        }, [connects0, opts.frames], { timeout: timeoutMs, polling: 20 });
      } catch (err) {
        return await fail('reconnect check: the stream did not play again');
      }
      const again = await snapshot(page);
      const a = again.viewer;
      // The page's own clock when it has one (drop -> first frame), else ours.
      const ms = a.lostAt != null && a.playingAt != null && a.playingAt > a.lostAt
        ? a.playingAt - a.lostAt : Date.now() - tDrop;
      emit({ event: 'replayed', ms, connects: a.connects, frames: a.framesDecoded, ttff_ms: a.ttffMs ?? null });
      Object.assign(result, {
        frames: a.framesDecoded, width: a.width, height: a.height, codec: a.codec,
        connects: a.connects, replay_ms: ms, replay_ttff_ms: a.ttffMs ?? null, state: again.stateText, stats_shown: again.stats,
      });
    }
    emit(result);
    return 0;
  } catch (err) {
    return await fail(`harness error: ${err.message.split('\n')[0]}`);
  } finally {
    clearTimeout(watchdog);
    if (browser) await browser.close().catch(() => {});
  }
}

// --expect-refused: the page loaded; it must notice its WebSocket failing,
// then stay without one and without a frame for opts.refusedFor seconds.
async function expectRefused(page, opts, left, httpStatus, websockets, fail) {
  try {
    await page.waitForFunction(() => window.dslViewer.state === 'reconnecting' ||
      window.dslViewer.framesDecoded > 0 || window.dslViewer.connects > 0,
    null, { timeout: left(), polling: 50 });
  } catch (err) {
    return await fail('expected refused: the page never saw its WebSocket fail');
  }
  const played = await page.waitForFunction(
    () => window.dslViewer.framesDecoded > 0 || window.dslViewer.connects > 0,
    null, { timeout: opts.refusedFor * 1000, polling: 50 }).then(() => true, () => false);
  const snap = await snapshot(page);
  const v = snap.viewer;
  if (played) {
    return await fail(`expected refused, but the page ${v.framesDecoded > 0 ? 'played' : 'opened a WebSocket'}`);
  }
  emit({
    ok: true, refused: true, http_status: httpStatus, state: snap.stateText,
    message: snap.messageText, connects: v.connects, frames: v.framesDecoded,
    signaling_url: v.url, websockets,
  });
  return 0;
}

process.exitCode = await main();
