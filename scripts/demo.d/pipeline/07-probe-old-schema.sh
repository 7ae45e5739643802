# shellcheck shell=bash
# health-probe against the new version before its migration: the app answers 503 while the
# database's schema is older than the one it expects, so the probe fails by its deadline
# (exit 1), as a smoke test run too early would.
# needs: deploy
# Sourced by scripts/demo (set -euo pipefail; stage, show, run_shown, fail; APP_URL, GIT_SHA).

stage "health-probe: 503 while the schema is old (the migration has not run)"
show curl -sS -w ' (HTTP %{http_code})\n' "$APP_URL/health"
set +e
run_shown <<'CMD'
health-probe --timeout 3s --interval 1s --expect-json '.version == $sha' --arg sha "$GIT_SHA" \
  "$APP_URL/health"
CMD
rc=$?
set -e
expect_exit "$rc" 1 "a probe of the app before its migration"
echo "exit 1: 503 by the deadline, as expected before the migration (checked)"
verdict "503 (schema 0, the app expects 2): health-probe exit 1, as expected"
