# shellcheck shell=bash
# Helpers of the pipeline's stages (scripts/demo.d/pipeline/), sourced by scripts/demo.

# The pipeline's names, as its Terraform would create them (demo/infra.py's).
# shellcheck disable=SC2034 # used by the stages
PIPELINE_CLUSTER=demo PIPELINE_SERVICE=api PIPELINE_FAMILY=api PIPELINE_REPOSITORY=api
# shellcheck disable=SC2034
PIPELINE_LOG_GROUP=/ecs/api
# The release: this checkout's commit, as a CI job's $GITHUB_SHA (short).
GIT_SHA=$(git -C "$DEMO_ROOT" rev-parse --short=7 HEAD 2>/dev/null || echo 0000000)
export GIT_SHA

# emulator_knob PATH JSON: POST to one of the emulator's /moto-api/ knobs.
emulator_knob() {
  curl -fsS -X POST -H 'Content-Type: application/json' -d "$2" "$AWS_ENDPOINT_URL/moto-api/$1" >/dev/null
}

# push_image TAG: an image manifest (hand-made: no Docker here) pushed as REPOSITORY:TAG.
push_image() {
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":100},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":1000}]}' \
    "$(printf 'config %s' "$1" | sha256sum | cut -d' ' -f1)" \
    "$(printf 'layer %s' "$1" | sha256sum | cut -d' ' -f1)" >"$DEMO_WORK/image-$1.json"
  aws ecr put-image --repository-name "$PIPELINE_REPOSITORY" --image-tag "$1" \
    --image-manifest "file://$DEMO_WORK/image-$1.json" --query image.imageId.imageDigest --output text
}
# github_env_load FILE: export what a step wrote to $GITHUB_ENV, as GitHub Actions does for the
# steps after it: NAME=value lines and NAME<<DELIMITER blocks (the value is every line up to
# the delimiter).
github_env_load() {
  local line name delim value
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)\<\<(.+)$ ]]; then
      name=${BASH_REMATCH[1]} delim=${BASH_REMATCH[2]} value=""
      local first=1
      while IFS= read -r line; do
        [ "$line" != "$delim" ] || break
        if [ "$first" = 1 ]; then value=$line; first=0; else value+=$'\n'$line; fi
      done
      export "$name=$value"
    elif [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
    fi
  done <"$1"
}

# github_env_names FILE: each name in FILE with the size of its value, never the value.
github_env_names() {
  local line name delim size LC_ALL=C
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)\<\<(.+)$ ]]; then
      name=${BASH_REMATCH[1]} delim=${BASH_REMATCH[2]} size=-1
      while IFS= read -r line; do
        [ "$line" != "$delim" ] || break
        size=$((size + 1 + ${#line}))
      done
      printf '  %-16s %3d bytes\n' "$name" "$size"
    elif [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      printf '  %-16s %3d bytes\n' "${BASH_REMATCH[1]}" "${#BASH_REMATCH[2]}"
    fi
  done <"$1"
}

# expect_exit RC CODE WHAT: check that a command exited RC, the CODE the stage expected.
expect_exit() {
  [ "$1" -eq "$2" ] || fail "$3: expected exit code $2, got $1"
}
