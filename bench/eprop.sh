#!/usr/bin/env bash
# e-prop training throughput: synfire (examples/eprop_bench.rs) against a dense NumPy
# implementation of the same equations (bench/eprop_numpy.py), alternated in one
# session; prints each run's JSON and the median ratio of synaptic updates per second.
#   bench/eprop.sh [network: pattern|rec1000] [trials] [repetitions] [workers]
set -euo pipefail
cd "$(dirname "$0")/.."
network=${1:-pattern}; trials=${2:-10}; reps=${3:-3}; workers=${4:-1}
venv=bench/.venv-eprop
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy
fi
cargo build --release --quiet --example eprop_bench
out=$(mktemp)
for r in $(seq "$reps"); do
  target/release/examples/eprop_bench "$network" "$trials" "$workers" | tee -a "$out"
  "$venv/bin/python" bench/eprop_numpy.py "$network" "$trials" | tee -a "$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = [r["synapse_updates_per_s"] for r in rows if r["impl"] == "synfire"]
n = [r["synapse_updates_per_s"] for r in rows if r["impl"] == "numpy"]
b = [r["bytes_per_plastic_synapse"] for r in rows if r["impl"] == "synfire"]
print(f"median synapse updates/s: synfire {statistics.median(s):.3e}, numpy {statistics.median(n):.3e}, "
      f"ratio {statistics.median(s) / statistics.median(n):.2f} (pairwise {statistics.median([a / c for a, c in zip(s, n)]):.2f}); "
      f"bytes per plastic synapse {statistics.median(b):.1f}")
PY
