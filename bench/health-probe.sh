#!/usr/bin/env bash
# Benchmark of health-probe against the curl loops a CI step would otherwise use, run by hand:
#
#   bench/health-probe.sh            # release build, a local Python server, hyperfine, GNU time
#
# One local HTTP/1.1 server (Python's http.server, keep-alive) serves every case:
#   /down    always 503            /ok    always 200
#   /health  503 until a heal time chosen at random by POST /reset, then 200
#
# 1. Per-attempt cost: ATTEMPTS failed attempts against /down, in one process
#    (health-probe --max-attempts, -i 1us so that no attempt waits for the interval: a
#    local attempt can take less than 1ms) and as a shell loop spawning curl for each
#    attempt (what `until curl ...; do ...; done` costs). `curl --retry` cannot be compared
#    here: its delay is whole seconds. Wall time and CPU (user + sys) per attempt, from
#    hyperfine.
# 2. One healthy probe (/ok): the start-up floor of each process, from hyperfine.
# 3. Time from healing to exit, with a 1s interval: RUNS runs of each against /health, which
#    heals 1.5 to 3.5 s (uniformly, so every phase of the interval is hit) after the reset:
#      health-probe -i 1s
#      curl --retry 60 --retry-delay 1 --retry-all-errors -f
#      until curl -sf ...; do sleep 1; done
#    The heal time comes from the server, the exit time from the clock after each command.
#    health-probe is "within one interval" of healing when every run's lag is at most the
#    interval plus the latency of its successful attempt (from its --json report): the
#    attempt that sees the server healed starts at most one interval after healing, and the
#    lag includes the request itself.
# 4. Peak memory (GNU time %M) of one health-probe run and one curl.
#
# Results: bench/results/health-probe-<time>.{md,json,txt}; the summary with ratios on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
attempts=${ATTEMPTS:-200}
runs=${RUNS:-8}
for tool in hyperfine curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is not installed" >&2; exit 1; }

cargo build --release --locked --quiet -p health-probe
bin=$(cargo metadata --locked --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/health-probe
py=python3
[ -x "$root/.venv/bin/python" ] && py=$root/.venv/bin/python
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$root/bench/results
mkdir -p "$results"
out=$results/health-probe-$stamp
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/server.py" <<'EOF'
import http.server, random, sys, time, urllib.parse

heal_at = [float("inf")]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/health":
            self.reply(200, "ok") if time.time() >= heal_at[0] else self.reply(503, "starting")
        elif path == "/down":
            self.reply(503, "down")
        elif path == "/ok":
            self.reply(200, "ok")
        else:
            self.reply(404, "no such path")

    def do_POST(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        lo, hi = float(query["min"][0]), float(query["max"][0])
        heal_at[0] = time.time() + random.uniform(lo, hi)
        self.reply(200, repr(heal_at[0]))

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
EOF
"$py" "$work/server.py" "$work/port" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")"
curl -sf -o /dev/null "$url/ok" || { echo "bench: the test server did not start" >&2; exit 1; }

echo "bench: 1. per-attempt cost ($attempts failed attempts)" >&2
hyperfine --warmup 1 --runs 5 --ignore-failure \
  --export-json "$out-attempts.json" --export-markdown "$out-attempts.md" \
  -n "health-probe ($attempts attempts, 1 process)" \
  "$bin -q -i 1us -t 60s --max-attempts $attempts $url/down" \
  -n "curl loop ($attempts processes)" \
  "for i in \$(seq $attempts); do curl -s -o /dev/null $url/down; done"

echo "bench: 2. one healthy probe (start-up floor)" >&2
hyperfine -N --warmup 3 --runs 30 \
  --export-json "$out-once.json" --export-markdown "$out-once.md" \
  -n "health-probe" "$bin -q $url/ok" \
  -n "curl -sf" "curl -sf -o /dev/null $url/ok"

echo "bench: 3. time from healing to exit, interval 1s, $runs runs each" >&2
now() { date +%s.%N; }
: >"$out-heal.tsv"
for run in $(seq 1 "$runs"); do
  for tool in health-probe curl-retry curl-loop; do
    heal=$(curl -sf -X POST "$url/reset?min=1.5&max=3.5")
    case $tool in
      health-probe) "$bin" -q --json -i 1s -t 60s "$url/health" 2>/dev/null >"$work/heal.json" ;;
      curl-retry) curl -sf -o /dev/null --retry 60 --retry-delay 1 --retry-all-errors \
        --retry-max-time 60 "$url/health" 2>/dev/null ;;
      curl-loop) until curl -sf -o /dev/null "$url/health"; do sleep 1; done ;;
    esac
    end=$(now)
    # the latency (ms) of health-probe's successful attempt, read after the clock stopped
    latency=-
    if [ "$tool" = health-probe ]; then
      latency=$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["urls"][0]["latency_ms"]["last"])' \
        "$work/heal.json")
    fi
    printf '%s\t%s\t%s\t%s\n' "$tool" "$heal" "$end" "$latency" >>"$out-heal.tsv"
  done
  echo "bench:   run $run/$runs" >&2
done

echo "bench: 4. peak memory" >&2
curl -sf -X POST "$url/reset?min=1.5&max=1.5" >/dev/null
/usr/bin/time -f %M -o "$work/mem-probe" "$bin" -q -i 1s -t 60s "$url/health" 2>/dev/null
/usr/bin/time -f %M -o "$work/mem-curl" curl -sf -o /dev/null "$url/ok"

"$py" - "$out" "$attempts" "$(cat "$work/mem-probe")" "$(cat "$work/mem-curl")" <<'EOF' | tee "$out.txt"
import json, statistics, sys
out, attempts, mem_probe, mem_curl = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def results(name):
    return json.load(open(f"{out}-{name}.json"))["results"]

print(f"health-probe benchmark ({out.rsplit('/', 1)[-1]})")
print(f"\n1. per-attempt cost, {attempts} failed attempts against a local server")
a = results("attempts")
per = []
for r in a:
    wall = r["mean"] / attempts * 1000
    cpu = (r["user"] + r["system"]) / attempts * 1000
    per.append((wall, cpu))
    print(f"   {r['command']:<42} wall {wall:6.2f} ms/attempt   cpu {cpu:6.2f} ms/attempt")
print(f"   ratio curl loop / health-probe: wall {per[1][0] / per[0][0]:.1f}x, cpu {per[1][1] / per[0][1]:.1f}x")

print("\n2. one healthy probe (process start-up included)")
o = results("once")
for r in o:
    print(f"   {r['command']:<42} {r['mean'] * 1000:6.2f} ms ± {r['stddev'] * 1000:.2f}")
print(f"   ratio curl / health-probe: {o[1]['mean'] / o[0]['mean']:.2f}x")

print("\n3. time from the server healing to exit, interval 1s")
rows = [line.rstrip("\n").split("\t") for line in open(f"{out}-heal.tsv")]
lag = {}
over = []  # health-probe: lag - (interval + the latency of its successful attempt), per run
for tool, heal, end, latency in rows:
    lag.setdefault(tool, []).append(float(end) - float(heal))
    if tool == "health-probe":
        over.append(lag[tool][-1] - (1.0 + int(latency) / 1000))
for tool, values in lag.items():
    print(f"   {tool:<14} mean {statistics.mean(values):5.2f} s   max {max(values):5.2f} s   "
          f"min {min(values):5.2f} s   ({len(values)} runs)")
hp = statistics.mean(lag["health-probe"])
for tool in ("curl-retry", "curl-loop"):
    print(f"   ratio {tool} / health-probe (mean): {statistics.mean(lag[tool]) / hp:.2f}x")
print(f"   health-probe within one interval (1 s) plus its attempt's latency of healing in "
      f"every run: {'yes' if max(over) <= 0 else 'NO'} (largest excess {max(over) * 1000:+.0f} ms)")

print(f"\n4. peak memory: health-probe {mem_probe} KB, curl {mem_curl} KB")
EOF
echo "bench: results in $out.{txt,*-attempts.*,*-once.*,-heal.tsv}" >&2
