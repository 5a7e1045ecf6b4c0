#!/usr/bin/env python3
"""How the fall detector holds on other devices: sensitivity and specificity of
`canary-agent detect` on SisFall and KFall, as recorded (50 Hz), as 20 Hz and
12.5 Hz devices would deliver them, as ±8 g and ±4 g devices would clip
them, and worn 30° askew (scripts/fall-model/devices.py).

  scripts/eval-falls-devices.py [AGENT]   (default .build/release/canary-agent)

Data: ../shared/data/sisfall-dev and ../shared/data/kfall-dev (or
CANARY_SHARED_DATA). The conditions are devices.py's.
A fall trial (F*) counts as detected if any `fall` event comes; an activity
trial (D*), as correct if none does. For KFall's falls, the detection time is
from its labelled impact to the first fall event. Figures: docs/detection.md.
Needs numpy and scipy (Debian: python3-numpy, python3-scipy).
"""
import csv, glob, os, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fall-model"))
from devices import CONDITIONS, detect

agent = sys.argv[1] if len(sys.argv) > 1 else ".build/release/canary-agent"
data = os.environ.get("CANARY_SHARED_DATA", "../shared/data")
datasets = {"SisFall": os.path.join(data, "sisfall-dev"), "KFall": os.path.join(data, "kfall-dev")}


def impacts():
    """KFall's labelled impact time (ms into the file) of each fall trial."""
    out = {}
    with open(os.path.join(datasets["KFall"], "index.csv")) as f:
        for r in csv.DictReader(f):
            if r["fall_impact_ms"]:
                out[r["file"]] = float(r["fall_impact_ms"])
    return out


def summary(name, rows, labelled):
    falls = [r for r in rows if r["file"].startswith("F")]
    adls = [r for r in rows if not r["file"].startswith("F")]
    first = {r["file"]: min((e["t_ms"] for e in r["events"] if e["type"] == "fall"), default=None) for r in falls}
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
        files = sorted(glob.glob(os.path.join(folder, "*.csv.gz")))
        for condition in CONDITIONS:
            summary(f"{dataset}, {condition[0]}", detect(agent, files, work, condition), labelled if dataset == "KFall" else {})
