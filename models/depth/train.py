"""Self-supervised depth from a posed video, with X-Distill's cross-task term, and the
distillation of a slimmer student.

    # Monodepth2-style fine-tuning of FastDepth on the kitchen video (pose network)
    python3 models/depth/train.py --run selfsup
    # ... plus the cross-task distillation term (segmentation teacher → translation head)
    python3 models/depth/train.py --run xdistill --xdistill 0.1
    # ablation: the dataset's camera poses instead of the pose network
    python3 models/depth/train.py --run selfsup-gtpose --pose gt
    # the student: an architecture from search.py, distilled from a trained network
    python3 models/depth/train.py --run student --mode student --arch models/depth/student.json \
        --teacher models/depth/ckpt/xdistill/last.pt --xdistill 0.1

Every run checkpoints to models/depth/ckpt/RUN/last.pt (atomic, every --save-every steps)
and resumes from it; --export FILE.onnx writes the depth network (also with --steps 0).
Validation (held-out frames 240–299 of the video, Kinect depth, never trained on) goes to
ckpt/RUN/log.jsonl; the published numbers come from `edgeplay depth --eval`.
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from net import Arch, DepthNet, PoseNet, SegHead, export_onnx, inherit, load_fastdepth, macs, params  # noqa: E402

HERE = data.HERE
FASTDEPTH = os.path.join(data.ROOT, "models", "fastdepth", "fastdepth.onnx")


# --- geometry -------------------------------------------------------------------------------

def axis_angle_to_matrix(v):
    """N×3 axis-angle → N×3×3 rotation (Rodrigues)."""
    theta = v.norm(dim=1, keepdim=True).clamp(min=1e-8)
    k = v / theta
    K = torch.zeros(v.shape[0], 3, 3, dtype=v.dtype)
    K[:, 0, 1], K[:, 0, 2] = -k[:, 2], k[:, 1]
    K[:, 1, 0], K[:, 1, 2] = k[:, 2], -k[:, 0]
    K[:, 2, 0], K[:, 2, 1] = -k[:, 1], k[:, 0]
    th = theta[:, :, None]
    return torch.eye(3)[None] + torch.sin(th) * K + (1 - torch.cos(th)) * (K @ K)


def pose_matrix(p):
    """N×6 (axis-angle, translation) → N×4×4."""
    T = torch.zeros(p.shape[0], 4, 4)
    T[:, :3, :3] = axis_angle_to_matrix(p[:, :3])
    T[:, :3, 3] = p[:, 3:]
    T[:, 3, 3] = 1
    return T


def warp(src, depth, T, K):
    """Samples `src` at the projections of the target's pixels (depth N×1×H×W, T N×4×4 target →
    source). Returns the warped picture and a mask of pixels that land inside the source."""
    n, _, h, w = depth.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    pix = torch.stack([xs + 0.5, ys + 0.5, torch.ones_like(xs)], 0).reshape(3, -1)  # pixel centres
    rays = torch.linalg.inv(K) @ pix
    pts = depth.reshape(n, 1, -1) * rays[None]
    pts = T[:, :3, :3] @ pts + T[:, :3, 3:]
    proj = K[None] @ pts
    z = proj[:, 2:].clamp(min=1e-3)
    u, v = proj[:, 0] / z[:, 0], proj[:, 1] / z[:, 0]
    gx, gy = 2 * u / w - 1, 2 * v / h - 1
    grid = torch.stack([gx, gy], -1).reshape(n, h, w, 2)
    out = F.grid_sample(src, grid, mode="bilinear", padding_mode="border", align_corners=False)
    inside = ((gx.abs() <= 1) & (gy.abs() <= 1) & (pts[:, 2] > 1e-3)).reshape(n, 1, h, w)
    return out, inside


def ssim(x, y):
    C1, C2 = 0.01 ** 2, 0.03 ** 2
    x, y = F.pad(x, (1, 1, 1, 1), mode="reflect"), F.pad(y, (1, 1, 1, 1), mode="reflect")
    mx, my = F.avg_pool2d(x, 3, 1), F.avg_pool2d(y, 3, 1)
    sx = F.avg_pool2d(x * x, 3, 1) - mx ** 2
    sy = F.avg_pool2d(y * y, 3, 1) - my ** 2
    sxy = F.avg_pool2d(x * y, 3, 1) - mx * my
    n = (2 * mx * my + C1) * (2 * sxy + C2)
    d = (mx ** 2 + my ** 2 + C1) * (sx + sy + C2)
    return ((1 - n / d) / 2).clamp(0, 1)


def photometric(a, b):
    """Monodepth2's 0.85·SSIM + 0.15·L1, per pixel."""
    return 0.85 * ssim(a, b).mean(1, keepdim=True) + 0.15 * (a - b).abs().mean(1, keepdim=True)


def smoothness(depth, img):
    """Edge-aware smoothness of the mean-normalised disparity."""
    disp = 1 / depth.clamp(min=1e-3)
    disp = disp / disp.mean((2, 3), keepdim=True)
    dx = (disp[..., :, 1:] - disp[..., :, :-1]).abs()
    dy = (disp[..., 1:, :] - disp[..., :-1, :]).abs()
    ix = (img[..., :, 1:] - img[..., :, :-1]).abs().mean(1, keepdim=True)
    iy = (img[..., 1:, :] - img[..., :-1, :]).abs().mean(1, keepdim=True)
    return (dx * torch.exp(-ix)).mean() + (dy * torch.exp(-iy)).mean()


def soft_ce(logits, probs):
    """Cross-entropy of the translation head's logits against the teacher's probabilities."""
    if logits.shape[-1] != probs.shape[-1]:
        logits = F.interpolate(logits, size=probs.shape[-2:], mode="bilinear", align_corners=False)
    return -(probs * F.log_softmax(logits, 1)).sum(1).mean()


# --- validation ----------------------------------------------------------------------------

@torch.no_grad()
def validate(net, video):
    """AbsRel / δ1, metric and median-scaled, on the held-out frames (prediction resized to
    the ground truth's size)."""
    was = net.training
    net.eval()
    rows = []
    for i in video.val:
        gt = video.val_depth.get(i)
        if gt is None:
            continue
        x = video.frames[i:i + 1].float() / 255
        d = net(x)
        d = F.interpolate(d, size=gt.shape, mode="bilinear", align_corners=False)[0, 0].numpy()
        ok = np.isfinite(gt) & (gt > 0) & (d > 0)
        if ok.sum() < 100:
            continue
        g, p = gt[ok], d[ok]
        ps = p * np.median(g) / np.median(p)
        m = lambda q: (float(np.mean(np.abs(q - g) / g)), float(np.mean(np.maximum(q / g, g / q) < 1.25)))
        rows.append(m(p) + m(ps) + (float(np.median(p) / np.median(g)),))
    net.train(was)
    if not rows:
        return {}
    r = np.mean(rows, 0)
    return {"absrel": r[0], "d1": r[1], "absrel_med": r[2], "d1_med": r[3], "scale": r[4]}


# --- training ------------------------------------------------------------------------------

def freeze_bn_stats(net):
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()


def load_depth(path, arch=None):
    """A depth network from a checkpoint (.pt) or the shipped FastDepth ONNX."""
    if path.endswith(".onnx"):
        return load_fastdepth(path)
    ck = torch.load(path, weights_only=False)
    net = DepthNet(Arch.from_json(ck["arch"]))
    net.load_state_dict(ck["depth"])
    return net


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="checkpoint folder name under --ckpt-root")
    ap.add_argument("--ckpt-root", default=os.path.join(HERE, "ckpt"))
    ap.add_argument("--mode", choices=["selfsup", "student"], default="selfsup")
    ap.add_argument("--video", default=data.KITCHEN)
    ap.add_argument("--val", default="240..299", help="held-out frame numbers A..B (inclusive)")
    ap.add_argument("--gap", type=int, default=10, help="frames between the training frames and the held-out block")
    ap.add_argument("--photos", nargs="*", default=None, help="student: extra picture folders (default photos-train, photos-train-extra; none with --photos)")
    ap.add_argument("--init", default=FASTDEPTH, help="selfsup: starting depth network (ONNX or .pt)")
    ap.add_argument("--teacher", help="student: the depth teacher (.pt or ONNX)")
    ap.add_argument("--arch", help="student: architecture JSON (file or text)")
    ap.add_argument("--pose", choices=["net", "gt"], default="net")
    ap.add_argument("--offsets", type=int, nargs="+", default=[-4, 4], help="source frames relative to the target")
    ap.add_argument("--xdistill", type=float, default=0.0, help="weight of the cross-task term (0: off)")
    ap.add_argument("--seg-teacher", default=data.SEG_TEACHER)
    ap.add_argument("--seg-warmup", type=int, default=200, help="steps the translation head trains before its loss reaches the depth network")
    ap.add_argument("--smooth", type=float, default=1e-3)
    ap.add_argument("--bn-train", action="store_true", help="update BatchNorm statistics (default: frozen)")
    ap.add_argument("--scale-anchor", type=float, default=None,
                    help="weight keeping each picture's mean log depth at the starting network's (default 1 with --pose net, 0 with gt)")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--export", help="write the depth network as ONNX at the end")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    lo, hi = (int(v) for v in a.val.split(".."))
    video = data.Video(a.video, a.size, (lo, hi))
    targets = video.train_targets(a.offsets, a.gap)
    print(f"{len(video.ids)} frames, {len(targets)} training targets, {len(video.val)} held out ({lo}..{hi})", flush=True)

    # Networks.
    if a.mode == "selfsup":
        depth = load_depth(a.init)
        teacher = None
    else:
        if not a.teacher or not a.arch:
            sys.exit("--mode student needs --teacher and --arch")
        arch = Arch.from_json(open(a.arch).read() if os.path.exists(a.arch) else a.arch)
        teacher = load_depth(a.teacher).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
        depth = inherit(teacher, arch)
    if a.scale_anchor is None:
        a.scale_anchor = 1.0 if a.pose == "net" and a.mode == "selfsup" else 0.0
    # The pose network's translation has no metric scale: without an anchor the depth shrinks
    # towards the clamp while the motion is still tiny. The starting network (frozen) keeps it.
    anchor = None
    if a.scale_anchor > 0:
        anchor = load_depth(a.init).eval()
        for p in anchor.parameters():
            p.requires_grad_(False)
    pose = PoseNet() if a.pose == "net" and a.mode == "selfsup" else None
    seg = SegHead() if a.xdistill > 0 else None
    mods = [m for m in (depth, pose, seg) if m is not None]
    opt = torch.optim.Adam([p for m in mods for p in m.parameters()], lr=a.lr)

    # Pictures for the student: the video's training frames and the photo folders.
    pics = video.frames[targets]
    if a.mode == "student" and a.photos != []:
        pics = torch.cat([pics, data.photos(a.size, a.photos or None)])
    probs = None
    if seg is not None:
        data.need(a.seg_teacher, "segmentation teacher")
        probs = data.teacher_probs(pics if a.mode == "student" else video.frames, a.seg_teacher, a.size // 4, os.path.join(a.ckpt_root, "cache"))
        share = probs.float().argmax(1).flatten().bincount(minlength=probs.shape[1]).float()
        share = share / share.sum()
        top = sorted(range(len(share)), key=lambda c: -share[c])[:3]
        print("teacher's classes (argmax share): " + ", ".join(f"{data.VOC[c]} {100 * share[c]:.1f} %" for c in top), flush=True)

    run_dir = os.path.join(a.ckpt_root, a.run)
    os.makedirs(run_dir, exist_ok=True)
    last = os.path.join(run_dir, "last.pt")
    step = 0
    if os.path.exists(last):
        ck = torch.load(last, weights_only=False)
        depth = DepthNet(Arch.from_json(ck["arch"]))
        depth.load_state_dict(ck["depth"])
        mods = [depth] + [m for m in (pose, seg) if m is not None]
        if pose is not None and "pose" in ck:
            pose.load_state_dict(ck["pose"])
        if seg is not None and "seg" in ck:
            seg.load_state_dict(ck["seg"])
        opt = torch.optim.Adam([p for m in mods for p in m.parameters()], lr=a.lr)
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
        rng.setstate(ck["rng"])
        torch.set_rng_state(ck["torch_rng"])
        print(f"resumed {last} at step {step}", flush=True)
    else:
        with open(os.path.join(run_dir, "args.json"), "w") as f:
            json.dump(vars(a), f, indent=1)
    print(f"depth network: {params(depth):,} parameters, {macs(depth.arch, a.size, a.size) / 1e6:.0f} M MACs at {a.size}²", flush=True)

    def save():
        ck = {"step": step, "arch": depth.arch.to_json(), "depth": depth.state_dict(), "opt": opt.state_dict(),
              "rng": rng.getstate(), "torch_rng": torch.get_rng_state(), "args": vars(a)}
        if pose is not None:
            ck["pose"] = pose.state_dict()
        if seg is not None:
            ck["seg"] = seg.state_dict()
        torch.save(ck, last + ".tmp")
        os.replace(last + ".tmp", last)

    log = open(os.path.join(run_dir, "log.jsonl"), "a")
    if step == 0:
        v = validate(depth, video)
        log.write(json.dumps({"step": 0, **v}) + "\n"); log.flush()
        print("step 0", v, flush=True)
    for m in mods:
        m.train()
    if not a.bn_train:
        # Batch 4 is too small for BatchNorm statistics, and the student's batches mix the
        # kitchen with photos: statistics learnt from such a mix did not fit either (held-out
        # scale 2× off in eval mode, measured). The statistics stay the inherited ones; BN's
        # scale and shift still train.
        freeze_bn_stats(depth)
    t0 = time.time()
    while step < a.steps:
        parts = {}
        if a.mode == "selfsup":
            ids = [rng.choice(targets) for _ in range(a.batch)]
            tgt = video.frames[ids].float() / 255
            # Same colour jitter on the whole triplet for the network inputs; losses on the originals.
            jit = (1 + 0.2 * (torch.rand(a.batch, 1, 1, 1) - 0.5)) if rng.random() < 0.5 else torch.ones(a.batch, 1, 1, 1)
            d = depth((tgt * jit).clamp(0, 1)).clamp(min=0.1, max=10.0)
            reproj, ident = [], []
            for o in a.offsets:
                src = video.frames[[i + o for i in ids]].float() / 255
                if pose is not None:
                    # The pose network sees (earlier, later) and its motion is inverted for sources
                    # before the target, as in Monodepth2.
                    if o < 0:
                        T = torch.linalg.inv(pose_matrix(pose(src * jit, tgt * jit)))
                    else:
                        T = pose_matrix(pose(tgt * jit, src * jit))
                else:
                    T = torch.stack([video.rel_pose(i, i + o) for i in ids]).float()
                w, inside = warp(src, d, T, video.K)
                e = photometric(w, tgt)
                reproj.append(torch.where(inside, e, torch.full_like(e, 10.0)))
                ident.append(photometric(src, tgt) + 1e-5 * torch.randn_like(e))
            allc = torch.cat(ident + reproj, 1)
            best, which = allc.min(1)
            photo = best.mean()
            parts["photo"] = photo.item()
            parts["automask"] = (which >= len(ident)).float().mean().item()
            sm = smoothness(d, tgt)
            loss = photo + a.smooth * sm
            if anchor is not None:
                with torch.no_grad():
                    ref = torch.log(anchor(tgt).clamp(min=0.1, max=10.0)).mean((1, 2, 3))
                sc = ((torch.log(d).mean((1, 2, 3)) - ref) ** 2).mean()
                parts["scale"] = sc.item()
                loss = loss + a.scale_anchor * sc
            seg_in = d
            seg_idx = ids
        else:
            ids = [rng.randrange(len(pics)) for _ in range(a.batch)]
            x = pics[ids].float() / 255
            if rng.random() < 0.5:
                x = x.flip(3)
                flip = True
            else:
                flip = False
            with torch.no_grad():
                t = teacher(x).clamp(min=0.1, max=10.0)
            d = depth(x).clamp(min=0.1, max=10.0)
            loss = (torch.log(d) - torch.log(t)).abs().mean()
            parts["distill"] = loss.item()
            seg_in = d
            seg_idx = ids
        if seg is not None:
            p = probs[seg_idx].float()
            if a.mode == "student" and flip:
                p = p.flip(3)
            inp = seg_in if step >= a.seg_warmup else seg_in.detach()
            ce = soft_ce(seg(inp), p)
            parts["ce"] = ce.item()
            loss = loss + a.xdistill * ce
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 20 == 0:
            print(f"step {step} loss {loss.item():.4f} " + " ".join(f"{k} {v:.4f}" for k, v in parts.items()) +
                  f" {(time.time() - t0) / 20:.2f}s/step", flush=True)
            t0 = time.time()
        if step % a.save_every == 0 or step == a.steps:
            save()
        if a.eval_every and (step % a.eval_every == 0 or step == a.steps):
            v = validate(depth, video)
            if not a.bn_train:
                freeze_bn_stats(depth)
            log.write(json.dumps({"step": step, **v, **parts}) + "\n"); log.flush()
            print(f"step {step} held-out", {k: round(x, 4) for k, x in v.items()}, flush=True)
    if a.export:
        export_onnx(depth.eval(), a.export, a.size)
        print(f"wrote {a.export}", flush=True)


if __name__ == "__main__":
    main()
