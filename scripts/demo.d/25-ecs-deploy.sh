# shellcheck shell=bash
# ecs-deploy: the new revision (taskdef-clean's pipeline) deployed to the service web of
# cluster prod, followed to its verdict; a re-run changes nothing; one revision to two
# services; a redeploy; then a bad image caught, explained and rolled back, by ECS's circuit
# breaker and by --rollback-on-failure, with the exit codes checked; a rollback by hand.
# Sourced by scripts/demo (set -euo pipefail; stage, show, run_shown, echo_cmd, fail,
# wait_for, DEMO_WORK, AWS_* set). Runs after ecs-run-wait's stage, whose cluster prod and
# service web it deploys to. The commands given to run_shown are the README's examples
# (ecs-deploy/README.md), run exactly as printed, with IMAGE and REVISION set here; a test
# checks that every example is one of them. Nothing runs in the emulator: its rollout model
# (emulator/ext_ecs_deploy.py) moves each deployment along in ROLLOUT_SECONDS, and a failure
# rule makes one image fail to pull.
# needs: taskdef-clean ecs-run-wait

stage "ecs-deploy: deploy, follow the rollout, roll a bad image back"
pushd "$DEMO_WORK" >/dev/null || fail "cannot enter $DEMO_WORK"
emulator() { curl -fsS -X POST -H 'Content-Type: application/json' -d "$2" "$AWS_ENDPOINT_URL/moto-api/$1" >/dev/null; }
ROLLOUT_SECONDS=1
emulator ext/ecs/rollout "{\"seconds\": $ROLLOUT_SECONDS}"
svc() { aws ecs describe-services --cluster prod --services "$1" --query "services[0].$2" --output text; }
stable() { [ "$(svc "$1" 'deployments[0].rolloutState')" = COMPLETED ]; }
revisions() { aws ecs list-task-definitions --family-prefix web --query 'length(taskDefinitionArns)' --output text; }

# The services: web (ecs-run-wait's stage created it; its circuit breaker now rolls back) and
# worker (running web:2 as well; its breaker stops a failing deployment without rolling
# back, so a rollback is the deploy's own job).
show aws ecs update-service --cluster prod --service web --output text --query service.serviceName \
  --deployment-configuration 'deploymentCircuitBreaker={enable=true,rollback=true}'
subnet=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true \
  --query 'Subnets[0].SubnetId' --output text)
sg=$(aws ec2 describe-security-groups --group-names default --query 'SecurityGroups[0].GroupId' \
  --output text)
show aws ecs create-service --cluster prod --service-name worker --task-definition web:2 \
  --desired-count 1 --launch-type FARGATE --output text --query service.serviceName \
  --network-configuration "awsvpcConfiguration={subnets=[$subnet],securityGroups=[$sg]}" \
  --deployment-configuration 'deploymentCircuitBreaker={enable=true,rollback=false}'
wait_for 30 "the first rollout of worker" stable worker
before=$(svc web taskDefinition)
echo "web runs $before; worker runs $(svc worker taskDefinition)"

# 1. The release: web's task definition with the new image, registered and deployed; the
#    new ARN on stdout for the next step, exit 0 only once the service deployment is
#    SUCCESSFUL with it.
REGISTRY=123456789012.dkr.ecr.us-east-2.amazonaws.com
# shellcheck disable=SC2034 # read by the commands run_shown runs (as REVISION, BAD_IMAGE)
IMAGE=$REGISTRY/web:4b1d2e7
set +e
run_shown deployed.arn <<'CMD'
aws ecs describe-task-definition --task-definition web --include TAGS \
  | taskdef-clean --image app="$IMAGE" \
  | ecs-deploy --cluster prod --service web --rollback-on-failure --summary deploy.json
CMD
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "the good deploy exited $rc"
arn=$(cat deployed.arn)
case $arn in arn:aws:ecs:us-east-2:*:task-definition/web:*) ;; *) fail "stdout is not an ARN: $arn" ;; esac
[ "$(svc web taskDefinition)" = "$arn" ] || fail "web does not run $arn"
[ "$(jq -r '[.outcome, .services[0].verdict, .services[0].before.task_definition_arn] | join(" ")' deploy.json)" \
  = "deployed deployed $before" ] || fail "unexpected summary: $(cat deploy.json)"
echo "exit 0, stdout $arn, web runs it, the summary records $before as the rollback target (checked)"

# 2. The same input again: nothing registered, nothing deployed, exit 0.
count=$(revisions)
set +e
run_shown again.arn 2>again.err <<'CMD'
aws ecs describe-task-definition --task-definition web --include TAGS \
  | taskdef-clean --image app="$IMAGE" \
  | ecs-deploy --cluster prod --service web
CMD
rc=$?
set -e
cat again.err
[ "$rc" -eq 0 ] || fail "the re-run exited $rc"
grep -q unchanged again.err || fail "the re-run did not say unchanged"
[ "$(cat again.arn)" = "$arn" ] || fail "the re-run printed $(cat again.arn), not $arn"
[ "$(revisions)" = "$count" ] || fail "the re-run registered a revision"
echo "unchanged: exit 0, same ARN, still $count revisions of web (checked)"

# 3. That revision to both services: web runs it already, worker moves to it.
# shellcheck disable=SC2034
REVISION=${arn##*:}
run_shown <<'CMD'
ecs-deploy --cluster prod --service web --service worker --task-definition "web:$REVISION"
CMD
[ "$(svc worker taskDefinition)" = "$arn" ] || fail "worker does not run $arn"

# 4. New tasks, same task definition.
run_shown <<'CMD'
ecs-deploy --cluster prod --service web --force-new-deployment
CMD
[ "$(svc web taskDefinition)" = "$arn" ] || fail "the redeploy changed web's task definition"

# 5. A bad image: a tag that was never pushed (in the emulator, a failure rule on the image:
#    its tasks fail to start with CannotPullContainerError). Web's circuit breaker rolls the
#    deployment back: exit 1, the stopped tasks' reason printed, web back on $arn.
# shellcheck disable=SC2034
BAD_IMAGE=$REGISTRY/web:4b1d2e7-typo
emulator ext/ecs/rollout "{\"seconds\": $ROLLOUT_SECONDS, \"failures\": [
  {\"image\": \"*/web:4b1d2e7-typo\", \"mode\": \"CannotPullContainerError\"}]}"
set +e
run_shown bad.arn 2>bad.err <<'CMD'
aws ecs describe-task-definition --task-definition web --include TAGS \
  | taskdef-clean --image app="$BAD_IMAGE" \
  | ecs-deploy --cluster prod --service web --poll 1s --summary bad.json
CMD
rc=$?
set -e
cat bad.err
[ "$rc" -eq 1 ] || fail "expected exit code 1 (rolled back by ECS), got $rc"
grep -q CannotPullContainerError bad.err || fail "the stopped tasks' reason was not printed"
[ "$(jq -r '.services[0].verdict' bad.json)" = rolled_back_by_ecs ] \
  || fail "unexpected summary: $(cat bad.json)"
[ "$(svc web taskDefinition)" = "$arn" ] || fail "web is not back on $arn"
echo "exit 1: CannotPullContainerError explained, rolled back by ECS, web runs $arn again (checked)"

# 6. The same bad revision on worker, whose breaker does not roll back: --rollback-on-failure
#    does it, back to what worker ran before (exit 1; without it this would be 3).
set +e
run_shown 2>worker.err <<'CMD'
ecs-deploy --cluster prod --service worker --task-definition "$(cat bad.arn)" \
  --rollback-on-failure --poll 1s --summary worker.json
CMD
rc=$?
set -e
cat worker.err
[ "$rc" -eq 1 ] || fail "expected exit code 1 (rolled back by ecs-deploy), got $rc"
grep -q CannotPullContainerError worker.err || fail "the stopped tasks' reason was not printed"
[ "$(jq -r '.services[0].rollback.verdict' worker.json)" = back ] \
  || fail "unexpected summary: $(cat worker.json)"
[ "$(svc worker taskDefinition)" = "$arn" ] || fail "worker is not back on $arn"
echo "exit 1: rolled back by --rollback-on-failure, worker runs $arn again (checked)"

# 7. By hand: back to what web ran before this release. Not web:4 (newer, failed) nor
#    web:2 (the revision number before): the last SUCCESSFUL service deployment with another
#    task definition than the one web runs, here the migrate revision it had from
#    ecs-run-wait's stage. Then forward again to the release, named.
run_shown rollback.arn <<'CMD'
ecs-deploy rollback --cluster prod --service web            # to what ran before
CMD
[ "$(svc web taskDefinition)" = "$before" ] || fail "web was not rolled back to $before"
[ "$(cat rollback.arn)" = "$before" ] || fail "the rollback printed $(cat rollback.arn), not $before"
echo "rolled back to $before, what ran before the release (checked)"
run_shown <<'CMD'
ecs-deploy rollback --cluster prod --service web --to "web:$REVISION"
CMD
[ "$(svc web taskDefinition)" = "$arn" ] || fail "web is not back on $arn"

# Leave the emulator as the next stages expect it.
emulator ext/reset '{}'
popd >/dev/null || fail "cannot leave $DEMO_WORK"
