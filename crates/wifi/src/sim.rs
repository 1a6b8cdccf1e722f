//! Passive-sensing simulator for WiCluster's setting: one access point transmits, a few
//! sniffers receive, and a person walking through the building changes the channel. Every
//! dataset it makes is marked `simulated`.
//!
//! Propagation is ray-based with the image method: the direct path, first-order reflections
//! off the outer walls (and floor and roof in 3-D; amplitude coefficient 0.5), the person as a
//! point scatterer at chest height (access point → person → sniffer, also via each outer
//! wall's image of the access point), inner walls and the floor slab as penetration losses on
//! the straight (unfolded) ray, and the body shadowing any ray that passes within 0.3 m of the
//! person, which sways by a few centimetres even when standing. Each packet's CSI over the 64 bins of a 20 MHz channel at 5.24 GHz gets complex
//! white noise (25 dB SNR), a random common phase, a random timing offset (a linear phase over
//! subcarriers) and a random receiver gain, and is quantised to int16 I/Q — then goes through
//! the same sanitisation as real captures.
//!
//! Scenes: `office` (2-D, 12 m × 8 m, four offices, a corridor, two labs; five sniffers) and
//! `home` (3-D, 10 m × 8 m, two storeys of 3 m; three rooms down, four up; stairs; five sniffers on both storeys).

use std::f32::consts::{PI, TAU};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::data::{Dataset, Group, Sample, Split};
use crate::sanitize::{sanitize, Subcarriers};
use crate::sketch::{Sketch, ZoneBox};

const C: f32 = 299_792_458.0;
const FC: f32 = 5.24e9;
const DF: f32 = 312_500.0;
const BODY_Z: f32 = 1.1;
/// Packets per second and packets averaged per sample.
pub const RATE: f32 = 50.0;
pub const WINDOW: usize = 25;
/// Standard deviation of the body's sway per packet, metres.
pub const SWAY: f32 = 0.05;

/// A wall segment in the plan (x, y), spanning heights `z` (a storey).
#[derive(Debug, Clone, Copy)]
struct Wall {
    a: [f32; 2],
    b: [f32; 2],
    z: [f32; 2],
}

#[derive(Debug, Clone)]
pub struct Room {
    pub name: &'static str,
    pub lo: [f32; 3],
    pub hi: [f32; 3],
    /// Where a walk enters and leaves the room (in the corridor or landing).
    pub door: [f32; 3],
}

#[derive(Debug, Clone)]
pub struct Scene {
    pub name: &'static str,
    pub dims: usize,
    pub size: [f32; 3],
    pub rooms: Vec<Room>,
    walls: Vec<Wall>,
    /// Floor slabs (heights) that attenuate rays crossing them.
    slabs: Vec<f32>,
    pub ap: [f32; 3],
    pub sniffers: Vec<[f32; 3]>,
    /// Stair foot per storey (3-D): walks between storeys go through them.
    stairs: Vec<[f32; 3]>,
}

fn room(name: &'static str, lo: [f32; 3], hi: [f32; 3], door: [f32; 3]) -> Room {
    Room { name, lo, hi, door }
}

/// Splits the segment a–b (axis-aligned) at door gaps given as (from, to) along its axis.
fn walls_with_doors(a: [f32; 2], b: [f32; 2], doors: &[(f32, f32)], z: [f32; 2]) -> Vec<Wall> {
    let axis = if a[0] == b[0] { 1 } else { 0 };
    let mut cuts = vec![a[axis]];
    for &(s, e) in doors {
        cuts.push(s);
        cuts.push(e);
    }
    cuts.push(b[axis]);
    cuts
        .chunks(2)
        .map(|c| {
            let mut p = a;
            let mut q = b;
            p[axis] = c[0];
            q[axis] = c[1];
            Wall { a: p, b: q, z }
        })
        .collect()
}

impl Scene {
    pub fn office() -> Scene {
        let z = [0.0, 0.0];
        let rooms = vec![
            room("office 1", [0.0, 4.5, 0.0], [3.0, 8.0, 0.0], [1.5, 3.75, 0.0]),
            room("office 2", [3.0, 4.5, 0.0], [6.0, 8.0, 0.0], [4.5, 3.75, 0.0]),
            room("office 3", [6.0, 4.5, 0.0], [9.0, 8.0, 0.0], [7.5, 3.75, 0.0]),
            room("office 4", [9.0, 4.5, 0.0], [12.0, 8.0, 0.0], [10.5, 3.75, 0.0]),
            room("corridor", [0.0, 3.0, 0.0], [12.0, 4.5, 0.0], [6.0, 3.75, 0.0]),
            room("lab A", [0.0, 0.0, 0.0], [6.0, 3.0, 0.0], [3.0, 3.75, 0.0]),
            room("lab B", [6.0, 0.0, 0.0], [12.0, 3.0, 0.0], [9.0, 3.75, 0.0]),
        ];
        let mut walls = Vec::new();
        walls.extend(walls_with_doors([0.0, 4.5], [12.0, 4.5], &[(1.0, 2.0), (4.0, 5.0), (7.0, 8.0), (10.0, 11.0)], z));
        walls.extend(walls_with_doors([0.0, 3.0], [12.0, 3.0], &[(2.5, 3.5), (8.5, 9.5)], z));
        for x in [3.0, 6.0, 9.0] {
            walls.push(Wall { a: [x, 4.5], b: [x, 8.0], z });
        }
        walls.push(Wall { a: [6.0, 0.0], b: [6.0, 3.0], z });
        Scene {
            name: "office",
            dims: 2,
            size: [12.0, 8.0, 0.0],
            rooms,
            walls,
            slabs: Vec::new(),
            ap: [6.0, 3.9, 0.0],
            sniffers: vec![[0.4, 0.4, 0.0], [11.6, 0.4, 0.0], [0.4, 7.6, 0.0], [11.6, 7.6, 0.0], [6.0, 7.6, 0.0]],
            stairs: Vec::new(),
        }
    }

    pub fn home() -> Scene {
        let (g, u) = ([0.0, 3.0], [3.0, 6.0]);
        let rooms = vec![
            room("living room", [0.0, 0.0, 0.0], [6.0, 5.0, 3.0], [2.5, 6.0, 0.0]),
            room("kitchen", [6.0, 0.0, 0.0], [10.0, 5.0, 3.0], [7.5, 6.0, 0.0]),
            room("hall", [0.0, 5.0, 0.0], [10.0, 8.0, 3.0], [5.0, 6.5, 0.0]),
            room("bedroom 1", [0.0, 0.0, 3.0], [5.0, 4.0, 6.0], [6.0, 2.0, 3.0]),
            room("bedroom 2", [5.0, 0.0, 3.0], [10.0, 4.0, 6.0], [7.5, 5.0, 3.0]),
            room("bedroom 3", [0.0, 4.0, 3.0], [5.0, 8.0, 6.0], [6.0, 6.0, 3.0]),
            room("landing", [5.0, 4.0, 3.0], [10.0, 8.0, 6.0], [7.0, 6.0, 3.0]),
        ];
        let mut walls = Vec::new();
        walls.extend(walls_with_doors([6.0, 0.0], [6.0, 5.0], &[(2.0, 3.0)], g));
        walls.extend(walls_with_doors([0.0, 5.0], [10.0, 5.0], &[(2.0, 3.0), (7.0, 8.0)], g));
        walls.extend(walls_with_doors([5.0, 0.0], [5.0, 8.0], &[(1.5, 2.5), (5.5, 6.5)], u));
        walls.extend(walls_with_doors([0.0, 4.0], [10.0, 4.0], &[(7.0, 8.0)], u));
        Scene {
            name: "home",
            dims: 3,
            size: [10.0, 8.0, 6.0],
            rooms,
            walls,
            slabs: vec![3.0],
            ap: [5.0, 5.5, 2.2],
            sniffers: vec![[0.4, 0.4, 1.0], [9.6, 0.4, 1.0], [0.4, 7.6, 4.0], [9.6, 0.4, 5.6], [2.5, 4.0, 5.6]],
            stairs: vec![[8.8, 7.0, 0.0], [8.8, 7.0, 3.0]],
        }
    }

    fn storey(&self, z: f32) -> usize {
        self.slabs.iter().filter(|&&s| z >= s).count()
    }

    /// Penetration loss along the straight ray p → q: 0.5 per inner wall, 0.3 per slab.
    fn penetration(&self, p: [f32; 3], q: [f32; 3]) -> f32 {
        let mut g = 1.0;
        for w in &self.walls {
            if let Some(t) = seg_cross([p[0], p[1]], [q[0], q[1]], w.a, w.b) {
                let z = p[2] + t * (q[2] - p[2]);
                if self.dims == 2 || (z >= w.z[0] && z <= w.z[1]) {
                    g *= 0.5;
                }
            }
        }
        for &s in &self.slabs {
            if (p[2] - s) * (q[2] - s) < 0.0 {
                g *= 0.3;
            }
        }
        g
    }

    /// Outer-wall images of a point: mirrored in x = 0, x = W, y = 0, y = H (and z = 0,
    /// z = top in 3-D).
    fn images(&self, p: [f32; 3]) -> Vec<[f32; 3]> {
        let mut v = Vec::new();
        for axis in 0..self.dims {
            for plane in [0.0, self.size[axis]] {
                let mut q = p;
                q[axis] = 2.0 * plane - p[axis];
                v.push(q);
            }
        }
        v
    }

    /// Complex channel per FFT bin (64, FFT order) from the access point to `rx` with the
    /// person standing at `person` (z = floor height of the person's storey).
    pub fn channel(&self, rx: [f32; 3], person: [f32; 3]) -> Vec<(f32, f32)> {
        let lambda = C / FC;
        let p = if self.dims == 2 { [person[0], person[1], 0.0] } else { [person[0], person[1], person[2] + BODY_Z] };
        // (length, amplitude) of each ray.
        let mut rays: Vec<(f32, f32)> = Vec::new();
        let shadow = |a: [f32; 3], b: [f32; 3]| -> f32 {
            let d = point_seg_dist(p, a, b);
            1.0 - 0.7 * (-(d / 0.3).powi(2)).exp()
        };
        let mut sources = vec![(self.ap, 1.0f32)];
        sources.extend(self.images(self.ap).into_iter().map(|s| (s, 0.5)));
        for &(s, refl) in &sources {
            let l = dist(s, rx);
            rays.push((l, refl * lambda / (4.0 * PI * l) * self.penetration(s, rx) * shadow(s, rx)));
            // via the person (bistatic point scatterer, 0.4 m effective size)
            let (l1, l2) = (dist(s, p), dist(p, rx));
            let g = refl * 0.4 * lambda / (4.0 * PI * l1 * l2).max(1e-3) * self.penetration(s, p) * self.penetration(p, rx);
            rays.push((l1 + l2, g));
        }
        (0..64)
            .map(|bin| {
                let k = if bin < 32 { bin as f32 } else { bin as f32 - 64.0 };
                let f = FC + k * DF;
                let (mut re, mut im) = (0.0f32, 0.0f32);
                for &(l, a) in &rays {
                    let ph = -TAU * (f * l / C).fract();
                    re += a * ph.cos();
                    im += a * ph.sin();
                }
                (re, im)
            })
            .collect()
    }

    pub fn sketch(&self) -> Sketch {
        let zones = self
            .rooms
            .iter()
            .map(|r| {
                let (mut lo, mut hi) = (r.lo, r.hi);
                if self.dims == 2 {
                    lo[2] = 0.0;
                    hi[2] = 0.0;
                }
                ZoneBox { name: r.name.to_string(), lo, hi }
            })
            .collect();
        Sketch::new(zones, self.ap, "the access point's mounting position (known to the installer)".into())
    }

    /// A walk of `seconds`: random rooms, random spots in them (0.4 m from the walls), routed
    /// via the rooms' doors (and the stairs between storeys) at 1 m/s, pausing 2–10 s. Returns
    /// the person's position (floor height in z) at each packet.
    pub fn walk(&self, seconds: f32, rng: &mut StdRng) -> Vec<[f32; 3]> {
        let n = (seconds * RATE) as usize;
        let spot = |r: &Room, rng: &mut StdRng| -> [f32; 3] { [rng.random_range(r.lo[0] + 0.4..r.hi[0] - 0.4), rng.random_range(r.lo[1] + 0.4..r.hi[1] - 0.4), r.lo[2]] };
        let mut cur_room = rng.random_range(0..self.rooms.len());
        let mut pos = spot(&self.rooms[cur_room], rng);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let pause = (rng.random_range(2.0..10.0) * RATE) as usize;
            out.extend(std::iter::repeat_n(pos, pause));
            let next = rng.random_range(0..self.rooms.len());
            let target = spot(&self.rooms[next], rng);
            let mut route = vec![self.rooms[cur_room].door];
            let (s0, s1) = (self.storey(self.rooms[cur_room].lo[2] + 0.1), self.storey(self.rooms[next].lo[2] + 0.1));
            if s0 != s1 {
                route.push(self.stairs[s0]);
                route.push(self.stairs[s1]);
            }
            route.push(self.rooms[next].door);
            route.push(target);
            for q in route {
                let steps = (dist(pos, q) * RATE).ceil().max(1.0) as usize; // 1 m/s
                for i in 1..=steps {
                    let t = i as f32 / steps as f32;
                    // Stairs: the height changes only on the stair leg.
                    out.push([0, 1, 2].map(|d| pos[d] + t * (q[d] - pos[d])));
                }
                pos = q;
            }
            cur_room = next;
        }
        out.truncate(n);
        out
    }
}

fn dist(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

fn point_seg_dist(p: [f32; 3], a: [f32; 3], b: [f32; 3]) -> f32 {
    let ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
    let l2 = ab.iter().map(|v| v * v).sum::<f32>().max(1e-9);
    let t = (ab.iter().zip(&ap).map(|(x, y)| x * y).sum::<f32>() / l2).clamp(0.0, 1.0);
    dist(p, [a[0] + t * ab[0], a[1] + t * ab[1], a[2] + t * ab[2]])
}

/// Parameter t ∈ (0, 1) along p→q where it crosses segment a–b, if it does.
fn seg_cross(p: [f32; 2], q: [f32; 2], a: [f32; 2], b: [f32; 2]) -> Option<f32> {
    let r = [q[0] - p[0], q[1] - p[1]];
    let s = [b[0] - a[0], b[1] - a[1]];
    let den = r[0] * s[1] - r[1] * s[0];
    if den.abs() < 1e-9 {
        return None;
    }
    let w = [a[0] - p[0], a[1] - p[1]];
    let t = (w[0] * s[1] - w[1] * s[0]) / den;
    let u = (w[0] * r[1] - w[1] * r[0]) / den;
    (t > 0.0 && t < 1.0 && (0.0..=1.0).contains(&u)).then_some(t)
}

fn gauss(rng: &mut StdRng) -> f32 {
    let (u1, u2): (f32, f32) = (rng.random_range(f32::EPSILON..1.0), rng.random());
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// One received packet: the channel with noise (SNR in dB), a random common phase, timing
/// offset and gain, quantised to int16 I/Q as Nexmon reports it.
pub fn packet(h: &[(f32, f32)], snr_db: f32, rng: &mut StdRng) -> Vec<(i16, i16)> {
    let power = h.iter().map(|(r, i)| r * r + i * i).sum::<f32>() / h.len() as f32;
    let sigma = (power / 10f32.powf(snr_db / 10.0) / 2.0).sqrt();
    let phase0 = rng.random_range(0.0..TAU);
    let slope = rng.random_range(-0.3..0.3);
    let gain = rng.random_range(0.7..1.3) * 2000.0 / power.sqrt().max(1e-12);
    h.iter()
        .enumerate()
        .map(|(bin, &(re, im))| {
            let k = if bin < 32 { bin as f32 } else { bin as f32 - 64.0 };
            let (re, im) = (re + sigma * gauss(rng), im + sigma * gauss(rng));
            let ph = phase0 + slope * k;
            let (c, s) = (ph.cos(), ph.sin());
            let q = |v: f32| (v * gain).round().clamp(-32768.0, 32767.0) as i16;
            if bin == 0 || (29..=35).contains(&bin) {
                (0, 0) // DC and guard bins carry nothing, as in real captures
            } else {
                (q(re * c - im * s), q(re * s + im * c))
            }
        })
        .collect()
}

/// Samples of one walk: per window of [`WINDOW`] packets and per sniffer, the mean and the
/// standard deviation over time of each subcarrier's sanitised amplitude, concatenated. The
/// mean is a fine-grained fingerprint (the person's ray changes phase every few centimetres);
/// the spread measures how strongly the moving person scatters towards that sniffer, a
/// smooth function of where the person is. Each sample is its own evaluation group.
fn split(scene: &Scene, sketch: &Sketch, walk: &[[f32; 3]], session: usize, rng: &mut StdRng) -> Split {
    let sc = Subcarriers::new(64, false).expect("64-bin tone map");
    let n = sc.len();
    let mut out = Split::default();
    for (w, chunk) in walk.chunks_exact(WINDOW).enumerate() {
        let mut csi = vec![0f32; 2 * n * scene.sniffers.len()];
        for (r, &rx) in scene.sniffers.iter().enumerate() {
            let amps: Vec<Vec<f32>> = chunk
                .iter()
                .filter_map(|person| {
                    // Nobody stands perfectly still: the body sways by a few centimetres.
                    let sway = [person[0] + SWAY * gauss(rng), person[1] + SWAY * gauss(rng), person[2]];
                    sanitize(&packet(&scene.channel(rx, sway), 25.0, rng), &sc)
                })
                .map(|s| s.amplitude)
                .collect();
            let m = amps.len().max(1) as f32;
            for j in 0..n {
                let mean = amps.iter().map(|a| a[j]).sum::<f32>() / m;
                let var = amps.iter().map(|a| (a[j] - mean).powi(2)).sum::<f32>() / m;
                csi[2 * r * n + j] = mean;
                csi[(2 * r + 1) * n + j] = var.sqrt();
            }
        }
        let mid = chunk[WINDOW / 2];
        let pos = if scene.dims == 2 { [mid[0], mid[1], 0.0] } else { [mid[0], mid[1], mid[2] + BODY_Z] };
        let group = out.groups.len();
        out.groups.push(Group { name: format!("t = {:.1} s", w as f32 * WINDOW as f32 / RATE), zone: sketch.zone_at(pos), pos });
        out.samples.push(Sample { csi, rssi: None, group, session, t: w as f32 * WINDOW as f32 / RATE });
    }
    out
}

/// A simulated dataset: a 240 s training walk and a separate 120 s test walk.
pub fn dataset(scene: &Scene, seed: u64, train_s: f32, test_s: f32) -> Dataset {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_0f_5c3e);
    let sketch = scene.sketch();
    let walk_a = scene.walk(train_s, &mut rng);
    let walk_b = scene.walk(test_s, &mut rng);
    let train = split(scene, &sketch, &walk_a, 0, &mut rng);
    let test = split(scene, &sketch, &walk_b, 1, &mut rng);
    Dataset {
        name: format!("simulated {} ({}-D)", scene.name, scene.dims),
        simulated: true,
        dims: scene.dims,
        sketch,
        train,
        test,
        window: WINDOW,
        positive_dt: 1.0,
        negative_dt: 10.0,
        notes: vec![format!("SIMULATED: {} sniffers, {RATE} packets/s, {WINDOW} packets per sample", scene.sniffers.len())],
    }
}

/// A scene name that is not `office` or `home`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scene `{0}` (office, home)")]
pub struct UnknownScene(pub String);

/// The named scene's dataset (`office` or `home`).
pub fn scene(name: &str, seed: u64) -> Result<Dataset, UnknownScene> {
    let s = match name {
        "office" => Scene::office(),
        "home" => Scene::home(),
        _ => return Err(UnknownScene(name.to_string())),
    };
    Ok(dataset(&s, seed, 240.0, 120.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_path_only_has_free_space_amplitude_and_linear_phase() {
        let mut s = Scene::office();
        s.walls.clear();
        // Person far away in a corner: at 10 cm from the sniffer the shadowing is off-axis.
        let rx = [6.0, 1.0, 0.0];
        let h = s.channel(rx, [0.5, 7.5, 0.0]);
        // Strongest contribution: the direct ray, 2.9 m.
        let amp = (h[5].0.powi(2) + h[5].1.powi(2)).sqrt();
        let free = C / FC / (4.0 * PI * 2.9);
        assert!(amp > 0.3 * free && amp < 2.5 * free, "{amp} vs {free}");
    }

    #[test]
    fn walks_stay_in_the_building_and_visit_rooms() {
        let s = Scene::home();
        let mut rng = StdRng::seed_from_u64(3);
        let w = s.walk(300.0, &mut rng);
        assert_eq!(w.len(), 15000);
        let sk = s.sketch();
        let mut seen = vec![false; s.rooms.len()];
        for p in &w {
            assert!(p[0] >= 0.0 && p[0] <= 10.0 && p[1] >= 0.0 && p[1] <= 8.0 && (p[2] == 0.0 || p[2] == 3.0 || (p[2] > 0.0 && p[2] < 3.0)));
            seen[sk.zone_at([p[0], p[1], p[2] + BODY_Z])] = true;
        }
        assert!(seen.iter().filter(|&&v| v).count() >= 5, "{seen:?}");
    }

    #[test]
    fn walls_attenuate() {
        let s = Scene::office();
        assert_eq!(s.penetration([1.0, 1.0, 0.0], [1.0, 2.0, 0.0]), 1.0);
        assert_eq!(s.penetration([1.5, 6.0, 0.0], [4.5, 6.0, 0.0]), 0.5); // x = 3 wall
        assert_eq!(s.penetration([1.5, 3.75, 0.0], [1.5, 6.0, 0.0]), 1.0); // through the door
        let h = Scene::home();
        assert!((h.penetration([1.0, 1.0, 1.0], [1.0, 1.0, 4.0]) - 0.3).abs() < 1e-6);
    }

    #[test]
    fn same_seed_same_data() {
        let s = Scene::office();
        let a = dataset(&s, 7, 20.0, 10.0);
        let b = dataset(&s, 7, 20.0, 10.0);
        assert_eq!(a.train.samples.len(), 40);
        assert_eq!(a.test.samples.len(), 20);
        assert_eq!(a.train.samples[5].csi, b.train.samples[5].csi);
        assert_eq!(a.train.samples[0].csi.len(), 5 * 2 * 52);
    }
}
