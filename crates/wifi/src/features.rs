//! Model inputs: each sample's CSI amplitude (and, when asked, its RSSI), standardised with
//! the reference (training) split's mean and standard deviation.

use crate::data::Dataset;

/// Which measurements the methods see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Inputs {
    /// CSI amplitude only (the passive WiCluster setting).
    Csi,
    /// CSI amplitude and the RSSI, the RSSI weighted like all CSI dimensions together.
    CsiRssi,
}

pub struct Features {
    pub train: Vec<Vec<f32>>,
    pub test: Vec<Vec<f32>>,
    pub dim: usize,
}

impl Features {
    pub fn new(ds: &Dataset, inputs: Inputs) -> Features {
        let with_rssi = inputs == Inputs::CsiRssi && ds.has_rssi();
        let raw = |s: &crate::data::Sample| {
            let mut v = s.csi.clone();
            if with_rssi {
                v.push(s.rssi.unwrap_or(0.0));
            }
            v
        };
        let train: Vec<Vec<f32>> = ds.train.samples.iter().map(raw).collect();
        let test: Vec<Vec<f32>> = ds.test.samples.iter().map(raw).collect();
        let dim = train.first().map_or(0, Vec::len);
        let n = train.len().max(1) as f32;
        let mean: Vec<f32> = (0..dim).map(|j| train.iter().map(|x| x[j]).sum::<f32>() / n).collect();
        let std: Vec<f32> = (0..dim).map(|j| (train.iter().map(|x| (x[j] - mean[j]).powi(2)).sum::<f32>() / n).sqrt().max(1e-6)).collect();
        let csi = ds.csi_len();
        // The RSSI is one number against `csi` amplitudes: scaled by √csi it weighs as much as
        // all of them together in a Euclidean distance.
        let scale: Vec<f32> = (0..dim).map(|j| if j >= csi { (csi as f32).sqrt() } else { 1.0 }).collect();
        let norm = |x: Vec<f32>| x.iter().enumerate().map(|(j, v)| (v - mean[j]) / std[j] * scale[j]).collect::<Vec<f32>>();
        Features { train: train.into_iter().map(norm).collect(), test: test.into_iter().map(norm).collect(), dim }
    }
}
