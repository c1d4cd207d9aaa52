#!/usr/bin/env bash
# The whole test suite: installs the external tools the tests run against (when the project needs
# them), checks the dependency walls, then runs every Rust test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f scripts/install-test-tools.sh ]; then
  bash scripts/install-test-tools.sh
fi

# The engine is generic: it never depends on the domain crates built on top of it.
if cargo tree -q -p lint-engine -e normal --prefix none | grep -E '^(cutover-semantic|cutover-rules) ' ; then
  echo "dependency wall broken: lint-engine depends on a domain crate (cutover-semantic or cutover-rules)" >&2
  exit 1
fi

# lint-engine, the semantic crate and the rules never depend on the command line or on renderers.
for crate in lint-engine cutover-semantic cutover-rules; do
  if cargo tree -q -p "$crate" -e normal --prefix none | grep -E '^(clap|codespan-reporting|miette|termcolor) ' ; then
    echo "dependency wall broken: $crate depends on a CLI or rendering crate" >&2
    exit 1
  fi
done

# The AWS SDK, tokio and the TLS/HTTP stack belong to the cutover-aws plugin only: the core
# binary, the engine, the semantic crate, the rules and the pre-commit package stay free of them.
for crate in cutover lint-engine cutover-semantic cutover-rules cutover-pre-commit; do
  if cargo tree -q -p "$crate" -e normal --prefix none | grep -E '^(aws-|tokio|hyper|h2|rustls|ring) ' ; then
    echo "dependency wall broken: $crate depends on the AWS SDK, tokio or an HTTP/TLS crate" >&2
    exit 1
  fi
done

# The pre-commit hook's package is compiled on the user's machine: it builds no C allocator
# (jemalloc needs a C compiler and `make`; see the root Cargo.toml).
if cargo tree -q -p cutover-pre-commit -e normal --prefix none | grep -E '^tikv-jemalloc' ; then
  echo "the pre-commit package builds jemalloc: depend on crates/cli with default-features = false" >&2
  exit 1
fi

cargo test --workspace --locked
