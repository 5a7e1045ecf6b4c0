#!/usr/bin/env python3
"""How the fall detector holds on other devices: sensitivity and specificity of
`canary-agent detect` on SisFall and KFall, as recorded (50 Hz), as a 20 Hz
device would deliver them, and as a ±4 g device would clip them.

  scripts/eval-falls-devices.py [AGENT]   (default .build/release/canary-agent)

Data: ../shared/data/sisfall-dev and ../shared/data/kfall-dev (or
CANARY_SHARED_DATA). Conditions:
  50 Hz        the recordings as they are (both are 50 Hz, milli-g);
  20 Hz        low-passed and resampled 50 → 20 Hz by a polyphase filter
               (scipy.signal.resample_poly, up 2, down 5: the anti-aliasing
               filter is part of it), `t_ms` every 50 ms;
  ±4 g         each axis clipped at ±4000 mg (KFall's own sensor saturates
               there already; SisFall's ±16 g does not);
  20 Hz, ±4 g  both.
A fall trial (F*) counts as detected if any `fall` event comes; an activity
trial (D*), as correct if none does. For KFall's falls, the detection time is
from its labelled impact to the first fall event. Figures: docs/detection.md.
Needs numpy and scipy (Debian: python3-numpy, python3-scipy).
"""
import csv, glob, gzip, json, os, subprocess, sys, tempfile

import numpy as np
from scipy.signal import resample_poly

agent = sys.argv[1] if len(sys.argv) > 1 else ".build/release/canary-agent"
data = os.environ.get("CANARY_SHARED_DATA", "../shared/data")
datasets = {"SisFall": os.path.join(data, "sisfall-dev"), "KFall": os.path.join(data, "kfall-dev")}
conditions = [("50 Hz", False, False), ("20 Hz", True, False), ("±4 g", False, True), ("20 Hz, ±4 g", True, True)]


def read(path):
    with gzip.open(path, "rt") as f:
        rows = list(csv.reader(f))[1:]
    return np.array([[float(x) for x in r] for r in rows])


def transform(samples, to20, clip):
    t, a = samples[:, 0], samples[:, 1:]
    if to20:
        a = resample_poly(a, 2, 5, axis=0)
        t = t[0] + 50.0 * np.arange(len(a))
    if clip:
        a = np.clip(a, -4000, 4000)
    return t, a


def impacts():
    """KFall's labelled impact time (ms into the file) of each fall trial."""
    out = {}
    with open(os.path.join(datasets["KFall"], "index.csv")) as f:
        for r in csv.DictReader(f):
            if r["fall_impact_ms"]:
                out[r["file"]] = float(r["fall_impact_ms"])
    return out


def evaluate(folder, to20, clip, work):
    files = sorted(glob.glob(os.path.join(folder, "*.csv.gz")))
    written = []
    for path in files:
        t, a = transform(read(path), to20, clip)
        out = os.path.join(work, os.path.basename(path)[: -len(".gz")])
        with open(out, "w") as f:
            f.write("t_ms,ax_mg,ay_mg,az_mg\n")
            for ti, (x, y, z) in zip(t, a):
                f.write(f"{int(round(ti))},{int(round(x))},{int(round(y))},{int(round(z))}\n")
        written.append(out)
    result = subprocess.run([agent, "detect", "--motion-csv", *written], capture_output=True, text=True, check=True).stdout
    for path in written:
        os.remove(path)
    return [json.loads(line) for line in result.splitlines()]


def summary(name, rows, labelled):
    falls = [r for r in rows if os.path.basename(r["file"]).startswith("F")]
    adls = [r for r in rows if not os.path.basename(r["file"]).startswith("F")]
    first = {os.path.basename(r["file"]) + ".gz": min((e["t_ms"] for e in r["events"] if e["type"] == "fall"), default=None) for r in falls}
    detected = sum(v is not None for v in first.values())
    quiet = sum(not any(e["type"] == "fall" for e in r["events"]) for r in adls)
    line = f"{name}: sensitivity {detected / len(falls):.4f} ({detected}/{len(falls)}), specificity {quiet / len(adls):.4f} ({quiet}/{len(adls)})"
    times = sorted(v - labelled[f] for f, v in first.items() if v is not None and f in labelled)
    if times:
        q = lambda p: times[min(len(times) - 1, int(p * len(times)))] / 1000
        line += f"; impact → first fall event: p50 {q(0.5):.1f} s, p90 {q(0.9):.1f} s, max {times[-1] / 1000:.1f} s"
    print(line, flush=True)


labelled = impacts()
with tempfile.TemporaryDirectory() as work:
    for dataset, folder in datasets.items():
        for condition, to20, clip in conditions:
            summary(f"{dataset}, {condition}", evaluate(folder, to20, clip, work), labelled if dataset == "KFall" else {})
