"""
A published streaming detector, run on every series of the real collection as their authors'
packages run them, one row at a time (score, then learn), writing one raw score per row to
<data>/peers/<source>/<series>.hst.csv. Run by bench/anomaly-real/setup.sh in the bench virtualenv;
a series whose scores exist is skipped, so a second run costs nothing.

- HST: Half-Space Trees (Tan, Ting & Liu, IJCAI 2011), `river.anomaly.HalfSpaceTrees` behind
  river's online min-max scaler, as river's documentation composes them, with river's default
  forest (10 trees of height 8, window 250). (Random Cut Forest, the other peer, runs in Java:
  RcfPeer.java.)

Missing values are carried forward (the trees need complete points). The forest is seeded, so
the scores are reproducible.
"""
import csv
import json
import os
import sys

import numpy as np
from river import anomaly, compose, preprocessing

def read(path):
    with open(path) as f:
        r = csv.reader(f)
        header = next(r)
        rows = []
        last = [0.0] * (len(header) - 1)
        for line in r:
            values = [float(v) if v not in ('', 'NA', 'NaN') else None for v in line[1:]]
            last = [v if v is not None else l for v, l in zip(values, last)]
            rows.append(list(last))
    return header[1:], np.array(rows, dtype=float)


def run_hst(names, x):
    model = compose.Pipeline(preprocessing.MinMaxScaler(), anomaly.HalfSpaceTrees(seed=17))
    out = np.zeros(len(x))
    for i, row in enumerate(x):
        features = dict(zip(names, row))
        out[i] = model.score_one(features)
        model.learn_one(features)
    return out


def main():
    data = sys.argv[1]
    manifest = json.load(open(os.path.join(data, 'manifest.json')))
    done = 0
    for m in manifest:
        target = os.path.join(data, 'peers', m['file'][:-4] + '.hst.csv')
        if os.path.exists(target):
            continue
        names, x = read(os.path.join(data, m['file']))
        scores = run_hst(names, x)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = target + '.tmp'
        with open(tmp, 'w') as f:
            f.write('hst\n')
            for s in scores:
                f.write(f'{s:.6g}\n')
        os.replace(tmp, target)
        done += 1
    print(f'HST: {done} series scored, {len(manifest) - done} already there')


if __name__ == '__main__':
    main()
