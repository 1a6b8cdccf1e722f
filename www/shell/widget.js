// Base class of every <ep-…> element: shadow DOM with the shared stylesheet, lazy start when
// scrolled into view (IntersectionObserver with a generous margin), the path badge with a
// page-wide "CPU only" toggle, an in-widget error panel and a progress line.
// Subclasses implement `render()` (returns the body element) and `start()` (first run).
// Events: `ready` once started, `error` with {message}, `result` after each computation.

import * as runtime from './runtime.js';

const sharedCss = new URL('../edgeplay.css', import.meta.url).href;

export class EpWidget extends HTMLElement {
  static title = 'Edgeplay';
  static css = null; // URL of the widget's own stylesheet

  #started = false;
  #observer = null;
  #unsub = null;

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
        <div class="ep-error" role="alert" hidden><span class="ep-error-text"></span><button type="button" class="ep-error-close" aria-label="Dismiss">×</button></div>
      </section>`;
    root.querySelector('.ep-title').textContent = this.getAttribute('title') || this.constructor.title;
    root.querySelector('.ep-error-close').addEventListener('click', () => this.clearError());
    const box = root.querySelector('.ep-force-cpu input');
    box.addEventListener('change', async () => {
      try {
        await runtime.setBackend(box.checked ? 'cpu' : 'auto');
        this.backendChanged();
      } catch (e) { this.showError(e.message); }
    });
  }

  get body() { return this.shadowRoot.querySelector('.ep-body'); }

  connectedCallback() {
    this.#unsub = runtime.onStatus((s) => this.#showStatus(s));
    if (runtime.currentStatus()) this.#showStatus(runtime.currentStatus());
    if (this.#started) return;
    if (!('IntersectionObserver' in window) || this.hasAttribute('eager')) { this.#start(); return; }
    this.#observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.#start();
    }, { rootMargin: '300px' });
    this.#observer.observe(this);
  }

  disconnectedCallback() {
    this.#observer?.disconnect();
    this.#unsub?.();
  }

  async #start() {
    if (this.#started) return;
    this.#started = true;
    this.#observer?.disconnect();
    this.body.replaceChildren(this.render());
    try {
      this.setProgress('Starting the engine…');
      await runtime.status();
      this.setProgress(null);
      await this.start();
      this.dispatchEvent(new CustomEvent('ready'));
    } catch (e) {
      this.setProgress(null);
      this.showError(e.message);
    }
  }

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
