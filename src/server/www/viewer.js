/* viewer.js - dsl-webrtc live view.
 *
 * Speaks DSL's JSON signaling protocol over a WebSocket: the server offers,
 * this page answers.
 *   server -> page  {"type":"sdp","data":{"type":"offer","sdp":"...",
 *                    "iceServers":[...],"iceTransportPolicy":"all"|"relay"}}
 *                   (the last two are an extension: the sink's STUN/TURN)
 *                   {"type":"ice","data":{"candidate":"...","sdpMLineIndex":0}}
 *                   {"type":"error","data":{"message":"..."}}
 *   page -> server  {"type":"sdp","data":{"type":"answer","sdp":"..."}}
 *                   {"type":"ice","data":{"candidate":"...","sdpMid":"0","sdpMLineIndex":0}}
 *
 * Query string: ?path=/ws/cam1 (default /ws), ?server=host:port (default:
 * where the page came from), ?stun=host:port[,host:port] (default: none).
 * window.dslViewer exposes the live state for tests: state (connecting |
 * negotiating | playing | reconnecting), stateText, framesDecoded, width,
 * height, codec, fps, bitrateKbps, rttMs, packetsLost (all of the current
 * connection), connects (WebSocket opens), plays, stalled, closeCode,
 * closeReason, error (last server error message), ttffMs (WebSocket creation
 * to first decoded frame), playingAt and lostAt (performance.now() stamps),
 * candidateType and remoteCandidateType (the selected pair's: host, srflx,
 * relay), iceTransportPolicy (what the server asked for).
 */
'use strict';
(() => {
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 5000;
  const DISCONNECT_GRACE_MS = 4000;
  const CONNECT_TIMEOUT_MS = 10000;
  const MEDIA_TIMEOUT_MS = 15000; /* answer sent -> first decoded frame */
  const STATS_INTERVAL_MS = 1000;
  const FIRST_FRAME_POLL_MS = 50;
  const STALL_MS = 3000;

  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const query = new URLSearchParams(location.search);

  const V = window.dslViewer = {
    state: 'connecting', stateText: '', url: '', framesDecoded: 0, width: 0,
    height: 0, codec: '', fps: 0, bitrateKbps: 0, rttMs: null, packetsLost: 0,
    connects: 0, plays: 0, stalled: false, closeCode: null, closeReason: '', error: '',
    ttffMs: null, firstFrameAt: null, playingAt: null, lostAt: null,
    candidateType: '', remoteCandidateType: '', iceTransportPolicy: '',
    metadataMessages: 0, metadataLast: null, boxes: [], boxesDrawn: 0,
  };

  /* ---- where to connect ---- */
  const path = '/' + (query.get('path') || '/ws').replace(/^\/+/, '');

  /* a page opened with ?token= passes it on to its WebSocket */
  const token = query.get('token');
  const tokenQuery = token ? '?token=' + encodeURIComponent(token) : '';

  function signalingUrl() {
    return baseSignalingUrl() + tokenQuery;
  }

  function baseSignalingUrl() {
    const secure = location.protocol === 'https:';
    const server = query.get('server');
    if (server) {
      if (/^wss?:\/\//.test(server)) return server.replace(/\/+$/, '') + path;
      return (secure ? 'wss://' : 'ws://') + server + path;
    }
    if (location.protocol === 'http:' || secure)
      return (secure ? 'wss://' : 'ws://') + location.host + path;
    return 'ws://localhost:60001' + path; /* file://: DSL's default port */
  }

  function iceServers() {
    const list = (query.get('stun') || '').split(',').map((s) => s.trim()).filter(Boolean);
    return list.map((s) => ({ urls: /^(stuns?|turns?):/.test(s) ? s : 'stun:' + s }));
  }

  /* ---- on-screen state ---- */
  function setState(state, text) {
    V.state = state;
    V.stateText = text;
    document.body.dataset.state = state;
    $('state').textContent = text;
  }

  function showMessage(text) {
    const el = $('message');
    el.textContent = text || '';
    el.hidden = !text;
  }

  function showStats(s) {
    $('resolution').textContent = s ? (s.width ? `${s.width} × ${s.height}` : '–') : '–';
    $('fps').textContent = s && s.fps != null ? `${s.fps.toFixed(1)} fps` : '–';
    $('bitrate').textContent = s && s.kbps != null ? formatBitrate(s.kbps) : '–';
    $('rtt').textContent = s && s.rttMs != null ? `${s.rttMs.toFixed(1)} ms` : '–';
    $('lost').textContent = s ? String(s.lost) : '–';
    $('codec').textContent = (s && s.codec) || '–';
  }

  function formatBitrate(kbps) {
    return kbps >= 1000 ? `${(kbps / 1000).toFixed(2)} Mbit/s` : `${Math.round(kbps)} kbit/s`;
  }

  function formatDelay(ms) {
    return ms < 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
  }

  /* ---- one signaling session: a WebSocket and its peer connection ---- */
  let session = null;
  let backoff = BACKOFF_MIN_MS;
  let retryTimer = 0;

  function connect() {
    retryTimer = 0;
    const url = V.url = signalingUrl();
    const s = {
      ws: null, pc: null, chain: Promise.resolve(), pending: [], dead: false,
      opened: false, started: performance.now(), statsTimer: 0, graceTimer: 0,
      mediaTimer: 0, prev: null, playing: false, lastFrames: 0, lastFrameAt: 0,
    };
    session = s;
    V.framesDecoded = 0; V.width = 0; V.height = 0; V.fps = 0; V.stalled = false;
    V.ttffMs = null; V.error = '';
    setState('connecting', `connecting to ${url}…`);
    try {
      s.ws = new WebSocket(url);
    } catch (err) {
      fail(s, `bad server address: ${err.message}`);
      return;
    }
    s.graceTimer = setTimeout(() => fail(s, 'server not answering'), CONNECT_TIMEOUT_MS);
    s.ws.onopen = () => {
      if (s.dead) return;
      clearTimeout(s.graceTimer);
      s.graceTimer = 0;
      s.opened = true;
      V.connects += 1;
      V.closeCode = null; V.closeReason = '';
      setState('negotiating', 'connected, waiting for the stream…');
      showMessage('');
    };
    s.ws.onmessage = (ev) => {
      s.chain = s.chain.then(() => onMessage(s, ev.data)).catch((err) => {
        console.warn('dsl-viewer: signaling step failed:', err);
        if (!s.dead) showMessage(`signaling error: ${err.message || err}`);
      });
    };
    s.ws.onclose = (ev) => {
      if (s.dead) return;
      V.closeCode = ev.code;
      V.closeReason = ev.reason || '';
      let why;
      if (ev.code === 1013) why = 'server busy: no stream available';
      else if (!s.opened) why = 'cannot connect: server unreachable, or access refused (token, origin)';
      else if (ev.code === 1006) why = 'connection to the server lost (code 1006)';
      else why = `server closed with code ${ev.code}${ev.reason ? ` (${ev.reason})` : ''}`;
      fail(s, why);
    };
    s.ws.onerror = () => { /* onclose follows and carries the details */ };
  }

  /* Ends a session and schedules the next one with exponential backoff. */
  function fail(s, why) {
    if (s.dead) return;
    if (s.playing) V.lostAt = Math.round(performance.now());
    teardown(s);
    const delay = backoff;
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    setState('reconnecting', `${why} — reconnecting in ${formatDelay(delay)}…`);
    showMessage(V.error || why);
    showStats(null);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function teardown(s, reason = 'viewer reconnecting') {
    s.dead = true;
    clearTimeout(s.statsTimer);
    clearTimeout(s.graceTimer);
    clearTimeout(s.mediaTimer);
    if (s.ws) {
      s.ws.onopen = s.ws.onmessage = s.ws.onclose = s.ws.onerror = null;
      if (s.ws.readyState <= WebSocket.OPEN) s.ws.close(1000, reason);
    }
    if (s.pc) {
      s.pc.ontrack = s.pc.onicecandidate = s.pc.onconnectionstatechange = null;
      s.pc.oniceconnectionstatechange = s.pc.ondatachannel = null;
      s.pc.close();
    }
    V.boxes = [];
    scheduleDraw();
    if (video.srcObject) video.srcObject = null;
  }

  function send(s, type, data) {
    if (!s.dead && s.ws.readyState === WebSocket.OPEN)
      s.ws.send(JSON.stringify({ type, data }));
  }

  /* ---- signaling messages, run one at a time through s.chain ---- */
  async function onMessage(s, text) {
    if (s.dead) return;
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      console.warn('dsl-viewer: ignoring a message that is not JSON');
      return;
    }
    const data = msg && msg.data;
    if (!msg || typeof msg !== 'object' || !data || typeof data !== 'object') return;
    if (msg.type === 'sdp') await onSdp(s, data);
    else if (msg.type === 'ice') await onIce(s, data);
    else if (msg.type === 'error') onServerError(data);
    else console.info('dsl-viewer: ignoring message type', msg.type);
  }

  async function onSdp(s, data) {
    if (data.type !== 'offer' || typeof data.sdp !== 'string') {
      console.warn('dsl-viewer: ignoring SDP of type', data.type);
      return;
    }
    if (!s.pc) {
      s.pc = createPeer(s, data);
      pollStats(s);
    }
    if (!s.playing) setState('negotiating', 'negotiating…');
    await s.pc.setRemoteDescription({ type: 'offer', sdp: data.sdp });
    if (s.dead) return;
    const answer = await s.pc.createAnswer();
    if (s.dead) return;
    await s.pc.setLocalDescription(answer);
    if (s.dead) return;
    const local = s.pc.localDescription;
    send(s, 'sdp', { type: local.type, sdp: local.sdp });
    if (!s.playing && !s.mediaTimer) {
      s.mediaTimer = setTimeout(() => fail(s, 'no video arrived'), MEDIA_TIMEOUT_MS);
    }
    const queued = s.pending.splice(0);
    for (const c of queued) await addCandidate(s, c);
  }

  async function onIce(s, data) {
    if (!s.pc || !s.pc.remoteDescription) s.pending.push(data);
    else await addCandidate(s, data);
  }

  async function addCandidate(s, data) {
    if (s.dead) return;
    const init = {
      candidate: typeof data.candidate === 'string' ? data.candidate : '',
      sdpMLineIndex: Number.isInteger(data.sdpMLineIndex) ? data.sdpMLineIndex : 0,
    };
    if (typeof data.sdpMid === 'string') init.sdpMid = data.sdpMid;
    try {
      await s.pc.addIceCandidate(init); /* "" = end of candidates */
    } catch (err) {
      console.warn('dsl-viewer: addIceCandidate failed:', err.message, init.candidate);
    }
  }

  function onServerError(data) {
    const text = typeof data.message === 'string' ? data.message : JSON.stringify(data);
    V.error = text;
    showMessage(`server error: ${text}`);
  }

  /* The server's STUN/TURN servers and policy come with its offer (an
   * extension of DSL's message); ?stun= in the page's URL adds more. */
  function configuration(data) {
    const fromServer = Array.isArray(data.iceServers)
      ? data.iceServers.filter((s) => s && (typeof s.urls === 'string' || Array.isArray(s.urls)))
      : [];
    return {
      iceServers: fromServer.concat(iceServers()),
      iceTransportPolicy: data.iceTransportPolicy === 'relay' ? 'relay' : 'all',
    };
  }

  function createPeer(s, data) {
    const config = configuration(data || {});
    V.iceTransportPolicy = config.iceTransportPolicy;
    const pc = new RTCPeerConnection(config);
    pc.ontrack = (e) => {
      if (s.dead || e.track.kind !== 'video') return;
      video.srcObject = e.streams[0] || new MediaStream([e.track]);
      const p = video.play();
      if (p && p.catch) p.catch(() => { /* autoplay of a muted video */ });
    };
    pc.onicecandidate = (e) => {
      /* null: gathering done; "": end of a generation. DSL needs neither. */
      if (e.candidate && e.candidate.candidate) send(s, 'ice', e.candidate.toJSON());
    };
    pc.ondatachannel = (e) => {
      if (e.channel.label !== 'dsl-metadata') return;
      e.channel.binaryType = 'arraybuffer';
      e.channel.onmessage = (m) => { if (!s.dead) onMetadata(m.data); };
    };
    const watch = () => {
      const st = pc.connectionState || pc.iceConnectionState;
      if (s.dead) return;
      if (st === 'failed') {
        fail(s, 'connection to the stream failed');
      } else if (st === 'disconnected') {
        if (!s.graceTimer) {
          s.graceTimer = setTimeout(() => fail(s, 'connection to the stream lost'),
            DISCONNECT_GRACE_MS);
        }
      } else if (s.graceTimer) {
        clearTimeout(s.graceTimer);
        s.graceTimer = 0;
      }
    };
    if ('onconnectionstatechange' in pc) pc.onconnectionstatechange = watch;
    else pc.oniceconnectionstatechange = watch;
    return pc;
  }

  /* ---- metadata: boxes over the video, other messages in a list ---- */
  const MAX_BOXES = 256;
  const MAX_LISTED = 50;
  const overlay = $('overlay');
  let drawPending = false;

  function isBox(b) {
    return b && typeof b === 'object' &&
      ['x', 'y', 'w', 'h'].every((k) => Number.isFinite(b[k]));
  }

  function onMetadata(data) {
    V.metadataMessages += 1;
    if (typeof data !== 'string') {
      listMessage(`binary message, ${data.byteLength} bytes`);
      return;
    }
    V.metadataLast = data.slice(0, 1024);
    let msg = null;
    try { msg = JSON.parse(data); } catch (err) { /* plain text */ }
    if (msg && typeof msg === 'object' && Array.isArray(msg.boxes)) {
      V.boxes = msg.boxes.filter(isBox).slice(0, MAX_BOXES);
      scheduleDraw();
    } else {
      listMessage(data);
    }
  }

  function listMessage(text) {
    const list = $('metadata-list');
    const item = document.createElement('li');
    item.textContent = text.length > 500 ? text.slice(0, 500) + '…' : text;
    list.appendChild(item);
    while (list.children.length > MAX_LISTED) list.removeChild(list.firstChild);
    $('metadata').hidden = false;
  }

  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; drawBoxes(); });
  }

  /* The video is letterboxed (object-fit: contain): boxes in video pixels
   * map onto the picture's rectangle inside the element. */
  function drawBoxes() {
    const rect = video.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    overlay.width = Math.round(rect.width * dpr);
    overlay.height = Math.round(rect.height * dpr);
    const ctx = overlay.getContext('2d');
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const vw = video.videoWidth; const vh = video.videoHeight;
    if (!vw || !vh) return;
    const scale = Math.min(rect.width / vw, rect.height / vh) * dpr;
    const ox = (overlay.width - vw * scale) / 2;
    const oy = (overlay.height - vh * scale) / 2;
    ctx.lineWidth = Math.max(2, 3 * dpr);
    ctx.strokeStyle = '#ff8800'; /* a colour no test pattern has */
    ctx.fillStyle = '#ff8800';
    ctx.font = `${Math.round(14 * dpr)}px sans-serif`;
    ctx.textBaseline = 'bottom';
    for (const b of V.boxes) {
      const x = ox + b.x * scale; const y = oy + b.y * scale;
      ctx.strokeRect(x, y, b.w * scale, b.h * scale);
      if (typeof b.label === 'string' && b.label)
        ctx.fillText(b.label.slice(0, 64), x + 2, y - 2);
    }
    V.boxesDrawn += 1;
  }
  window.addEventListener('resize', scheduleDraw);

  /* ---- statistics ---- */
  async function pollStats(s) {
    if (s.dead) return;
    try {
      const stats = summarize(await s.pc.getStats(), s);
      if (!s.dead && stats) apply(s, stats);
    } catch (err) {
      console.warn('dsl-viewer: getStats failed:', err);
    }
    if (!s.dead) {
      s.statsTimer = setTimeout(() => pollStats(s),
        s.playing ? STATS_INTERVAL_MS : FIRST_FRAME_POLL_MS);
    }
  }

  function candidateType(report, id) {
    const c = id ? report.get(id) : null;
    return c && c.candidateType ? c.candidateType : '';
  }

  function summarize(report, s) {
    let inbound = null; let pairId = null; let remoteOut = null;
    const pairs = [];
    report.forEach((r) => {
      const kind = r.kind || r.mediaType;
      if (r.type === 'inbound-rtp' && kind === 'video') inbound = r;
      else if (r.type === 'remote-outbound-rtp' && kind === 'video') remoteOut = r;
      else if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId;
      else if (r.type === 'candidate-pair') pairs.push(r);
    });
    if (!inbound) return null;
    const pair = (pairId && report.get(pairId)) || pairs.find((p) => p.selected) ||
      pairs.find((p) => p.nominated && p.state === 'succeeded');
    const codecStats = inbound.codecId ? report.get(inbound.codecId) : null;
    const now = performance.now();
    const frames = inbound.framesDecoded || 0;
    const bytes = inbound.bytesReceived || 0;
    const prev = s.prev;
    s.prev = { t: now, frames, bytes };
    const dt = prev ? (now - prev.t) / 1000 : 0;
    let fps = inbound.framesPerSecond;
    if (fps == null && dt > 0.2) fps = (frames - prev.frames) / dt;
    let rttMs = null;
    if (pair && pair.currentRoundTripTime != null) rttMs = pair.currentRoundTripTime * 1000;
    else if (remoteOut && remoteOut.roundTripTime != null) rttMs = remoteOut.roundTripTime * 1000;
    return {
      frames,
      width: inbound.frameWidth || video.videoWidth || 0,
      height: inbound.frameHeight || video.videoHeight || 0,
      fps: fps != null ? fps : null,
      kbps: dt > 0.2 ? ((bytes - prev.bytes) * 8) / dt / 1000 : null,
      rttMs,
      lost: inbound.packetsLost || 0,
      codec: codecStats ? codecStats.mimeType : '',
      /* "host", "srflx", "relay": how the media reaches this page */
      candidateType: candidateType(report, pair && pair.localCandidateId),
      remoteCandidateType: candidateType(report, pair && pair.remoteCandidateId),
      slow: dt > 0.9, /* a full stats period: safe to refresh the rates */
    };
  }

  function apply(s, st) {
    V.framesDecoded = st.frames;
    V.width = st.width; V.height = st.height;
    V.codec = st.codec; V.packetsLost = st.lost;
    V.candidateType = st.candidateType; V.remoteCandidateType = st.remoteCandidateType;
    if (st.rttMs != null) V.rttMs = Math.round(st.rttMs * 10) / 10;
    if (st.fps != null) V.fps = Math.round(st.fps * 10) / 10;
    if (st.kbps != null) V.bitrateKbps = Math.round(st.kbps);
    const first = st.frames > 0 && !s.playing;
    if (first) {
      s.playing = true;
      clearTimeout(s.mediaTimer);
      V.plays += 1;
      V.playingAt = Math.round(performance.now());
      V.ttffMs = Math.round(V.playingAt - s.started);
      if (V.firstFrameAt == null) V.firstFrameAt = V.playingAt;
      backoff = BACKOFF_MIN_MS;
      setState('playing', 'playing');
      showMessage('');
    }
    const now = performance.now();
    if (st.frames !== s.lastFrames) {
      s.lastFrames = st.frames;
      s.lastFrameAt = now;
    }
    const stalled = s.playing && now - s.lastFrameAt > STALL_MS;
    if (stalled !== V.stalled) {
      V.stalled = stalled;
      setState('playing', stalled ? 'playing — stream stalled, no new frames' : 'playing');
    }
    if (s.playing && (st.slow || first)) showStats({ ...st, fps: st.fps, rttMs: V.rttMs });
  }

  /* ---- page wiring ---- */
  $('stream').textContent = path;
  $('toggle-stats').addEventListener('click', (e) => {
    const panel = $('stats');
    panel.hidden = !panel.hidden;
    e.currentTarget.setAttribute('aria-expanded', String(!panel.hidden));
  });
  window.addEventListener('pagehide', () => {
    if (session) teardown(session, 'page closed');
    clearTimeout(retryTimer);
  });
  window.addEventListener('pageshow', (e) => { if (e.persisted) connect(); });
  if (typeof RTCPeerConnection !== 'function') {
    setState('unsupported', 'this browser has no WebRTC support');
    return;
  }
  connect();
})();
