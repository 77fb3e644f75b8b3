"""Reference numbers for the workload features, from NeuroKit2 0.2.13 (and scipy), written to
test/workload/fixtures/neurokit-reference.json with the signals they were computed on.

    bash bench/workload/setup.sh && .bench/workload-venv/bin/python bench/workload/reference.py

The CI test (test/workload/reference.test.ts) recomputes each feature in TypeScript from the same
signals and compares with the tolerances stated there; it needs no Python. Signals come from
NeuroKit2's own simulators (signal_simulate + signal_noise for EEG-like signals, ecg_simulate
for RR series, ppg_simulate for PPG), with fixed seeds.
"""
import json
import os

import numpy as np
import neurokit2 as nk
import scipy.signal

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "test", "workload", "fixtures", "neurokit-reference.json")
BANDS = [(1, 4), (4, 8), (8, 13), (13, 30)]


def eeg_case(rate, seed, theta, alpha, beta):
    rng = np.random.default_rng(seed)
    x = nk.signal_simulate(duration=30, sampling_rate=rate, frequency=[6, 10], amplitude=[theta, alpha], random_state=seed)
    # signal_simulate refuses frequencies above a tenth of the rate, so the 20 Hz beta rhythm is added here.
    x = x + beta * np.sin(2 * np.pi * 20 * np.arange(len(x)) / rate + 0.3)
    x = x + 4 * nk.signal_noise(duration=30, sampling_rate=rate, beta=1, random_state=seed) + rng.normal(0, 0.5, len(x))
    x = np.round(x, 4)
    nperseg = 2 ** int(round(np.log2(2 * rate)))
    # scipy's Welch with the parameters our TypeScript uses: the same algorithm, so a tight tolerance.
    f, p = scipy.signal.welch(x, fs=rate, window="hann", nperseg=nperseg, noverlap=nperseg // 2, detrend="constant", scaling="density")
    scipy_bands = [float(np.trapezoid(p[(f >= lo) & (f < hi)], f[(f >= lo) & (f < hi)])) for lo, hi in BANDS]
    # NeuroKit2's own band power (it zero-pads to twice the segment and detrends once): a looser tolerance.
    nk_power = nk.signal_power(x, frequency_band=BANDS, sampling_rate=rate, method="welch", window=nperseg / rate, normalize=False)
    nk_bands = [float(nk_power.iloc[0, i]) for i in range(4)]
    return {"rate": rate, "values": x.tolist(), "scipyBands": scipy_bands, "neurokitBands": nk_bands}


def rr_case(seed, heart_rate, duration=300, rate=250):
    ecg = nk.ecg_simulate(duration=duration, sampling_rate=rate, heart_rate=heart_rate, heart_rate_std=4, random_state=seed)
    _, info = nk.ecg_peaks(ecg, sampling_rate=rate)
    return np.asarray(info["ECG_R_Peaks"]), rate


def hrv_numbers(peaks, rate):
    t = nk.hrv_time(peaks, sampling_rate=rate)
    fr = nk.hrv_frequency(peaks, sampling_rate=rate)
    return {
        "meanNn": float(t["HRV_MeanNN"].iloc[0]), "sdnn": float(t["HRV_SDNN"].iloc[0]), "rmssd": float(t["HRV_RMSSD"].iloc[0]),
        "pnn50": float(t["HRV_pNN50"].iloc[0]), "lf": float(fr["HRV_LF"].iloc[0]), "hf": float(fr["HRV_HF"].iloc[0]), "lfHf": float(fr["HRV_LFHF"].iloc[0]),
    }


def rr_ms(peaks, rate):
    return (np.diff(peaks) * 1000.0 / rate).round(3).tolist()


def main():
    out = {"generator": f"neurokit2 {nk.__version__}, scipy {scipy.__version__}", "eeg": [], "hrv": [], "ectopic": [], "ppg": []}
    for rate, seed, th, al, be in [(128, 1, 6, 12, 3), (256, 2, 10, 4, 6), (128, 3, 3, 3, 8)]:
        out["eeg"].append(eeg_case(rate, seed, th, al, be))
    for seed, hr in [(11, 68), (12, 84)]:
        peaks, rate = rr_case(seed, hr)
        out["hrv"].append({"rr": rr_ms(peaks, rate), "neurokit": hrv_numbers(peaks, rate)})
    # Ectopic beats and a missed detection in a clean series: NeuroKit2's Kubios correction, then HRV.
    peaks, rate = rr_case(13, 72)
    bad = peaks.copy().astype(float)
    for i in (40, 120, 200):
        bad[i] = bad[i - 1] + 0.6 * (bad[i] - bad[i - 1])  # a premature beat, then a compensatory pause
    bad = np.delete(bad, 300).astype(int)  # a missed beat
    _, fixed = nk.signal_fixpeaks(bad, sampling_rate=rate, method="kubios", iterative=True)
    out["ectopic"].append({
        "rr": rr_ms(bad, rate), "clean": hrv_numbers(peaks, rate), "neurokitCorrected": hrv_numbers(np.asarray(fixed), rate),
        "uncorrected": hrv_numbers(bad, rate),
    })
    for seed, hr, rate in [(21, 72, 64), (22, 95, 128)]:
        ppg = nk.ppg_simulate(duration=60, sampling_rate=rate, heart_rate=hr, random_state=seed)
        clean = nk.ppg_clean(ppg, sampling_rate=rate, method="elgendi")
        info = nk.ppg_findpeaks(clean, sampling_rate=rate, method="elgendi")
        p = np.asarray(info["PPG_Peaks"])
        out["ppg"].append({"rate": rate, "values": np.round(ppg, 5).tolist(), "peaks": int(len(p)), "meanIbi": float(np.mean(np.diff(p)) * 1000 / rate)})
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
