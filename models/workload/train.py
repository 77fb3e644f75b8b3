"""Trains `impetus-workload`'s general model on simulated operators and exports it to ONNX.

    bash bench/workload/setup.sh
    nice .bench/workload-venv/bin/python models/workload/train.py

Writes models/workload/workload-general.onnx (the model: 6 features -> low/normal/high) and
models/workload/workload-general.json (feature order, the population's means for missing
features, and the population's rest and task means that per-operator calibration aligns to),
plus .bench/workload/sessions.json (every simulated window, for bench/workload.ts).

THE DATA IS SIMULATED. No recording of a real person is used: each operator is drawn with
their own baseline (heart rate, HRV, EEG rhythm amplitudes) and their own response to workload,
and their signals are made with NeuroKit2's published simulators (ecg_simulate's ECGSYN model,
McSharry et al. 2003, for the heart; signal_simulate + signal_noise for the EEG rhythms over
1/f background). The workload effects come from the literature (models/workload/README.md).
The model therefore learns the direction and rough size of published effects, not how real
operators' signals look: before any real use it must be validated (and should be retrained)
on recordings from the site's own operators, with their consent.
"""
import json
import os
import sys

import numpy as np
import neurokit2 as nk
import scipy.interpolate
import scipy.signal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
FEATURES = ["engagement", "frontalTheta", "parietalAlpha", "meanHr", "rmssd", "lfHf"]
LEVELS = ["low", "normal", "high"]
EEG_RATE = 256
ECG_RATE = 250
SESSION_S = 360
EEG_WINDOW_S = 30
HRV_WINDOW_S = 120
STEP_S = 20
CHANNELS = {"AF7": "frontal", "AF8": "frontal", "TP9": "parietal", "TP10": "parietal"}

# Workload effects, relative to the operator's normal level (README.md gives the sources).
EFFECTS = {
    #           HR bpm  HR std  LF/HF  frontal θ  parietal α  β
    "low":    (-3.0,   1.15,   0.40,  1.10,      1.30,       0.85),
    "normal": (0.0,    1.00,   0.50,  1.00,      1.00,       1.00),
    "high":   (8.0,    0.70,   1.00,  1.35,      0.70,       1.25),
}


def operator(rng):
    return {
        "hr": rng.uniform(58, 84), "hrStd": rng.uniform(2, 6),
        "theta": rng.lognormal(np.log(6), 0.3), "alpha": rng.lognormal(np.log(9), 0.35), "beta": rng.lognormal(np.log(3), 0.3),
        # How strongly this person responds: the reason a personalised model can do better.
        "gain": rng.uniform(0.5, 1.5),
    }


def scaled(effect, gain):
    return 1 + (effect - 1) * gain


def eeg(op, level, rng, seed):
    _, _, _, th, al, be = EFFECTS[level]
    g = op["gain"]
    n = SESSION_S * EEG_RATE
    t = np.arange(n) / EEG_RATE
    out = {}
    for i, (name, region) in enumerate(CHANNELS.items()):
        theta = op["theta"] * (scaled(th, g) if region == "frontal" else 1 + (scaled(th, g) - 1) * 0.3)
        alpha = op["alpha"] * (scaled(al, g) if region == "parietal" else 1 + (scaled(al, g) - 1) * 0.3)
        beta = op["beta"] * scaled(be, g)
        x = nk.signal_simulate(duration=SESSION_S, sampling_rate=EEG_RATE, frequency=[6 + rng.uniform(-0.5, 0.5), 10 + rng.uniform(-1, 1)], amplitude=[theta, alpha], random_state=seed + i)
        x = x + beta * np.sin(2 * np.pi * (20 + rng.uniform(-2, 2)) * t + rng.uniform(0, 6.28))
        x = x + 5 * nk.signal_noise(duration=SESSION_S, sampling_rate=EEG_RATE, beta=1, random_state=seed + 10 + i) + rng.normal(0, 1, n)
        out[name] = x
    return out


def rr_series(op, level, rng, seed):
    dhr, dstd, lfhf, *_ = EFFECTS[level]
    g = op["gain"]
    ecg = nk.ecg_simulate(duration=SESSION_S, sampling_rate=ECG_RATE, heart_rate=op["hr"] + dhr * g, heart_rate_std=op["hrStd"] * scaled(dstd, g),
                          lfhfratio=0.5 + (lfhf - 0.5) * g, random_state=seed)
    _, info = nk.ecg_peaks(ecg, sampling_rate=ECG_RATE)
    peaks = np.asarray(info["ECG_R_Peaks"])
    return peaks[1:] / ECG_RATE, np.diff(peaks) * 1000.0 / ECG_RATE


def band(f, p, lo, hi):
    w = (f >= lo) & (f < hi)
    return np.trapezoid(p[w], f[w])


def eeg_features(chunk):
    """As nodes/workload/features.ts: Welch 2-s Hann segments, 50 % overlap, shares of 1-30 Hz."""
    sums = np.zeros(4)
    frontal, parietal = [], []
    for name, x in chunk.items():
        f, p = scipy.signal.welch(x, fs=EEG_RATE, window="hann", nperseg=512, noverlap=256, detrend="constant")
        bands = np.array([band(f, p, 1, 4), band(f, p, 4, 8), band(f, p, 8, 13), band(f, p, 13, 30)])
        sums += bands
        total = bands.sum()
        if CHANNELS[name] == "frontal":
            frontal.append(bands[1] / total)
        else:
            parietal.append(bands[2] / total)
    return sums[3] / (sums[2] + sums[1]), np.mean(frontal), np.mean(parietal)


def hrv_features(rr):
    """As nodes/workload/hrv.ts: time domain, and LF/HF from a 4-Hz monotone cubic resampling."""
    mean_nn = rr.mean()
    rmssd = np.sqrt(np.mean(np.diff(rr) ** 2))
    t = np.cumsum(rr) / 1000
    x = np.arange(t[0], t[-1], 0.25)
    y = scipy.interpolate.PchipInterpolator(t, rr)(x)
    seg = 8
    while seg * 2 <= min(len(y) / 2, 512):
        seg *= 2
    f, p = scipy.signal.welch(y, fs=4, window="hann", nperseg=seg, noverlap=seg // 2, detrend="constant")
    return 60000 / mean_nn, rmssd, band(f, p, 0.04, 0.15) / band(f, p, 0.15, 0.4)


def session(op, level, rng, seed):
    signals = eeg(op, level, rng, seed)
    beat_t, rr = rr_series(op, level, rng, seed + 100)
    rows = []
    for end in range(HRV_WINDOW_S, SESSION_S + 1, STEP_S):
        a, b = (end - EEG_WINDOW_S) * EEG_RATE, end * EEG_RATE
        eng, th, al = eeg_features({k: v[a:b] for k, v in signals.items()})
        w = (beat_t > end - HRV_WINDOW_S) & (beat_t <= end)
        hr, rmssd, lfhf = hrv_features(rr[w])
        rows.append([float(eng), float(th), float(al), float(hr), float(rmssd), float(lfhf)])
    return rows


def transform(X):
    """The model sees log engagement, log RMSSD and log LF/HF (their spread is multiplicative)."""
    X = np.array(X, dtype=np.float64)
    for i in (0, 4, 5):
        X[:, i] = np.log(X[:, i])
    return X


def main():
    subjects = int(os.environ.get("WORKLOAD_SUBJECTS", "24"))
    rng = np.random.default_rng(2026)
    sessions = []
    for s in range(subjects):
        op = operator(rng)
        for li, level in enumerate(LEVELS):
            rows = session(op, level, rng, 1000 * s + 10 * li)
            sessions.append({"subject": s, "level": level, "rows": rows})
        print(f"subject {s + 1}/{subjects}", file=sys.stderr, flush=True)
    os.makedirs(os.path.join(ROOT, ".bench", "workload"), exist_ok=True)
    with open(os.path.join(ROOT, ".bench", "workload", "sessions.json"), "w") as f:
        json.dump({"features": FEATURES, "levels": LEVELS, "sessions": sessions}, f)

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from skl2onnx import to_onnx

    X = transform([r for s in sessions for r in s["rows"]])
    y = np.array([LEVELS.index(s["level"]) for s in sessions for _ in s["rows"]])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    model.fit(X, y)
    onx = to_onnx(model, X[:1].astype(np.float32), options={id(model.steps[-1][1]): {"zipmap": False}}, target_opset=17)
    meta = onx.metadata_props.add()
    meta.key, meta.value = "features", json.dumps(FEATURES)
    with open(os.path.join(HERE, "workload-general.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
    by = lambda level: X[y == LEVELS.index(level)].mean(axis=0).tolist()  # noqa: E731
    info = {
        "features": FEATURES, "transform": {"log": ["engagement", "rmssd", "lfHf"]}, "classes": LEVELS,
        "mean": X.mean(axis=0).tolist(), "std": X.std(axis=0).tolist(), "rest": by("low"), "task": by("high"),
        "trainedOn": f"{subjects} simulated operators x 3 levels x {SESSION_S} s (NeuroKit2 {nk.__version__}); see models/workload/README.md",
        "trainingAccuracy": float(model.score(X, y)),
    }
    with open(os.path.join(HERE, "workload-general.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"trained on {len(y)} windows, training accuracy {info['trainingAccuracy']:.3f}")


if __name__ == "__main__":
    main()
