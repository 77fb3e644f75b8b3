#!/usr/bin/env bash
# Bench- and training-only Python for the workload tool, in .bench/workload-venv. Never used by tests
# or at run time:
#  - NeuroKit2 (MIT): the reference implementation the TypeScript features are checked against
#    (bench/workload/reference.py writes test/workload/fixtures/neurokit-reference.json), and the
#    published ECG/PPG/EEG simulator the general model is trained on (models/workload/train.py);
#  - scikit-learn + skl2onnx + onnx: the model and its export to the committed ONNX file.
# Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.bench/workload-venv"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install -q --disable-pip-version-check \
  'neurokit2==0.2.13' 'scikit-learn==1.9.1' 'skl2onnx==1.20.0' 'onnx==1.23.2' 'onnxruntime==1.31.1' 'scipy' 'numpy' 'pandas'
echo "workload venv ready: $venv"
