// Engine-side half of <ep-wifi>: one WifiSession (crates/web/src/wifi.rs) per widget holds
// the dataset; `train` runs the WiCluster-style pipeline in chunks of steps, yielding to the
// event loop between them so progress is posted and `cancel` is heard.

const dataBase = new URL('./data/', import.meta.url);
const sessions = new Map(); // id -> { ws, gen }
const MAX_FILES = 2000;
const MAX_BYTES = 256 * 1024 * 1024;

const yieldNow = () => new Promise((r) => setTimeout(r, 0));

function entry(id) {
  if (!sessions.has(id)) sessions.set(id, { ws: null, gen: 0 });
  return sessions.get(id);
}

function replace(id, ws) {
  const e = entry(id);
  e.gen++;
  e.ws?.free();
  e.ws = ws;
  return ws.summary();
}

/** The shipped sample's path `path` (1–5): fetched from the same origin, beside this file. */
export async function loadPath(wasm, { session: id, path }, progress) {
  const index = await (await fetchOk(new URL('index.json', dataBase))).json();
  const p = index.paths?.[String(path)];
  if (!p) throw new Error(`the sample has no path ${path}`);
  const names = [], files = [], tableNames = [], tables = [];
  for (const t of p.tables) {
    tableNames.push(t.split('/').pop());
    tables.push(await (await fetchOk(new URL(t, dataBase))).text());
  }
  let done = 0;
  await Promise.all(p.files.map(async (f, i) => {
    files[i] = new Uint8Array(await (await fetchOk(new URL(f, dataBase))).arrayBuffer());
    names[i] = f.split('/').pop();
    progress({ loaded: ++done, total: p.files.length });
  }));
  const ws = new wasm.WifiSession(`CSUIndoorLoc path ${path} (sample: first ${index.packets.ref} / ${index.packets.test} packets)`, names, files, tableNames, tables);
  return { result: replace(id, ws) };
}

/** The user's own captures and tables (already read into memory by the widget). */
export async function loadFiles(wasm, { session: id, files }) {
  if (files.length > MAX_FILES) throw new Error(`${files.length} files: at most ${MAX_FILES}`);
  const total = files.reduce((a, f) => a + (f.bytes?.length ?? f.text?.length ?? 0), 0);
  if (total > MAX_BYTES) throw new Error(`${(total / 2 ** 20).toFixed(0)} MiB of files: at most ${MAX_BYTES / 2 ** 20} MiB`);
  const caps = files.filter((f) => f.bytes);
  const tabs = files.filter((f) => f.text !== undefined);
  if (!caps.length) throw new Error('no capture files (.pcap or .pcapng) among them');
  if (!tabs.length) throw new Error('no location table (.csv) among them: it gives each point its x, y and zone');
  const ws = new wasm.WifiSession('your captures', caps.map((f) => f.name), caps.map((f) => f.bytes), tabs.map((f) => f.name), tabs.map((f) => f.text));
  return { result: replace(id, ws) };
}

/** A simulated scene: `office` (2-D) or `home` (3-D). */
export async function loadSim(wasm, { session: id, scene, seed = 1 }) {
  return { result: replace(id, wasm.WifiSession.simulated(scene, seed)) };
}

/** Trains and scores; progress every chunk. A newer `train`, a `cancel` or new data stops
 *  it between chunks; it then resolves to {cancelled: true}. */
export async function train(wasm, { session: id, inputs, seed, steps, labelled, csiNoise }, progress) {
  const e = entry(id);
  if (!e.ws) throw new Error('no data loaded');
  const gen = ++e.gen;
  const ws = e.ws;
  ws.start(inputs, seed, steps, labelled, csiNoise);
  const t0 = performance.now();
  let p;
  do {
    p = ws.train(25);
    progress({ ...p, ms: performance.now() - t0 });
    await yieldNow();
    if (e.gen !== gen) return { result: { cancelled: true } };
  } while (!p.done);
  const trainMs = performance.now() - t0;
  const outcome = ws.finish();
  const baselines = ws.baselines(inputs);
  return { result: { outcome, baselines, trainMs } };
}

export async function cancel(_wasm, { session: id }) {
  entry(id).gen++;
  return { result: true };
}

export async function close(_wasm, { session: id }) {
  const e = sessions.get(id);
  if (e) { e.gen++; e.ws?.free(); sessions.delete(id); }
  return { result: true };
}

async function fetchOk(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url.pathname.split('/').pop()} (HTTP ${res.status})`);
  return res;
}
