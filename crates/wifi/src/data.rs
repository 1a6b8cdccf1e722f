//! Positioning datasets: samples of CSI features with the weak labels WiCluster may use
//! (which capture/session a sample belongs to, its time, its zone) and the ground truth it
//! may not (its position, used only to score).
//!
//! Real captures enter through [`PointInput`] (one capture per measured point, as in
//! CSUIndoorLoc: `ref_204_1_3500.pcap` is room 204, point 1) and [`Dataset::from_points`];
//! the simulator in [`crate::sim`] builds a [`Dataset`] directly.

use crate::capture::Capture;
use crate::sanitize::{sanitize, Subcarriers};
use crate::sketch::Sketch;

/// One feature vector: the mean sanitised amplitude of `window` consecutive packets.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Normalised CSI amplitude over the kept subcarriers.
    pub csi: Vec<f32>,
    /// Received signal strength (dBm) of the capture or packet, if known.
    pub rssi: Option<f32>,
    /// Index into [`Split::groups`].
    pub group: usize,
    /// Recording session (a capture file, a walk): triplet positives come from one session.
    pub session: usize,
    /// Seconds since the session started.
    pub t: f32,
}

/// A unit of evaluation: one measured point (real data) or one moment of a walk (simulated).
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    /// Index into [`Dataset::zones`] (via the sketch).
    pub zone: usize,
    /// Ground truth in metres; never used by the weakly supervised pipeline's training.
    pub pos: [f32; 3],
}

#[derive(Debug, Clone, Default)]
pub struct Split {
    pub groups: Vec<Group>,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    /// True for the simulator's scenes: every number from them is labelled "simulated".
    pub simulated: bool,
    /// 2 (floor plan) or 3 (storeys).
    pub dims: usize,
    pub sketch: Sketch,
    pub train: Split,
    pub test: Split,
    /// Packets averaged per sample.
    pub window: usize,
    /// Two samples of one session at most this many seconds apart are triplet positives.
    pub positive_dt: f32,
    /// ... and at least this many seconds apart (or from other sessions) are negatives.
    pub negative_dt: f32,
    /// Notes for the reader (skipped packets, points without data).
    pub notes: Vec<String>,
}

/// One capture at one point.
#[derive(Debug, Clone)]
pub struct PointInput {
    pub name: String,
    pub zone: String,
    pub test: bool,
    pub pos: [f32; 3],
    pub rssi: Option<f32>,
    pub capture: Capture,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DataError {
    #[error("no reference points with CSI")]
    NoReference,
    #[error("no test points with CSI")]
    NoTest,
    #[error(transparent)]
    Sketch(#[from] crate::sketch::SketchError),
    #[error("{0} FFT bins: not a known Wi-Fi channel width")]
    Subcarriers(usize),
}

/// Why a location table (CSV) cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("CSV header: {0}")]
    Header(String),
    #[error("the CSV needs a `location` column")]
    NoLocation,
    #[error("more than 100,000 rows")]
    TooManyRows,
    #[error("CSV row {row}: {message}")]
    Row { row: usize, message: String },
    #[error("CSV row {row}: `{value}` is not a number")]
    NotANumber { row: usize, value: String },
    #[error("CSV row {row}: split `{value}` is not ref or test")]
    Split { row: usize, value: String },
}

/// Why captures and tables cannot become points.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("{file}: {source}")]
    Table { file: String, source: TableError },
    #[error("{file}: {source}")]
    Capture { file: String, source: crate::capture::Error },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("no captures of path {path} under {dir}")]
    NoCaptures { path: u32, dir: String },
}

impl Dataset {
    /// Builds a dataset from captures at points. Packets whose bin count differs from the
    /// first packet's, or that carry no energy, are skipped (noted); points without a usable
    /// packet are dropped (noted). `max_packets` caps the packets read per capture.
    pub fn from_points(name: &str, points: &[PointInput], window: usize, max_packets: usize) -> Result<Dataset, DataError> {
        let window = window.max(1);
        let mut notes = Vec::new();
        let zone_names: Vec<String> = {
            let mut z: Vec<String> = points.iter().map(|p| p.zone.clone()).collect();
            z.sort();
            z.dedup();
            z
        };
        let ref_pos: Vec<(usize, [f32; 3], Option<f32>)> = points
            .iter()
            .filter(|p| !p.test)
            .map(|p| (zone_names.binary_search(&p.zone).unwrap_or(0), p.pos, p.rssi))
            .collect();
        let sketch = Sketch::draw(&zone_names, &ref_pos, 2)?;
        let n_bins = points.iter().flat_map(|p| p.capture.packets.first()).map(|p| p.csi.len()).next().unwrap_or(64);
        let sc = Subcarriers::new(n_bins, false).ok_or(DataError::Subcarriers(n_bins))?;
        let (mut train, mut test) = (Split::default(), Split::default());
        let mut skipped = 0usize;
        for p in points {
            let split = if p.test { &mut test } else { &mut train };
            let amps: Vec<(Vec<f32>, f64)> = p
                .capture
                .packets
                .iter()
                .zip(&p.capture.timestamps)
                .take(max_packets)
                .filter_map(|(pk, &t)| match sanitize(&pk.csi, &sc) {
                    Some(s) => Some((s.amplitude, t)),
                    None => {
                        skipped += 1;
                        None
                    }
                })
                .collect();
            if amps.len() < window {
                notes.push(format!("{}: {} usable packets, fewer than one window of {window}; dropped", p.name, amps.len()));
                continue;
            }
            let session = split.groups.len() + if p.test { 1_000_000 } else { 0 };
            let group = split.groups.len();
            split.groups.push(Group { name: p.name.clone(), zone: zone_names.binary_search(&p.zone).unwrap_or(0), pos: p.pos });
            let t0 = amps[0].1;
            for w in amps.chunks_exact(window) {
                let mut csi = vec![0f32; sc.len()];
                for (a, _) in w {
                    for (c, v) in csi.iter_mut().zip(a) {
                        *c += v / window as f32;
                    }
                }
                let t = ((w[0].1 - t0) as f32).max(0.0);
                split.samples.push(Sample { csi, rssi: p.rssi, group, session, t: if t.is_finite() { t } else { 0.0 } });
            }
        }
        if skipped > 0 {
            notes.push(format!("{skipped} packets skipped (other bin count or no energy)"));
        }
        if train.samples.is_empty() {
            return Err(DataError::NoReference);
        }
        if test.samples.is_empty() {
            return Err(DataError::NoTest);
        }
        Ok(Dataset {
            name: name.to_string(),
            simulated: false,
            dims: 2,
            sketch,
            train,
            test,
            window,
            positive_dt: f32::INFINITY,
            negative_dt: f32::INFINITY,
            notes,
        })
    }

    pub fn csi_len(&self) -> usize {
        self.train.samples.first().map_or(0, |s| s.csi.len())
    }

    /// True when every sample carries an RSSI.
    pub fn has_rssi(&self) -> bool {
        self.train.samples.iter().chain(&self.test.samples).all(|s| s.rssi.is_some())
    }
}

/// A table read from CSV text: one row per point, columns by (case-insensitive) header name.
#[derive(Debug, Clone, Default)]
pub struct PointTable {
    pub rows: Vec<PointRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PointRow {
    pub location: String,
    /// `Some(true)` for a test point, `Some(false)` for a reference point, `None` for both
    /// (from a `split` column, or a table file named `ref_…`/`test_…`).
    pub split: Option<bool>,
    pub x: Option<f32>,
    pub y: Option<f32>,
    pub z: Option<f32>,
    pub zone: Option<String>,
    pub rssi: Option<f32>,
}

impl PointTable {
    /// [`PointTable::parse`] for a table file: a name starting `ref_` or `test_` sets the
    /// split of rows that do not have one.
    pub fn parse_named(file: &str, text: &str) -> Result<PointTable, FilesError> {
        let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
        let split = if base.starts_with("ref_") { Some(false) } else if base.starts_with("test_") { Some(true) } else { None };
        let mut t = PointTable::parse(text).map_err(|source| FilesError::Table { file: base.to_string(), source })?;
        for r in &mut t.rows {
            r.split = r.split.or(split);
        }
        Ok(t)
    }

    /// Parses CSV text with a header row containing `location` and any of `x_m`/`x`,
    /// `y_m`/`y`, `z_m`/`z`, `zone`, `rssi`, `split` (`ref`/`test`). Tables about the same
    /// points combine with [`PointTable::absorb`].
    pub fn parse(text: &str) -> Result<PointTable, TableError> {
        let mut rd = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
        let head: Vec<String> = rd.headers().map_err(|e| TableError::Header(e.to_string()))?.iter().map(|h| h.to_ascii_lowercase()).collect();
        let col = |names: &[&str]| head.iter().position(|h| names.contains(&h.as_str()));
        let loc = col(&["location", "point", "name", "file"]).ok_or(TableError::NoLocation)?;
        let (cx, cy, cz) = (col(&["x_m", "x"]), col(&["y_m", "y"]), col(&["z_m", "z"]));
        let (czone, crssi, csplit) = (col(&["zone", "room"]), col(&["rssi"]), col(&["split", "set"]));
        let mut rows = Vec::new();
        for (i, rec) in rd.records().enumerate() {
            if i >= 100_000 {
                return Err(TableError::TooManyRows);
            }
            let row = i + 2;
            let rec = rec.map_err(|e| TableError::Row { row, message: e.to_string() })?;
            let num = |c: Option<usize>| -> Result<Option<f32>, TableError> {
                match c.and_then(|c| rec.get(c)).filter(|s| !s.is_empty()) {
                    None => Ok(None),
                    Some(s) => s.parse::<f32>().ok().filter(|v| v.is_finite()).map(Some).ok_or_else(|| TableError::NotANumber { row, value: s.to_string() }),
                }
            };
            let Some(location) = rec.get(loc).filter(|s| !s.is_empty()) else { continue };
            let split = match csplit.and_then(|c| rec.get(c)).map(str::to_ascii_lowercase).as_deref() {
                None | Some("") => None,
                Some("ref" | "reference" | "train") => Some(false),
                Some("test") => Some(true),
                Some(other) => return Err(TableError::Split { row, value: other.to_string() }),
            };
            rows.push(PointRow {
                location: location.to_string(),
                split,
                x: num(cx)?,
                y: num(cy)?,
                z: num(cz)?,
                zone: czone.and_then(|c| rec.get(c)).filter(|s| !s.is_empty()).map(str::to_string),
                rssi: num(crssi)?,
            });
        }
        Ok(PointTable { rows })
    }

    /// Adds `other`'s rows: a row about a point already here (same location, compatible
    /// split) fills that row's missing fields; others are appended.
    pub fn absorb(&mut self, other: PointTable) {
        for o in other.rows {
            let same = |r: &&mut PointRow| r.location == o.location && (r.split.is_none() || o.split.is_none() || r.split == o.split);
            match self.rows.iter_mut().find(|r| same(r)) {
                Some(r) => {
                    r.split = r.split.or(o.split);
                    r.x = r.x.or(o.x);
                    r.y = r.y.or(o.y);
                    r.z = r.z.or(o.z);
                    r.rssi = r.rssi.or(o.rssi);
                    if r.zone.is_none() {
                        r.zone = o.zone;
                    }
                }
                None => self.rows.push(o),
            }
        }
    }

    /// The row about `location` for the given split.
    pub fn get(&self, location: &str, test: bool) -> Option<&PointRow> {
        self.rows.iter().find(|r| r.location == location && r.split.is_none_or(|s| s == test))
    }
}

/// Points from capture files named `ref_<location>[_<n>].pcap` / `test_<location>…` and
/// location tables (see [`PointTable`]). Files of another name, or without a table row with
/// x and y, are skipped with a note; unreadable files are errors naming the file. Points come
/// out sorted (reference first, then by name).
pub fn points_from_files(files: &[(&str, &[u8])], tables: &[(&str, &str)]) -> Result<(Vec<PointInput>, Vec<String>), FilesError> {
    let mut table = PointTable::default();
    for (name, text) in tables {
        table.absorb(PointTable::parse_named(name, text)?);
    }
    let mut notes = Vec::new();
    let mut points = Vec::new();
    for (file, bytes) in files {
        let Some((test, location)) = point_of_file(file) else {
            notes.push(format!("{file}: not named ref_<point>….pcap or test_<point>….pcap; skipped"));
            continue;
        };
        let Some(row) = table.get(&location, test) else {
            notes.push(format!("{file}: no row for {location} in the tables; skipped"));
            continue;
        };
        let (Some(x), Some(y)) = (row.x, row.y) else {
            notes.push(format!("{file}: {location} has no x/y in the tables; skipped"));
            continue;
        };
        let capture = crate::capture::read(bytes).map_err(|source| FilesError::Capture { file: file.to_string(), source })?;
        if let Some(why) = &capture.stats.stopped {
            notes.push(format!("{file}: {why}"));
        }
        points.push(PointInput {
            name: location.clone(),
            zone: row.zone.clone().unwrap_or_else(|| zone_of_name(&location)),
            test,
            pos: [x, y, row.z.unwrap_or(0.0)],
            rssi: row.rssi,
            capture,
        });
    }
    // Results must not depend on the order files arrive in (ties in kNN break by index).
    points.sort_by(|a, b| (a.test, &a.name).cmp(&(b.test, &b.name)));
    Ok((points, notes))
}

/// The zone of a CSUIndoorLoc point name: the room before the last underscore (`A203_2` →
/// `A203`).
pub fn zone_of_name(location: &str) -> String {
    match location.rsplit_once('_') {
        Some((room, _)) if !room.is_empty() => room.to_string(),
        _ => location.to_string(),
    }
}

/// The point name in a CSUIndoorLoc capture file name: `ref_204_1_3500.pcap` → (`ref`,
/// `204_1`); `None` for names of another shape.
pub fn point_of_file(file: &str) -> Option<(bool, String)> {
    let stem = file.rsplit(['/', '\\']).next()?.strip_suffix(".pcapng").or_else(|| file.rsplit(['/', '\\']).next()?.strip_suffix(".pcap"))?;
    let (kind, rest) = stem.split_once('_')?;
    let test = match kind {
        "ref" => false,
        "test" => true,
        _ => return None,
    };
    let name = match rest.rsplit_once('_') {
        Some((n, count)) if count.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() => n,
        _ => rest,
    };
    Some((test, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(point_of_file("data/ref/ref_204_1_3500.pcap"), Some((false, "204_1".into())));
        assert_eq!(point_of_file("test_A203_2_100.pcapng"), Some((true, "A203_2".into())));
        assert_eq!(point_of_file("lab_5000.pcap"), None);
        assert_eq!(zone_of_name("269A_1"), "269A");
        assert_eq!(zone_of_name("lobby"), "lobby");
    }

    #[test]
    fn csv_tables() {
        let mut a = PointTable::parse_named("ref_coord_path1.csv", "location,x_m,y_m\n204_1,9.5,5.25\n204_2,10,5\n").unwrap();
        a.absorb(PointTable::parse_named("ref_path1.csv", "location,mac,RSSI,channel\n204_1,aa,-50,48\n").unwrap());
        a.absorb(PointTable::parse_named("test_coord_path1.csv", "location,x_m,y_m\n204_1,9.6,5.5\n").unwrap());
        assert_eq!(a.rows[0], PointRow { location: "204_1".into(), split: Some(false), x: Some(9.5), y: Some(5.25), z: None, zone: None, rssi: Some(-50.0) });
        assert_eq!(a.rows[1].rssi, None);
        assert_eq!(a.get("204_1", true).unwrap().x, Some(9.6));
        assert_eq!(a.get("204_2", true), None);
        let b = PointTable::parse("location,x,y,zone,split\np,1,2,kitchen,test\n").unwrap();
        assert_eq!((b.rows[0].split, b.rows[0].zone.as_deref()), (Some(true), Some("kitchen")));
        assert_eq!(PointTable::parse("location,split\np,later\n").unwrap_err(), TableError::Split { row: 2, value: "later".into() });
        assert_eq!(PointTable::parse("x,y\n1,2\n").unwrap_err(), TableError::NoLocation);
        assert_eq!(PointTable::parse("location,x\np,abc\n").unwrap_err(), TableError::NotANumber { row: 2, value: "abc".into() });
        assert!(PointTable::parse_named("ref_t.csv", "x\n1\n").unwrap_err().to_string().starts_with("ref_t.csv: the CSV needs"));
    }

    #[test]
    fn hostile_tables_give_errors_not_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let good = "location,x_m,y_m,zone,rssi,split\n204_1,9.5,5.25,204,-50,ref\n";
        let alphabet = b",\n\r\"x_m0123456789.-elocationsplitrefNaN\xff\x00 ";
        for i in 0..3000 {
            let mut b: Vec<u8> = if i % 2 == 0 { good.as_bytes().to_vec() } else { Vec::new() };
            for _ in 0..rng.random_range(0..40) {
                let at = rng.random_range(0..=b.len());
                b.insert(at, alphabet[rng.random_range(0..alphabet.len())]);
            }
            let text = String::from_utf8_lossy(&b).into_owned();
            let _ = PointTable::parse(&text);
            let _ = points_from_files(&[("ref_204_1_1.pcap", &b)], &[("ref_t.csv", &text)]);
        }
    }
}
