// One engine: a module worker holding one wasm module (named by `?module=` in this script's
// URL, see ./modules.js) and, through it, that module's GPU device. Widgets' worker-side code
// lives in their own folders (`<feature>/worker.js`) and is imported on first use.

import { moduleInfo } from './modules.js';

const name = new URL(import.meta.url).searchParams.get('module') || '';
const ready = (async () => {
  const wasm = await import(`../wasm/${moduleInfo(name).wasm}.js`);
  await wasm.default();
  return wasm;
})();
const features = new Map();

async function featureModule(feature) {
  if (!/^[a-z][a-z0-9-]*$/.test(feature)) throw new Error(`bad feature name: ${feature}`);
  if (!features.has(feature)) features.set(feature, import(`../${feature}/worker.js`));
  return features.get(feature);
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

async function status(wasm) {
  const s = await wasm.runtime_status();
  if (s.adapter === 'WebGPU adapter') s.adapter = (await describeAdapter()) || s.adapter;
  return { ...s, module: name };
}

function hook(wasm, fn) {
  if (typeof wasm[fn] !== 'function') throw new Error(`this build has no test hooks (trunk build --features test-hooks)`);
  return wasm[fn];
}

const core = {
  status,
  setBackend: (wasm, { backend }) => { wasm.set_backend(backend); return status(wasm); },
  simulateDeviceLoss: async (wasm) => { const lost = hook(wasm, 'simulate_device_loss')(); return { lost, status: await status(wasm) }; },
  debugPanic: (wasm, { message }) => hook(wasm, 'debug_panic')(message || 'forced by a test'),
};

self.onmessage = async (e) => {
  const { id, feature, fn, args } = e.data;
  const progress = (p) => self.postMessage({ id, progress: p });
  try {
    const wasm = await ready;
    let out;
    if (feature === 'core') {
      if (!Object.hasOwn(core, fn)) throw new Error(`unknown call core.${fn}`);
      out = { result: await core[fn](wasm, args ?? {}) };
    } else {
      const mod = await featureModule(feature);
      if (typeof mod[fn] !== 'function') throw new Error(`unknown call ${feature}.${fn}`);
      out = await mod[fn](wasm, args ?? {}, progress);
    }
    self.postMessage({ id, ok: true, result: out.result }, out.transfer ?? []);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A trap (a Rust panic) leaves the wasm instance unusable: ask for a fresh engine.
    const fatal = err instanceof WebAssembly.RuntimeError;
    self.postMessage({ id, ok: false, error: fatal ? `the ${name} engine crashed (${message}) and was restarted` : message, fatal });
  }
};
