// Client side of the engines: one worker per wasm module (./modules.js) and page, created on
// the first call into that module and shared by every widget of the document.
//
// `engine(name).call(feature, fn, args, {key, transfer, onProgress})` sends a request; with a
// `key`, a newer request for the same key replaces one that has not started yet (sliders send
// many; only the latest matters). A Rust panic traps one module: its worker is replaced, its
// pending calls fail, and `onRestart` listeners (the widget base class) hear about it, so the
// widgets that used that module reopen their sessions; other modules are untouched.

import { moduleInfo } from './modules.js';

const events = new EventTarget();
const engines = new Map();
// 'auto' (the GPU where it was measured faster, else the CPU), 'cpu' or 'gpu'. A page may
// force a path by setting `window.EDGEPLAY_BACKEND` before the widgets load (the browser
// tests force 'gpu' to exercise the WGSL kernels on a software adapter).
let backend = ['auto', 'cpu', 'gpu'].includes(globalThis.EDGEPLAY_BACKEND) ? globalThis.EDGEPLAY_BACKEND : 'auto';

/** Superseded requests reject with this error; widgets ignore it. */
export class Superseded extends Error {
  constructor() { super('superseded by a newer request'); this.name = 'Superseded'; }
}

function makeWorker(name) {
  const url = new URL('./engine-worker.js', import.meta.url);
  url.searchParams.set('module', name);
  try {
    if (url.origin === location.origin) return new Worker(url, { type: 'module' });
  } catch (_) { /* fall through to the blob shim */ }
  // Scripts served from another origin (a CDN): a same-origin blob worker imports them.
  const shim = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(shim), { type: 'module' });
}

class Engine {
  #worker = null;
  #nextId = 1;
  #pending = new Map();
  #queues = new Map(); // key -> { running, next: {args, opts, resolve, reject} | null }
  #backendSent = 'auto';
  /** Times this module was restarted after a crash. */
  restarts = 0;
  status = null;

  constructor(name) {
    this.name = name;
    this.label = moduleInfo(name).label;
  }

  get started() { return this.#worker !== null; }

  #ensure() {
    if (this.#worker) return this.#worker;
    const w = this.#worker = makeWorker(this.name);
    this.#backendSent = 'auto';
    w.onmessage = (e) => {
      const { id, ok, result, error, progress, fatal } = e.data;
      const p = this.#pending.get(id);
      if (!p) return;
      if (progress !== undefined) { p.onProgress?.(progress); return; }
      this.#pending.delete(id);
      ok ? p.resolve(result) : p.reject(new Error(error));
      if (fatal) this.#restart(error);
    };
    w.onerror = (e) => {
      e.preventDefault?.();
      const err = new Error(`the ${this.label} engine failed to start: ${e.message || 'worker error'}`);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      this.#worker?.terminate();
      this.#worker = null;
    };
    return w;
  }

  #restart(reason) {
    this.#worker?.terminate();
    this.#worker = null;
    const err = new Error(reason);
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.restarts++;
    events.dispatchEvent(new CustomEvent('restart', { detail: { module: this.name, reason } }));
  }

  async #send(feature, fn, args, { transfer = [], onProgress } = {}) {
    // The page-wide CPU-only choice reaches a (re)started module before its first real call.
    if (feature !== 'core' && this.#backendSent !== backend) await this.setBackend(backend);
    const w = this.#ensure();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      w.postMessage({ id, feature, fn, args }, transfer);
    });
  }

  call(feature, fn, args = {}, opts = {}) {
    if (!opts.key) return this.#send(feature, fn, args, opts);
    let q = this.#queues.get(opts.key);
    if (!q) { q = { running: false, next: null }; this.#queues.set(opts.key, q); }
    return new Promise((resolve, reject) => {
      if (q.next) q.next.reject(new Superseded());
      q.next = { args, opts, resolve, reject };
      this.#pump(feature, fn, q);
    });
  }

  async #pump(feature, fn, q) {
    if (q.running || !q.next) return;
    const job = q.next;
    q.next = null;
    q.running = true;
    try { job.resolve(await this.#send(feature, fn, job.args, job.opts)); }
    catch (e) { job.reject(e); }
    finally { q.running = false; this.#pump(feature, fn, q); }
  }

  #publish(s) {
    this.status = s;
    events.dispatchEvent(new CustomEvent('status', { detail: s }));
    return s;
  }

  /** Which path this module runs on and why (creates its device on first call). */
  async getStatus() { return this.#publish(await this.#send('core', 'status')); }

  async setBackend(b) {
    this.#backendSent = b;
    return this.#publish(await this.#send('core', 'setBackend', { backend: b }));
  }

  async simulateDeviceLoss() {
    const r = await this.#send('core', 'simulateDeviceLoss');
    this.#publish(r.status);
    return r;
  }

  /** Traps this module's wasm (test builds only); the module restarts. */
  debugPanic(message) { return this.#send('core', 'debugPanic', { message }); }
}

/** The engine of wasm module `name` (created lazily; its worker starts on the first call). */
export function engine(name) {
  if (!engines.has(name)) engines.set(name, new Engine(name));
  return engines.get(name);
}

/** Engines whose worker is running (tests and the playground's module list). */
export function startedEngines() { return [...engines.values()].filter((e) => e.started).map((e) => e.name); }

/** 'auto' or 'cpu' (or 'gpu'): page-wide; every started module follows, later ones too. */
export async function setBackend(b) {
  backend = b;
  const out = [];
  for (const e of engines.values()) if (e.started) out.push(await e.setBackend(b));
  events.dispatchEvent(new CustomEvent('backend', { detail: b }));
  return out;
}

export function currentBackend() { return backend; }

/** Status events of every module: fn({module, path, adapter, …}). */
export function onStatus(fn) {
  const h = (e) => fn(e.detail);
  events.addEventListener('status', h);
  return () => events.removeEventListener('status', h);
}

/** A module crashed and was restarted: fn({module, reason}). */
export function onRestart(fn) {
  const h = (e) => fn(e.detail);
  events.addEventListener('restart', h);
  return () => events.removeEventListener('restart', h);
}
