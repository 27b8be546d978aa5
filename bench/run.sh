#!/usr/bin/env bash
# Comparison benchmark: synfire against Brian2 (C++ standalone) on the networks of
# shared/specs/benchmarks.md, both in the same run on the same machine, repetitions
# interleaved. Writes bench/results/<date>-<host-kind>.md. See bench/README.md.
set -euo pipefail

ORIG_ARGS="$*"
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
VENV=$BENCH_DIR/.venv
PY=$VENV/bin/python

REPS=""
QUICK=0
CASES=""
BUILD=1
MAX_LOAD=2
LOAD_WAIT=""
HOST_KIND=""
OUT=""
SYNFIRE=""

usage() {
    cat <<'EOF'
usage: bench/run.sh [options]
  --reps N          repetitions per case and simulator (default 3)
  --quick           smoke run: 4k networks only, 1 s model time, 1 rep (unless --reps), no load wait
  --cases LIST      comma-separated cases (default a,b,d,c,e):
                      a cuba 4k 10 s | b coba 4k 10 s | d cuba-stdp 4k 10 s
                      c16k c64k c256k c1m cuba at that size, 1 s
                      e-a e-b e-d e-c64k e-c256k the same with 2 workers/threads
                      c = c16k,c64k,c256k   e = e-a,e-b,e-d,e-c64k,e-c256k
  --no-build        do not run cargo build (use the existing release binary)
  --synfire PATH    synfire binary to run (implies --no-build)
  --max-load X      wait before each case until the 1-minute load is below X (default 2)
  --load-wait S     wait at most S seconds for that (default 60, 0 with --quick)
  --host-kind NAME  name used in the result file (default <nproc>core-<GiB>gib)
  --out FILE        result file (default bench/results/<date>-<host-kind>[-quick].md)
EOF
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --reps) REPS=$2; shift 2 ;;
        --quick) QUICK=1; shift ;;
        --cases) CASES=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --synfire) SYNFIRE=$2; BUILD=0; shift 2 ;;
        --max-load) MAX_LOAD=$2; shift 2 ;;
        --load-wait) LOAD_WAIT=$2; shift 2 ;;
        --host-kind) HOST_KIND=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

# case -> "network neurons duration threads"
case_spec() {
    case $1 in
        a) echo "cuba 4000 10 1" ;;
        b) echo "coba 4000 10 1" ;;
        d) echo "cuba-stdp 4000 10 1" ;;
        c16k) echo "cuba 16000 1 1" ;;
        c64k) echo "cuba 64000 1 1" ;;
        c256k) echo "cuba 256000 1 1" ;;
        c1m) echo "cuba 1000000 1 1" ;;
        e-a) echo "cuba 4000 10 2" ;;
        e-b) echo "coba 4000 10 2" ;;
        e-d) echo "cuba-stdp 4000 10 2" ;;
        e-c64k) echo "cuba 64000 1 2" ;;
        e-c256k) echo "cuba 256000 1 2" ;;
        *) return 1 ;;
    esac
}

if [[ $QUICK == 1 ]]; then
    : "${REPS:=1}"
    : "${CASES:=a,b,d}"
    : "${LOAD_WAIT:=0}"
fi
: "${CASES:=a,b,d,c,e}"
: "${LOAD_WAIT:=60}"
: "${REPS:=3}"
[[ $REPS =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --reps must be a positive integer" >&2; exit 2; }

SELECTED=()
for c in ${CASES//,/ }; do
    case $c in
        c) SELECTED+=(c16k c64k c256k) ;;
        e) SELECTED+=(e-a e-b e-d e-c64k e-c256k) ;;
        *) case_spec "$c" >/dev/null || { echo "run.sh: unknown case '$c'" >&2; exit 2; }
           SELECTED+=("$c") ;;
    esac
done

load1() { cut -d' ' -f1 /proc/loadavg; }

wait_for_load() {
    local waited=0
    while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }' && [[ $waited -lt $LOAD_WAIT ]]; do
        sleep 5
        waited=$((waited + 5))
    done
}

# --- Brian2 environment -----------------------------------------------------------------
INSTALL_NOTE="existing virtualenv"
if ! "$PY" -c "import brian2" >/dev/null 2>&1; then
    echo "== creating $VENV with Brian2 (a minute or so)"
    start=$SECONDS
    python3 -m venv "$VENV"
    "$PY" -m pip install --quiet --upgrade pip
    # Brian2 2.9 does not import with numpy >= 2.4.
    "$PY" -m pip install --quiet "brian2==2.9.*" "numpy<2.4"
    INSTALL_NOTE="virtualenv created in $((SECONDS - start)) s"
fi

# --- synfire ------------------------------------------------------------------------------
: "${SYNFIRE:=${CARGO_TARGET_DIR:-$ROOT/target}/release/synfire}"
SYNFIRE_BUILD="not built (--no-build or --synfire): ${SYNFIRE#"$ROOT"/}"
if [[ $BUILD == 1 ]]; then
    echo "== cargo build --release"
    if (cd "$ROOT" && cargo build --release); then
        SYNFIRE_BUILD="cargo build --release: ok"
    else
        SYNFIRE_BUILD="cargo build --release: failed (exit code $?)"
    fi
fi

# --- runs ---------------------------------------------------------------------------------
STAMP=$(date +%Y%m%d-%H%M%S)
RUN_DIR=$BENCH_DIR/scratch/runs/$STAMP
mkdir -p "$RUN_DIR"
TSV=$RUN_DIR/runs.tsv
printf 'case\trep\tsimulator\texit\tload1\tstdout\tstderr\tcommand\n' >"$TSV"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# run_one CASE REP SIM CMD...: stdout/stderr to files, one line to runs.tsv, never fails.
run_one() {
    local case=$1 rep=$2 sim=$3
    shift 3
    local base=$RUN_DIR/$case-$sim-$rep load rc=0
    load=$(load1)
    "$@" >"$base.out" 2>"$base.err" || rc=$?
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$rep" "$sim" "$rc" "$load" "$base.out" "$base.err" "$*" >>"$TSV"
    echo "   $case rep $rep $sim: exit $rc (load $load)"
}

for c in "${SELECTED[@]}"; do
    read -r net n dur threads <<<"$(case_spec "$c")"
    if [[ $QUICK == 1 ]]; then
        [[ $n -le 4000 ]] || { echo "== $c skipped (--quick runs 4k networks only)"; continue; }
        dur=1
    fi
    wait_for_load
    echo "== case $c: $net N=$n ${dur}s threads=$threads"
    for rep in $(seq 1 "$REPS"); do
        run_one "$c" "$rep" synfire "$SYNFIRE" bench "$net" --neurons "$n" --duration "${dur}s" --workers "$threads" --json
        clean=()
        [[ $rep == 1 ]] && clean=(--clean) # first rep compiles from scratch: build_s is a cold build
        run_one "$c" "$rep" brian2 "$PY" "$BENCH_DIR/brian2_net.py" "$net" --neurons "$n" --duration "$dur" --threads "$threads" --json "${clean[@]}"
        if [[ $net == coba ]]; then # also Brian2's usual forward Euler, a cheaper integrator than synfire's
            run_one "$c" "$rep" brian2-euler "$PY" "$BENCH_DIR/brian2_net.py" "$net" --neurons "$n" --duration "$dur" --threads "$threads" --json --coba-method euler "${clean[@]}"
        fi
    done
done

# --- report -------------------------------------------------------------------------------
if [[ -z $HOST_KIND ]]; then
    HOST_KIND="$(nproc)core-$(awk '/MemTotal/ { printf "%d", $2 / 1048576 + 0.5 }' /proc/meminfo)gib"
fi
if [[ -z $OUT ]]; then
    suffix=""
    [[ $QUICK == 1 ]] && suffix="-quick"
    OUT=$BENCH_DIR/results/$(date +%Y-%m-%d)-$HOST_KIND$suffix.md
    [[ -e $OUT ]] && OUT=${OUT%.md}-$(date +%H%M).md
fi
mkdir -p "$(dirname "$OUT")"

META=$RUN_DIR/meta.tsv
{
    printf 'date\t%s\n' "$(date -u +'%Y-%m-%d %H:%M UTC')"
    printf 'host kind\t%s\n' "$HOST_KIND"
    printf 'nproc\t%s\n' "$(nproc)"
    printf 'cpu\t%s\n' "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    printf 'memory\t%s\n' "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    printf 'load before (1/5/15 min)\t%s\n' "$LOAD_BEFORE"
    printf 'load after (1/5/15 min)\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'rustc\t%s\n' "$(rustc --version 2>/dev/null || echo unavailable)"
    printf 'g++\t%s\n' "$(g++ --version 2>/dev/null | head -1 || echo unavailable)"
    printf 'brian2 / numpy\t%s\n' "$("$PY" -c 'import brian2, numpy; print(brian2.__version__, "/", numpy.__version__)' 2>/dev/null)"
    printf 'synfire commit\t%s\n' "$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
    printf 'synfire build\t%s\n' "$SYNFIRE_BUILD"
    printf 'brian2 venv\t%s\n' "$INSTALL_NOTE"
    printf 'reps\t%s\n' "$REPS"
    printf 'load wait\tup to %s s per case for 1-min load < %s\n' "$LOAD_WAIT" "$MAX_LOAD"
    printf 'invocation\tbench/run.sh %s\n' "${ORIG_ARGS:-}"
} >"$META"

"$PY" "$BENCH_DIR/report.py" "$META" "$TSV" --root "$ROOT" >"$OUT"
echo "== wrote $OUT (raw outputs in $RUN_DIR)"
