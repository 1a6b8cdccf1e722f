// The two-up view: two pictures of the same size on one canvas, split by a draggable divider,
// with synced zoom and pan (wheel, drag, +/−, 1 for one image pixel per device pixel, 0 or
// double-click to fit, ←/→ move the divider). Used by <ep-compress>; any widget that compares
// two renderings of one frame (depth, video) composes it the same way.
//
//   const view = new TwoUp(stageElement, { onDraw: (state) => … });
//   view.setImageSize(w, h);             // resets to "fit"
//   view.setSides({ left: { bitmap, label, pending }, right: { … } });
//   view.zoom('fit' | '1' | 'in' | 'out');
//   view.setLayout('split' | 'side');     // one frame split by the divider, or side by side
//   view.imageAt(clientX, clientY);       // {x, y, side} image pixel under the pointer, or null
//
// `stageElement` holds one <canvas>; the view sizes the canvas to the stage (device pixels).

const SIDES = ['left', 'right'];

export class TwoUp {
  #stage;
  #canvas;
  #size = null; // {w, h} of the pictures
  #sides = { left: null, right: null };
  #onDraw;
  /** fit: scale to the stage; otherwise scale (device px per image px) and offset. */
  state = { fit: true, scale: 1, ox: 0, oy: 0, split: 0.5, layout: 'split' };

  constructor(stage, { onDraw = () => {}, onResize = () => {} } = {}) {
    this.#stage = stage;
    this.#canvas = stage.querySelector('canvas');
    this.#onDraw = onDraw;
    const canvas = this.#canvas;
    new ResizeObserver(() => {
      const dpr = devicePixelRatio || 1;
      canvas.width = Math.max(1, Math.round(stage.clientWidth * dpr));
      canvas.height = Math.max(1, Math.round(stage.clientHeight * dpr));
      this.draw();
      onResize();
    }).observe(stage);
    let drag = null;
    const at = (e) => { const b = canvas.getBoundingClientRect(); const dpr = canvas.width / b.width; return [(e.clientX - b.left) * dpr, (e.clientY - b.top) * dpr, dpr]; };
    const nearSplit = (x, dpr) => this.state.layout === 'split' && Math.abs(x - this.state.split * canvas.width) < 12 * dpr;
    stage.addEventListener('pointerdown', (e) => {
      const [x, y, dpr] = at(e);
      const onSplit = nearSplit(x, dpr);
      drag = onSplit ? { kind: 'split' } : { kind: 'pan', x, y, ox: this.state.ox, oy: this.state.oy };
      stage.setPointerCapture(e.pointerId);
      stage.classList.toggle('ep-dragging-split', onSplit);
    });
    stage.addEventListener('pointermove', (e) => {
      const [x, y, dpr] = at(e);
      stage.style.cursor = drag?.kind === 'pan' ? 'grabbing' : nearSplit(x, dpr) ? 'ew-resize' : 'grab';
      if (!drag) return;
      if (drag.kind === 'split') this.state.split = Math.min(1, Math.max(0, x / canvas.width));
      else {
        this.#pin();
        this.state.ox = drag.ox + x - drag.x;
        this.state.oy = drag.oy + y - drag.y;
      }
      this.draw();
    });
    const end = () => { drag = null; stage.classList.remove('ep-dragging-split'); };
    stage.addEventListener('pointerup', end);
    stage.addEventListener('pointercancel', end);
    stage.addEventListener('wheel', (e) => {
      e.preventDefault();
      const [x, y] = at(e);
      this.#zoomAt(Math.pow(1.0015, -e.deltaY), x, y);
    }, { passive: false });
    stage.addEventListener('dblclick', () => this.zoom(this.state.fit ? '1' : 'fit'));
    stage.addEventListener('keydown', (e) => {
      const k = e.key;
      if (k === 'ArrowLeft' || k === 'ArrowRight') this.state.split = Math.min(1, Math.max(0, this.state.split + (k === 'ArrowLeft' ? -0.02 : 0.02)));
      else if (k === '+' || k === '=') this.zoom('in');
      else if (k === '-') this.zoom('out');
      else if (k === '0') this.zoom('fit');
      else if (k === '1') this.zoom('1');
      else return;
      e.preventDefault();
      this.draw();
    });
  }

  get canvas() { return this.#canvas; }

  /** 'split': both pictures on one frame, the divider between them; 'side': side by side,
   *  each in half the width, with the same zoom and pan. */
  setLayout(layout) {
    this.state.layout = layout === 'side' ? 'side' : 'split';
    this.state.fit = true;
    this.draw();
  }

  /** The frame one picture is drawn into (device px): the whole canvas, or a half. */
  #frameWidth() { return this.state.layout === 'side' ? this.#canvas.width / 2 : this.#canvas.width; }

  /** Current scale and offset within a frame. */
  #transform() {
    const c = this.#canvas;
    const { w, h } = this.#size;
    const fw = this.#frameWidth();
    if (!this.state.fit) return { s: this.state.scale, ox: this.state.ox, oy: this.state.oy };
    const s = Math.min(fw / w, c.height / h);
    return { s, ox: (fw - w * s) / 2, oy: (c.height - h * s) / 2 };
  }

  /** The picture pixel under a pointer position, with the side it is on, or null. */
  imageAt(clientX, clientY) {
    if (!this.#size) return null;
    const c = this.#canvas;
    const b = c.getBoundingClientRect();
    const dpr = c.width / b.width;
    let x = (clientX - b.left) * dpr;
    const y = (clientY - b.top) * dpr;
    let side;
    if (this.state.layout === 'side') {
      const fw = this.#frameWidth();
      side = x < fw ? 'left' : 'right';
      if (x >= fw) x -= fw;
    } else side = x < this.state.split * c.width ? 'left' : 'right';
    const { s, ox, oy } = this.#transform();
    const ix = Math.floor((x - ox) / s);
    const iy = Math.floor((y - oy) / s);
    if (ix < 0 || iy < 0 || ix >= this.#size.w || iy >= this.#size.h) return null;
    return { x: ix, y: iy, side };
  }

  /** A new picture size: the view goes back to "fit". */
  setImageSize(w, h) {
    this.#size = w && h ? { w, h } : null;
    this.state.fit = true;
    this.draw();
  }

  /** What each side shows: `{bitmap, label, pending}` (pending: text instead of a picture). */
  setSides(sides) {
    Object.assign(this.#sides, sides);
    this.draw();
  }

  /** Current scale/offset made explicit (leaves "fit" mode). */
  #pin() {
    if (!this.state.fit || !this.#size) return;
    const c = this.#canvas;
    const { s, ox, oy } = this.#transform();
    Object.assign(this.state, { fit: false, scale: s, ox, oy });
  }

  #zoomAt(f, x, y) {
    if (this.state.layout === 'side' && x >= this.#frameWidth()) x -= this.#frameWidth();
    this.#pin();
    const v = this.state;
    const s = Math.min(32, Math.max(0.05, v.scale * f));
    v.ox = x - ((x - v.ox) * s) / v.scale;
    v.oy = y - ((y - v.oy) * s) / v.scale;
    v.scale = s;
    this.draw();
  }

  zoom(how) {
    if (!this.#size) return;
    const c = this.#canvas;
    if (how === 'fit') { this.state.fit = true; this.draw(); return; }
    if (how === '1') {
      this.#pin();
      // One image pixel per device pixel, centred on what is in the middle now.
      this.#zoomAt(1 / this.state.scale, c.width / 2, c.height / 2);
      return;
    }
    this.#zoomAt(how === 'in' ? 1.5 : 1 / 1.5, c.width / 2, c.height / 2);
  }

  draw() {
    const c = this.#canvas;
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#e9ecef';
    ctx.fillRect(0, 0, c.width, c.height);
    if (!this.#size) return;
    const { w, h } = this.#size;
    const { s, ox, oy } = this.#transform();
    const side2 = this.state.layout === 'side';
    const sx = side2 ? Math.round(c.width / 2) : Math.round(this.state.split * c.width);
    ctx.imageSmoothingEnabled = s < 1;
    const dpr = devicePixelRatio || 1;
    ctx.font = `${12 * dpr}px system-ui, sans-serif`;
    for (const side of SIDES) {
      ctx.save();
      ctx.beginPath();
      if (side === 'left') ctx.rect(0, 0, sx, c.height); else ctx.rect(sx, 0, c.width - sx, c.height);
      ctx.clip();
      const it = this.#sides[side];
      const dx = side2 && side === 'right' ? sx : 0;
      if (it?.bitmap) ctx.drawImage(it.bitmap, ox + dx, oy, w * s, h * s);
      else {
        ctx.fillStyle = '#868e96';
        ctx.textAlign = 'center';
        const msg = it?.pending || 'decoding…';
        ctx.fillText(msg.length > 60 ? `${msg.slice(0, 57)}…` : msg, side === 'left' ? sx / 2 : (sx + c.width) / 2, c.height / 2);
      }
      ctx.restore();
    }
    // Labels and the divider with its handle.
    ctx.textBaseline = 'top';
    for (const side of SIDES) {
      const t = this.#sides[side]?.label;
      if (!t) continue;
      const tw = ctx.measureText(t).width + 12 * dpr;
      const x = side === 'left' ? 6 * dpr : c.width - tw - 6 * dpr;
      ctx.fillStyle = 'rgba(0,0,0,0.6)';
      ctx.fillRect(x, 6 * dpr, tw, 20 * dpr);
      ctx.fillStyle = '#fff';
      ctx.textAlign = 'left';
      ctx.fillText(t, x + 6 * dpr, 10 * dpr);
    }
    ctx.fillStyle = '#fff';
    ctx.fillRect(sx - dpr, 0, 2 * dpr, c.height);
    if (side2) { this.#onDraw({ ...this.state, splitPx: sx }); return; }
    ctx.beginPath();
    ctx.arc(sx, c.height / 2, 10 * dpr, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#333';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('⇔', sx, c.height / 2);
    this.#onDraw({ ...this.state, splitPx: sx });
  }
}
