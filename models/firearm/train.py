"""Trains the demo firearm detector on procedural scenes and exports it to ONNX.

    nice -n 19 python3 models/firearm/train.py --minutes 12 --out models/firearm/firearm-demo.onnx
    python3 models/firearm/train.py --minutes 7 --device cuda --workers 15 --batch 64   # on a GPU machine

A small anchor-free detector (stride 8, FCOS/YOLOv8-style head, ~0.2 M parameters). The box
decoding is inside the exported graph, so the ONNX output is the YOLOv8 layout [1, 4+nc, N]
(cx, cy, w, h in input pixels, per-class sigmoid scores) that the Node-RED detector reads like
any Ultralytics export. Class names and input size go in the ONNX metadata (`names`, `imgsz`).
"""
import argparse
import collections
import multiprocessing
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenes import CLASSES, H, W, scene  # noqa: E402

SIZE = 256
STRIDE = 8
GRID = SIZE // STRIDE
SCALE = min(SIZE / W, SIZE / H)
NW, NH = round(W * SCALE), round(H * SCALE)
PAD_X, PAD_Y = (SIZE - NW) // 2, (SIZE - NH) // 2


def letterbox(img):
    """The same transform the node applies (sharp resize + grey 114 padding)."""
    canvas = np.full((SIZE, SIZE, 3), 114, np.uint8)
    canvas[PAD_Y:PAD_Y + NH, PAD_X:PAD_X + NW] = np.asarray(img.resize((NW, NH), 2))  # 2 = bilinear
    return canvas


def sample(seed):
    img, labels = scene(seed)
    boxes = [(c, [b[0] * SCALE + PAD_X, b[1] * SCALE + PAD_Y, b[2] * SCALE + PAD_X, b[3] * SCALE + PAD_Y]) for c, b in labels]
    return letterbox(img), boxes


def block(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.SiLU())


class Net(nn.Module):
    def __init__(self, nc=len(CLASSES)):
        super().__init__()
        self.nc = nc
        self.body = nn.Sequential(
            block(3, 16, 2), block(16, 32, 2), block(32, 32), block(32, 64, 2), block(64, 64), block(64, 64),
        )
        # A wider view for rifles: one more stride, upsampled back and added.
        self.ctx = nn.Sequential(block(64, 96, 2), block(96, 96))
        self.lat = nn.Conv2d(96, 64, 1)
        self.head = nn.Sequential(block(64, 64), nn.Conv2d(64, 4 + nc, 1))
        ys, xs = torch.meshgrid(torch.arange(GRID), torch.arange(GRID), indexing="ij")
        self.register_buffer("cx", ((xs.flatten() + 0.5) * STRIDE).float())
        self.register_buffer("cy", ((ys.flatten() + 0.5) * STRIDE).float())

    def raw(self, x):
        f = self.body(x)
        f = f + F.interpolate(self.lat(self.ctx(f)), scale_factor=2, mode="nearest")
        return self.head(f).flatten(2)  # [B, 4+nc, N]

    def boxes(self, r):
        ltrb = torch.exp(r[:, :4].clamp(-6, 6)) * STRIDE
        x1, y1 = self.cx - ltrb[:, 0], self.cy - ltrb[:, 1]
        x2, y2 = self.cx + ltrb[:, 2], self.cy + ltrb[:, 3]
        return torch.stack([x1, y1, x2, y2], 1)

    def forward(self, x):
        r = self.raw(x)
        b = self.boxes(r)
        wh = b[:, 2:] - b[:, :2]
        return torch.cat([(b[:, :2] + b[:, 2:]) / 2, wh, torch.sigmoid(r[:, 4:])], 1)


def targets(batch_boxes, nc):
    """Positive cells: centre cell of each box plus cells within 1.5 cells whose centre is inside."""
    B = len(batch_boxes)
    N = GRID * GRID
    cls = torch.zeros(B, nc, N)
    box = torch.zeros(B, 4, N)
    pos = torch.zeros(B, N, dtype=torch.bool)
    best_area = torch.full((B, N), float("inf"))
    for i, boxes in enumerate(batch_boxes):
        for c, (x1, y1, x2, y2) in boxes:
            bx, by = (x1 + x2) / 2, (y1 + y2) / 2
            area = (x2 - x1) * (y2 - y1)
            gx, gy = int(bx // STRIDE), int(by // STRIDE)
            for yy in range(gy - 1, gy + 2):
                for xx in range(gx - 1, gx + 2):
                    if not (0 <= xx < GRID and 0 <= yy < GRID):
                        continue
                    px, py = (xx + 0.5) * STRIDE, (yy + 0.5) * STRIDE
                    inside = x1 <= px <= x2 and y1 <= py <= y2
                    if not (inside or (xx == gx and yy == gy)):
                        continue
                    k = yy * GRID + xx
                    if area < best_area[i, k]:
                        best_area[i, k] = area
                        pos[i, k] = True
                        cls[i, :, k] = 0
                        cls[i, c, k] = 1
                        box[i, :, k] = torch.tensor([x1, y1, x2, y2])
    return cls, box, pos


def giou_loss(p, t):
    ix1, iy1 = torch.max(p[:, 0], t[:, 0]), torch.max(p[:, 1], t[:, 1])
    ix2, iy2 = torch.min(p[:, 2], t[:, 2]), torch.min(p[:, 3], t[:, 3])
    inter = (ix2 - ix1).clamp(0) * (iy2 - iy1).clamp(0)
    ap = (p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1])
    at = (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])
    union = ap + at - inter + 1e-6
    cx1, cy1 = torch.min(p[:, 0], t[:, 0]), torch.min(p[:, 1], t[:, 1])
    cx2, cy2 = torch.max(p[:, 2], t[:, 2]), torch.max(p[:, 3], t[:, 3])
    hull = (cx2 - cx1) * (cy2 - cy1) + 1e-6
    return 1 - (inter / union - (hull - union) / hull)


def make_batch(seeds):
    """One batch of letterboxed scenes and their targets, as numpy arrays (made in a worker process when there are workers)."""
    imgs, boxes = zip(*(sample(s) for s in seeds))
    cls_t, box_t, pos = targets(boxes, len(CLASSES))
    return np.stack(imgs), cls_t.numpy(), box_t.numpy(), pos.numpy()


def batches(first_seed, size, workers):
    """Batches of consecutive seeds, endlessly; with workers, a few batches are made ahead, never more."""
    seed = first_seed
    if workers <= 1:
        while True:
            yield make_batch(range(seed, seed + size))
            seed += size
    torch.set_num_threads(1)  # inherited by the workers, which must not each spawn a thread per core
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        torch.set_num_threads(max(1, os.cpu_count() - workers))
        ahead = collections.deque()
        while True:
            while len(ahead) < 2 * workers:
                ahead.append(pool.apply_async(make_batch, (range(seed, seed + size),)))
                seed += size
            yield ahead.popleft().get()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=12)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "firearm-demo.onnx"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0, help="processes making scenes (0: in this one)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    first = 1_000_000  # training seeds; evaluation uses seeds below 1,000,000
    # The workers are forked before CUDA starts: a forked CUDA context does not work.
    data = batches(first, args.batch, args.workers)
    x0 = next(data)
    device = torch.device(args.device)
    net = Net().to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    start = time.time()
    budget = args.minutes * 60
    step = 0
    scenes = 0
    while time.time() - start < budget:
        frac = (time.time() - start) / budget
        for g in opt.param_groups:
            g["lr"] = 3e-3 * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * frac)))
        imgs, cls_t, box_t, pos = x0 if step == 0 else next(data)
        scenes += len(imgs)
        x = torch.from_numpy(imgs).to(device).permute(0, 3, 1, 2).float() / 255
        cls_t, box_t, pos = (torch.from_numpy(a).to(device) for a in (cls_t, box_t, pos))
        r = net.raw(x)
        n_pos = max(1, int(pos.sum()))
        logits = r[:, 4:]
        p = torch.sigmoid(logits)
        ce = F.binary_cross_entropy_with_logits(logits, cls_t, reduction="none")
        focal = ce * ((1 - p) * cls_t + p * (1 - cls_t)) ** 2 * (0.75 * cls_t + 0.25 * (1 - cls_t))
        loss_cls = focal.sum() / n_pos
        if pos.any():
            pb = net.boxes(r).permute(0, 2, 1)[pos]
            tb = box_t.permute(0, 2, 1)[pos]
            loss_box = giou_loss(pb, tb).mean()
        else:
            loss_box = torch.zeros((), device=device)
        loss = loss_cls + 2 * loss_box
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0:
            print(f"step {step} {time.time() - start:.0f}s loss {loss.item():.3f} cls {loss_cls.item():.3f} box {loss_box.item():.3f}", flush=True)
        step += 1
    net.eval().cpu()
    export(net, args.out)
    print(f"trained {step} steps on {scenes} scenes in {time.time() - start:.0f}s on {device}; wrote {args.out}")


def export(net, out):
    import onnx

    dummy = torch.zeros(1, 3, SIZE, SIZE)
    torch.onnx.export(net, dummy, out, input_names=["images"], output_names=["output0"], opset_version=17, dynamo=False)
    model = onnx.load(out)
    meta = {"names": str({i: n for i, n in enumerate(CLASSES)}), "imgsz": str([SIZE, SIZE]), "description": "IMPETUS demo firearm detector, trained on synthetic scenes only. A demo, not for operational use."}
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(model, out)


if __name__ == "__main__":
    main()
