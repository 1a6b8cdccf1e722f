// Engine-side half of <ep-nas>: one NasSession (crates/web/src/nas.rs) per widget holds the
// NATS-Bench table and the NASWOT scores. `search` runs DONNA-style rounds and posts each
// round (its NSGA-II generations, look-ups and front) as progress so the page can animate it;
// latency pieces and whole networks are timed one call at a time so the page shows progress
// and can stop between them.

const dataBase = new URL('./data/', import.meta.url);
const sessions = new Map(); // id -> { ns, gen }

const yieldNow = () => new Promise((r) => setTimeout(r, 0));

function entry(id) {
  const e = sessions.get(id);
  if (!e?.ns) throw new Error('the architecture table is not loaded');
  return e;
}

async function fetchBytes(name) {
  const res = await fetch(new URL(name, dataBase));
  if (!res.ok) throw new Error(`could not load ${name} (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Loads the shipped table (nats.bin) and NASWOT scores (naswot.f32), same origin. */
export async function open(wasm, { session: id }) {
  if (!sessions.get(id)?.ns) {
    const [table, scores] = await Promise.all([fetchBytes('nats.bin'), fetchBytes('naswot.f32')]);
    sessions.set(id, { ns: new wasm.NasSession(table, scores), gen: 0 });
  }
  return { result: { pieces: wasm.nas_pieces() } };
}

/** Every architecture's accuracy on `dataset`, MACs, parameters and NASWOT score. */
export async function space(_wasm, { session: id, dataset }) {
  return { result: entry(id).ns.space(dataset) };
}

export async function cell(_wasm, { session: id, index, dataset }) {
  return { result: entry(id).ns.cell(index, dataset) };
}

export async function trueFront(_wasm, { session: id, dataset, costs }) {
  return { result: Array.from(entry(id).ns.true_front(dataset, Float64Array.from(costs))) };
}

/** Kendall τ of every feature set × regressor on `samples` random architectures. */
export async function taus(_wasm, { session: id, dataset, samples, seed }) {
  return { result: entry(id).ns.taus(dataset, samples, BigInt(seed)) };
}

/** Runs a whole search; every round is posted as progress. A newer search or `cancel`
 *  stops it between rounds; it then resolves to {cancelled: true}. */
export async function search(_wasm, { session: id, dataset, costs, samples, budget, seed, oracle }, progress) {
  const e = entry(id);
  const gen = ++e.gen;
  let r = e.ns.search_start(dataset, Float64Array.from(costs), samples, budget, BigInt(seed), oracle);
  progress(r);
  const t0 = performance.now();
  while (!r.done) {
    await yieldNow();
    if (e.gen !== gen) return { result: { cancelled: true } };
    r = e.ns.search_round();
    progress(r);
  }
  return { result: { ...r, ms: performance.now() - t0 } };
}

export async function cancel(_wasm, { session: id }) {
  const e = sessions.get(id);
  if (e) e.gen++;
  return { result: true };
}

/** Median time (ms) of latency-table piece `k` on `device` ("gpu" or "cpu"). */
export async function measurePiece(wasm, { k, device, dataset, reps }) {
  return { result: await wasm.nas_measure_piece(k, device, dataset, reps) };
}

/** Median time (ms) of the whole network of architecture `index`. */
export async function timeNetwork(wasm, { index, device, dataset, reps }) {
  return { result: await wasm.nas_time_network(index, device, dataset, reps) };
}

/** Every architecture's latency predicted from the measured pieces. */
export async function latencyCosts(_wasm, { session: id, dataset, pieceMs }) {
  return { result: Array.from(entry(id).ns.latency_costs(dataset, Float64Array.from(pieceMs))) };
}

/** [Kendall τ, Spearman ρ] between two lists. */
export async function rankCorrelation(wasm, { a, b }) {
  return { result: Array.from(wasm.nas_rank_correlation(Float64Array.from(a), Float64Array.from(b))) };
}

/** NASWOT of architecture `index` computed here, to compare with the shipped score. */
export async function naswot(wasm, { index }) {
  await yieldNow();
  return { result: wasm.nas_naswot(index) };
}

export async function close(_wasm, { session: id }) {
  const e = sessions.get(id);
  if (e) { e.gen++; e.ns?.free(); sessions.delete(id); }
  return { result: true };
}
