#!/usr/bin/env node
// whep.mjs - play a WHEP endpoint in Debian's headless Chromium with a WHEP
// player nobody here wrote: medooze's whep.js (npm whip-whep, pinned in
// package.json), driven by playwright-core like view.mjs.
//
//   node whep.mjs --url http://127.0.0.1:PORT/whep [--token T] [--frames 30]
//                 [--width 640 --height 480] [--timeout-ms 30000]
//                 [--page-url http://127.0.0.1:OTHER/] [--codec H264]
//
// The page: with --page-url, whatever that URL serves (the test serves an
// empty one from a small HTTP server on another loopback port, so every
// WHEP request is cross-origin, with Chromium's CORS checks and
// preflights); without it, an empty document on the endpoint's own origin,
// answered by the harness (a Playwright route, removed once the page has
// loaded, so every request the player makes goes to the server). A
// cross-origin page must come from a real loopback server: a page Playwright
// fulfils has no address, Chromium counts it as public, and its Local
// Network Access rule then blocks its requests to 127.0.0.1 before CORS is
// even asked. whep.js is loaded into the page as the ES module it is. The
// page makes an RTCPeerConnection with one recvonly video transceiver, calls
// WHEPClient.view(pc, url, token), waits until --frames frames are decoded
// (getStats framesDecoded), checks the size (the decoder's and the <video>
// element's), then calls the client's stop() (closes the peer connection
// and sends DELETE).
//
// Prints one JSON line: {"ok":true|false, "frames", "width", "height" (the
// decoder's), "video_width", "video_height" (the <video> element's),
// "rvfc_frames" (requestVideoFrameCallback count), "video_state" (the
// element's readyState, paused, its track muted: a stream decoded but never
// shown, framesDecoded growing at readyState 0, is an answer whose SSRCs do
// not name the media), "codec", "payload_type", "candidate_type",
// "remote_candidate_type", "local_address", "remote_address" (the selected
// pair), "resource_url", "requests" (every fetch whep.js made: method, url,
// status or error, and the POST's response headers), "offer_h264_pts",
// "offer_h264_fmtp", "answer_pts", "answer_rtpmap", "answer_fmtp",
// "answer_ssrc_lines", "answer_candidates", "delete_status", "stage" (where
// it stopped), "errors" (page errors, unhandled rejections: whep.js trickles
// with PATCH from a timer, so a refused PATCH is one), "console" (the page's
// last console lines), "reason" when not ok}. Exit 0 if ok, 1 if not, 2 on a
// usage error, 77 (skip) when playwright-core, whep.js or the Chromium
// executable is missing.
// Options: --chromium PATH (default $CHROMIUM or /usr/bin/chromium),
// --data-channel N (the offer gets a data channel of the page's; then N
// messages must arrive on the server's "dsl-metadata" channel),
// --codec NAME (the decoded codec must be video/NAME), --verbose (page
// console on stderr; the result also carries offer_sdp, answer_sdp and the
// whole inbound-rtp entry).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS } from './chromium-args.mjs';

const EXIT_SKIP = 77;
const HERE = dirname(fileURLToPath(import.meta.url));
const WHEP_JS = join(HERE, 'node_modules', 'whip-whep', 'whep.js');
const USAGE = 'usage: node whep.mjs --url ENDPOINT [--token T] [--frames N] ' +
  '[--width W] [--height H] [--timeout-ms MS] [--page-url URL] [--codec NAME] ' +
  '[--data-channel N] [--chromium PATH] [--verbose]';

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function positive(v, name) {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer`);
  return n;
}

function parseArgs(argv) {
  const o = {
    url: null, token: null, frames: 30, width: null, height: null,
    timeoutMs: 30000, pageUrl: null, codec: null, dataChannel: 0,
    chromium: process.env.CHROMIUM || '/usr/bin/chromium', verbose: false,
  };
  const valued = {
    '--url': (v) => { o.url = v; },
    '--token': (v) => { o.token = v; },
    '--frames': (v) => { o.frames = positive(v, '--frames'); },
    '--width': (v) => { o.width = positive(v, '--width'); },
    '--height': (v) => { o.height = positive(v, '--height'); },
    '--timeout-ms': (v) => { o.timeoutMs = positive(v, '--timeout-ms'); },
    '--page-url': (v) => { o.pageUrl = v; },
    '--codec': (v) => { o.codec = v; },
    '--chromium': (v) => { o.chromium = v; },
    '--data-channel': (v) => { o.dataChannel = positive(v, '--data-channel'); },
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
  if (!o.url) throw new Error('--url is required');
  const endpoint = new URL(o.url);
  o.routedPage = !o.pageUrl;
  o.pageUrl = o.pageUrl || `${endpoint.origin}/whep-test-page`;
  return o;
}

// The payload types of an SDP's first video m-line, and its rtpmap lines by
// payload type ("96" -> "H264/90000"); the H.264 ones with their fmtp.
function videoSection(sdp) {
  if (!sdp) return null;
  const lines = sdp.split(/\r?\n/);
  let inVideo = false;
  const out = { pts: [], rtpmap: {}, fmtp: {} };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (inVideo) break;
      inVideo = line.startsWith('m=video ');
      if (inVideo) out.pts = line.split(' ').slice(3);
      continue;
    }
    if (!inVideo) continue;
    let m = line.match(/^a=rtpmap:(\d+) (.+)$/);
    if (m) out.rtpmap[m[1]] = m[2];
    m = line.match(/^a=fmtp:(\d+) (.+)$/);
    if (m) out.fmtp[m[1]] = m[2];
  }
  return inVideo || out.pts.length ? out : null;
}

// Runs in the page: everything the player does, its progress in window.__whep.
async function startPlayer({ url, token, dataChannel }) {
  const state = window.__whep = {
    stage: 'starting', errors: [], requests: [], offer: null, answer: null,
    rvfcFrames: 0, resourceUrl: null, stopped: false, viewed: false,
    metadataMessages: 0, channels: [],
  };
  window.addEventListener('unhandledrejection', (e) => {
    state.errors.push(`unhandledrejection: ${e.reason && e.reason.message ? e.reason.message : e.reason}`);
  });
  // every request whep.js makes, with its outcome (only the headers CORS
  // exposes are readable)
  const realFetch = window.fetch.bind(window);
  window.fetch = async (input, init = {}) => {
    const record = { method: init.method || 'GET', url: String(input) };
    state.requests.push(record);
    try {
      const r = await realFetch(input, init);
      record.status = r.status;
      if (record.method === 'POST') {
        record.headers = {};
        for (const h of ['content-type', 'location', 'link', 'accept-patch', 'etag']) {
          record.headers[h] = r.headers.get(h);
        }
      }
      return r;
    } catch (err) {
      record.error = String(err);
      throw err;
    }
  };

  const video = document.createElement('video');
  video.muted = true; video.autoplay = true; video.playsInline = true;
  document.body.appendChild(video);
  const countFrame = () => {
    state.rvfcFrames++;
    video.requestVideoFrameCallback(countFrame);
  };
  video.requestVideoFrameCallback(countFrame);

  const pc = new RTCPeerConnection();
  window.__pc = pc;
  pc.addTransceiver('video', { direction: 'recvonly' });
  if (dataChannel) {
    // a channel of ours puts m=application in the offer; the server's
    // metadata channel then opens over the same association
    pc.createDataChannel('player');
    pc.ondatachannel = (e) => {
      state.channels.push(e.channel.label);
      if (e.channel.label === 'dsl-metadata') {
        e.channel.onmessage = () => { state.metadataMessages++; };
      }
    };
  }
  state.tracks = 0;
  pc.ontrack = (e) => {
    state.tracks++;
    video.srcObject = e.streams[0] || new MediaStream([e.track]);
    video.play().catch((err) => state.errors.push(`play: ${err.message}`));
  };
  const client = new window.WHEPClient();
  window.__client = client;
  client.onOffer = (sdp) => { state.offer = sdp; return sdp; };
  client.onAnswer = (sdp) => { state.answer = sdp; return sdp; };
  state.stage = 'view';
  try {
    await client.view(pc, url, token || undefined);
    state.viewed = true;
    state.resourceUrl = client.resourceURL ? String(client.resourceURL) : null;
    state.stage = 'playing';
  } catch (err) {
    state.errors.push(`view: ${err.message}`);
    state.stage = 'view failed';
  }
}

// Runs in the page: what getStats and the <video> element say.
async function readStats() {
  const pc = window.__pc;
  const video = document.querySelector('video');
  const out = {
    frames: 0, width: null, height: null, codec: null,
    candidate_type: null, remote_candidate_type: null,
    local_address: null, remote_address: null,
    video_width: video ? video.videoWidth : null,
    video_height: video ? video.videoHeight : null,
    rvfc_frames: window.__whep.rvfcFrames,
    video_state: video ? {
      ready_state: video.readyState, paused: video.paused,
      has_source: !!video.srcObject,
      track_muted: video.srcObject ? video.srcObject.getVideoTracks().map((t) => t.muted) : null,
      tracks_seen: window.__whep.tracks,
    } : null,
    connection_state: pc ? pc.connectionState : null,
  };
  if (!pc || pc.connectionState === 'closed') return out;
  const report = await pc.getStats();
  const byId = new Map();
  report.forEach((s) => byId.set(s.id, s));
  let pairId = null;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      out.frames = s.framesDecoded || 0;
      out.width = s.frameWidth ?? null;
      out.height = s.frameHeight ?? null;
      if (window.__whepDebug) out.inbound = s;
      const codec = byId.get(s.codecId);
      if (codec) { out.codec = codec.mimeType; out.payload_type = codec.payloadType; }
    }
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  if (!pairId) {
    report.forEach((s) => {
      if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) pairId = s.id;
    });
  }
  const pair = pairId ? byId.get(pairId) : null;
  if (pair) {
    const local = byId.get(pair.localCandidateId);
    const remote = byId.get(pair.remoteCandidateId);
    out.candidate_type = local ? local.candidateType : null;
    out.remote_candidate_type = remote ? remote.candidateType : null;
    out.local_address = local ? `${local.address}:${local.port}` : null;
    out.remote_address = remote ? `${remote.address}:${remote.port}` : null;
  }
  return out;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    emit({ ok: false, reason: `usage: ${err.message}`, usage: USAGE });
    return 2;
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    emit({ ok: false, skip: true, reason: 'playwright-core is not installed: run npm ci in tests/browser' });
    return EXIT_SKIP;
  }
  if (!existsSync(WHEP_JS)) {
    emit({ ok: false, skip: true, reason: 'whip-whep is not installed: run npm ci in tests/browser' });
    return EXIT_SKIP;
  }
  if (!existsSync(opts.chromium)) {
    emit({ ok: false, skip: true, reason: `no Chromium at ${opts.chromium}` });
    return EXIT_SKIP;
  }
  // whep.js is an ES module exporting WHEPClient: an inline module script
  // made of it, plus one line handing the class to the page
  const moduleText = readFileSync(WHEP_JS, 'utf8') + '\nwindow.WHEPClient = WHEPClient;\n';
  const errors = [];
  const consoleLines = [];
  const t0 = Date.now();
  const left = () => Math.max(1, opts.timeoutMs - (Date.now() - t0));
  let browser = null;
  let page = null;
  let stage = 'launch';

  const collect = async () => {
    const out = { stage, errors, console: consoleLines };
    if (!page) return out;
    const s = await page.evaluate(() => window.__whep || null).catch(() => null);
    if (s) {
      Object.assign(out, {
        stage: s.stage === 'playing' || s.stage === 'view failed' ? stage : s.stage,
        requests: s.requests, resource_url: s.resourceUrl,
      });
      errors.push(...s.errors);
      const offer = videoSection(s.offer);
      const answer = videoSection(s.answer);
      out.offer_h264_pts = offer
        ? Object.keys(offer.rtpmap).filter((pt) => /^H264\//i.test(offer.rtpmap[pt]))
        : [];
      out.offer_h264_fmtp = offer
        ? Object.fromEntries(out.offer_h264_pts.map((pt) => [pt, offer.fmtp[pt] || null]))
        : {};
      out.answer_pts = answer ? answer.pts : [];
      out.answer_rtpmap = answer ? answer.rtpmap : {};
      out.answer_fmtp = answer ? answer.fmtp : {};
      out.answer_candidates = s.answer ? (s.answer.match(/^a=candidate:.*$/gm) || []) : [];
      out.answer_ssrc_lines = s.answer ? (s.answer.match(/^a=ssrc(-group)?:.*$/gm) || []) : [];
      if (opts.verbose) Object.assign(out, { offer_sdp: s.offer, answer_sdp: s.answer });
      const del = s.requests.filter((r) => r.method === 'DELETE');
      out.delete_status = del.length ? (del[del.length - 1].status ?? null) : null;
    }
    return out;
  };
  const fail = async (reason, extra = {}) => {
    let stats = null;
    if (page) stats = await page.evaluate(readStats).catch(() => null);
    emit({ ok: false, reason, ...(stats || {}), ...(await collect()), ...extra });
    return 1;
  };

  const watchdog = setTimeout(() => {
    emit({ ok: false, reason: 'watchdog: the browser did not answer', stage });
    process.exit(1);
  }, opts.timeoutMs + 30000);

  try {
    try {
      browser = await chromium.launch({
        executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout: left(),
      });
    } catch (err) {
      return await fail(`cannot launch ${opts.chromium}: ${err.message.split('\n')[0]}`);
    }
    page = await (await browser.newContext()).newPage();
    page.on('console', (m) => {
      // diagnostics only: a favicon's 404 is no failure of the player
      consoleLines.push(`${m.type()}: ${m.text()}`);
      if (consoleLines.length > 30) consoleLines.shift();
      if (opts.verbose) process.stderr.write(`[page] ${m.type()}: ${m.text()}\n`);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));

    // the page: --page-url as it is served, or an empty one answered here
    // (the route goes once it has loaded)
    stage = 'page';
    const pageUrl = opts.pageUrl;
    const blank = (route) => route.fulfill({
      status: 200, contentType: 'text/html; charset=utf-8',
      body: '<!doctype html><html><head><title>whep.js</title></head><body></body></html>',
    });
    if (opts.routedPage) await page.route(pageUrl, blank);
    try {
      const response = await page.goto(pageUrl, { waitUntil: 'load', timeout: left() });
      if (response && !response.ok()) return await fail(`HTTP ${response.status()} for ${pageUrl}`);
    } catch (err) {
      return await fail(`the page did not load: ${err.message.split('\n')[0]}`);
    }
    if (opts.routedPage) await page.unroute(pageUrl, blank);

    stage = 'load whep.js';
    try {
      await page.addScriptTag({ content: moduleText, type: 'module' });
      await page.waitForFunction(() => typeof window.WHEPClient === 'function', null,
        { timeout: left() });
    } catch (err) {
      return await fail(`whep.js did not load: ${err.message.split('\n')[0]}`);
    }

    stage = 'view';
    // --verbose: the whole inbound-rtp entry, and both SDPs, in the result
    if (opts.verbose) await page.evaluate(() => { window.__whepDebug = true; });
    await page.evaluate(startPlayer, { url: opts.url, token: opts.token,
      dataChannel: opts.dataChannel });
    const viewed = await page.evaluate(() => window.__whep.stage);
    if (viewed !== 'playing') return await fail('WHEPClient.view() failed');

    stage = 'first frame';
    let ttffMs = null;
    const waitFrames = async (n) => {
      for (;;) {
        const s = await page.evaluate(readStats);
        if (s.frames > 0 && ttffMs === null) ttffMs = Date.now() - t0;
        if (s.frames >= n) return s;
        if (s.connection_state === 'failed' || s.connection_state === 'closed') {
          throw new Error(`the peer connection is ${s.connection_state}`);
        }
        if (left() <= 1) throw new Error('timeout');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let stats;
    try {
      await waitFrames(1);
      stage = `${opts.frames} frames`;
      stats = await waitFrames(opts.frames);
    } catch (err) {
      return await fail(`${stage}: ${err.message}`);
    }
    // --data-channel N: N messages on the server's metadata channel
    if (opts.dataChannel) {
      await page.waitForFunction((n) => window.__whep.metadataMessages >= n,
        opts.dataChannel, { timeout: left(), polling: 50 }).catch(() => {});
    }
    // the <video> element has its size once it has shown a frame
    await page.waitForFunction(() => document.querySelector('video').videoWidth > 0,
      null, { timeout: Math.min(left(), 3000) }).catch(() => {});
    stats = await page.evaluate(readStats);

    stage = 'stop';
    const stopError = await page.evaluate(
      () => window.__client.stop().then(() => null, (err) => err.message));
    if (stopError) errors.push(`stop: ${stopError}`);
    stage = 'stopped';

    const result = { ok: true, ttff_ms: ttffMs, ...stats, ...(await collect()) };
    result.stage = 'stopped';
    const problems = [];
    if (opts.width && (stats.width !== opts.width || stats.video_width !== opts.width)) {
      problems.push(`width ${stats.width} (video ${stats.video_width}), expected ${opts.width}`);
    }
    if (opts.height && (stats.height !== opts.height || stats.video_height !== opts.height)) {
      problems.push(`height ${stats.height} (video ${stats.video_height}), expected ${opts.height}`);
    }
    if (opts.codec && stats.codec !== `video/${opts.codec}`) {
      problems.push(`codec ${stats.codec}, expected video/${opts.codec}`);
    }
    if (opts.dataChannel) {
      Object.assign(result, await page.evaluate(() => ({
        metadata_messages: window.__whep.metadataMessages,
        data_channels: window.__whep.channels,
      })));
      if (result.metadata_messages < opts.dataChannel) {
        problems.push(`${result.metadata_messages} metadata messages, expected ${opts.dataChannel}`);
      }
    }
    if (result.delete_status !== 200) problems.push(`DELETE answered ${result.delete_status}`);
    if (errors.length) problems.push(`errors: ${errors.join('; ')}`);
    if (problems.length) {
      result.ok = false;
      result.reason = problems.join('; ');
    }
    emit(result);
    return result.ok ? 0 : 1;
  } catch (err) {
    return await fail(`harness error: ${err.message.split('\n')[0]}`);
  } finally {
    clearTimeout(watchdog);
    if (browser) await browser.close().catch(() => {});
  }
}

process.exitCode = await main();
