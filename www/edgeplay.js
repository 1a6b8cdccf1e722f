// Edgeplay widgets: one <script type="module" src=".../edgeplay.js"> registers every
// <ep-…> element. All elements on a page share one engine worker, one WebAssembly instance
// and one GPU device.

export * as runtime from './shell/runtime.js';
export { EpWidget } from './shell/widget.js';
export { EpWavelet } from './wavelet/ep-wavelet.js';
export { EpCompress } from './compress/ep-compress.js';
export { EpWifi } from './wifi/ep-wifi.js';
export { EpNas } from './nas/ep-nas.js';
