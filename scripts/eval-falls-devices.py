#!/usr/bin/env python3
"""How the fall detector holds on other devices: sensitivity and specificity of
`canary-agent detect` on SisFall and KFall, as recorded (50 Hz), as 20 Hz and
12.5 Hz devices would deliver them, as ±8 g and ±4 g devices would clip
them, turned 60° sideways and 45°, and worn 30° askew
(scripts/fall-model/devices.py).

  scripts/eval-falls-devices.py [AGENT]   (default .build/release/canary-agent)

Data: ../shared/data/sisfall-dev and ../shared/data/kfall-dev (or
CANARY_SHARED_DATA). The conditions are devices.py's.
Each recording is followed by 20 s of the wearer staying as it ends (its last
second held), so that a pre-alarm nobody cancels can become an alarm. Two
figures per form: pre-alarms (what the wearer feels: a fall trial (F*) counts
as detected if a fall pre-alarm comes, an activity trial (D*) as correct if
none does) and alarms (what the coordinator sees: the pre-alarm was not
cancelled by getting up within 15 s). For KFall's falls, the detection time is
from its labelled impact to the pre-alarm. Figures: docs/detection.md.
Needs numpy and scipy (Debian: python3-numpy, python3-scipy).
"""
import csv, glob, os, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fall-model"))
from devices import CONDITIONS, detect, is_vigorous

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


def raised(row, phase):
    return any(e["type"] == "fall" and e["phase"] == phase for e in row["events"])


def summary(name, rows, labelled):
    falls = [r for r in rows if r["file"].startswith("F")]
    adls = [r for r in rows if not r["file"].startswith("F")]
    first = {r["file"]: min((e["t_ms"] for e in r["events"] if e["type"] == "fall"), default=None) for r in falls}
    line = name + ":"
    for phase in ["pre-alarm", "alarm"]:
        detected = sum(raised(r, phase) for r in falls)
        quiet = sum(not raised(r, phase) for r in adls)
        calm = sum(not raised(r, phase) for r in adls if is_vigorous(r["file"]))
        vigorous = sum(is_vigorous(r["file"]) for r in adls)
        line += (f" {phase}s: sensitivity {detected / len(falls):.4f} ({detected}/{len(falls)}),"
                 f" specificity {quiet / len(adls):.4f} ({quiet}/{len(adls)}), running and jumping {calm}/{vigorous};")
    times = sorted(v - labelled[f] for f, v in first.items() if v is not None and f in labelled)
    if times:
        q = lambda p: times[min(len(times) - 1, int(p * len(times)))] / 1000
        line += f" impact → pre-alarm: p50 {q(0.5):.1f} s, p90 {q(0.9):.1f} s, max {times[-1] / 1000:.1f} s"
    print(line, flush=True)


labelled = impacts()
with tempfile.TemporaryDirectory() as work:
    for dataset, folder in datasets.items():
        files = sorted(glob.glob(os.path.join(folder, "*.csv.gz")))
        for condition in CONDITIONS:
            rows = detect(agent, files, work, condition, hold_s=20)
            summary(f"{dataset}, {condition[0]}", rows, labelled if dataset == "KFall" else {})
