// What both sides of <ep-channel> share: the trackers (engine order: crates/channel
// eval::Tracker::ALL), their colours, the shipped settings and the slider ranges.

export const TRACKERS = Object.freeze([
  { key: 'pilots', label: 'pilots (held)', colour: '#adb5bd', dash: [2, 3], about: 'the last noisy pilot, held between pilots: no tracking' },
  { key: 'fixed', label: 'KF, fixed Doppler', colour: '#e8590c', dash: [], about: 'Kalman filter whose AR(2) model is fitted to one Doppler, the best single one for the training range' },
  { key: 'lstm', label: 'LSTM', colour: '#7048e8', dash: [], about: 'an LSTM trained across the training range on the same pilots' },
  { key: 'hkf', label: 'HKF', colour: '#2b8a3e', dash: [], about: 'hypernetwork Kalman filter: a GRU sets the AR(2) model and process noise of a Kalman filter at every step' },
  { key: 'genie', label: 'KF, genie Doppler', colour: '#1c7ed6', dash: [6, 4], about: 'Kalman filter with the AR(2) model of the true Doppler (it is told): the reference' },
]);

export const SETTINGS = Object.freeze({
  wide: { label: 'wide range', doppler: [0.002, 0.05] },
  narrow: { label: 'narrow range', doppler: [0.005, 0.01] },
});

export const DOPPLER = Object.freeze({ min: 0.001, max: 0.1 });
export const SNR = Object.freeze({ min: -5, max: 30 });
export const SPACINGS = Object.freeze([1, 2, 4, 8]);
/** Doppler points of the NMSE curves (log-spaced). */
export const CURVE_DOPPLERS = Object.freeze([0.001, 0.0015, 0.002, 0.003, 0.005, 0.007, 0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1]);

/** Speed giving normalised Doppler `fd` at carrier `ghz` with `perMs` symbols a millisecond
 *  (v = f_D c / f_c, f_D = fd × symbol rate), km/h. */
export function speedKmh(fd, ghz = 3.5, perMs = 14) {
  return (fd * perMs * 1000 * 3e8) / (ghz * 1e9) * 3.6;
}
