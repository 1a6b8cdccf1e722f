"""RD plot of `edgeplay rd --json` output: mean PSNR and MS-SSIM vs bpp per codec.

    python3 scripts/rd-plot.py docs/rd-kodak-rgb.json docs/rd-kodak-grey.json -o docs/rd-kodak.png
(needs matplotlib: pip install matplotlib)
"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from codecs_meta import CODECS  # noqa: E402

STYLE = {c: v[1:] for c, v in CODECS.items()}

ap = argparse.ArgumentParser()
ap.add_argument("inputs", nargs="+")
ap.add_argument("-o", "--output", required=True)
args = ap.parse_args()

fig, axes = plt.subplots(len(args.inputs), 2, figsize=(11, 4.2 * len(args.inputs)), squeeze=False)
for row, path in zip(axes, args.inputs):
    d = json.load(open(path))
    kind = "grey (luma)" if d["grey"] else "colour"
    metric = "psnr_y" if d["grey"] else "psnr_rgb"
    for codec, (label, color, marker) in STYLE.items():
        pts = sorted((p for p in d["mean"] if p["codec"] == codec), key=lambda p: p["bpp"])
        if not pts:
            continue
        bpp = [p["bpp"] for p in pts]
        row[0].plot(bpp, [p[metric] for p in pts], marker=marker, color=color, label=label)
        row[1].plot(bpp, [p["ms_ssim"] for p in pts], marker=marker, color=color, label=label)
    row[0].set_ylabel("PSNR-Y (dB)" if d["grey"] else "PSNR-RGB (dB)")
    row[1].set_ylabel("MS-SSIM (luma)")
    for ax in row:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("bits per pixel")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_title(f"Kodak, {d['images']} images, {kind}: mean")
        ax.legend(loc="lower right", fontsize=9)
fig.tight_layout()
fig.savefig(args.output, dpi=110)
print(f"wrote {args.output}")
