# shellcheck shell=bash
# tf-secrets: Terraform outputs to GitHub Actions secrets and variables, without leaking a
# value. Sourced by scripts/demo (helpers `stage`, `echo_cmd`, `fail`, `wait_for`, the
# `pids` array; DEMO_WORK, DEMO_ROOT).
#
# Runs the commands of tf-secrets/README.md against a real `terraform apply` of a small
# provider-less configuration and a tiny fake GitHub API (Python standard library) that
# answers the public-key request and records what is written. The fake cannot decrypt
# (no libsodium here), so it checks names and sizes; the tests decrypt byte for byte.

stage "tf-secrets: Terraform outputs to GitHub secrets, exactly and without leaks"

tfs=$DEMO_WORK/tf-secrets
mkdir -p "$tfs/infra"

cat >"$tfs/infra/main.tf" <<'HCL'
output "db_endpoint" {
  value = "app-db.c9akciq32.us-east-2.rds.amazonaws.com:5432"
}
output "db_password" {
  value     = "p@ss'w\"rd$HOME`id`\\n%!"
  sensitive = true
}
output "api_token" {
  value     = "tok_live_9f8e7d6c5b4a3210"
  sensitive = true
}
output "app_subnet_ids" {
  value = ["subnet-0a1b2c3d", "subnet-4e5f6a7b", "subnet-8c9d0e1f"]
}
output "tls_private_key" {
  value     = "-----BEGIN EXAMPLE KEY-----\nZXhhbXBsZSBvbmx5OiBub3QgYSBrZXksIGp1c3QgYSBQRU0tc2hhcGVkIHZhbHVl\n-----END EXAMPLE KEY-----\n"
  sensitive = true
}
HCL
# The password's exact bytes, to check what comes back and that it never shows.
tfs_password="p@ss'w\"rd\$HOME\`id\`\\n%!"

if command -v terraform >/dev/null; then
  export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_DATA_DIR="$tfs/infra/.terraform-data"
  export TF_CLI_CONFIG_FILE="$tfs/terraformrc"
  : >"$TF_CLI_CONFIG_FILE"
  (cd "$tfs/infra" && terraform init -input=false -no-color >/dev/null \
    && terraform apply -auto-approve -input=false -no-color >/dev/null)
  # shellcheck disable=SC2329 # called by the commands tfs_show runs
  terraform() { command terraform -chdir="$tfs/infra" "$@"; }
else
  # The fixture's main.tf declares these five outputs with the same values (its key is this
  # EXAMPLE KEY too); only the fixture's other outputs are dropped.
  echo "demo: terraform is not on PATH: using these outputs from the committed terraform output of tf-secrets/tests/fixtures/outputs" >&2
  # shellcheck disable=SC2329
  terraform() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
keep = ("api_token", "app_subnet_ids", "db_endpoint", "db_password", "tls_private_key")
print(json.dumps({k: d[k] for k in keep}, indent=2))' "$DEMO_ROOT/tf-secrets/tests/fixtures/outputs/output.json"
  }
fi

# Show a pipeline (on the demo's own stdout, whatever the command's are redirected to), then
# run it.
exec {tfs_screen}>&1
tfs_show() { echo_cmd "$1" >&"$tfs_screen"; eval "$1"; }

# 1. The plan: names, kinds, sizes, sources, sensitivity; never a value.
tfs_show "terraform output -json | tf-secrets --dry-run --to-github octo/app \\
  DB_PASSWORD=db_password 'DB_HOST=.db_endpoint | strip_port' 'APP_SUBNET_IDS=.app_subnet_ids | csv'" \
  >"$tfs/plan.txt" 2>"$tfs/plan.err"
cat "$tfs/plan.txt" "$tfs/plan.err"
grep -q '^DB_PASSWORD  *secret  *yes  *22  *db_password$' "$tfs/plan.txt" || fail "the plan lacks DB_PASSWORD"
grep -q '^APP_SUBNET_IDS .*\.app_subnet_ids | csv$' "$tfs/plan.txt" || fail "the plan lacks APP_SUBNET_IDS"
if grep -qF -- "$tfs_password" "$tfs/plan.txt" "$tfs/plan.err"; then fail "the plan shows the password"; fi

# 2. Into $GITHUB_ENV: a heredoc block with a random delimiter, value byte for byte.
export GITHUB_ENV="$tfs/github_env"
: >"$GITHUB_ENV"
tfs_show "terraform output -json | tf-secrets --format github-env DB_PASSWORD=db_password >> \"\$GITHUB_ENV\""
python3 - "$GITHUB_ENV" "$tfs_password" <<'PY' || fail "\$GITHUB_ENV does not hold the exact password"
import sys
text = open(sys.argv[1], encoding="utf-8").read()
head, rest = text.split("\n", 1)
name, delim = head.split("<<")
value, tail = rest.split("\n" + delim + "\n")
assert name == "DB_PASSWORD" and delim.startswith("ghadelimiter_") and tail == "", text
assert value == sys.argv[2], (value, sys.argv[2])
PY
echo "GITHUB_ENV holds DB_PASSWORD, exact, behind delimiter $(head -1 "$GITHUB_ENV" | cut -d'<' -f3)"
unset GITHUB_ENV

# 3. Into a shell.
tfs_show "eval \"\$(terraform output -json | tf-secrets --format env 'DB_HOST=.db_endpoint | strip_port')\""
[ "$DB_HOST" = "app-db.c9akciq32.us-east-2.rds.amazonaws.com" ] || fail "DB_HOST is '$DB_HOST'"
echo "DB_HOST=$DB_HOST"

# 4. Into GitHub, through the REST API (a fake one here).
cat >"$tfs/fake_github.py" <<'PY'
"""A tiny stand-in for GitHub's Actions secrets/variables API: answers the public-key
request with a random key, records every write as a JSON line. It cannot decrypt."""
import base64, json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
KEY = base64.b64encode(os.urandom(32)).decode()

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        ok = (self.headers.get("Authorization") == "Bearer " + os.environ["DEMO_GH_TOKEN"]
              and self.headers.get("X-GitHub-Api-Version") == "2022-11-28")
        with open(LOG, "a") as log:
            log.write(json.dumps({"method": self.command, "path": self.path,
                                  "body": body, "auth_ok": ok}) + "\n")

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.endswith("/secrets/public-key"):
            self.answer(200, {"key_id": "demo-key", "key": KEY})
        elif path.endswith("/variables"):
            self.answer(200, {"total_count": 0, "variables": []})
        elif path.count("/") == 3 and path.startswith("/repos/"):
            self.answer(200, {"id": abs(hash(path)) % 100000})
        else:
            self.answer(404, {"message": "Not Found"})

    def do_PUT(self):
        self.record()
        self.answer(201)

    def do_POST(self):
        self.record()
        self.answer(201)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(LOG + ".port", "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
PY
export DEMO_GH_TOKEN=demo-token-not-secret
python3 "$tfs/fake_github.py" "$tfs/writes.jsonl" &
tfs_fake=$!
pids+=("$tfs_fake")
wait_for 10 "the start of the fake GitHub API" test -s "$tfs/writes.jsonl.port"
GITHUB_API_URL="http://127.0.0.1:$(cat "$tfs/writes.jsonl.port")"
export GITHUB_API_URL
export GH_TOKEN=$DEMO_GH_TOKEN

# Each write's stdout is kept (it must stay empty); its stderr is shown as it comes.
: >"$tfs/set.out"
: >"$tfs/set.err"
tfs_write() {
  tfs_show "$1" >>"$tfs/set.out" 2>"$tfs/last.err" || { cat "$tfs/last.err"; fail "failed: $1"; }
  tee -a "$tfs/set.err" <"$tfs/last.err"
}
tfs_write "terraform output -json | tf-secrets --to-github octo/app \\
  DB_PASSWORD=db_password 'DB_HOST=.db_endpoint | strip_port' 'APP_SUBNET_IDS=.app_subnet_ids | csv'"
tfs_write "terraform output -json | tf-secrets --to-github octo/app --environment production --variables --all"
pushd "$tfs" >/dev/null || fail "cannot enter $tfs"
tfs_write "terraform output -json > outputs.json"
tfs_write "tf-secrets -f outputs.json --org acme --repos web,api API_TOKEN=api_token"
popd >/dev/null || fail "cannot leave $tfs"

python3 - "$tfs/writes.jsonl" "$tfs_password" <<'PY' || fail "the fake GitHub API did not get what was expected"
import base64, json, sys
writes = [json.loads(line) for line in open(sys.argv[1])]
assert all(w["auth_ok"] for w in writes), "a write without the token or API version"
secrets = {w["path"]: w["body"] for w in writes if w["method"] == "PUT"}
variables = {w["path"] + ":" + w["body"]["name"]: w["body"]["value"] for w in writes if w["method"] == "POST"}
want = {
    "/repos/octo/app/actions/secrets/DB_PASSWORD": len(sys.argv[2].encode()),
    "/repos/octo/app/actions/secrets/DB_HOST": 44,
    "/repos/octo/app/actions/secrets/APP_SUBNET_IDS": 47,
    "/repos/octo/app/environments/production/secrets/DB_PASSWORD": len(sys.argv[2].encode()),
    "/repos/octo/app/environments/production/secrets/API_TOKEN": 25,
    "/repos/octo/app/environments/production/secrets/TLS_PRIVATE_KEY": 119,
    "/orgs/acme/actions/secrets/API_TOKEN": 25,
}
for path, size in want.items():
    body = secrets.pop(path)
    sealed = base64.b64decode(body["encrypted_value"])
    # a sealed box: 32-byte ephemeral key + 16-byte tag + the value
    assert len(sealed) == 48 + size, (path, len(sealed), size)
    assert body["key_id"] == "demo-key"
assert not secrets, f"unexpected secrets: {list(secrets)}"
org = writes[-1]["body"]
assert org["visibility"] == "selected" and len(org["selected_repository_ids"]) == 2, org
assert variables == {
    "/repos/octo/app/environments/production/variables:APP_SUBNET_IDS":
        '["subnet-0a1b2c3d","subnet-4e5f6a7b","subnet-8c9d0e1f"]',
    "/repos/octo/app/environments/production/variables:DB_ENDPOINT":
        "app-db.c9akciq32.us-east-2.rds.amazonaws.com:5432",
}, variables
print(f"the fake GitHub API got {len(want)} sealed secrets and {len(variables)} variables, sizes as expected")
PY
if grep -qF -- "$tfs_password" "$tfs/set.out" "$tfs/set.err" "$tfs/writes.jsonl"; then
  fail "the password leaked to the output or to the API in plain text"
fi
[ ! -s "$tfs/set.out" ] || fail "stdout is not empty when writing to GitHub"

kill "$tfs_fake" 2>/dev/null || true
wait "$tfs_fake" 2>/dev/null || true
exec {tfs_screen}>&-
unset -f terraform tfs_show tfs_write
unset GH_TOKEN GITHUB_API_URL DEMO_GH_TOKEN DB_HOST TF_IN_AUTOMATION CHECKPOINT_DISABLE TF_DATA_DIR TF_CLI_CONFIG_FILE
