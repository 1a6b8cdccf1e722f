// The page's one engine: a module worker holding the single WebAssembly instance and,
// through it, the single GPU device that every widget shares. Widgets' worker-side code
// lives in their own folders (`<widget>/worker.js`) and is imported on first use.

import init, * as wasm from '../wasm/edgeplay-web.js';

const ready = init();
const modules = new Map();

async function widgetModule(name) {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`bad widget module name: ${name}`);
  if (!modules.has(name)) modules.set(name, import(`../${name}/worker.js`));
  return modules.get(name);
}

// wgpu only reports the adapter's (often empty) description; browsers do tell vendor and
// architecture, which is what the badge should name.
let adapterName = null;
async function describeAdapter() {
  if (adapterName === null) {
    try {
      const a = await navigator.gpu?.requestAdapter();
      const i = a?.info ?? {};
      adapterName = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || '';
    } catch (_) { adapterName = ''; }
  }
  return adapterName;
}

async function status() {
  const s = await wasm.runtime_status();
  if (s.adapter === 'WebGPU adapter') s.adapter = (await describeAdapter()) || s.adapter;
  return s;
}

const core = {
  status,
  setBackend: ({ backend }) => { wasm.set_backend(backend); return status(); },
  simulateDeviceLoss: async () => { const lost = wasm.simulate_device_loss(); return { lost, status: await status() }; },
};

self.onmessage = async (e) => {
  const { id, module, fn, args } = e.data;
  const progress = (p) => self.postMessage({ id, progress: p });
  try {
    await ready;
    let out;
    if (module === 'core') {
      if (!Object.hasOwn(core, fn)) throw new Error(`unknown call core.${fn}`);
      out = { result: await core[fn](args ?? {}) };
    } else {
      const mod = await widgetModule(module);
      if (typeof mod[fn] !== 'function') throw new Error(`unknown call ${module}.${fn}`);
      out = await mod[fn](wasm, args ?? {}, progress);
    }
    self.postMessage({ id, ok: true, result: out.result }, out.transfer ?? []);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A trap (a Rust panic) leaves the wasm instance unusable: ask for a fresh engine.
    const fatal = err instanceof WebAssembly.RuntimeError;
    self.postMessage({ id, ok: false, error: fatal ? `internal error (${message}); the engine was restarted` : message, fatal });
  }
};
