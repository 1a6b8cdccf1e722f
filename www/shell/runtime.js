// Client side of the engine worker: one per page, created lazily, shared by all widgets.
// `call()` sends a request; with a `key`, a newer request for the same key replaces one that
// has not started yet (sliders send many; only the latest matters).

const events = new EventTarget();
let worker = null;
let nextId = 1;
const pending = new Map();
const queues = new Map(); // key -> { running: bool, next: {args, resolve, reject} | null }
let lastStatus = null;

function makeWorker() {
  const url = new URL('./engine-worker.js', import.meta.url);
  try {
    if (url.origin === location.origin) return new Worker(url, { type: 'module' });
  } catch (_) { /* fall through to the blob shim */ }
  // Scripts served from another origin (a CDN): a same-origin blob worker imports them.
  const shim = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(shim), { type: 'module' });
}

function ensureWorker() {
  if (worker) return worker;
  worker = makeWorker();
  worker.onmessage = (e) => {
    const { id, ok, result, error, progress, fatal } = e.data;
    const p = pending.get(id);
    if (!p) return;
    if (progress !== undefined) { p.onProgress?.(progress); return; }
    pending.delete(id);
    ok ? p.resolve(result) : p.reject(new Error(error));
    if (fatal) restart(error);
  };
  worker.onerror = (e) => {
    const err = new Error(`engine failed to start: ${e.message || 'worker error'}`);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  return worker;
}

function restart(reason) {
  worker?.terminate();
  worker = null;
  const err = new Error(reason);
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

function send(module, fn, args, { transfer = [], onProgress } = {}) {
  const w = ensureWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    w.postMessage({ id, module, fn, args }, transfer);
  });
}

/** Superseded requests reject with this error; widgets ignore it. */
export class Superseded extends Error {
  constructor() { super('superseded by a newer request'); this.name = 'Superseded'; }
}

export function call(module, fn, args = {}, opts = {}) {
  if (!opts.key) return send(module, fn, args, opts);
  let q = queues.get(opts.key);
  if (!q) { q = { running: false, next: null }; queues.set(opts.key, q); }
  return new Promise((resolve, reject) => {
    if (q.next) q.next.reject(new Superseded());
    q.next = { args, opts, resolve, reject };
    pump(module, fn, q);
  });
}

async function pump(module, fn, q) {
  if (q.running || !q.next) return;
  const job = q.next;
  q.next = null;
  q.running = true;
  try { job.resolve(await send(module, fn, job.args, job.opts)); }
  catch (e) { job.reject(e); }
  finally { q.running = false; pump(module, fn, q); }
}

function publish(status) {
  lastStatus = status;
  events.dispatchEvent(new CustomEvent('status', { detail: status }));
  return status;
}

export async function status() {
  return publish(await send('core', 'status'));
}

/** 'auto' or 'cpu' (or 'gpu'): page-wide, every widget's badge follows. */
export async function setBackend(backend) {
  return publish(await send('core', 'setBackend', { backend }));
}

export async function simulateDeviceLoss() {
  const r = await send('core', 'simulateDeviceLoss');
  publish(r.status);
  return r;
}

export function currentStatus() { return lastStatus; }
export function onStatus(fn) {
  const h = (e) => fn(e.detail);
  events.addEventListener('status', h);
  return () => events.removeEventListener('status', h);
}
