# shellcheck shell=bash
# tf-secrets: Terraform's outputs into a $GITHUB_ENV file for the later stages (here, as in
# GitHub Actions, the steps after this one get them as environment variables). The password
# goes from Terraform's state to that file and is never shown: names and sizes only.
# needs: terraform
# Sourced by scripts/demo (set -euo pipefail; stage, run_shown, fail, DEMO_WORK; TF_DIR).

stage "tf-secrets: Terraform outputs into \$GITHUB_ENV, the password never shown"
export GITHUB_ENV=$DEMO_WORK/github_env
: >"$GITHUB_ENV"
run_shown <<'CMD'
terraform -chdir="$TF_DIR" output -json | tf-secrets --format github-env \
  DB_PASSWORD=db_password 'DB_HOST=.db_endpoint | strip_port' 'DB_PORT=.db_endpoint | port' \
  DB_NAME=db_name DB_USER=db_user CLUSTER=cluster SERVICE=service \
  REPOSITORY_URL=repository_url >> "$GITHUB_ENV"
CMD
echo "\$GITHUB_ENV now holds (names and sizes, as tf-secrets --format names prints them):"
terraform -chdir="$TF_DIR" output -json | tf-secrets --format names DB_PASSWORD=db_password \
  'DB_HOST=.db_endpoint | strip_port' 'DB_PORT=.db_endpoint | port' DB_NAME=db_name DB_USER=db_user \
  CLUSTER=cluster SERVICE=service REPOSITORY_URL=repository_url | awk -F '\t' '{ printf "  %-15s %3d bytes\n", $1, $2 }'

# The next steps' environment: exactly the password the database has, the endpoint's parts.
github_env_load "$GITHUB_ENV"
[ "$DB_PASSWORD" = "$(cat "$DEMO_WORK/db.password")" ] || fail "DB_PASSWORD is not the database's password"
[ "$DB_HOST:$DB_PORT" = "127.0.0.1:$PG_PORT" ] || fail "the endpoint is $DB_HOST:$DB_PORT"
[ "$CLUSTER/$SERVICE" = "$PIPELINE_CLUSTER/$PIPELINE_SERVICE" ] || fail "CLUSTER/SERVICE are $CLUSTER/$SERVICE"
[ "$(head -1 "$GITHUB_ENV")" != "DB_PASSWORD=$DB_PASSWORD" ] || fail "the password is not in a delimited block"
echo "the later stages read them: DB_PASSWORD is the database's, DB_HOST:DB_PORT its endpoint (checked)"
verdict "$(grep -c '<<' "$GITHUB_ENV") values into \$GITHUB_ENV; DB_PASSWORD (${#DB_PASSWORD} bytes) never shown"
