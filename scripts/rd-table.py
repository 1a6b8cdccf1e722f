"""Markdown table of the means in `edgeplay rd --json` output.

    python3 scripts/rd-table.py docs/rd-kodak-rgb.json
"""
import json
import sys

from codecs_meta import CODECS

NAMES = {c: v[0] for c, v in CODECS.items()}
for path in sys.argv[1:]:
    d = json.load(open(path))
    grey = d["grey"]
    rates = sorted({p["target_bpp"] for p in d["mean"]})
    codecs = [c for c in NAMES if any(p["codec"] == c for p in d["mean"])]
    m = {(p["codec"], p["target_bpp"]): p for p in d["mean"]}
    print(f"Kodak ({d['images']} images, {'grey' if grey else 'colour'}), mean of each codec at each target rate; "
          f"cells: {'PSNR-Y' if grey else 'PSNR-RGB / PSNR-Y'} dB, MS-SSIM, actual bpp.\n")
    print("| target bpp | " + " | ".join(NAMES[c] for c in codecs) + " |")
    print("|---:|" + "---|" * len(codecs))
    for r in rates:
        cells = []
        for c in codecs:
            p = m.get((c, r))
            if not p:
                cells.append("—")
                continue
            q = f"{p['psnr_y']:.2f}" if grey else f"{p['psnr_rgb']:.2f} / {p['psnr_y']:.2f}"
            cells.append(f"{q}, {p['ms_ssim']:.4f}, {p['bpp']:.3f}")
        print(f"| {r:g} | " + " | ".join(cells) + " |")
    for n in d["notes"]:
        print(f"\nNote: {n}")
    print()
