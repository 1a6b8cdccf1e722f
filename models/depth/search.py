"""A small DONNA-style hardware-aware search for a faster depth student.

Space (around FastDepth's MobileNet-NNConv5, `net.Arch`): width multipliers {0.5, 0.75, 1} for
four encoder groups (blocks 1–3, 4–5, 6–11, 12–13), 1, 3 or 5 of the stride-1 blocks 7–11 at
1/16 resolution, decoder depthwise kernel 3 or 5, and {0.5, 1} for the two decoder widths not
tied to a skip. Steps, as in DONNA (Moons et al., 2021) at this project's scale:

1. every candidate with at most --max-macs of FastDepth's MACs; a seeded sample of them is
   exported (weights inherited from the teacher) and **timed on this machine** with the
   project's own executor (`edgeplay --backend cpu depth --bench`, tract), interleaved with
   FastDepth so that each latency is a ratio measured under the same load;
2. the fastest-for-their-MACs candidates under --max-latency (a ratio) get a short
   distillation from the teacher (weights inherited, --steps steps on the video's training
   frames and the training photos) and are scored on photos held out of that training;
3. the best score under the latency limit is written to --out (architecture JSON) and the
   whole table to --table.

    python3 models/depth/search.py [--teacher models/fastdepth/fastdepth.onnx] [--sample 40]
"""
import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from net import Arch, FASTDEPTH_DEC, FASTDEPTH_ENC, SKIPS, export_onnx, inherit, macs, params  # noqa: E402
from train import FASTDEPTH, load_depth  # noqa: E402

GROUPS = [(0, 3), (3, 5), (5, 11), (11, 13)]  # encoder block index ranges [a, b)
MULTS = (0.5, 0.75, 1.0)


def make_arch(g, n16, kernel, dec_mult):
    a = Arch.fastdepth()
    for (lo, hi), m in zip(GROUPS, g):
        for i in range(lo, hi):
            a.enc[i] = max(8, int(round(FASTDEPTH_ENC[i][0] * m / 8)) * 8)
    # Keep the first n16 of the stride-1 blocks 7–11 (indices 6–10); dropped ones pass through.
    for i in range(6, 11):
        a.keep[i] = i < 6 + n16
        if not a.keep[i]:
            a.enc[i] = a.enc[i - 1]
    for d in range(5):
        if d in SKIPS:
            a.dec[d] = a.enc[SKIPS[d]]
        else:
            a.dec[d] = max(8, int(round(FASTDEPTH_DEC[d] * dec_mult / 8)) * 8)
    a.dec_kernel = kernel
    a.check()
    return a


def space():
    for g in itertools.product(MULTS, repeat=4):
        for n16 in (1, 3, 5):
            for k in (3, 5):
                for dm in (0.5, 1.0):
                    yield {"groups": list(g), "n16": n16, "kernel": k, "dec": dm}


def bench(cli, onnx_path, runs):
    out = subprocess.run([cli, "--backend", "cpu", "--model", onnx_path, "depth", "--bench", str(runs), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["net_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teacher", default=FASTDEPTH)
    ap.add_argument("--cli", default=os.path.join(data.ROOT, "target", "release", "edgeplay"))
    ap.add_argument("--max-macs", type=float, default=0.5, help="fraction of FastDepth's MACs")
    ap.add_argument("--max-latency", type=float, default=0.65, help="fraction of FastDepth's measured time")
    ap.add_argument("--sample", type=int, default=40, help="candidates timed")
    ap.add_argument("--finalists", type=int, default=8, help="candidates distilled and scored")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--runs", type=int, default=9, help="timed runs per candidate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--video", default=data.KITCHEN)
    ap.add_argument("--val", default="240..299", help="the video's held-out frames (never used here)")
    ap.add_argument("--photos", nargs="+", default=None, help="photo folders (default photos-train, photos-train-extra)")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(data.HERE, "student.json"))
    ap.add_argument("--table", default=os.path.join(data.HERE, "search.json"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if not os.path.exists(a.cli):
        sys.exit(f"{a.cli} is missing: cargo build --release -p edgeplay-cli")
    rng = random.Random(a.seed)
    teacher = load_depth(a.teacher).eval()
    full = macs(Arch.fastdepth(), a.size, a.size)
    cands = []
    for c in space():
        arch = make_arch(c["groups"], c["n16"], c["kernel"], c["dec"])
        m = macs(arch, a.size, a.size)
        if m <= a.max_macs * full:
            cands.append({**c, "arch": json.loads(arch.to_json()), "macs": m})
    print(f"{len(cands)} candidates with ≤ {a.max_macs:.0%} of FastDepth's {full / 1e6:.0f} M MACs; timing {a.sample}", flush=True)
    sample = rng.sample(cands, min(a.sample, len(cands)))

    # 1. Latency on this machine, each as a ratio to FastDepth timed right before it.
    tmp = tempfile.mkdtemp()
    ref_path = export_onnx(teacher, os.path.join(tmp, "fastdepth.onnx"), a.size)
    for i, c in enumerate(sample):
        net = inherit(teacher, Arch.from_json(c["arch"])).eval()
        path = export_onnx(net, os.path.join(tmp, f"c{i}.onnx"), a.size)
        ref = bench(a.cli, ref_path, a.runs)
        ms = bench(a.cli, path, a.runs)
        c.update(ms=ms, ref_ms=ref, latency=ms / ref, params=params(net))
        print(f"[{i + 1}/{len(sample)}] {c['macs'] / full:.2f} MACs  {c['latency']:.2f} time  ({ms:.1f} vs {ref:.1f} ms)  "
              f"groups {c['groups']} n16 {c['n16']} k{c['kernel']} dec {c['dec']}", flush=True)

    # 2. Finalists: under the latency limit, the largest by MACs (capacity) with a spread.
    ok = sorted([c for c in sample if c["latency"] <= a.max_latency], key=lambda c: -c["macs"])
    finalists = ok[:a.finalists]
    if not finalists:
        sys.exit(f"no sampled candidate runs in ≤ {a.max_latency:.0%} of FastDepth's time")
    lo, hi = (int(v) for v in a.val.split(".."))
    video = data.Video(a.video, a.size, (lo, hi))
    train_pics = video.frames[video.train_targets([0])]
    photos = data.photos(a.size, a.photos)
    n_held = max(1, min(8, len(photos) // 4))  # the last photos score, the rest train
    held = photos[-n_held:]
    train_pics = torch.cat([train_pics, photos[:-n_held]])
    with torch.no_grad():
        held_t = torch.log(teacher(held.float() / 255).clamp(0.1, 10))
    for j, c in enumerate(finalists):
        torch.manual_seed(a.seed)
        r = random.Random(a.seed)
        net = inherit(teacher, Arch.from_json(c["arch"]))
        net.train()
        opt = torch.optim.Adam(net.parameters(), lr=2e-4)
        t0 = time.time()
        for s in range(a.steps):
            ids = [r.randrange(len(train_pics)) for _ in range(8)]
            x = train_pics[ids].float() / 255
            with torch.no_grad():
                t = torch.log(teacher(x).clamp(0.1, 10))
            loss = (torch.log(net(x).clamp(0.1, 10)) - t).abs().mean()
            opt.zero_grad(); loss.backward(); opt.step()
        net.eval()
        with torch.no_grad():
            err = (torch.log(net(held.float() / 255).clamp(0.1, 10)) - held_t).abs().mean().item()
        c["score"] = err
        print(f"finalist {j + 1}/{len(finalists)}: held-out |log d − log teacher| {err:.4f}, {c['latency']:.2f} time, "
              f"{c['macs'] / full:.2f} MACs ({time.time() - t0:.0f} s)", flush=True)
    best = min(finalists, key=lambda c: c["score"])
    with open(a.out, "w") as f:
        json.dump(best["arch"], f, indent=1)
    with open(a.table, "w") as f:
        json.dump({"teacher": os.path.relpath(a.teacher, data.ROOT), "fastdepth_macs": full, "max_macs": a.max_macs,
                   "max_latency": a.max_latency, "steps": a.steps, "seed": a.seed, "space_size": len(cands),
                   "sampled": sample, "best": best}, f, indent=1)
    print(f"best: {best['macs'] / full:.2f} of FastDepth's MACs, {best['latency']:.2f} of its time, score {best['score']:.4f} → {a.out}", flush=True)


if __name__ == "__main__":
    main()
