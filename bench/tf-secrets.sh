#!/usr/bin/env bash
# Benchmark of tf-secrets against what it replaces, run by hand:
#
#   bench/tf-secrets.sh            # release build, hyperfine, peak memory; ~1 minute
#
# Cases (each compared, in the same run, with its baseline):
#   A  20 named outputs into $GITHUB_ENV   vs  the usual script: one `jq -r` per output
#   B  every output of a 200-output state  vs  one jq program doing the same (no checks)
#   C  100 secrets through the REST API    vs  100 `curl` PUTs of pre-sealed values
#      (to a local stand-in API; the baseline does no encryption, so it is a lower bound)
#   D  peak memory on a 10 MB state (--all --format names)  vs  jq -r 'keys[]'
#
# Results: bench/results/tf-secrets-<time>.{md,json}; a summary with ratios on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in hyperfine jq curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
# peak memory (case D) comes from GNU time
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is not installed" >&2; exit 1; }

cargo build --release --locked --quiet -p tf-secrets
bin=$(cargo metadata --locked --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/tf-secrets
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$root/bench/results
mkdir -p "$results"
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A state shaped like a real one: strings, numbers, lists, objects, a PEM key.
python3 - "$work" <<'PY'
import json, sys, random
random.seed(7)
work = sys.argv[1]
def state(n, big):
    out = {}
    for i in range(n):
        kind = i % 10
        if kind < 6:
            v, t = f"value-{i}-" + "x" * (4000 if big else 30), "string"
        elif kind == 6:
            v, t = 10**22 + i, "number"
        elif kind == 7:
            v, t = [f"subnet-{i:04x}{j}" for j in range(3)], ["list", "string"]
        elif kind == 8:
            v, t = {"host": f"h{i}.internal", "port": 5432}, ["object", {"host": "string", "port": "number"}]
        else:
            v, t = "-----BEGIN EXAMPLE KEY-----\n" + "A" * 64 + "\n-----END EXAMPLE KEY-----\n", "string"
        out[f"out_{i:04d}"] = {"sensitive": kind == 9, "type": t, "value": v}
    return out
json.dump(state(200, False), open(f"{work}/state.json", "w"), indent=2)
json.dump(state(4000, True), open(f"{work}/big.json", "w"), indent=2)
PY
ls -la "$work"/*.json | awk '{print "bench: input " $NF " " $5 " bytes"}' >&2

# Outputs that are strings, numbers or keys (lists and objects need a conversion): the
# first 20 for A, the first 100 for C.
valid=()
for i in $(seq 0 199); do
  case $((i % 10)) in 7 | 8) ;; *) valid+=("$(printf 'out_%04d' "$i")") ;; esac
done
names=("${valid[@]:0:20}")
selectors=()
for n in "${names[@]}"; do selectors+=("${n^^}=$n"); done

# The script a team writes without the tool (value of lists as JSON, like tf-secrets --all).
cat >"$work/jq-loop.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
state=$1; shift
for name in "$@"; do
  delim="ghadelimiter_$RANDOM$RANDOM"
  printf '%s<<%s\n%s\n%s\n' "${name^^}" "$delim" "$(jq -r --arg n "$name" '.[$n].value' "$state")" "$delim"
done
SH
chmod +x "$work/jq-loop.sh"
jq_all='to_entries[] | "\(.key | ascii_upcase | gsub("-"; "_"))<<EOF\n\(.value.value | if type == "string" then . else tojson end)\nEOF"'

echo "== A: 20 named outputs into \$GITHUB_ENV" >&2
hyperfine --warmup 3 --min-runs 20 --style basic \
  --export-json "$results/tf-secrets-$stamp-A.json" --export-markdown "$results/tf-secrets-$stamp-A.md" \
  -N --output null \
  -n tf-secrets "$bin -f $work/state.json --format github-env ${selectors[*]}" \
  -n jq-per-output "$work/jq-loop.sh $work/state.json ${names[*]}"

echo "== B: every output of a 200-output state" >&2
hyperfine --warmup 3 --min-runs 20 --style basic \
  --export-json "$results/tf-secrets-$stamp-B.json" --export-markdown "$results/tf-secrets-$stamp-B.md" \
  -N --output null \
  -n tf-secrets "$bin -f $work/state.json --all --format github-env" \
  -n jq-one-program "jq -r '$jq_all' $work/state.json"

echo "== C: 100 secrets through the REST API (local stand-in)" >&2
cat >"$work/api.py" <<'PY'
import base64, json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
KEY = base64.b64encode(os.urandom(32)).decode()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.reply(200, json.dumps({"key_id": "k", "key": KEY}).encode())
    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply(204)
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$work/api.py" "$work/port" &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
api="http://127.0.0.1:$(cat "$work/port")"
hundred=()
for n in "${valid[@]:0:100}"; do hundred+=("S_${n^^}=$n"); done
sealed=$(head -c 90 /dev/urandom | base64 -w0)
cat >"$work/curl-loop.sh" <<SH
#!/usr/bin/env bash
for i in \$(seq 0 99); do
  curl -sf -X PUT -H 'Authorization: Bearer t' -H 'Content-Type: application/json' \\
    -d '{"encrypted_value":"$sealed","key_id":"k"}' "$api/repos/o/r/actions/secrets/S\$i" >/dev/null
done
SH
chmod +x "$work/curl-loop.sh"
export GH_TOKEN=bench-token GITHUB_API_URL=$api
hyperfine --warmup 1 --min-runs 10 --style basic \
  --export-json "$results/tf-secrets-$stamp-C.json" --export-markdown "$results/tf-secrets-$stamp-C.md" \
  -N --output null \
  -n tf-secrets "$bin -f $work/state.json --to-github o/r ${hundred[*]}" \
  -n curl-per-secret "$work/curl-loop.sh"

echo "== D: peak memory on a $(du -h "$work/big.json" | cut -f1) state" >&2
mem() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
tool_kb=$(mem "$bin" -f "$work/big.json" --all --format names)
jq_kb=$(mem jq -r 'keys[]' "$work/big.json")
hyperfine --warmup 1 --min-runs 10 --style basic \
  --export-json "$results/tf-secrets-$stamp-D.json" --export-markdown "$results/tf-secrets-$stamp-D.md" \
  -N --output null \
  -n tf-secrets "$bin -f $work/big.json --all --format names" \
  -n jq-keys "jq -r keys[] $work/big.json"

python3 - "$results" "$stamp" "$tool_kb" "$jq_kb" <<'PY' | tee "$results/tf-secrets-$stamp.md"
import json, sys
results, stamp, tool_kb, jq_kb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
print(f"# tf-secrets benchmark {stamp}\n")
print("| case | tf-secrets | baseline | baseline / tf-secrets |")
print("|---|---|---|---|")
for case in "ABCD":
    r = json.load(open(f"{results}/tf-secrets-{stamp}-{case}.json"))["results"]
    tool, base = r[0], r[1]
    print(f"| {case} vs {base['command']} | {tool['mean']*1000:.1f} ± {tool['stddev']*1000:.1f} ms "
          f"| {base['mean']*1000:.1f} ± {base['stddev']*1000:.1f} ms | {base['mean']/tool['mean']:.2f}× |")
print(f"\nPeak memory (D, 10 MB state): tf-secrets {tool_kb/1024:.1f} MB, jq {jq_kb/1024:.1f} MB "
      f"(ratio {tool_kb/jq_kb:.2f})")
PY
