#!/usr/bin/env bash
# e-prop training throughput: synfire (examples/eprop_bench.rs) against a dense NumPy
# implementation of the same equations (bench/eprop_numpy.py) on the same network
# (synfire writes its weights, input and target; NumPy reads them), alternated in one
# session; prints each run's JSON, then medians with [min-max] and the ratios, per CPU
# second (the figure to quote on a shared machine) and per wall second.
#   bench/eprop.sh [network: pattern|rec1000] [trials] [repetitions] [workers] [synfire binary]
# NumPy's BLAS gets as many threads as synfire has workers.
set -euo pipefail
cd "$(dirname "$0")/.."
network=${1:-pattern}; trials=${2:-10}; reps=${3:-3}; workers=${4:-1}; bin=${5:-}
venv=bench/.venv-eprop
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy
fi
if [ -z "$bin" ]; then
  cargo build --release --quiet --example eprop_bench
  bin=${CARGO_TARGET_DIR:-target}/release/examples/eprop_bench
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$bin" "$network" 0 1 --export "$scratch/net.json" > /dev/null
export OPENBLAS_NUM_THREADS=$workers OMP_NUM_THREADS=$workers MKL_NUM_THREADS=$workers
for r in $(seq "$reps"); do
  echo "# repetition $r, load $(cut -d' ' -f1 /proc/loadavg)" >&2
  "$bin" "$network" "$trials" "$workers" | tee -a "$scratch/runs"
  "$venv/bin/python" bench/eprop_numpy.py "$scratch/net.json" "$trials" | tee -a "$scratch/runs"
done
python3 - "$scratch/runs" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
side = lambda impl, key: [r[key] for r in rows if r["impl"] == impl]
spread = lambda v: f"{st.median(v):.3e} [{min(v):.3e}-{max(v):.3e}]"
for key, what in (("synapse_updates_per_cpu_s", "per CPU second"), ("synapse_updates_per_s", "per wall second")):
    s, n = side("synfire", key), side("numpy", key)
    pair = [a / c for a, c in zip(s, n)]
    print(f"synapse updates {what}, median [min-max] of {len(s)}: synfire {spread(s)}, numpy {spread(n)}; "
          f"ratio of medians {st.median(s) / st.median(n):.2f}, pairwise {st.median(pair):.2f} [{min(pair):.2f}-{max(pair):.2f}]")
print(f"bytes per plastic synapse (synfire): {st.median(side('synfire', 'bytes_per_plastic_synapse')):.1f}")
for impl in ("synfire", "numpy"):
    r = rows[[x["impl"] for x in rows].index(impl)]
    print(f"{impl}: untrained trial {r['rate_first_hz']:.1f} Hz nMSE {r['nmse_first']:.3f}; "
          f"after {r['trials']} more trials {r['rate_last_hz']:.1f} Hz nMSE {r['nmse_last']:.3f}")
PY
