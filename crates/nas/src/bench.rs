//! The ground-truth table: test accuracy after 200 epochs of all 15,625 cells on CIFAR-10,
//! CIFAR-100 and ImageNet16-120 (NATS-Bench topology space, Dong et al. 2021, MIT), indexed
//! by [`Cell::index`]. Read from the NATS-Bench CSV export, or from the compact binary the
//! web page ships ([`Bench::to_bytes`]).

use std::collections::HashMap;

use crate::space::{Cell, SPACE_SIZE};
use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dataset {
    Cifar10 = 0,
    Cifar100 = 1,
    ImageNet16 = 2,
}

impl Dataset {
    pub const ALL: [Dataset; 3] = [Dataset::Cifar10, Dataset::Cifar100, Dataset::ImageNet16];

    pub fn name(self) -> &'static str {
        match self {
            Dataset::Cifar10 => "cifar10",
            Dataset::Cifar100 => "cifar100",
            Dataset::ImageNet16 => "imagenet16",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dataset::Cifar10 => "CIFAR-10",
            Dataset::Cifar100 => "CIFAR-100",
            Dataset::ImageNet16 => "ImageNet16-120",
        }
    }

    /// Input side length (pixels) and number of classes of the network for this dataset.
    pub fn input_and_classes(self) -> (usize, usize) {
        match self {
            Dataset::Cifar10 => (32, 10),
            Dataset::Cifar100 => (32, 100),
            Dataset::ImageNet16 => (16, 120),
        }
    }
}

impl std::str::FromStr for Dataset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Dataset, Error> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "cifar10" => Ok(Dataset::Cifar10),
            "cifar100" => Ok(Dataset::Cifar100),
            "imagenet16" | "imagenet16120" | "imagenet" => Ok(Dataset::ImageNet16),
            _ => Err(Error::Bench(format!("unknown dataset '{s}' (cifar10, cifar100, imagenet16)"))),
        }
    }
}

/// Accuracies (percent) of every cell on the three datasets, plus NATS-Bench's isomorphism
/// classes (cells that compute the same function share a class).
#[derive(Clone, Debug)]
pub struct Bench {
    acc: Vec<[f32; 3]>,
    class: Vec<u16>,
}

const MAGIC: &[u8; 8] = b"EPNATS1\0";

impl Bench {
    /// Reads the NATS-Bench CSV export (columns `CIFAR10TestAccuracy200Epochs`,
    /// `CIFAR100TestAccuracy200Epochs`, `ImageNetTestAccuracy200Epochs`, `ArchitectureString`,
    /// `UniqueString`). Every cell of the space must appear exactly once.
    pub fn from_csv(bytes: &[u8]) -> Result<Bench, Error> {
        let mut rd = csv::Reader::from_reader(bytes);
        let head = rd.headers().map_err(|e| Error::Bench(e.to_string()))?.clone();
        let col = |name: &str| head.iter().position(|h| h == name).ok_or_else(|| Error::Bench(format!("column '{name}' missing")));
        let cols = [col("CIFAR10TestAccuracy200Epochs")?, col("CIFAR100TestAccuracy200Epochs")?, col("ImageNetTestAccuracy200Epochs")?];
        let (arch, uniq) = (col("ArchitectureString")?, col("UniqueString")?);
        let mut acc = vec![[f32::NAN; 3]; SPACE_SIZE];
        let mut class = vec![u16::MAX; SPACE_SIZE];
        let mut classes: HashMap<String, u16> = HashMap::new();
        for (row, rec) in rd.records().enumerate() {
            let rec = rec.map_err(|e| Error::Bench(format!("row {}: {e}", row + 2)))?;
            let cell = Cell::parse(rec.get(arch).unwrap_or(""))?;
            let i = cell.index();
            if !acc[i][0].is_nan() {
                return Err(Error::Bench(format!("row {}: {cell} appears twice", row + 2)));
            }
            for (d, &c) in cols.iter().enumerate() {
                let v: f32 = rec.get(c).unwrap_or("").trim().parse().map_err(|_| Error::Bench(format!("row {}: accuracy '{}' is not a number", row + 2, rec.get(c).unwrap_or(""))))?;
                if !(0.0..=100.0).contains(&v) {
                    return Err(Error::Bench(format!("row {}: accuracy {v} outside 0–100", row + 2)));
                }
                acc[i][d] = v;
            }
            let n = classes.len() as u16;
            class[i] = *classes.entry(rec.get(uniq).unwrap_or("").to_string()).or_insert(n);
        }
        if let Some(i) = acc.iter().position(|a| a[0].is_nan()) {
            return Err(Error::Bench(format!("{} is missing from the table", Cell::from_index(i))));
        }
        Ok(Bench { acc, class })
    }

    /// Compact little-endian form: magic, then per cell three `f32` accuracies and a `u16` class.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for (a, c) in self.acc.iter().zip(&self.class) {
            for v in a {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&c.to_le_bytes());
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Bench, Error> {
        let body = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| Error::Bench("not an Edgeplay NATS table (bad magic)".into()))?;
        if body.len() != SPACE_SIZE * 14 {
            return Err(Error::Bench(format!("table has {} bytes, expected {}", bytes.len(), 8 + SPACE_SIZE * 14)));
        }
        let mut acc = Vec::with_capacity(SPACE_SIZE);
        let mut class = Vec::with_capacity(SPACE_SIZE);
        for rec in body.chunks_exact(14) {
            let f = |o: usize| f32::from_le_bytes([rec[o], rec[o + 1], rec[o + 2], rec[o + 3]]);
            let a = [f(0), f(4), f(8)];
            if a.iter().any(|v| !(0.0..=100.0).contains(v)) {
                return Err(Error::Bench("accuracy outside 0–100".into()));
            }
            acc.push(a);
            class.push(u16::from_le_bytes([rec[12], rec[13]]));
        }
        Ok(Bench { acc, class })
    }

    /// Accuracy (percent) of cell `index` on `ds`.
    pub fn accuracy(&self, index: usize, ds: Dataset) -> f64 {
        self.acc[index][ds as usize] as f64
    }

    /// All accuracies on `ds`, by cell index.
    pub fn accuracies(&self, ds: Dataset) -> Vec<f64> {
        self.acc.iter().map(|a| a[ds as usize] as f64).collect()
    }

    /// Isomorphism class of each cell.
    pub fn classes(&self) -> &[u16] {
        &self.class
    }
}
