"""Procedural CCTV-like street scenes with people who may hold a handgun, a rifle or a knife.

Like IMPETUS, the detector learns from synthetic images only: no footage of real people with
weapons is needed. Hard negatives (phones, umbrellas, bags, walking sticks, dark bottles) are
drawn in the same hands so the network cannot learn "dark thing in a hand" as "gun".
Everything is seeded: the same seed gives the same scene.
"""
import math
import random

from PIL import Image, ImageDraw, ImageFilter

W, H = 320, 240
CLASSES = ["handgun", "rifle", "knife"]


def _colour(rng, lo=30, hi=230):
    return tuple(rng.randint(lo, hi) for _ in range(3))


def _background(rng):
    img = Image.new("RGB", (W, H), _colour(rng, 90, 200))
    d = ImageDraw.Draw(img)
    horizon = rng.randint(60, 120)
    d.rectangle([0, horizon, W, H], fill=_colour(rng, 70, 170))
    for _ in range(rng.randint(2, 6)):  # buildings
        x = rng.randint(-40, W)
        w = rng.randint(30, 110)
        top = rng.randint(0, horizon - 10)
        d.rectangle([x, top, x + w, horizon], fill=_colour(rng, 60, 200))
        for wy in range(top + 6, horizon - 6, 14):  # windows
            for wx in range(x + 5, x + w - 8, 12):
                d.rectangle([wx, wy, wx + 5, wy + 7], fill=_colour(rng, 20, 120))
    for _ in range(rng.randint(0, 12)):  # pavement marks, benches, bins
        x, y = rng.randint(0, W), rng.randint(horizon, H)
        d.rectangle([x, y, x + rng.randint(4, 40), y + rng.randint(2, 10)], fill=_colour(rng, 40, 200))
    return img, horizon


def _rotated(points, cx, cy, angle, flip):
    c, s = math.cos(angle), math.sin(angle)
    out = []
    for x, y in points:
        x = -x if flip else x
        out.append((cx + x * c - y * s, cy + x * s + y * c))
    return out


def _object(rng, kind):
    """Polygons (in object units, grip at the origin, scaled by the caller) and colours of a held object."""
    dark = (rng.randint(10, 60),) * 3
    if kind == "handgun":
        L = 9
        return [([(-1, -2), (L, -2), (L, 1), (1.5, 1), (1.5, 6), (-1.5, 6.5), (-2, 1)], dark)], L
    if kind == "rifle":
        L = 26
        return [
            ([(-8, -1.5), (L, -1.5), (L, 1), (-8, 1)], dark),
            ([(-14, -1), (-7, -1.5), (-7, 4), (-14, 5)], _colour(rng, 30, 110)),  # stock
            ([(L * 0.3, 1), (L * 0.38, 1), (L * 0.4, 6), (L * 0.32, 6)], dark),  # magazine
        ], L
    if kind == "knife":
        L = 9
        return [([(2, -1.2), (L, 0), (2, 1.2)], _colour(rng, 170, 235)), ([(-3, -1.3), (2, -1.3), (2, 1.3), (-3, 1.3)], _colour(rng, 20, 90))], L
    # Negatives: things people hold that are not weapons.
    if kind == "phone":
        return [([(-1, -3), (3, -3), (3, 4), (-1, 4)], dark)], 4
    if kind == "stick":
        L = 28
        return [([(-1, -0.8), (L, -0.8), (L, 0.8), (-1, 0.8)], _colour(rng, 60, 140))], L
    if kind == "umbrella":
        L = 14
        return [([(0, -0.7), (L, -0.7), (L, 0.7), (0, 0.7)], dark), ([(L - 1, -7), (L + 2, 0), (L - 1, 7), (L - 3, 0)], _colour(rng))], L
    if kind == "bottle":
        return [([(-1.5, -1.5), (6, -1.5), (6, 1.5), (-1.5, 1.5)], _colour(rng, 10, 120))], 6
    # bag
    return [([(-4, 0), (6, 0), (7, 10), (-5, 10)], _colour(rng, 20, 140))], 8


NEGATIVES = ["phone", "stick", "umbrella", "bottle", "bag"]


def _person(rng, d, x, foot, height, held):
    """Draws a person standing at (x, foot); returns the weapon box or None."""
    h = height
    body = _colour(rng)
    legs = _colour(rng, 20, 120)
    d.rectangle([x - h * 0.09, foot - h * 0.45, x + h * 0.09, foot], fill=legs)
    d.ellipse([x - h * 0.13, foot - h * 0.82, x + h * 0.13, foot - h * 0.4], fill=body)
    skin = rng.choice([(235, 200, 170), (190, 140, 100), (120, 80, 50), (80, 55, 40)])
    d.ellipse([x - h * 0.07, foot - h, x + h * 0.07, foot - h * 0.84], fill=skin)
    if held is None:
        return None
    flip = rng.random() < 0.5
    side = -1 if flip else 1
    shoulder = (x + side * h * 0.1, foot - h * 0.72)
    raised = held in ("handgun", "rifle") and rng.random() < 0.7
    hand = (x + side * h * (0.38 if raised else 0.2), foot - h * (0.7 if raised else 0.45))
    d.line([shoulder, hand], fill=body, width=max(2, int(h * 0.06)))
    scale = h / 60 * rng.uniform(0.8, 1.25)
    parts, _ = _object(rng, held)
    angle = rng.uniform(-0.35, 0.35) + (0 if raised else rng.uniform(-0.6, 0.9))
    xs, ys = [], []
    for poly, colour in parts:
        pts = _rotated([(px * scale, py * scale) for px, py in poly], hand[0], hand[1], angle * side, flip)
        d.polygon(pts, fill=colour)
        xs += [p[0] for p in pts]
        ys += [p[1] for p in pts]
    d.ellipse([hand[0] - h * 0.03, hand[1] - h * 0.03, hand[0] + h * 0.03, hand[1] + h * 0.03], fill=skin)
    if held not in CLASSES:
        return None
    box = [max(0, min(xs)), max(0, min(ys)), min(W, max(xs)), min(H, max(ys))]
    if box[2] - box[0] < 3 or box[3] - box[1] < 3:
        return None
    return (CLASSES.index(held), box)


def scene(seed, weapon_rate=0.6, people=(1, 5), weapons=True):
    """One frame: (PIL image, [(class_id, [x1, y1, x2, y2]), ...])."""
    rng = random.Random(seed)
    img, horizon = _background(rng)
    d = ImageDraw.Draw(img)
    labels = []
    crowd = sorted(((rng.uniform(horizon + 30, H + 10)) for _ in range(rng.randint(*people))))
    for foot in crowd:  # far first, so nearer people overlap them
        height = 40 + (foot - horizon) / (H - horizon) * 90
        r = rng.random()
        if weapons and r < weapon_rate:
            held = rng.choices(CLASSES, weights=[0.5, 0.3, 0.2])[0]
        elif r < weapon_rate + 0.3:
            held = rng.choice(NEGATIVES)
        else:
            held = None
        got = _person(rng, d, rng.uniform(10, W - 10), foot, height, held)
        if got:
            labels.append(got)
    img = _finish(rng, img)
    return img, labels


def _finish(rng, img):
    """Camera effects: blur, brightness, sensor noise; JPEG happens where frames are saved."""
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.1)))
    k = rng.uniform(0.6, 1.3)
    img = img.point(lambda v: max(0, min(255, int(v * k))))
    noise = Image.effect_noise((W, H), rng.uniform(4, 20)).convert("RGB")
    return Image.blend(img, noise, rng.uniform(0.03, 0.12))


class Walker:
    """A person crossing the view frame by frame, for synthetic footage."""

    def __init__(self, rng, horizon, held):
        self.foot = rng.uniform(horizon + 30, H + 10)
        self.x = rng.uniform(0, W)
        self.vx = rng.uniform(-3, 3)
        self.held = held
        self.seed = rng.randint(0, 1 << 30)


def footage(seed, frames, held_choices=NEGATIVES + [None]):
    """Frames of one synthetic clip with walkers holding `held_choices` (gun-free by default)."""
    rng = random.Random(seed)
    bg_seed = rng.randint(0, 1 << 30)
    base, horizon = _background(random.Random(bg_seed))
    walkers = [Walker(rng, horizon, rng.choice(held_choices)) for _ in range(rng.randint(1, 5))]
    for i in range(frames):
        img = base.copy()
        d = ImageDraw.Draw(img)
        labels = []
        for w in sorted(walkers, key=lambda w: w.foot):
            w.x += w.vx
            if w.x < -10 or w.x > W + 10:
                w.vx = -w.vx
            height = 40 + (w.foot - horizon) / (H - horizon) * 90
            # Same pose random stream per walker (plus a slow drift) so a held object stays put.
            got = _person(random.Random(w.seed + i // 10), d, w.x, w.foot, height, w.held)
            if got:
                labels.append(got)
        yield _finish(random.Random(seed * 7919 + i), img), labels
