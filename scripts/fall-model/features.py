#!/usr/bin/env python3
"""The fall model's training data: every impact candidate's features, as
`canary-agent detect --features` computes them, for every recording of SisFall
and KFall in every device condition (devices.py), one NDJSON file each.

  /usr/bin/python3 scripts/fall-model/features.py OUTDIR [AGENT]   (default .build/release/canary-agent)

Writes OUTDIR/{SisFall,KFall}-{condition}.ndjson; train.py reads them.
Data: ../shared/data/sisfall-dev and kfall-dev (or CANARY_SHARED_DATA).
"""
import glob, json, os, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from devices import CONDITIONS, detect

out = sys.argv[1]
agent = sys.argv[2] if len(sys.argv) > 2 else ".build/release/canary-agent"
data = os.environ.get("CANARY_SHARED_DATA", "../shared/data")
os.makedirs(out, exist_ok=True)
with tempfile.TemporaryDirectory() as work:
    for dataset, folder in [("SisFall", "sisfall-dev"), ("KFall", "kfall-dev")]:
        files = sorted(glob.glob(os.path.join(data, folder, "*.csv.gz")))
        for condition in CONDITIONS:
            name = condition[0]
            rows = detect(agent, files, work, condition, features=True)
            slug = name.replace(" ", "").replace(",", "-").replace("±", "pm").replace("°", "deg")
            with open(os.path.join(out, f"{dataset}-{slug}.ndjson"), "w") as f:
                for r in rows:
                    f.write(json.dumps({"dataset": dataset, "condition": name, "file": r["file"],
                                        "candidates": [c["features"] for c in r.get("candidates") or []]}) + "\n")
            print(f"{dataset}, {name}: {len(rows)} recordings", file=sys.stderr, flush=True)
