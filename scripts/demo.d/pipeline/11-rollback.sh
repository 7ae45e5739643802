# shellcheck shell=bash
# ecs-deploy of a bad image: a tag that was never pushed (in the emulator, a rollout failure
# rule on it: its tasks fail to start with CannotPullContainerError). The service's circuit
# breaker rolls the deployment back; ecs-deploy says why (the stopped tasks' reason) and exits
# 1; the service runs the good revision again, and the app, which never stopped, stays healthy.
# needs: deploy migrate
# Sourced by scripts/demo (set -euo pipefail; stage, run_shown, fail, DEMO_WORK;
# TASK_DEFINITION, APP_URL, $GITHUB_ENV's values loaded).

stage "ecs-deploy: a bad image caught, explained, rolled back"
pushd "$DEMO_WORK" >/dev/null || exit 1
BAD_TAG=$GIT_SHA-typo
emulator_knob ext/ecs/rollout "$(jq -n --arg image "*:$BAD_TAG" \
  '{seconds: 1, failures: [{image: $image, mode: "CannotPullContainerError"}]}')"
set +e
run_shown bad.arn 2>bad.err <<'CMD'
aws ecs describe-task-definition --task-definition "$TASK_DEFINITION" --include TAGS \
  | taskdef-clean --image app="$REPOSITORY_URL:$BAD_TAG" \
  | ecs-deploy --cluster "$CLUSTER" --service "$SERVICE" --rollback-on-failure --poll 1s --summary bad.json
CMD
rc=$?
set -e
cat bad.err
expect_exit "$rc" 1 "the deploy of a bad image (rolled back)"
grep -q CannotPullContainerError bad.err || fail "the stopped tasks' reason was not printed"
verdict_json=$(jq -r '.services[0].verdict' bad.json)
case $verdict_json in rolled_back*) ;; *) fail "unexpected summary: $(cat bad.json)" ;; esac
[ "$(aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query 'services[0].taskDefinition' \
  --output text)" = "$TASK_DEFINITION" ] || fail "the service is not back on $TASK_DEFINITION"
# shellcheck disable=SC2016 # $sha is jq's
health-probe -q --timeout 10s --interval 1s --expect-json '.version == $sha' --arg sha "$GIT_SHA" "$APP_URL/health" \
  || fail "the app is not healthy after the rollback"
echo "exit 1: CannotPullContainerError explained, $verdict_json, the service on ${TASK_DEFINITION##*/} again, the app healthy (checked)"
verdict "bad image: CannotPullContainerError, $verdict_json to ${TASK_DEFINITION##*/}"
emulator_knob ext/ecs/rollout '{"seconds": 1}'
popd >/dev/null || exit 1
