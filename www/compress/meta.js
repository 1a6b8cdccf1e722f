// What <ep-compress> (element) and its worker side share about each codec: the one place for
// labels, colours, file extensions, which are progressive streams, which engine module runs
// them and which are the browser's own encoders.

export const CODECS = Object.freeze({
  progressive: { label: 'Progressive neural', color: '#d9480f', ext: 'eppc', stream: true, engine: 'neural' },
  spiht: { label: 'SPIHT (arithmetic)', color: '#3b6cf6', ext: 'spiht', stream: true, engine: 'imaging' },
  jpeg: { label: 'JPEG, same size', color: '#2b8a3e', ext: 'jpg', mime: 'image/jpeg', engine: 'imaging' },
  webp: { label: 'WebP, same size', color: '#862e9c', ext: 'webp', mime: 'image/webp', engine: 'imaging' },
  original: { label: 'Original', color: '#495057', engine: 'imaging' },
});

/** Codecs with one embedded stream (any prefix decodes). */
export const STREAMS = Object.keys(CODECS).filter((c) => CODECS[c].stream);
/** Browser encoders by codec: MIME type. */
export const MIME = Object.fromEntries(Object.entries(CODECS).filter(([, v]) => v.mime).map(([k, v]) => [k, v.mime]));
/** The bitrate range of the slider and the RD curve (bits per pixel). */
export const BPP_MIN = 0.02, BPP_MAX = 2;
export const RD_BPP = [0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.25, 1.5, 2];
