"""Recordings as other devices would deliver them, and the agent's detector run
on them: shared by scripts/eval-falls-devices.py (sensitivity, specificity,
detection time) and scripts/fall-model/features.py (the model's training data).

Both datasets are stored at 50 Hz in milli-g (../shared/data/README.md). A
device's condition is its sampling rate and its range:
  rate    50 Hz as recorded, or low-passed and resampled to 20 or 12.5 Hz by a
          polyphase filter (scipy.signal.resample_poly: 50·2/5 = 20, 50/4 = 12.5;
          the anti-aliasing filter is part of it), t_ms at the new rate;
  range   each axis clipped at ±8 g or ±4 g, as a sensor with that range
          saturates (KFall's own saturates at 4 g; SisFall's at 16 g);
  tilt    the device worn 30° askew (turned about its x axis, as a belt
          clip leaning or a chest harness): the profile's upright is then off
          by 30°. The model learns from devices turned other ways (60° about
          z, sideways, as a clip put on across the belt; 45° about x at
          20 Hz), both moving from the start, and is measured on the 30° one,
          which it never saw. Such a device is put on at the start of a
          shift, so the recording is led by 3 s of standing still in the same
          tilt, in which the detector learns this wearer's upright (RiskCore's
          UprightEstimator); the times of the recording's own samples stay.
          Without that lead-in ("moving from the start") the upright is learned
          only once the wearer walks or runs for 4 s, and until then the
          profile's, 30° off, stands.
Needs numpy and scipy (Debian: python3-numpy, python3-scipy).
"""
import gzip, json, os, re, subprocess

import numpy as np
from scipy.signal import resample_poly

# (name, rate in Hz, clip in mg or None, (degrees, axis) turned or None, a still lead-in before a turned recording)
CONDITIONS = [("50 Hz", 50, None, None, False), ("20 Hz", 20, None, None, False), ("12.5 Hz", 12.5, None, None, False),
              ("±8 g", 50, 8000, None, False), ("±4 g", 50, 4000, None, False), ("20 Hz, ±4 g", 20, 4000, None, False),
              ("turned 60° sideways, moving from the start", 50, None, (60, "z"), False),
              ("turned 45°, 20 Hz, moving from the start", 20, None, (45, "x"), False),
              ("tilted 30°", 50, None, (30, "x"), True), ("tilted 30°, moving from the start", 50, None, (30, "x"), False),
              ("tilted 30°, 20 Hz, moving from the start", 20, None, (30, "x"), False)]
POLYPHASE = {50: (1, 1), 20: (2, 5), 12.5: (1, 4)}

# Running and jumping, each lab's: SisFall D03/D04 jogging, D19 a jump to reach something; KFall T04 the same
# jump, T08/T09 jogging. A worker running to a colleague or jumping off a ladder's last rung must not be asked
# "are you all right?": these are reported on their own.
VIGOROUS = re.compile(r"^D(03|04|19)_|^D_KFall_T(04|08|09)_")


def is_vigorous(name):
    return bool(VIGOROUS.match(name))


def read(path):
    with gzip.open(path, "rt") as f:
        return np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2)


def transform(samples, rate, clip, tilt, lead_in, hold_s=0):
    t, a = samples[:, 0], samples[:, 1:]
    if lead_in:
        lead = 150  # 3 s at 50 Hz, standing: gravity along -y
        t = np.concatenate([t[0] - 20.0 * np.arange(lead, 0, -1), t])
        a = np.concatenate([np.tile([0.0, -1000.0, 0.0], (lead, 1)), a])
    if tilt:
        degrees, axis = tilt
        c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
        x, y, z = a[:, 0], a[:, 1], a[:, 2]
        a = np.column_stack([x, c * y - s * z, s * y + c * z] if axis == "x" else [c * x - s * y, s * x + c * y, z])
    up, down = POLYPHASE[rate]
    if (up, down) != (1, 1):
        a = resample_poly(a, up, down, axis=0)
        t = t[0] + 1000.0 / rate * np.arange(len(a))
    if clip:
        a = np.clip(a, -clip, clip)
    if hold_s:  # the wearer stays as the recording ends: its last second's mean, held
        n = int(rate * hold_s)
        last = a[-int(rate):].mean(axis=0)
        t = np.concatenate([t, t[-1] + 1000.0 / rate * np.arange(1, n + 1)])
        a = np.concatenate([a, np.tile(last, (n, 1))])
    return t, a


def detect(agent, paths, work, condition, features=False, hold_s=0):
    """`canary-agent detect` on `paths` as a device in `condition` delivers them, followed by `hold_s` seconds
    of the wearer staying as the recording ends: one result per file, its `file` the original's name."""
    _, rate, clip, tilt, lead_in = condition
    written = []
    for path in paths:
        t, a = transform(read(path), rate, clip, tilt, lead_in, hold_s)
        out = os.path.join(work, os.path.basename(path)[: -len(".gz")])
        np.savetxt(out, np.column_stack([t, a]).round().astype(np.int64), fmt="%d", delimiter=",", header="t_ms,ax_mg,ay_mg,az_mg",
                   comments="")
        written.append(out)
    command = [agent, "detect", *(["--features"] if features else []), "--motion-csv", *written]
    result = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for path in written:
        os.remove(path)
    rows = [json.loads(line) for line in result.splitlines()]
    for row in rows:
        row["file"] = os.path.basename(row["file"]) + ".gz"
    return rows
