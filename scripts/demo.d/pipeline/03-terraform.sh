# shellcheck shell=bash
# terraform apply, for real, of demo/terraform: a configuration without providers (so that
# init has nothing to download) whose outputs describe what the infrastructure stage made, as a real
# configuration's outputs would: the cluster, the service, the subnets, the repository URL,
# the database endpoint with its port, and the database password, sensitive. Local state in
# the demo's temporary directory; the teardown stage destroys it.
# needs: infra
# Sourced by scripts/demo (set -euo pipefail; stage, run_shown, fail, DEMO_WORK, DEMO_ROOT).

stage "terraform apply: the infrastructure's outputs (provider-less, local state)"
command -v terraform >/dev/null \
  || fail "terraform is not on PATH: install it (https://developer.hashicorp.com/terraform/install)"
TF_DIR=$DEMO_WORK/infra
mkdir -p "$TF_DIR"
cp "$DEMO_ROOT/demo/terraform/main.tf" "$TF_DIR/"
# No ~/.terraformrc, no version check, no prompts; .terraform inside TF_DIR.
export TF_CLI_CONFIG_FILE=$TF_DIR/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
: >"$TF_CLI_CONFIG_FILE"
# The variables: what the infrastructure stage created (a real configuration creates it).
jq -n --arg cluster "$PIPELINE_CLUSTER" --arg service "$PIPELINE_SERVICE" \
  --arg subnets "$SUBNET_IDS" --arg sg "$SECURITY_GROUP_ID" --arg repo "$REPOSITORY_URI" \
  --argjson port "$PG_PORT" --arg db "$DB_NAME" --arg user "$DB_USER" \
  --rawfile password "$DEMO_WORK/db.password" '{
  cluster: $cluster, service: $service, subnet_ids: ($subnets | split(",")),
  security_group_id: $sg, repository_url: $repo, db_host: "127.0.0.1", db_port: $port,
  db_name: $db, db_user: $user, db_password: ($password | rtrimstr("\n"))}' >"$TF_DIR/demo.tfvars.json"

run_shown <<'CMD'
terraform -chdir="$TF_DIR" init -no-color | grep -E 'Terraform has been successfully initialized'
CMD
run_shown <<'CMD'
terraform -chdir="$TF_DIR" apply -auto-approve -no-color -var-file=demo.tfvars.json | sed -n '/^Apply complete/,$p'
CMD
[ -s "$TF_DIR/terraform.tfstate" ] || fail "no local state after apply"
if grep -qF -- "$(cat "$DEMO_WORK/db.password")" <(terraform -chdir="$TF_DIR" output -no-color); then
  fail "terraform output shows the password"
fi
outputs=$(terraform -chdir="$TF_DIR" output -json | jq -r 'keys | length')
[ "$(terraform -chdir="$TF_DIR" output -json | jq -r '.db_password.sensitive')" = true ] \
  || fail "db_password is not a sensitive output"
echo "$outputs outputs in local state ($TF_DIR/terraform.tfstate), db_password sensitive (checked)"
verdict "apply: $outputs outputs, db_password sensitive, local state"
