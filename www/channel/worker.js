// Engine-side half of <ep-channel>: one ChannelSession (crates/web-channel) per widget, built
// from a shipped setting (models/channel/<name>/, same origin). `live` advances the endless
// run; `curves` evaluates every tracker over the Doppler grid one point per call turn;
// `train` retrains both networks in chunks. Curves and training yield to the event loop
// between chunks, so progress is posted, `cancel` is heard and the live run keeps going.

import { fetchBytes } from '../shell/fetch-bytes.js';

const modelBase = new URL('../models/channel/', import.meta.url);
const sessions = new Map(); // id -> { cs, gen (curves), trainGen, openGen }
/** Training steps per call: one step is ~0.1 s natively and about twice that in wasm, so the worker
 *  hears `cancel` and serves the live run between steps. */
const TRAIN_CHUNK = 1;
const yieldNow = () => new Promise((r) => setTimeout(r, 0));

function entry(id) {
  if (!sessions.has(id)) sessions.set(id, { cs: null, gen: 0, trainGen: 0, openGen: 0 });
  return sessions.get(id);
}

function session(id) {
  const e = sessions.get(id);
  if (!e?.cs) throw new Error('no trackers loaded');
  return e.cs;
}

/** Loads a shipped setting (`wide` or `narrow`) and starts the live run. */
export async function open(wasm, { session: id, setting, seed, doppler, snr, spacing }) {
  if (!/^[a-z]+$/.test(setting)) throw new Error(`unknown setting ${setting}`);
  // The newest open wins, whichever load finishes last; a close during the load wins too.
  const e = entry(id);
  const gen = ++e.openGen;
  const base = new URL(`${setting}/`, modelBase);
  const [json, hkf, lstm] = await Promise.all(['setting.json', 'hkf.safetensors', 'lstm.safetensors']
    .map((f) => fetchBytes(new URL(f, base), `${setting}/${f}`)));
  if (sessions.get(id) !== e || e.openGen !== gen) return { result: { cancelled: true } };
  const cs = new wasm.ChannelSession(new TextDecoder().decode(json), hkf, lstm);
  try {
    cs.live_start(seed, doppler, snr, spacing);
  } catch (err) {
    cs.free();
    throw err;
  }
  e.gen++; e.trainGen++;
  const old = e.cs;
  e.cs = cs;
  old?.free();
  return { result: cs.info() };
}

/** The next `steps` of the live run under these conditions. */
export async function live(_wasm, { session: id, doppler, snr, spacing, steps }) {
  const cs = session(id);
  cs.live_set(doppler, snr, spacing);
  return { result: cs.live_advance(steps) };
}

/** NMSE of every tracker at each Doppler of `dopplers` (one progress message per point). */
export async function curves(_wasm, { session: id, dopplers, snr, spacing, seqs, seed }, progress) {
  const e = sessions.get(id);
  if (!e) return { result: { cancelled: true } };
  const gen = ++e.gen;
  const points = [];
  for (const d of dopplers) {
    await yieldNow();
    if (e.gen !== gen) return { result: { cancelled: true } };
    points.push(session(id).nmse(d, snr, spacing, seqs, seed));
    progress({ done: points.length, total: dopplers.length, point: points.at(-1) });
  }
  return { result: { points } };
}

/** NMSE of every tracker at one condition (no effect on a running `curves`). */
export async function nmse(_wasm, { session: id, doppler, snr, spacing, seqs, seed }) {
  return { result: session(id).nmse(doppler, snr, spacing, seqs, seed) };
}

/** Retrains both networks (HKF, then the LSTM) from `seed`; they replace the current ones
 *  when both are done. */
export async function train(_wasm, { session: id, name, doppler, snr, spacing, seed, steps }, progress) {
  const cs = session(id);
  const e = sessions.get(id);
  const gen = ++e.trainGen;
  cs.train_start(name, doppler[0], doppler[1], snr[0], snr[1], spacing, seed, steps);
  const t0 = performance.now();
  for (;;) {
    await yieldNow();
    if (e.trainGen !== gen || e.cs !== cs) { if (e.cs === cs) cs.train_cancel(); return { result: { cancelled: true } }; }
    const p = cs.train(TRAIN_CHUNK);
    progress({ ...p, ms: performance.now() - t0 });
    if (p.done) {
      e.gen++; // a sweep still running used the old networks
      return { result: { info: cs.info(), ms: performance.now() - t0 } };
    }
  }
}

export async function cancel(_wasm, { session: id, what }) {
  const e = sessions.get(id);
  if (!e) return { result: true };
  if (what !== 'curves') e.trainGen++;
  if (what !== 'train') e.gen++;
  return { result: true };
}

export async function close(_wasm, { session: id }) {
  const e = sessions.get(id);
  if (e) {
    e.gen++; e.trainGen++; e.openGen++;
    const cs = e.cs;
    e.cs = null;
    sessions.delete(id);
    cs?.free();
  }
  return { result: true };
}
