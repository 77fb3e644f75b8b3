"""Tiny ONNX graphs for the detector tests: each outputs fixed candidate boxes in one layout.

    python3 models/test-graphs/make.py    # writes test/fixtures/onnx/*.onnx (committed)

The output is a constant plus 0 × sum(input), so the graph really consumes the letterboxed frame
(a wrong input shape fails) while its boxes are known exactly. Input is 1×3×64×64; the tests feed
128×64 frames, which letterbox with scale 0.5 and 16 px of padding top and bottom, so every
expected frame coordinate is (input − pad) / 0.5.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "onnx")
NAMES = ["gun", "knife"]

# Candidates in model-input pixels (cx, cy, w, h), with per-class scores.
# A: gun 0.9 at (20, 30, 8, 12); B: gun 0.8 overlapping A (NMS drops it);
# C: knife 0.7 overlapping A (another class: kept); D: gun 0.1 (below threshold).
CANDIDATES = [
    ((20, 30, 8, 12), (0.9, 0.05)),
    ((21, 30, 8, 12), (0.8, 0.05)),
    ((20, 31, 8, 12), (0.05, 0.7)),
    ((50, 40, 6, 6), (0.1, 0.02)),
]


def graph(name, const, meta=None):
    images = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])
    out = helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(const.shape))
    nodes = [
        helper.make_node("ReduceSum", ["images"], ["s"], keepdims=1),
        helper.make_node("Constant", [], ["zero"], value=helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])),
        helper.make_node("Mul", ["s", "zero"], ["z4"]),
        helper.make_node("Constant", [], ["shape"], value=helper.make_tensor("shape", TensorProto.INT64, [3], [1, 1, 1])),
        helper.make_node("Reshape", ["z4", "shape"], ["z"]),
        helper.make_node("Constant", [], ["c"], value=helper.make_tensor("c", TensorProto.FLOAT, list(const.shape), const.flatten().tolist())),
        helper.make_node("Add", ["c", "z"], ["output0"]),
    ]
    model = helper.make_model(helper.make_graph(nodes, name, [images], [out]), opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    for k, v in (meta or {}).items():
        e = model.metadata_props.add()
        e.key, e.value = k, v
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"names": str({i: n for i, n in enumerate(NAMES)}), "imgsz": "[64, 64]"}
    # YOLOv5: [1, N, 5 + nc]; objectness 1 so score = class score.
    v5 = np.array([[*box, 1.0, *scores] for box, scores in CANDIDATES], np.float32)[None]
    graph("yolov5", v5, meta)
    # YOLOv8: [1, 4 + nc, N], channel-first.
    v8 = np.array([[*box, *scores] for box, scores in CANDIDATES], np.float32).T[None].copy()
    graph("yolov8", v8, meta)
    # End-to-end: [1, K, 6] corner boxes, NMS already applied: only A and C and a padding row.
    e2e = []
    for (cx, cy, w, h), scores in [CANDIDATES[0], CANDIDATES[2]]:
        c = int(np.argmax(scores))
        e2e.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, scores[c], c])
    e2e.append([0, 0, 0, 0, 0, 0])
    graph("end2end", np.array(e2e, np.float32)[None])  # no metadata: the sidecar JSON names it
    with open(os.path.join(OUT, "end2end.json"), "w") as f:
        json.dump({"classNames": NAMES, "inputSize": 64}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
