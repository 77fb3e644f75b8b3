"""Writes the demo's square-camera replay: a synthetic clip in which a person carries a rifle.

    python3 models/firearm/make_demo_frames.py flows/frames/square

24 frames of 320×240 (about 0.3 MB in all), replayed in a loop by impetus-camera-in in
flows/demo.json. Seeded: the same frames every time.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenes import footage  # noqa: E402

SEED = 600_001


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "flows/frames/square"
    os.makedirs(out, exist_ok=True)
    for i, (img, _) in enumerate(footage(SEED, 24, held_choices=["rifle", "phone", None])):
        img.save(os.path.join(out, f"{i:04d}.jpg"), quality=80)


if __name__ == "__main__":
    main()
