"""The sample recording the example flows and the demo replay: flows/workload/operator-2.edf.

    .bench/workload-venv/bin/python models/workload/make_sample.py

A SIMULATED operator (no real person): one minute at normal workload, then four minutes of
overload, made with the same simulator and effects as train.py. EDF, 2 EEG channels (AF7,
TP10) at 128 Hz and a PPG at 128 Hz, 1-s records.
"""
import os
import struct
import sys

import numpy as np
import neurokit2 as nk

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402

OUT = os.path.join(train.ROOT, "flows", "workload", "operator-2.edf")
RATE = 128
PHASES = [("normal", 60), ("high", 240)]


def eeg_phase(op, level, seconds, rng, seed):
    train.SESSION_S, train.EEG_RATE = seconds, RATE
    return train.eeg(op, level, rng, seed)


def main():
    rng = np.random.default_rng(7)
    op = {"hr": 72, "hrStd": 4, "theta": 6, "alpha": 9, "beta": 3, "gain": 1.3}
    eeg = {"AF7": [], "TP10": []}
    ppg = []
    for i, (level, seconds) in enumerate(PHASES):
        x = eeg_phase(op, level, seconds, rng, 50 + i)
        for k in eeg:
            eeg[k].append(x[k])
        dhr = train.EFFECTS[level][0] * op["gain"]
        ppg.append(nk.ppg_simulate(duration=seconds, sampling_rate=RATE, heart_rate=op["hr"] + dhr, ibi_randomness=0.05, random_state=60 + i))
    signals = [("EEG AF7", np.concatenate(eeg["AF7"]), -500, 500, "uV"), ("EEG TP10", np.concatenate(eeg["TP10"]), -500, 500, "uV"),
               ("PPG", np.concatenate(ppg), -4, 4, "a.u.")]
    seconds = sum(s for _, s in PHASES)
    f = lambda t, w: t[:w].ljust(w).encode("ascii")  # noqa: E731
    ns = len(signals)
    head = b"0".ljust(8) + f("X X X op-2_simulated", 80) + f("Startdate 05-DEC-2026 X X impetus_simulated_sample", 80)
    head += b"05.12.2621.00.00" + f(str(256 * (ns + 1)), 8) + f("", 44) + f(str(seconds), 8) + f("1", 8) + f(str(ns), 4)
    for col in [lambda s: f(s[0], 16), lambda s: f("", 80), lambda s: f(s[4], 8), lambda s: f(str(s[2]), 8), lambda s: f(str(s[3]), 8),
                lambda s: f("-32768", 8), lambda s: f("32767", 8), lambda s: f("", 80), lambda s: f(str(RATE), 8), lambda s: f("", 32)]:
        head += b"".join(col(s) for s in signals)
    body = bytearray()
    for r in range(seconds):
        for _, x, lo, hi, _ in signals:
            seg = np.clip(x[r * RATE:(r + 1) * RATE], lo, hi)
            d = np.round((seg - lo) / (hi - lo) * 65535 - 32768).astype(int)
            body += struct.pack(f"<{RATE}h", *d)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as out:
        out.write(head + bytes(body))
    print(f"wrote {OUT}: {seconds} s, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
