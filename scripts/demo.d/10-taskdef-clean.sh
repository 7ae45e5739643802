# shellcheck shell=bash
# taskdef-clean: describe -> clean (new image, new env) -> register, against the emulator.
# Sourced by scripts/demo (set -euo pipefail; stage, show, run_shown, DEMO_WORK, DEMO_ROOT, AWS_* set).
# The commands given to run_shown are the README's examples (taskdef-clean/README.md), run
# exactly as printed; a test checks that every example is one of them.

stage "taskdef-clean: describe -> clean -> register a new revision"
pushd "$DEMO_WORK" >/dev/null || fail "cannot enter $DEMO_WORK"

# A realistic task definition to start from: two containers (an app and a FireLens log
# router), secrets, an EFS volume, a health check, tags.
show aws ecs register-task-definition --output text --query taskDefinition.taskDefinitionArn \
  --cli-input-json "file://$DEMO_ROOT/taskdef-clean/tests/fixtures/web-register.json"

REGISTRY=123456789012.dkr.ecr.us-east-2.amazonaws.com
GIT_SHA=3f9c2a1
run_shown <<'CMD'
aws ecs describe-task-definition --task-definition web --include TAGS \
  | taskdef-clean --image "app=$REGISTRY/web:$GIT_SHA" --env "app:RELEASE=$GIT_SHA" > taskdef.json
CMD
sed -n '1,12p' taskdef.json
echo '  ...'
run_shown registered.json <<'CMD'
aws ecs register-task-definition --cli-input-json file://taskdef.json
CMD
jq -r '.taskDefinition | "registered \(.taskDefinitionArn) with \(.containerDefinitions[0].image)"' \
  registered.json

# Revision 2 has the new image and RELEASE, and nothing else changed: undoing the two edits
# on revision 2 gives exactly revision 1, cleaned.
image=$(aws ecs describe-task-definition --task-definition web:2 \
  --query 'taskDefinition.containerDefinitions[0].image' --output text)
[ "$image" = "$REGISTRY/web:$GIT_SHA" ] || fail "revision 2 has image $image"
aws ecs describe-task-definition --task-definition web:1 --include TAGS | taskdef-clean > rev1.json
aws ecs describe-task-definition --task-definition web:2 --include TAGS \
  | taskdef-clean --image "app=$REGISTRY/web:1.4.2" --unset-env app:RELEASE > rev2-undone.json
cmp -s rev1.json rev2-undone.json || fail "revision 2 differs from revision 1 beyond the edits"
grep -q '"RELEASE"' taskdef.json || fail "RELEASE is missing"
echo "revision 2 = revision 1 + new image + RELEASE=$GIT_SHA (checked)"

# A staging variant with a jq filter, then the CI check.
run_shown <<'CMD'
taskdef-clean -f taskdef.json --family web-staging -o staging.json \
  --arg group /ecs/web-staging \
  --filter '.containerDefinitions[1].logConfiguration.options["awslogs-group"] = $group'
CMD
grep -q '"awslogs-group": "/ecs/web-staging"' staging.json || fail "the filter did not apply"
run_shown 2>check.err <<'CMD'
taskdef-clean --check --strict -q -f staging.json
CMD
[ ! -s check.err ] || fail "--check -q printed: $(cat check.err)"
show aws ecs register-task-definition --cli-input-json file://staging.json --output text \
  --query taskDefinition.taskDefinitionArn

# Bad input is an error that says what and where, with nothing on stdout.
if run_shown bad.json <<'CMD'
taskdef-clean --image api=web:2 < taskdef.json
CMD
then
  fail "an unknown container was accepted"
fi
[ ! -s bad.json ] || fail "output written despite the error"
popd >/dev/null || fail "cannot leave $DEMO_WORK"
