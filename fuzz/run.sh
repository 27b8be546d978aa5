#!/usr/bin/env bash
# Runs each fuzz target for a bounded time, one job, one target at a time.
#   fuzz/run.sh [SECONDS] [TARGET...]     (default: 600 s each, every target)
# Needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked).
set -euo pipefail

cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(scenario checkpoint)
fi

mkdir -p corpus logs
status=0
for t in "${targets[@]}"; do
    # The corpus grows in corpus/<target> (not committed); the committed seeds are
    # read from their own directories and never written to.
    case "$t" in
        scenario) seeds=(../examples/scenarios) ;;
        checkpoint) seeds=(seeds/checkpoint) ;;
        *) echo "unknown target: $t" >&2; exit 2 ;;
    esac
    mkdir -p "corpus/$t" "artifacts/$t"
    log="logs/$t.log"
    echo "== $t: ${secs}s (log: fuzz/$log)"
    set +e
    cargo +nightly fuzz run --jobs 1 "$t" "corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    grep -E '^#[0-9]+ +(DONE|INITED)|stat::number_of_executed_units|cov: ' "$log" | tail -n 3 || true
    found=$(find "artifacts/$t" -type f | sort)
    if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
        echo "!! $t: exit $rc; found:"
        echo "${found:-  (no artifact; see the log)}"
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -n 5 || true
        status=1
    else
        echo "ok $t: no crash or hang"
    fi
done
exit "$status"
