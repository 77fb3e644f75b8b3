"""Trains the social text classifier (irony, threat, offence) and exports it to ONNX.

    npm run build && python3 models/social/train.py            # writes models/social/social-text.onnx

Needs numpy and onnx (pip install numpy onnx; a bench-only virtualenv will do). The features come
from the TypeScript tokenizer (nodes/social/classifier.ts) through dist/scripts/social-features.js,
so the tokenizer exists once and the model sees exactly what the node computes.

Training data: the generated labelled set of bench/social-data.ts (templates written for this
project, no real posts, Apache-2.0 like the repository), tuning families (A) only, filled with 10
seeds; the held-out families (B) are never seen here and are what bench/social.ts evaluates on.
No licensed labelled corpus of irony or threats in Italian and Norwegian is on npm or PyPI (see
docs/social.md), so the model learns the templates' wording: read its figures as such. The
offence label (insults and name-calling aimed at a person or group) is learnt from the set's
offence kind against all the others, its hard negatives included (harsh complaints at things,
sincere negative posts, threats without insults).

The model is a logistic regression per label over 4,096 hashed features: input `features`
[N, 4096] float32, output `scores` [N, 3] (sigmoid probabilities, in the order of the `labels`
metadata). The tokenizer's name and feature count are in the metadata; the node refuses a model
made for another.
"""
import argparse
import json
import os
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FEATURES = 4096
TOKENIZER = 'impetus-social-hash-v1'
LABELS = ['irony', 'threat', 'offence']


def load(seeds):
    out = subprocess.run(['node', os.path.join(ROOT, 'dist', 'scripts', 'social-features.js'), str(seeds)], check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line]
    x = np.zeros((len(rows), FEATURES), np.float32)
    for i, r in enumerate(rows):
        for j, v in r['x']:
            x[i, j] = v
    y = np.array([[r[label] for label in LABELS] for r in rows], np.float32)
    return x, y


def train(x, y, l2, epochs, lr):
    rng = np.random.default_rng(15)
    w = rng.normal(0, 0.01, (x.shape[1], y.shape[1])).astype(np.float32)
    b = np.zeros(y.shape[1], np.float32)
    # Labels are rare (1 post in 6 or 8): weigh the positives up so both classes count alike.
    pos = y.mean(0)
    weight = np.where(y > 0, 0.5 / pos, 0.5 / (1 - pos)).astype(np.float32)
    m_w, v_w, m_b, v_b = (np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b))
    for t in range(1, epochs + 1):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = (p - y) * weight / len(x)
        gw = x.T @ g + l2 * w
        gb = g.sum(0)
        # Adam
        m_w = 0.9 * m_w + 0.1 * gw
        v_w = 0.999 * v_w + 0.001 * gw * gw
        m_b = 0.9 * m_b + 0.1 * gb
        v_b = 0.999 * v_b + 0.001 * gb * gb
        w -= lr * (m_w / (1 - 0.9 ** t)) / (np.sqrt(v_w / (1 - 0.999 ** t)) + 1e-8)
        b -= lr * (m_b / (1 - 0.9 ** t)) / (np.sqrt(v_b / (1 - 0.999 ** t)) + 1e-8)
    return w, b


def export(w, b, path, seeds):
    graph = helper.make_graph(
        [helper.make_node('MatMul', ['features', 'W'], ['logits0']), helper.make_node('Add', ['logits0', 'b'], ['logits']), helper.make_node('Sigmoid', ['logits'], ['scores'])],
        'impetus-social-text',
        [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', FEATURES])],
        [helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['N', len(LABELS)])],
        [numpy_helper.from_array(w.astype(np.float32), 'W'), numpy_helper.from_array(b.astype(np.float32), 'b')],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='impetus models/social/train.py')
    model.ir_version = 8
    for k, v in {'tokenizer': TOKENIZER, 'features': str(FEATURES), 'labels': ','.join(LABELS), 'trained_on': f'bench/social-data.ts tuning families (A), seeds 1-{seeds}; held-out families (B) unseen', 'license': 'Apache-2.0'}.items():
        model.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seeds', type=int, default=10)
    ap.add_argument('--epochs', type=int, default=300)
    ap.add_argument('--l2', type=float, default=1e-4)
    ap.add_argument('--lr', type=float, default=0.05)
    ap.add_argument('--out', default=os.path.join(ROOT, 'models', 'social', 'social-text.onnx'))
    a = ap.parse_args()
    x, y = load(a.seeds)
    w, b = train(x, y, a.l2, a.epochs, a.lr)
    p = 1 / (1 + np.exp(-(x @ w + b)))
    for j, label in enumerate(LABELS):
        print(f'{label}: {int(y[:, j].sum())} of {len(y)} positive; training accuracy {((p[:, j] >= 0.5) == (y[:, j] > 0)).mean():.3f}')
    export(w, b, a.out, a.seeds)
    print(f'wrote {a.out} ({os.path.getsize(a.out)} bytes)')


if __name__ == '__main__':
    main()
