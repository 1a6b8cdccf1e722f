// Base class of every <ep-…> element: shadow DOM with the shared stylesheet, lazy start when
// scrolled into view (IntersectionObserver with a generous margin), the path badge with a
// page-wide "CPU only" toggle, an in-widget error panel, a progress line, and the session
// lifecycle every widget shares:
//
//   start()          first run, once the element is on screen (subclass)
//   closeSession()   the element left the document: drop engine-side state (subclass)
//   reopen(why)      rebuild engine-side state and redo the current view (subclass; default
//                    start()) — after the element was re-attached, or after one of the engine
//                    modules it used crashed and was restarted (the widget says so).
//
// Subclasses declare `static feature` (the folder of their worker-side code) and
// `static engines` (the wasm modules they call, ./modules.js; the first drives the badge) and
// call `this.call(fn, args, {engine, key, transfer, onProgress})`.
// Events: `ready` once started, `error` with {message}, `result` after each computation,
// `reopened` with {reason} after a session was rebuilt.

import * as runtime from './runtime.js';

const sharedCss = new URL('../edgeplay.css', import.meta.url).href;

export class EpWidget extends HTMLElement {
  static title = 'Edgeplay';
  static css = null; // URL of the widget's own stylesheet
  static feature = null; // www/<feature>/worker.js
  static engines = ['imaging'];

  #started = false;
  #observer = null;
  #unsubs = [];
  #used = new Set();
  #detached = false;
  #reopening = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const links = [sharedCss, this.constructor.css].filter(Boolean)
      .map((href) => `<link rel="stylesheet" href="${href}">`).join('');
    root.innerHTML = `${links}
      <section class="ep-frame" part="frame">
        <header class="ep-head">
          <h3 class="ep-title"></h3>
          <span class="ep-badge" data-path="pending" title="">starting…</span>
          <label class="ep-force-cpu"><input type="checkbox"> CPU only</label>
        </header>
        <div class="ep-body"></div>
        <p class="ep-progress" hidden></p>
        <p class="ep-restart" role="status" hidden></p>
        <div class="ep-error" role="alert" hidden><span class="ep-error-text"></span><button type="button" class="ep-error-close" aria-label="Dismiss">×</button></div>
      </section>`;
    root.querySelector('.ep-title').textContent = this.getAttribute('title') || this.constructor.title;
    root.querySelector('.ep-error-close').addEventListener('click', () => this.clearError());
    const box = root.querySelector('.ep-force-cpu input');
    box.addEventListener('change', async () => {
      try {
        await runtime.setBackend(box.checked ? 'cpu' : 'auto');
        await this.engine().getStatus();
        this.backendChanged();
      } catch (e) { this.showError(e.message); }
    });
  }

  get body() { return this.shadowRoot.querySelector('.ep-body'); }

  /** The engine of wasm module `name` (default: this widget's first). */
  engine(name = this.constructor.engines[0]) {
    this.#used.add(name);
    return runtime.engine(name);
  }

  /** A call into this widget's worker-side code on engine `opts.engine`. */
  call(fn, args = {}, opts = {}) {
    return this.engine(opts.engine).call(this.constructor.feature, fn, args, opts);
  }

  connectedCallback() {
    this.#unsubs.push(runtime.onStatus((s) => { if (s.module === this.constructor.engines[0]) this.#showStatus(s); }));
    this.#unsubs.push(runtime.onRestart(({ module, reason }) => { if (this.#started && this.#used.has(module)) this.#reopen(`crash: ${reason}`, module); }));
    const s = runtime.engine(this.constructor.engines[0]).status;
    if (s) this.#showStatus(s);
    if (this.#detached) {
      this.#detached = false;
      this.#reopen('re-attached');
      return;
    }
    if (this.#started) return;
    if (!('IntersectionObserver' in window) || this.hasAttribute('eager')) { this.#start(); return; }
    this.#observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.#start();
    }, { rootMargin: '300px' });
    this.#observer.observe(this);
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#unsubs.forEach((u) => u());
    this.#unsubs = [];
    if (!this.#started) return;
    // Moving an element in the DOM disconnects and reconnects it in one task: close only
    // when it is still out of the document afterwards.
    queueMicrotask(() => {
      if (this.isConnected || this.#detached) return;
      this.#detached = true;
      try { this.closeSession(); } catch (_) { /* the engine may be gone already */ }
    });
  }

  async #start() {
    if (this.#started) return;
    this.#started = true;
    this.#observer?.disconnect();
    this.body.replaceChildren(this.render());
    try {
      this.setProgress(`Starting the ${runtime.engine(this.constructor.engines[0]).label} engine…`);
      await this.engine().getStatus();
      this.setProgress(null);
      await this.start();
      this.dispatchEvent(new CustomEvent('ready'));
    } catch (e) {
      this.setProgress(null);
      this.showError(e.message);
    }
  }

  async #reopen(reason, module = null) {
    if (this.#reopening) return this.#reopening;
    const note = this.shadowRoot.querySelector('.ep-restart');
    if (module) {
      note.hidden = false;
      note.textContent = `The ${runtime.engine(module).label} engine crashed and was restarted; reopening this demo…`;
    }
    this.#reopening = (async () => {
      try {
        // Let the failed calls of the crashed engine settle before rebuilding.
        await new Promise((r) => setTimeout(r, 0));
        if (module) await this.engine().getStatus();
        await this.reopen(reason);
        this.clearError();
        if (module) note.textContent = `The ${runtime.engine(module).label} engine crashed and was restarted; this demo was reopened.`;
        this.dispatchEvent(new CustomEvent('reopened', { detail: { reason, module } }));
      } catch (e) {
        this.showError(e.message);
      } finally {
        this.#reopening = null;
      }
    })();
    return this.#reopening;
  }

  /** Rebuilds the engine-side session and the current view; default: start() again. */
  async reopen(_reason) { await this.start(); }

  /** Drops the engine-side session (the element left the document). */
  closeSession() {}

  /** Called after the user flips the CPU toggle; subclasses re-run their computation. */
  backendChanged() {}

  /** What the badge says for engine status `s`: {path, text, title, toggle}. A widget whose
   *  work never runs on the GPU overrides this so the badge does not claim it does. */
  badge(s) {
    const gpu = s.path === 'gpu';
    return {
      path: s.path,
      text: gpu ? `WebGPU · ${s.adapter}` : 'CPU · WASM',
      title: gpu
        ? `Running on the GPU through WebGPU (${s.timestamps ? 'timed with GPU timestamp queries' : 'timed with the wall clock'})`
        : `Running on the CPU in WebAssembly${s.reason ? ` — ${s.reason}` : ''}`,
      toggle: !!s.adapter || s.backend === 'cpu',
    };
  }

  /** Redraws the badge from the latest status (a widget whose `badge()` depends on its own
   *  state calls this when that state changes). */
  refreshBadge() {
    const s = this.engineStatus;
    if (s) this.#showStatus(s);
  }

  /** The latest status of this widget's first engine module. */
  get engineStatus() { return runtime.engine(this.constructor.engines[0]).status; }

  #showStatus(s) {
    const el = this.shadowRoot.querySelector('.ep-badge');
    const b = this.badge(s);
    el.dataset.path = b.path;
    el.textContent = b.text;
    el.title = b.title;
    const box = this.shadowRoot.querySelector('.ep-force-cpu input');
    box.checked = s.backend === 'cpu';
    box.parentElement.hidden = !b.toggle;
  }

  setProgress(text) {
    const p = this.shadowRoot.querySelector('.ep-progress');
    p.hidden = !text;
    p.textContent = text || '';
  }

  showError(message) {
    const box = this.shadowRoot.querySelector('.ep-error');
    box.querySelector('.ep-error-text').textContent = message;
    box.hidden = false;
    this.dispatchEvent(new CustomEvent('error', { detail: { message } }));
  }

  clearError() { this.shadowRoot.querySelector('.ep-error').hidden = true; }
}
