// Plot helpers every widget shares: uPlot (the project's plotting library, www/vendor/uplot)
// with its stylesheet for a shadow root, log-axis ticks, a rebuild only when the host's width
// changes, and the two marks widgets draw over a plot (a dashed "you are here" line, a dot).

import uPlot from '../vendor/uplot/uPlot.esm.js';

export { uPlot };

/** The uPlot stylesheet, to link inside a widget's shadow root. */
export const PLOT_CSS = new URL('../vendor/uplot/uPlot.min.css', import.meta.url).href;

/** 1-2-5 ticks between `lo` and `hi` for a log axis. */
export function logTicks(lo, hi) {
  const out = [];
  for (let k = Math.floor(Math.log10(lo)); 10 ** k <= hi; k++) {
    for (const m of [1, 2, 5]) { const v = m * 10 ** k; if (v >= lo && v <= hi) out.push(+v.toPrecision(3)); }
  }
  return out;
}

/** Calls `rebuild(width)` when `el`'s width changes (not on height changes); returns the
 *  observer (disconnect it with the element). */
export function onWidthChange(el, rebuild) {
  let width = 0;
  const ro = new ResizeObserver(() => { if (el.clientWidth !== width) { width = el.clientWidth; rebuild(width); } });
  ro.observe(el);
  return ro;
}

/** A dashed vertical line at data value `x` across the plot area (inside a draw hook). */
export function vline(u, x, colour = '#868e96') {
  const px = u.valToPos(x, 'x', true);
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(px, u.bbox.top);
  ctx.lineTo(px, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.restore();
}

/** A filled dot with a white ring at data point (x, y) (inside a draw hook). */
export function dot(u, x, y, colour, radius = 6) {
  const ctx = u.ctx;
  ctx.save();
  ctx.fillStyle = colour;
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(u.valToPos(x, 'x', true), u.valToPos(y, 'y', true), radius, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
  ctx.restore();
}
