// chromium-args.mjs - the flags every headless Chromium of ours starts
// with (tests/browser/view.mjs, scripts/bench-browser.mjs): loopback ICE
// candidates without mDNS names (a test namespace holds only lo), video
// that plays without a gesture, and no throttling of a page.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];
