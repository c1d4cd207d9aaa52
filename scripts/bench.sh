#!/usr/bin/env bash
# Benchmark run behind BENCHMARKS.md: release builds, Checkov in a private venv for the
# comparison (never needed by the tests), then `cargo xtask bench`.
#
#   bash scripts/bench.sh [extra `cargo xtask bench` arguments]
#
# Set BENCH_NO_CHECKOV=1 to skip installing and running Checkov.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=target/bench-tools
if [ -z "${BENCH_NO_CHECKOV:-}" ]; then
  if [ ! -x "$tools/venv/bin/checkov" ]; then
    mkdir -p "$tools"
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/pip" install --quiet --upgrade pip
    "$tools/venv/bin/pip" install --quiet checkov
  fi
  export PATH="$PWD/$tools/venv/bin:$PATH"
fi

cargo build --release --locked -p cutover --bin cutover
cargo run --release --locked -p xtask -- bench "$@"

# `cutover report` against `cutover check` on the 10x generated repository (written by the
# bench above under target/bench/gen-10x): the report runs the same pipeline plus attribution,
# so it should stay within 1.2x of the check. Minimum of 5 runs each, release binary.
gen10=target/bench/gen-10x
if [ -d "$gen10" ]; then
  best_of() {
    local best=0 t0 t1 d
    for _ in 1 2 3 4 5; do
      t0=$(date +%s%N)
      ./target/release/cutover "$@" >/dev/null 2>&1 || true
      t1=$(date +%s%N)
      d=$(( (t1 - t0) / 1000000 ))
      if [ "$best" -eq 0 ] || [ "$d" -lt "$best" ]; then best=$d; fi
    done
    echo "$best"
  }
  check_ms=$(best_of check "$gen10" --format json)
  report_ms=$(best_of report "$gen10" --format json)
  ratio=$(awk -v r="$report_ms" -v c="$check_ms" 'BEGIN { printf "%.2f", r / (c > 0 ? c : 1) }')
  verdict=$(awk -v x="$ratio" 'BEGIN { print (x <= 1.2 ? "met" : "MISSED") }')
  echo
  echo "### cutover report against cutover check (generated 10x, minimum of 5 runs)"
  echo
  echo "| command | wall ms |"
  echo "|---|--:|"
  echo "| \`cutover check --format json\` | $check_ms |"
  echo "| \`cutover report --format json\` | $report_ms |"
  echo
  echo "- report <= 1.2x check: ${ratio}x ($verdict)"
fi
