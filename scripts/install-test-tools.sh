#!/usr/bin/env bash
# Install the real consumers that cutover's integration tests run against:
#   * the Microsoft SARIF multitool (`@microsoft/sarif-multitool`, npm) -> target/test-tools/npm
#   * pre-commit (PyPI) in a virtualenv                                   -> target/test-tools/venv
#   * moto[server] (PyPI, AWS API emulator for the cutover-aws plugin) and boto3, in that venv
#   * maturin (PyPI, builds the `cutover` wheel for crates/cli/tests/install.rs), in that venv
#   * headless Chromium (Debian package `chromium`, system-wide through apt-get, with sudo when
#     not root) for the browser test of `cutover report --format html` (crates/cli/tests/report.rs)
# Idempotent and fast when already installed. Run it once before `cargo test`:
#   bash scripts/install-test-tools.sh
# Versions can be pinned with SARIF_MULTITOOL_VERSION, PRE_COMMIT_VERSION, MOTO_VERSION and
# MATURIN_VERSION.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${CUTOVER_TEST_TOOLS:-$root/target/test-tools}"
multitool_version="${SARIF_MULTITOOL_VERSION:-5.7.0}"
precommit_version="${PRE_COMMIT_VERSION:-4.7.0}"
moto_version="${MOTO_VERSION:-5.2.5}"
maturin_version="${MATURIN_VERSION:-1.16.0}"
mkdir -p "$tools"

say() { printf 'install-test-tools: %s\n' "$*"; }

# --- SARIF multitool -------------------------------------------------------------------------
npm_dir="$tools/npm"
find_multitool() {
  # The wrapper package depends on one platform package that holds the native binary.
  find "$npm_dir/node_modules/@microsoft" -maxdepth 2 -type f -name 'Sarif.Multitool' 2>/dev/null | head -n 1
}
bin="$(find_multitool || true)"
if [[ -n "$bin" && -f "$npm_dir/.installed-$multitool_version" ]]; then
  say "sarif-multitool $multitool_version already installed: $bin"
else
  say "installing @microsoft/sarif-multitool@$multitool_version into $npm_dir"
  mkdir -p "$npm_dir"
  [[ -f "$npm_dir/package.json" ]] || printf '{"name":"cutover-test-tools","private":true}\n' >"$npm_dir/package.json"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
    "@microsoft/sarif-multitool@$multitool_version"
  bin="$(find_multitool || true)"
  if [[ -z "$bin" ]]; then
    say "error: no Sarif.Multitool binary found under $npm_dir/node_modules/@microsoft" >&2
    exit 1
  fi
  rm -f "$npm_dir"/.installed-*
  touch "$npm_dir/.installed-$multitool_version"
fi
# npm does not run the package's install script, so the native binary is not executable yet.
if [[ ! -x "$bin" ]]; then
  chmod u+x "$bin"
  say "chmod u+x $bin"
fi
ln -sfn "$bin" "$tools/sarif-multitool"
say "sarif-multitool: $tools/sarif-multitool -> $bin"

# --- pre-commit ------------------------------------------------------------------------------
venv="$tools/venv"
if [[ -x "$venv/bin/pre-commit" ]] && "$venv/bin/pre-commit" --version 2>/dev/null | grep -q " $precommit_version\$"; then
  say "pre-commit $precommit_version already installed: $venv/bin/pre-commit"
else
  say "installing pre-commit==$precommit_version into $venv"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pre-commit==$precommit_version"
  say "pre-commit: $("$venv/bin/pre-commit" --version)"
fi

# --- moto (AWS emulator for crates/aws-plugin/tests/moto.rs) -------------------------------
if [[ -x "$venv/bin/moto_server" ]] && "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$moto_version')" 2>/dev/null; then
  say "moto $moto_version already installed: $venv/bin/moto_server"
else
  say "installing moto[server]==$moto_version (with boto3) into $venv"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$moto_version" boto3
  say "moto: $("$venv/bin/python" -c 'import moto; print(moto.__version__)')"
fi

# --- maturin (builds the wheel for crates/cli/tests/install.rs) ------------------------------
if [[ -x "$venv/bin/maturin" ]] && "$venv/bin/maturin" --version 2>/dev/null | grep -q " $maturin_version\$"; then
  say "maturin $maturin_version already installed: $venv/bin/maturin"
else
  say "installing maturin==$maturin_version into $venv"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin==$maturin_version"
  say "maturin: $("$venv/bin/maturin" --version)"
fi

# --- kubectl (Kustomize) ---------------------------------------------------------------------
# crates/cli/tests/render.rs renders overlays with the real `kubectl kustomize` and fails (never
# skips) without it. GitHub's hosted runners and the development machines have it.
if command -v kubectl >/dev/null 2>&1; then
  say "kubectl found: $(command -v kubectl)"
else
  say "warning: kubectl is not on PATH; the Kustomize render tests will fail until it is installed (https://kubernetes.io/docs/tasks/tools/)" >&2
fi

# --- Chromium (browser test of the HTML readiness report) ------------------------------------
if command -v chromium >/dev/null 2>&1; then
  say "chromium already installed: $(command -v chromium)"
elif command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=()
  [[ "$(id -u)" == 0 ]] || sudo_cmd=(sudo)
  say "installing chromium (Debian package) with apt-get"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium
  say "chromium: $(chromium --version 2>/dev/null || echo installed)"
else
  say "warning: no apt-get: install Chromium yourself for the HTML report's browser test" >&2
fi
say "done"
