// Which wasm module serves which feature. Each module is its own WebAssembly instance in its
// own worker (www/shell/engine-worker.js), fetched only when a widget first calls into it, so a
// page with only <ep-wavelet> never downloads tract (neural) or candle (wifi).
//   imaging — wavelet, SPIHT, image quality         (crates/web-imaging)
//   neural  — progressive neural codec, tract, nn    (crates/web-neural)
//   wifi    — WiCluster positioning, candle          (crates/web-wifi)
//   nas     — DONNA-style search, NATS-Bench         (crates/web-nas)
//   depth   — depth networks on nn + tract           (crates/web-depth)
//   video   — IPP / hierarchical-B video codec       (crates/web-video)
//   channel — channel tracking: Kalman filters, HKF  (crates/web-channel)

export const MODULES = Object.freeze({
  imaging: { wasm: 'edgeplay-web-imaging', label: 'imaging' },
  neural: { wasm: 'edgeplay-web-neural', label: 'neural' },
  wifi: { wasm: 'edgeplay-web-wifi', label: 'Wi-Fi' },
  nas: { wasm: 'edgeplay-web-nas', label: 'NAS' },
  depth: { wasm: 'edgeplay-web-depth', label: 'depth' },
  video: { wasm: 'edgeplay-web-video', label: 'video' },
  channel: { wasm: 'edgeplay-web-channel', label: 'channel' },
});

export function moduleInfo(name) {
  if (!Object.hasOwn(MODULES, name)) throw new Error(`unknown engine module: ${name}`);
  return MODULES[name];
}
