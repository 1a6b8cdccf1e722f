//! Frames as the codec sees them: full-range YCbCr (JPEG/BT.601 matrix), 4:4:4, 8 bits per
//! sample, one plane per component.

use edgeplay_core::Image;

/// A YCbCr 4:4:4 frame: `planes[0]` = Y, `[1]` = Cb, `[2]` = Cr, each `width * height`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub planes: [Vec<u8>; 3],
}

#[inline]
fn q(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

impl Frame {
    /// A frame of one value per component.
    pub fn filled(width: usize, height: usize, v: [u8; 3]) -> Frame {
        Frame { width, height, planes: v.map(|c| vec![c; width * height]) }
    }

    /// From an RGB (or grey) image.
    pub fn from_image(img: &Image) -> Frame {
        let (w, h) = (img.width as usize, img.height as usize);
        let mut planes = [Vec::with_capacity(w * h), Vec::with_capacity(w * h), Vec::with_capacity(w * h)];
        for p in img.data.chunks_exact(img.channels as usize) {
            let (r, g, b) = if p.len() == 1 { (p[0], p[0], p[0]) } else { (p[0], p[1], p[2]) };
            let (r, g, b) = (r as f32, g as f32, b as f32);
            planes[0].push(q(0.299 * r + 0.587 * g + 0.114 * b));
            planes[1].push(q(128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b));
            planes[2].push(q(128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b));
        }
        Frame { width: w, height: h, planes }
    }

    /// To an RGB image.
    pub fn to_image(&self) -> Image {
        let mut data = Vec::with_capacity(self.width * self.height * 3);
        for i in 0..self.width * self.height {
            let y = self.planes[0][i] as f32;
            let cb = self.planes[1][i] as f32 - 128.0;
            let cr = self.planes[2][i] as f32 - 128.0;
            data.extend([q(y + 1.402 * cr), q(y - 0.344_136 * cb - 0.714_136 * cr), q(y + 1.772 * cb)]);
        }
        Image { width: self.width as u32, height: self.height as u32, channels: 3, data }
    }

    /// RGBA bytes for a canvas.
    pub fn to_rgba(&self) -> Vec<u8> {
        self.to_image().to_rgba()
    }
}

/// PSNR of the Y planes (dB).
pub fn psnr_y(a: &Frame, b: &Frame) -> f64 {
    edgeplay_core::metrics::psnr(&a.planes[0], &b.planes[0])
}

/// PSNR over R, G and B after converting both frames back to RGB (dB).
pub fn psnr_rgb(a: &Frame, b: &Frame) -> f64 {
    edgeplay_core::metrics::psnr(&a.to_image().data, &b.to_image().data)
}

/// Area-average downscale of an image by an integer factor (4K input → widget size): each
/// output pixel is the rounded mean of its `factor x factor` cell, cut by the image's edge (a
/// side shorter than the factor becomes one pixel).
pub fn downscale(img: &Image, factor: u32) -> Image {
    if factor <= 1 {
        return img.clone();
    }
    let c = img.channels as usize;
    let (iw, ih) = (img.width as usize, img.height as usize);
    let f = factor as usize;
    let (w, h) = ((iw / f).max(1), (ih / f).max(1));
    let mut data = vec![0u8; w * h * c];
    for y in 0..h {
        let ys = y * f..((y + 1) * f).min(ih);
        for x in 0..w {
            let xs = x * f..((x + 1) * f).min(iw);
            let n = (ys.len() * xs.len()) as u32;
            for k in 0..c {
                let mut s = 0u32;
                for yy in ys.clone() {
                    for xx in xs.clone() {
                        s += img.data[(yy * iw + xx) * c + k] as u32;
                    }
                }
                data[(y * w + x) * c + k] = ((s + n / 2) / n) as u8;
            }
        }
    }
    Image { width: w as u32, height: h as u32, channels: img.channels, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ycbcr_round_trip_is_close() {
        let data: Vec<u8> = (0..64 * 3).map(|i| (i * 37 % 256) as u8).collect();
        let img = Image::new(8, 8, 3, data).unwrap();
        let back = Frame::from_image(&img).to_image();
        let worst = img.data.iter().zip(&back.data).map(|(a, b)| (*a as i32 - *b as i32).abs()).max().unwrap();
        assert!(worst <= 3, "worst {worst}");
    }

    #[test]
    fn downscale_averages() {
        let img = Image::new(4, 2, 1, vec![0, 2, 10, 10, 4, 6, 10, 10]).unwrap();
        assert_eq!(downscale(&img, 2).data, [3, 10]);
        // A side shorter than the factor (found by `cargo fuzz run video_y4m`).
        let thin = Image::new(3, 40, 1, (0..120).map(|i| i as u8).collect()).unwrap();
        let d = downscale(&thin, 10);
        assert_eq!((d.width, d.height), (1, 4));
        assert_eq!(d.data[0], ((0..30).sum::<u32>() as f32 / 30.0).round() as u8);
    }
}
