"""Leave-one-subject-out models for bench/workload.ts: for each simulated operator, the general
model trained exactly as models/workload/train.py trains it, on the other operators only.

    .bench/workload-venv/bin/python bench/workload/folds.py   # after models/workload/train.py

Reads .bench/workload/sessions.json (written by train.py), writes .bench/workload/folds/fold-<s>.onnx
and .json (the same description as workload-general.json, from the training subjects only).
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "models", "workload"))
import train  # noqa: E402

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from skl2onnx import to_onnx  # noqa: E402


def main():
    data = json.load(open(os.path.join(ROOT, ".bench", "workload", "sessions.json")))
    sessions = data["sessions"]
    out = os.path.join(ROOT, ".bench", "workload", "folds")
    os.makedirs(out, exist_ok=True)
    subjects = sorted({s["subject"] for s in sessions})
    for held in subjects:
        train_sessions = [s for s in sessions if s["subject"] != held]
        X = train.transform([r for s in train_sessions for r in s["rows"]])
        y = np.array([train.LEVELS.index(s["level"]) for s in train_sessions for _ in s["rows"]])
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)).fit(X, y)
        onx = to_onnx(model, X[:1].astype(np.float32), options={id(model.steps[-1][1]): {"zipmap": False}}, target_opset=17)
        with open(os.path.join(out, f"fold-{held}.onnx"), "wb") as f:
            f.write(onx.SerializeToString())
        by = lambda level: X[y == train.LEVELS.index(level)].mean(axis=0).tolist()  # noqa: E731
        info = {"features": train.FEATURES, "transform": {"log": ["engagement", "rmssd", "lfHf"]}, "classes": train.LEVELS,
                "mean": X.mean(axis=0).tolist(), "std": X.std(axis=0).tolist(), "rest": by("low"), "task": by("high")}
        with open(os.path.join(out, f"fold-{held}.json"), "w") as f:
            json.dump(info, f)
    print(f"{len(subjects)} folds in {out}")


if __name__ == "__main__":
    main()
