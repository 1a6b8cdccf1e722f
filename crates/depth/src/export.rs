//! Downloads: depth as a 16-bit PNG (millimetres for metric models), and the point cloud as a
//! binary PLY with colours, back-projected with a pinhole camera of a given horizontal field
//! of view centred on the picture.

use image::ImageEncoder;

/// Depth → uint16 values: millimetres for metric depth (1..=65534, 0 where invalid); for
/// relative output the map's range scaled to 1..=65535.
pub fn to_u16(depth: &[f32], metric: bool) -> Vec<u16> {
    let (lo, hi) = crate::colormap::range(depth).unwrap_or((0.0, 1.0));
    depth
        .iter()
        .map(|&d| {
            if !d.is_finite() {
                0
            } else if metric {
                (d * 1000.0).round().clamp(1.0, 65534.0) as u16
            } else {
                let t = if hi > lo { (d - lo) / (hi - lo) } else { 0.5 };
                (1.0 + t * 65534.0).round() as u16
            }
        })
        .collect()
}

/// A 16-bit greyscale PNG of `w` x `h` values.
pub fn png16(values: &[u16], w: u32, h: u32) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    // The encoder takes native-endian 16-bit samples as bytes.
    let native: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    image::codecs::png::PngEncoder::new(&mut out).write_image(&native, w, h, image::ExtendedColorType::L16)?;
    Ok(out)
}

/// Focal length in pixels for a horizontal field of view over a picture `w` pixels wide.
pub fn focal(w: usize, fov_deg: f32) -> f32 {
    (w as f32 / 2.0) / (fov_deg.clamp(1.0, 179.0).to_radians() / 2.0).tan()
}

/// Back-projects pixel centre (x, y) at depth `d`: x right, y up, z towards the viewer
/// (the camera looks down −z), in the depth's units.
pub fn point(x: usize, y: usize, d: f32, w: usize, h: usize, f: f32) -> [f32; 3] {
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    [(x as f32 + 0.5 - cx) * d / f, -(y as f32 + 0.5 - cy) * d / f, -d]
}

/// Binary little-endian PLY with one coloured vertex per valid (finite, positive) depth
/// pixel. `rgb` is interleaved with `stride` bytes per pixel (3 or 4).
pub fn ply(depth: &[f32], rgb: &[u8], stride: usize, w: usize, h: usize, fov_deg: f32) -> Vec<u8> {
    let f = focal(w, fov_deg);
    let valid = |d: f32| d.is_finite() && d > 0.0;
    let n = depth.iter().filter(|&&d| valid(d)).count();
    let mut out = format!(
        "ply\nformat binary_little_endian 1.0\ncomment Edgeplay depth, horizontal field of view {fov_deg} degrees\nelement vertex {n}\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n"
    )
    .into_bytes();
    out.reserve(n * 15);
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let d = depth[i];
            if !valid(d) {
                continue;
            }
            for v in point(x, y, d, w, h, f) {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&rgb[i * stride..i * stride + 3]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millimetres_round_trip_through_png() {
        let depth = [0.5f32, 1.2345, 70.0, f32::NAN];
        let mm = to_u16(&depth, true);
        assert_eq!(mm, vec![500, 1235, 65534, 0]);
        let png = png16(&mm, 2, 2).unwrap();
        let back = image::load_from_memory(&png).unwrap().into_luma16();
        assert_eq!(back.as_raw(), &mm);
    }

    #[test]
    fn ply_has_one_vertex_per_valid_pixel() {
        let depth = [1.0f32, f32::NAN, 2.0, 0.0];
        let rgb = [10u8, 20, 30, 255, 0, 0, 0, 255, 1, 2, 3, 255, 4, 5, 6, 255];
        let p = ply(&depth, &rgb, 4, 2, 2, 90.0);
        let head_end = p.windows(11).position(|w| w == b"end_header\n").unwrap() + 11;
        let header = std::str::from_utf8(&p[..head_end]).unwrap();
        assert!(header.contains("element vertex 2\n"));
        assert_eq!(p.len() - head_end, 2 * 15);
        // First vertex: pixel (0, 0) at 1 m, 90° over 2 px → f = 1; x = (0.5 − 1)·1 = −0.5.
        let x = f32::from_le_bytes(p[head_end..head_end + 4].try_into().unwrap());
        let z = f32::from_le_bytes(p[head_end + 8..head_end + 12].try_into().unwrap());
        assert!((x + 0.5).abs() < 1e-6 && (z + 1.0).abs() < 1e-6);
        assert_eq!(&p[head_end + 12..head_end + 15], &[10, 20, 30]);
    }
}
