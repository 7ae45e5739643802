#!/usr/bin/env bash
# Peak memory on the issue's large inputs, run by hand:
#
#   bench/size-limits.sh             # BASE=main: the release build before, built here too
#
# 1. taskdef-clean on a 50 MB describe-task-definition answer (the test suite's generator:
#    the fixture's container copied with 40 variables and 10 labels each, pretty-printed with
#    4 spaces as the AWS CLI writes it): clean from a file and from stdin, --check,
#    --filter '.', --diff against itself. Each with this tree's release build and BASE's
#    (a git worktree of BASE, built in release into its own target directory: about 6
#    minutes), side by side in the same run. Peak RSS from GNU time (%M), wall time.
# 2. The tests that measure the other tools' peaks with a generous bound, run with their
#    figures printed (debug builds, as the suite runs them): health-probe's 10 MB body,
#    ecs-run-wait's million-line stream (ignored in the suite), ecr-purge's 100,000 images
#    (heap bytes an image, from a counting allocator), taskdef-clean's 5 MB and 50 MB cases.
#
# Results: bench/results/size-limits-<time>.txt, and on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is not installed" >&2; exit 1; }
base=${BASE:-main}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
report=bench/results/size-limits-$stamp.txt
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --locked --quiet -p taskdef-clean
target=$(cargo metadata --locked --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
cp "$target/release/taskdef-clean" "$work/taskdef-clean.new"
git worktree add --detach --quiet "$work/base" "$base"
(cd "$work/base" && CARGO_TARGET_DIR="$work/base-target" cargo build --release --locked --quiet -p taskdef-clean)
cp "$work/base-target/release/taskdef-clean" "$work/taskdef-clean.base"

python3 - "$work/big.json" <<'PY'
import copy, json, sys
answer = json.load(open("taskdef-clean/tests/fixtures/gpu-describe.json"))
td = answer["taskDefinition"]
one = td["containerDefinitions"][0]
def container(i):
    c = copy.deepcopy(one)
    c["name"] = f"worker-{i}"
    c["environment"] = [{"name": f"VAR_{j}", "value": f"value-{i}-{j}"} for j in range(40)]
    c["dockerLabels"] = {f"com.example.label{j}": f"{i}-{j}" for j in range(10)}
    return c
per = len(json.dumps(container(0), indent=4))
td["containerDefinitions"] = [container(i) for i in range(50_000_000 // per)]
json.dump(answer, open(sys.argv[1], "w"), indent=4)
PY

peak() { # label, command...: "label: N MiB, T s"
  local label=$1; shift
  /usr/bin/time -f "%M %e" -o "$work/time" "$@" >/dev/null 2>"$work/err" \
    || { cat "$work/err" >&2; exit 1; }
  read -r kb secs <"$work/time"
  printf '  %-28s %5d MiB  %6.2f s\n' "$label" $((kb / 1024)) "$secs"
}
{
  echo "# size limits ($stamp), $(uname -srm), $(nproc) CPUs"
  echo
  echo "1. taskdef-clean, $(stat -c %s "$work/big.json") bytes: peak RSS, wall time"
  for v in base new; do
    bin=$work/taskdef-clean.$v
    if [ "$v" = base ]; then rev=$base; else rev=$(git rev-parse --short HEAD); fi
    echo " $v ($rev):"
    peak "clean -f" "$bin" -f "$work/big.json"
    peak "clean <stdin" sh -c "exec '$bin' <'$work/big.json'"
    peak "--check" "$bin" --check -q -f "$work/big.json"
    peak "--filter ." "$bin" --filter . -f "$work/big.json"
    peak "--diff (itself)" "$bin" -q --diff "$work/big.json" -f "$work/big.json"
  done
  echo
  echo "2. the suite's memory tests, with their figures (debug builds)"
} | tee "$report"
for t in "health-probe limits::" "ecs-run-wait log_volume::" "taskdef-clean size::"; do
  read -r package filter <<<"$t"
  cargo test --locked --quiet -p "$package" --test cli -- --include-ignored --nocapture "$filter" 2>&1 \
    | grep -E "peak|MiB" | sed 's/^/  /' | tee -a "$report"
done
cargo test --locked --quiet -p ecr-purge --bin ecr-purge -- --include-ignored --nocapture scale:: 2>&1 \
  | grep -E "heap peak" | sed 's/^/  /' | tee -a "$report"
echo "bench: results in $report" >&2
