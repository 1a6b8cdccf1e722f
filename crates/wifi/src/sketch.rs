//! The coarse floor-plan sketch that weak supervision may use: one box per zone (a room) and
//! an approximate access-point position.
//!
//! For real data the sketch is drawn from the reference points' table the way a person would
//! sketch rooms on a plan: each zone's box is the bounding box of its points snapped outward
//! to a 1 m grid and widened, about its centre, to at least `min_size` metres per side. Every
//! point of a zone is thus only known to lie somewhere in a box of ≥ 2 m × 2 m — the pipeline
//! never sees a point's own coordinates. The access point, when the data does not give it,
//! is put at the centre of the zone with the strongest mean RSSI (where one would guess the
//! router hangs after walking the floor with a phone).

use crate::cluster::kmeans;

#[derive(Debug, Clone, PartialEq)]
pub struct ZoneBox {
    pub name: String,
    pub lo: [f32; 3],
    pub hi: [f32; 3],
}

impl ZoneBox {
    pub fn centre(&self) -> [f32; 3] {
        [0, 1, 2].map(|i| 0.5 * (self.lo[i] + self.hi[i]))
    }

    /// Euclidean distance from `p` to the box (0 inside).
    pub fn distance(&self, p: [f32; 3]) -> f32 {
        (0..3).map(|i| (self.lo[i] - p[i]).max(p[i] - self.hi[i]).max(0.0).powi(2)).sum::<f32>().sqrt()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sketch {
    pub zones: Vec<ZoneBox>,
    pub ap: [f32; 3],
    /// How the access point was placed.
    pub ap_note: String,
    /// Coarse scale for the clustering loss: each zone's neighbourhood (k-means of the zone
    /// centres into about a third as many groups).
    pub coarse: Vec<usize>,
}

/// A sketch needs every zone to have a reference point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SketchError {
    #[error("zone {0} has no reference point")]
    EmptyZone(String),
}

impl Sketch {
    /// Draws the sketch (see the module docs) from reference points given as (zone index,
    /// position, RSSI). Zones without points get no box and are an error.
    pub fn draw(zone_names: &[String], points: &[(usize, [f32; 3], Option<f32>)], min_size: usize) -> Result<Sketch, SketchError> {
        let min_size = min_size as f32;
        let mut zones = Vec::with_capacity(zone_names.len());
        for (z, name) in zone_names.iter().enumerate() {
            let pts: Vec<[f32; 3]> = points.iter().filter(|p| p.0 == z).map(|p| p.1).collect();
            if pts.is_empty() {
                return Err(SketchError::EmptyZone(name.clone()));
            }
            let (mut lo, mut hi) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
            for p in &pts {
                for i in 0..3 {
                    lo[i] = lo[i].min(p[i].floor());
                    hi[i] = hi[i].max(p[i].ceil());
                }
            }
            for i in 0..2 {
                let (c, half) = (0.5 * (lo[i] + hi[i]), 0.5 * (hi[i] - lo[i]).max(min_size));
                lo[i] = c - half;
                hi[i] = c + half;
            }
            zones.push(ZoneBox { name: name.clone(), lo, hi });
        }
        let mut best: Option<(f32, usize)> = None;
        for z in 0..zones.len() {
            let r: Vec<f32> = points.iter().filter(|p| p.0 == z).filter_map(|p| p.2).collect();
            if !r.is_empty() {
                let m = r.iter().sum::<f32>() / r.len() as f32;
                if best.is_none_or(|b| m > b.0) {
                    best = Some((m, z));
                }
            }
        }
        let (ap, ap_note) = match best {
            Some((m, z)) => (zones[z].centre(), format!("centre of zone {} (strongest mean RSSI, {m:.1} dBm)", zones[z].name)),
            None => {
                let c = zones.iter().map(|z| z.centre()).fold([0.0; 3], |a, c| [0, 1, 2].map(|i| a[i] + c[i] / zones.len() as f32));
                (c, "centre of the floor (no RSSI given)".to_string())
            }
        };
        Ok(Sketch::new(zones, ap, ap_note))
    }

    /// A sketch from known boxes (the simulator's rooms).
    pub fn new(zones: Vec<ZoneBox>, ap: [f32; 3], ap_note: String) -> Sketch {
        let centres: Vec<Vec<f32>> = zones.iter().map(|z| z.centre().to_vec()).collect();
        let k = zones.len().div_ceil(3).max(1);
        let coarse = kmeans(&centres, k, 20, 0).assignment;
        Sketch { zones, ap, ap_note, coarse }
    }

    pub fn n_coarse(&self) -> usize {
        self.coarse.iter().max().map_or(0, |m| m + 1)
    }

    /// The zone a position falls in: of the boxes containing it, the one with the nearest
    /// centre; outside every box, the nearest box.
    pub fn zone_at(&self, p: [f32; 3]) -> usize {
        let d2 = |a: [f32; 3], b: [f32; 3]| (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f32>();
        let mut best = (f32::INFINITY, f32::INFINITY, 0);
        for (i, z) in self.zones.iter().enumerate() {
            let key = (z.distance(p), d2(z.centre(), p), i);
            if key.0 < best.0 || (key.0 == best.0 && key.1 < best.1) {
                best = key;
            }
        }
        best.2
    }

    /// Bounding box of all zones.
    pub fn extent(&self) -> ([f32; 3], [f32; 3]) {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for z in &self.zones {
            for i in 0..3 {
                lo[i] = lo[i].min(z.lo[i]);
                hi[i] = hi[i].max(z.hi[i]);
            }
        }
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_are_snapped_and_at_least_two_metres() {
        let names = vec!["a".to_string(), "b".to_string()];
        let pts = vec![(0, [9.7, 5.6, 0.0], Some(-50.0)), (0, [10.3, 5.6, 0.0], Some(-49.0)), (1, [12.7, 4.5, 0.0], Some(-40.0))];
        let s = Sketch::draw(&names, &pts, 2).unwrap();
        // a: x 9..11 (2 m), y 5..6 widened to 4.5..6.5
        assert_eq!(s.zones[0].lo, [9.0, 4.5, 0.0]);
        assert_eq!(s.zones[0].hi, [11.0, 6.5, 0.0]);
        assert_eq!(s.zones[1].lo, [11.5, 3.5, 0.0]); // one point: 12..13 × 4..5 widened to 2 m
        assert_eq!(s.ap, s.zones[1].centre());
        assert_eq!(s.zone_at([10.0, 5.0, 0.0]), 0);
        assert_eq!(s.zone_at([30.0, 5.0, 0.0]), 1);
        assert_eq!(s.zones[0].distance([12.0, 5.0, 0.0]), 1.0);
        assert!(Sketch::draw(&names, &pts[..2], 2).is_err());
    }
}
