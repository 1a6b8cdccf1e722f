// Edgeplay widgets: one <script type="module" src=".../edgeplay.js"> registers every
// <ep-…> element. The wasm modules behind them (www/shell/modules.js) are fetched only when an
// element first needs one; all elements of a document share each module's worker and device.

export * as runtime from './shell/runtime.js';
export { EpWidget } from './shell/widget.js';
export { EpWavelet } from './wavelet/ep-wavelet.js';
export { EpCompress } from './compress/ep-compress.js';
export { EpWifi } from './wifi/ep-wifi.js';
export { EpNas } from './nas/ep-nas.js';
export { EpDepth } from './depth/ep-depth.js';
export { EpVideo } from './video/ep-video.js';
export { EpChannel } from './channel/ep-channel.js';
