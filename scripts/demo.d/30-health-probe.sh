# shellcheck shell=bash
# health-probe: the post-deploy smoke test, against a small local app that answers 503 for
# its first 3 seconds (a deployment swapping tasks), then reports the deployed commit.
# Sourced by scripts/demo (set -euo pipefail; helpers stage, show, run_shown, echo_cmd, fail,
# wait_for; DEMO_WORK, DEMO_ROOT set; background pids go in the pids array).
# The commands given to run_shown are the README's examples (health-probe/README.md), run
# exactly as printed, with APP_URL, DB_ENDPOINT and TASK_IP the local app; a test checks
# that every example is one of them.

stage "health-probe: wait for the new version to be healthy, then watch it"
pushd "$DEMO_WORK" >/dev/null || fail "cannot enter $DEMO_WORK"

cat > app.py <<'PY'
import http.server, json, sys, time
started = time.time()
commit = sys.argv[2]

class App(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def reply(self, code, body, kind="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == "/health":
            if time.time() - started < 3:
                self.reply(503, "upstream connect error", "text/plain")
            else:
                self.reply(200, json.dumps({"status": "healthy", "commit": commit}))
        elif self.path == "/ready":
            self.reply(200, "ready", "text/plain")
        elif self.path == "/internal/health":
            ok = self.headers.get("Authorization") == "Bearer demo-token"
            self.reply(200 if ok else 401, "{}")
        elif self.path == "/broken":
            self.reply(500, "database unreachable", "text/plain")
        else:
            self.reply(404, "{}")

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), App)
server.daemon_threads = True
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
PY
rm -f app.port
python3 app.py app.port 3f9c2a1 &
app_pid=$!
pids+=("$app_pid") # stopped by scripts/demo if this stage fails
wait_for 10 "the start of the demo app" test -s app.port
port=$(cat app.port)
# shellcheck disable=SC2034 # read by the commands run_shown runs
APP_URL=http://127.0.0.1:$port DB_ENDPOINT=127.0.0.1:$port TASK_IP=127.0.0.1 APP_PORT=$port
# shellcheck disable=SC2034
TOKEN=demo-token

# 1. The new version: 503 while it starts, then the commit we deployed.
export GITHUB_SHA=3f9c2a1
run_shown <<'CMD'
health-probe --timeout 5m --interval 5s \
  --expect-json '.status == "healthy" and .commit == env.GITHUB_SHA' \
  "$APP_URL/health"
CMD

# The old version is still answering somewhere: the commit check must fail.
# (one attempt, with time to spare: on a loaded machine the filter's process may be slow)
if GITHUB_SHA=0000000 health-probe -q --max-attempts 1 --timeout 30s \
  --expect-json '.commit == env.GITHUB_SHA' "$APP_URL/health" 2>probe-old.err; then
  fail "a probe for another commit passed"
fi
grep -q "gave false" probe-old.err || fail "the failed commit check was not explained: $(cat probe-old.err)"

# 2. ALB-like: 3 consecutive 200/204 answers, then a canary watch.
run_shown <<'CMD'
health-probe --healthy-threshold 3 --expect-status 200,204 --interval 1s --stay-healthy 10s \
  "$APP_URL/health"
CMD

# 3. Several endpoints and a TCP port.
run_shown <<'CMD'
health-probe "$APP_URL/health" "$APP_URL/ready" "tcp://$DB_ENDPOINT"
CMD

# 4. A token from the environment; without it the endpoint answers 401.
run_shown <<'CMD'
HEALTH_TOKEN="Bearer $TOKEN" health-probe --header-from-env Authorization=HEALTH_TOKEN \
  "$APP_URL/internal/health"
CMD
if health-probe -q --fail-on 401 --timeout 2s --interval 500ms "$APP_URL/internal/health" 2>/dev/null; then
  fail "the internal endpoint passed without a token"
fi

# 5. One task behind the service's name, with the right Host header.
run_shown <<'CMD'
health-probe --resolve "app.example.com:$APP_PORT:$TASK_IP" "http://app.example.com:$APP_PORT/health"
CMD

# 6. The report for later steps.
run_shown <<'CMD'
health-probe -q --json "$APP_URL/health" > probe.json
jq '.urls[0].time_to_healthy_ms' probe.json
CMD
[ "$(jq -r '.healthy and .urls[0].healthy and .urls[0].last_status == 200' probe.json)" = true ] \
  || fail "unexpected report: $(cat probe.json)"

# A service that never heals: exit 1 by the deadline, the reason on stderr.
status=0
show health-probe --timeout 2s --interval 500ms "$APP_URL/broken" || status=$?
[ "$status" = 1 ] || fail "a broken service exited $status, not 1"

kill "$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
unset GITHUB_SHA
popd >/dev/null || fail "cannot leave $DEMO_WORK"
