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
#   bench/binaries.sh work DIR DIR2       # the main work of health-probe and tf-secrets with
#                                         # DIR's binaries against DIR2's, in the same run
#                                         # (to compare two profiles, e.g. opt-levels): 200
#                                         # failed HTTP attempts; a body regex over 1 MiB;
#                                         # a 200-output state to $GITHUB_ENV; 100 secrets
#                                         # sealed and PUT to a local stand-in API; a 10 MB
#                                         # state (wall and CPU medians, hyperfine)
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
mib() { awk -v b="$1" 'BEGIN { printf "%d bytes, %.2f MiB (%.1f MB)", b, b / 1048576, b / 1e6 }'; }

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
    [ -z "$dir2" ] || [ ! -x "$dir2/$t" ] || cmds+=("$dir2/$t --version")
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
work)
  dir=${1:?usage: bench/binaries.sh work DIR DIR2}
  dir2=${2:?usage: bench/binaries.sh work DIR DIR2}
  command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 1; }
  out=$results/binaries-work-$stamp
  work=$(mktemp -d)
  server_pid=
  cleanup() {
    [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
  }
  trap cleanup EXIT
  # One local server: /down 503 with a short body, /big 200 with 1 MiB of words, GET of a
  # repository key and PUT of a secret like GitHub's API (what tf-secrets --to-github calls).
  cat >"$work/server.py" <<'PY'
import base64, json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
KEY = base64.b64encode(os.urandom(32)).decode()
BIG = (b"lorem ipsum dolor sit amet " * 40000)[: 1 << 20]
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/down": self.reply(503, b"down")
        elif self.path == "/big": self.reply(200, BIG)
        else: self.reply(200, json.dumps({"key_id": "k", "key": KEY}).encode())
    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply(204)
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
  python3 "$work/server.py" "$work/port" &
  server_pid=$!
  for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
  url="http://127.0.0.1:$(cat "$work/port")"
  python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def state(n, size):
    return {f"out_{i:04d}": {"sensitive": i % 10 == 9, "type": "string",
                             "value": f"value-{i}-" + "x" * size} for i in range(n)}
json.dump(state(200, 30), open(f"{work}/state.json", "w"), indent=2)
json.dump(state(2500, 4000), open(f"{work}/big.json", "w"), indent=2)
PY
  hundred=()
  for i in $(seq 0 99); do hundred+=("$(printf 'S_%04d=out_%04d' "$i" "$i")"); done
  export GH_TOKEN=bench-token GITHUB_API_URL=$url
  cases=(
    "health-probe|attempts|-q -i 1us -t 60s --max-attempts 200 $url/down"
    "health-probe|regex|-q --max-attempts 1 --expect-body-regex 'ipsum\\s+\\w+\\s+END' $url/big"
    "tf-secrets|github-env|-f $work/state.json --all --format github-env"
    "tf-secrets|seal-100|-f $work/state.json --to-github o/r ${hundred[*]}"
    "tf-secrets|10mb|-f $work/big.json --all --format names"
  )
  for c in "${cases[@]}"; do
    IFS='|' read -r t name args <<<"$c"
    [ -x "$dir/$t" ] && [ -x "$dir2/$t" ] || continue
    hyperfine -N --warmup 2 --runs "${RUNS:-20}" --ignore-failure --output null \
      --export-json "$out-$t-$name.json" \
      -n "$dir/$t $name" "$dir/$t $args" -n "$dir2/$t $name" "$dir2/$t $args" >/dev/null
  done
  echo "medians: wall ms, user+sys CPU ms (means), DIR / DIR2" | tee "$out.txt"
  python3 - "$out"-*.json <<'PY' | tee -a "$out.txt"
import json, statistics, sys
for path in sys.argv[1:]:
    a, b = json.load(open(path))["results"]
    cpu = lambda r: (r["user"] + r["system"]) * 1000
    print(f"  {a['command']}: {a['median'] * 1000:.1f} / {cpu(a):.1f} ms vs "
          f"{b['median'] * 1000:.1f} / {cpu(b):.1f} ms: wall {a['median'] / b['median']:.2f}x, "
          f"CPU {cpu(a) / cpu(b):.2f}x")
PY
  ;;
*)
  sed -n '2,32p' "$0" >&2
  exit 2
  ;;
esac
