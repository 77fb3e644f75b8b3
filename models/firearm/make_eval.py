"""Writes the held-out evaluation data for scripts/firearm-eval.ts (never used in training).

    python3 models/firearm/make_eval.py /tmp/firearm-eval [images] [clips] [frames-per-clip]

- heldout/NNNN.jpg + heldout/labels.json: single scenes from seeds 0..images-1 (training uses
  seeds from 1,000,000 up), for AP@0.5;
- footage/clip-NN/NNNN.jpg: gun-free clips (people with phones, umbrellas, sticks, bags,
  bottles, or nothing) at 5 frames/s, for false alarms per hour;
- armed/clip-NN/NNNN.jpg: clips where people carry a handgun or rifle, for the share caught.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenes import footage, scene  # noqa: E402


def main():
    out = sys.argv[1]
    n_images = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    n_clips = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    n_frames = int(sys.argv[4]) if len(sys.argv) > 4 else 150
    os.makedirs(os.path.join(out, "heldout"), exist_ok=True)
    labels = {}
    for i in range(n_images):
        img, boxes = scene(i)
        name = f"{i:04d}.jpg"
        img.save(os.path.join(out, "heldout", name), quality=85)
        labels[name] = [{"classId": c, "box": [round(v, 2) for v in b]} for c, b in boxes]
    with open(os.path.join(out, "heldout", "labels.json"), "w") as f:
        json.dump(labels, f)
    for k in range(n_clips):
        d = os.path.join(out, "footage", f"clip-{k:02d}")
        os.makedirs(d, exist_ok=True)
        for i, (img, _) in enumerate(footage(500_000 + k, n_frames)):
            img.save(os.path.join(d, f"{i:04d}.jpg"), quality=85)
    for k in range(n_clips // 2):  # armed clips: does confirmation still catch a gunman, and how fast?
        d = os.path.join(out, "armed", f"clip-{k:02d}")
        os.makedirs(d, exist_ok=True)
        for i, (img, _) in enumerate(footage(600_000 + k, 50, held_choices=["handgun", "rifle"])):
            img.save(os.path.join(d, f"{i:04d}.jpg"), quality=85)


if __name__ == "__main__":
    main()
