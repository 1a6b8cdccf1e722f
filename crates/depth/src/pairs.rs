//! RGB-D pairs in the shared layout: `NAME.color.png` or `NAME.color.jpg` beside
//! `NAME.depth.png` (uint16 millimetres; 0 and 65535 = no measurement), found recursively
//! under a folder. A pair's group is its folder relative to the root, or, for pairs directly
//! in the root, the part of NAME before the first `-` or `_`.

use std::path::{Path, PathBuf};

use crate::Error;

#[derive(Clone, Debug)]
pub struct Pair {
    pub name: String,
    pub group: String,
    pub color: PathBuf,
    pub depth: PathBuf,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Every pair under `root`, sorted by path.
pub fn find(root: &Path) -> Result<Vec<Pair>, Error> {
    let mut files = Vec::new();
    walk(root, &mut files).map_err(|e| Error::Io(format!("{}: {e}", root.display())))?;
    let mut pairs = Vec::new();
    for f in &files {
        let Some(file) = f.file_name().and_then(|n| n.to_str()) else { continue };
        let Some(name) = file.strip_suffix(".depth.png") else { continue };
        let dir = f.parent().unwrap_or(root);
        let color = ["png", "jpg", "jpeg"].iter().map(|e| dir.join(format!("{name}.color.{e}"))).find(|p| p.is_file());
        let Some(color) = color else { continue };
        let rel = dir.strip_prefix(root).unwrap_or(Path::new("")).to_string_lossy().into_owned();
        let group = if rel.is_empty() { name.split(['-', '_']).next().unwrap_or(name).to_string() } else { rel };
        pairs.push(Pair { name: name.into(), group, color, depth: f.clone() });
    }
    Ok(pairs)
}

/// A pair's ground truth in millimetres and its size.
pub fn read_depth_mm(path: &Path) -> Result<(Vec<u16>, u32, u32), Error> {
    let img = image::open(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    if !matches!(img, image::DynamicImage::ImageLuma16(_)) {
        return Err(Error::Io(format!("{}: not a 16-bit greyscale PNG", path.display())));
    }
    let g = img.into_luma16();
    let (w, h) = g.dimensions();
    Ok((g.into_raw(), w, h))
}
