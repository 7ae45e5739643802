# shellcheck shell=bash
# health-probe once the migration has run: healthy, and the version it reports is the commit
# that was deployed.
# needs: deploy migrate
# Sourced by scripts/demo (set -euo pipefail; stage, show, run_shown, fail; APP_URL, GIT_SHA).

stage "health-probe: healthy once migrated, the deployed commit answering"
run_shown <<'CMD'
health-probe --timeout 30s --interval 1s --expect-json '.version == $sha' --arg sha "$GIT_SHA" \
  "$APP_URL/health"
CMD
show curl -sS "$APP_URL/health"
[ "$(curl -sS "$APP_URL/health" | jq -r '"\(.status) \(.schema)"')" = "ok 2" ] || fail "the app is not ok at schema 2"
verdict "healthy: .version == \"$GIT_SHA\", schema 2"
