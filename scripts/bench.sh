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
