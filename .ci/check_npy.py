"""numpy reads every .npy file a run wrote, with the dtype and shape outputs.json names.

Usage: python3 .ci/check_npy.py OUTPUT_DIR
"""
import json
import sys
from pathlib import Path

import numpy as np

out = Path(sys.argv[1])
manifest = json.loads((out / "outputs.json").read_text())
checked = 0
for entry in manifest["files"]:
    name = entry["file"]
    if not name.endswith(".npy"):
        continue
    a = np.load(out / name)
    shape = list(a.shape)
    assert shape == entry["shape"], f"{name}: shape {shape}, outputs.json says {entry['shape']}"
    if entry["dtype"] == "structured":
        assert a.dtype.names == ("tick", "id", "pop", "index"), f"{name}: fields {a.dtype.names}"
        assert np.all(np.diff(a["tick"].astype(np.int64)) >= 0), f"{name}: ticks not in order"
    else:
        assert a.dtype.str == entry["dtype"], f"{name}: dtype {a.dtype.str}, outputs.json says {entry['dtype']}"
        if a.dtype.kind == "f" and "unit" not in entry:
            raise AssertionError(f"{name}: values without a unit in outputs.json")
    checked += 1
assert checked >= 5, f"only {checked} .npy files"
print(f"numpy read {checked} .npy files of {out} as outputs.json describes them")
