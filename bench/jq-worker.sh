#!/usr/bin/env bash
# Cost of running jq filters in a worker process (cli_support::jq::isolate), run by hand:
#
#   bench/jq-worker.sh               # release build, a local Python server, shell loops
#
# Each filter compiles once in a worker (the tool's binary started again) when the tool
# starts, and runs in a new worker each time it is applied. Measured as differences in one
# run, so that start-up and I/O cancel out:
# 1. taskdef-clean on a typical describe-task-definition answer (the gpu fixture, ~4 KB):
#    `--filter .` minus no filter = the cost of one filter (two workers: compile, run).
# 2. health-probe, ATTEMPTS failed attempts (503 with a JSON body, --max-attempts, -i 1us) in
#    one process: with `--expect-json '.status == "healthy"'` minus with
#    `--expect-body healthy`, divided by ATTEMPTS = the cost of one filter per attempt.
# 3. How long a filter that recurses without end takes to fail (the worker fills its 256 MiB
#    stack), and its peak memory.
#
# Results on stdout (milliseconds, the mean of RUNS runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
attempts=${ATTEMPTS:-100}
runs=${RUNS:-30}
command -v python3 >/dev/null || { echo "bench: python3 is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is not installed" >&2; exit 1; }

cargo build --release --locked --quiet -p taskdef-clean -p health-probe
target=$(cargo metadata --locked --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid"; rm -rf "$work"' EXIT
typical=taskdef-clean/tests/fixtures/gpu-describe.json

# Mean wall time of RUNS runs of the command, in ms.
mean_ms() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 || true; done
  end=$(date +%s%N)
  echo "scale=2; ($end - $start) / $runs / 1000000" | bc
}

echo "taskdef-clean, $(wc -c <"$typical") bytes, mean of $runs runs:"
none=$(mean_ms "$target/taskdef-clean" -f "$typical")
dot=$(mean_ms "$target/taskdef-clean" -f "$typical" --filter .)
real=$(mean_ms "$target/taskdef-clean" -f "$typical" \
  --filter '.containerDefinitions |= map(.environment += [{name: "X", value: "1"}])')
echo "  no filter            $none ms"
echo "  --filter .           $dot ms   (one filter: $(echo "$dot - $none" | bc) ms)"
echo "  --filter (an edit)   $real ms"

cat >"$work/server.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b'{"status":"starting","checks":{"db":"ok","cache":"warming"}}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$work/server.py" >"$work/port" &
server_pid=$!
until [ -s "$work/port" ]; do sleep 0.1; done
port=$(head -1 "$work/port")
url=http://127.0.0.1:$port/health
probe=("$target/health-probe" -t 5m -i 1us --max-attempts "$attempts" -q "$url")
runs_before=$runs
runs=5
body=$(mean_ms "${probe[@]}" --expect-body healthy)
json=$(mean_ms "${probe[@]}" --expect-json '.status == "healthy"')
runs=$runs_before
echo "health-probe, $attempts failed attempts, mean of 5 runs:"
echo "  --expect-body        $body ms"
echo "  --expect-json        $json ms   (per attempt: $(echo "scale=3; ($json - $body) / $attempts" | bc) ms)"

echo "a runaway filter (def f: 1 + f; f) in taskdef-clean:"
/usr/bin/time -f "  failed after %e s; peak memory (the tool or its worker) %M KB" \
  "$target/taskdef-clean" -f "$typical" --filter 'def f: 1 + f; f' >/dev/null 2>"$work/time" || true
tail -1 "$work/time"
