//! Wireless channel tracking (`<ep-channel>`, `edgeplay channel`): a fading channel seen
//! through noisy pilots, and four trackers on the same observations —
//! a Kalman filter with the AR model of the true Doppler (genie), the same with one fixed
//! Doppler, an LSTM, and the hypernetwork Kalman filter (HKF) of Pratik et al. (2021).
//!
//! - [`jakes`]: the Jakes/Clarke sum-of-sinusoids channel, pilots, batches, NMSE.
//! - [`kalman`]: AR models by Yule–Walker and the Kalman filter.
//! - [`nets`]: HKF and LSTM in candle; [`train`]: their training.
//! - [`eval`]: NMSE tables over Doppler, SNR and pilot spacing; [`live`]: the widget's
//!   step-by-step run.

pub mod eval;
pub mod jakes;
pub mod kalman;
pub mod live;
pub mod nets;
pub mod setting;
pub mod train;

pub use jakes::{Batch, Ranges};
pub use nets::{Kind, Net};
pub use setting::Setting;
