#!/usr/bin/env bash
# Size, cold build time and start-up of the release binaries, run by hand:
#
#   bench/binaries.sh workspace DIR [TOOL...]
#                                         # cold `cargo build --release --workspace` into DIR
#                                         # (must be empty or absent): wall time, stripped
#                                         # sizes; with TOOLs, `-p TOOL...` instead
#   bench/binaries.sh install [TOOL...]   # cold `cargo install --locked --path TOOL` per tool
#                                         # (default: all six), each with an empty target
#                                         # directory and root: wall time, installed size
#   bench/binaries.sh version DIR [DIR2]  # `--version` start-up of each binary in DIR (a
#                                         # target's `release/` or an install's `bin/`), side
#                                         # by side with DIR2's (hyperfine, one run per tool),
#                                         # and `aws --version` and `jq --version`
#
# PROFILE=before runs `workspace` and `install` with the release profile this workspace had
# before issue 12 (lto = "thin", codegen-units = 4, panic = unwind, opt-level = 3) through
# cargo's CARGO_PROFILE_RELEASE_* variables, which take precedence over Cargo.toml; without
# it, the profile in Cargo.toml. Any other CARGO_PROFILE_RELEASE_* variable set by the caller
# is passed on too (to try a variant: CARGO_PROFILE_RELEASE_OPT_LEVEL=s ...).
#
# Builds run under `nice -n 10`, one at a time; `install` deletes its temporary directories,
# `workspace` keeps DIR (for `version`): delete it when done. Results: bench/results/binaries-<mode>-<time>.txt (and .md/.json
# from hyperfine); a summary on stdout (medians). The AWS CLI is the emulator venv's
# (`.venv/bin/aws`), else the one on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools=(taskdef-clean ecs-run-wait health-probe tf-secrets ecr-purge ecs-deploy)
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is not installed" >&2; exit 1; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$root/bench/results
mkdir -p "$results"

if [ "${PROFILE:-}" = before ]; then
  export CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_CODEGEN_UNITS=4 \
    CARGO_PROFILE_RELEASE_PANIC=unwind CARGO_PROFILE_RELEASE_OPT_LEVEL=3
fi
profile_line() {
  echo "profile: ${PROFILE:-Cargo.toml} $(env | grep '^CARGO_PROFILE_RELEASE_' | sort | tr '\n' ' ')"
}
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB (%.1f MB)", b / 1048576, b / 1e6 }'; }

mode=${1:-}
shift || true
case "$mode" in
workspace)
  dir=${1:?usage: bench/binaries.sh workspace DIR [TOOL...]}
  shift
  packages=(--workspace)
  if [ $# -gt 0 ]; then
    packages=()
    for t in "$@"; do packages+=(-p "$t"); done
    tools=("$@")
  fi
  if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    echo "bench: $dir is not empty (a cold build needs an empty target directory)" >&2
    exit 1
  fi
  out=$results/binaries-workspace-$stamp.txt
  {
    profile_line
    CARGO_TARGET_DIR=$dir /usr/bin/time -f '%e' -o "$dir.time" \
      nice -n 10 cargo build --release --locked --quiet "${packages[@]}"
    echo "cold build (${packages[*]}): $(cat "$dir.time") s wall"
    rm -f "$dir.time"
    for t in "${tools[@]}"; do
      echo "$t: $(mib "$(stat -c %s "$dir/release/$t")")"
    done
  } | tee "$out"
  echo "(binaries kept in $dir/release; delete $dir when done)"
  ;;
install)
  [ $# -gt 0 ] || set -- "${tools[@]}"
  out=$results/binaries-install-$stamp.txt
  profile_line | tee "$out"
  for t in "$@"; do
    work=$(mktemp -d)
    CARGO_TARGET_DIR=$work/target /usr/bin/time -f '%e' -o "$work/time" \
      nice -n 10 cargo install --locked --quiet --path "$t" --root "$work/root" 2>"$work/log" \
      || { cat "$work/log" >&2; rm -rf "$work"; exit 1; }
    echo "$t: cold install $(cat "$work/time") s wall, $(mib "$(stat -c %s "$work/root/bin/$t")")" \
      | tee -a "$out"
    rm -rf "$work"
  done
  ;;
version)
  dir=${1:?usage: bench/binaries.sh version DIR [DIR2]}
  dir2=${2:-}
  command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 1; }
  aws=$root/.venv/bin/aws
  [ -x "$aws" ] || aws=$(command -v aws || true)
  [ -x "$aws" ] || { echo "bench: the AWS CLI is not installed" >&2; exit 1; }
  command -v jq >/dev/null || { echo "bench: jq is not installed" >&2; exit 1; }
  out=$results/binaries-version-$stamp
  {
    echo "## --version start-up ($(date -u))"
    echo "aws: $("$aws" --version 2>&1); jq: $(jq --version)"
  } >"$out.txt"
  hyperfine -N --warmup 2 --runs 10 --export-json "$out-aws-jq.json" \
    --export-markdown "$out-aws-jq.md" "$aws --version" "jq --version" >/dev/null
  cat "$out-aws-jq.md" >>"$out.txt"
  for t in "${tools[@]}"; do
    [ -x "$dir/$t" ] || continue
    cmds=("$dir/$t --version")
    [ -z "$dir2" ] || cmds+=("$dir2/$t --version")
    cmds+=("jq --version")
    hyperfine -N --warmup 5 --runs 200 --export-json "$out-$t.json" \
      --export-markdown "$out-$t.md" "${cmds[@]}" >/dev/null
    cat "$out-$t.md" >>"$out.txt"
  done
  cat "$out.txt"
  echo
  echo "medians (ms), ratio to the first command of each run:"
  python3 - "$out"-*.json <<'PY'
import json, sys
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    base = results[0]["median"]
    print("  " + "; ".join(
        f"{r['command'].removesuffix(' --version')} {r['median'] * 1000:.2f}"
        f" ({r['median'] / base:.2f}x)"
        for r in results))
PY
  ;;
*)
  sed -n '2,25p' "$0" >&2
  exit 2
  ;;
esac
