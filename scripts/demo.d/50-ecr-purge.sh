# shellcheck shell=bash
# ecr-purge: the README's examples (ecr-purge/README.md) against the emulator, on repositories
# seeded without Docker: hand-made manifests pushed with `aws ecr put-image` under their
# digests. Adapted where the emulator differs: it cannot backdate a push, so
# `--older-than 14d` must keep everything; the repository holds 5 top-level images by then,
# so the prune keeps the 2 newest rather than 10; the names are demo-web and demo-worker.
# Sourced by scripts/demo (set -euo pipefail; stage, show, echo_cmd, fail, DEMO_WORK, AWS_* set).

stage "ecr-purge: look, prune, empty (JSON report), tear down"
pushd "$DEMO_WORK" >/dev/null || fail "cannot enter $DEMO_WORK"
# Run a command visibly, its stdout also saved to the file named first.
show_to() { local out=$1; shift; echo_cmd "$(shell_words "$@")"; "$@" | tee "$out"; }

repo=demo-web
uri=$(aws ecr create-repository --repository-name "$repo" --query repository.repositoryUri --output text)
echo "$uri"

# manifest NAME: a distinct single-platform OCI manifest in NAME.json.
manifest() {
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":100},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":1000}]}' \
    "$(printf 'config %s' "$1" | sha256sum | cut -d' ' -f1)" \
    "$(printf 'layer %s' "$1" | sha256sum | cut -d' ' -f1)" >"$1.json"
}
# push NAME [TAG] [REPO]: put-image under the manifest's real digest; prints the digest.
push() {
  local digest
  digest="sha256:$(sha256sum "$1.json" | cut -d' ' -f1)"
  aws ecr put-image --repository-name "${3:-$repo}" --image-manifest "file://$1.json" \
    --image-digest "$digest" ${2:+--image-tag "$2"} >/dev/null
  echo "$digest"
}

# An old release, a PR build and two untagged leftovers; a second later a multi-arch release
# (two untagged platform manifests under a tagged index); a second later the newest release.
manifest v0; manifest pr7; manifest stray1; manifest stray2
old=$(push v0 v0); pr=$(push pr7 pr-7); stray1=$(push stray1); stray2=$(push stray2)
sleep 1.1
manifest amd64; manifest arm64
amd64=$(push amd64); arm64=$(push arm64)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"architecture":"arm64","os":"linux"}}]}' \
  "$amd64" "$(wc -c <amd64.json)" "$arm64" "$(wc -c <arm64.json)" >v1.json
index=$(push v1 v1)
sleep 1.1
manifest v2
newest=$(push v2 v2)
count() { aws ecr describe-images --repository-name "${1:-$repo}" --query 'length(imageDetails)' --output text; }
[ "$(count)" = 8 ] || fail "seeded $(count) images, not 8"

# Untagged leftovers older than two weeks: everything here was pushed seconds ago, so nothing
# goes (the emulator cannot backdate a push; old images are covered by the mock tests).
show_to old.tsv ecr-purge --yes --untagged-only --older-than 14d "$repo"
[ ! -s old.tsv ] || fail "--older-than 14d deleted images pushed seconds ago"
[ "$(count)" = 8 ] || fail "--older-than 14d left $(count) images, not 8"

# Preview PR images, keep anything tagged release-*: look first, then delete.
show_to preview.tsv ecr-purge --dry-run --tag 'pr-*' --keep-tag 'release-*' "$repo"
[ "$(cut -f2 preview.tsv)" = "$pr" ] || fail "the preview does not list exactly the PR image"
[ "$(count)" = 8 ] || fail "the dry run deleted something"
echo_cmd "ecr-purge --yes --tag 'pr-*' --keep-tag 'release-*' $repo | cut -f2 > deleted-digests.txt"
ecr-purge --yes --tag 'pr-*' --keep-tag 'release-*' "$repo" | cut -f2 >deleted-digests.txt
[ "$(cat deleted-digests.txt)" = "$pr" ] || fail "deleted-digests.txt is not the PR image's digest"

# Prune: keep the 2 newest top-level images (v2, and the v1 index with its platform manifests).
show_to pruned.tsv ecr-purge --yes --keep-latest 2 "$repo"
[ "$(wc -l <pruned.tsv)" = 3 ] || fail "the prune printed $(wc -l <pruned.tsv) lines, not 3"
for d in "$old" "$stray1" "$stray2"; do grep -q "$d" pruned.tsv || fail "$d was not pruned"; done
grep -q "^$repo	$old	v0\$" pruned.tsv || fail "the v0 line is not repository<TAB>digest<TAB>tags"
left=$(aws ecr describe-images --repository-name "$repo" --query 'imageDetails[].imageDigest' --output text)
for d in "$newest" "$index" "$amd64" "$arm64"; do
  case "$left" in *"$d"*) ;; *) fail "$d should have been kept" ;; esac
done

# Empty it by its URI (the repository stays: Terraform still owns it), with the JSON report.
echo_cmd "ecr-purge --yes --json $uri | jq '.repositories[] | {repository, deleted: (.deleted | length), empty}'"
ecr-purge --yes --json "$uri" >emptied.json
jq '.repositories[] | {repository, deleted: (.deleted | length), empty}' emptied.json
jq -e --arg repo "$repo" --arg index "$index" '.ok and (.repositories | length) == 1
  and .repositories[0].repository == $repo and (.repositories[0].deleted | length) == 4
  and .repositories[0].empty and .repositories[0].deleted[0].digest == $index' emptied.json \
  >/dev/null || fail "the JSON report is not: 4 deleted from $repo, the index first, empty"
[ "$(count)" = 0 ] || fail "the repository still holds $(count) images"

# Teardown of two repositories, twice: the second run finds nothing and still succeeds.
aws ecr create-repository --repository-name demo-worker >/dev/null
manifest worker
push worker latest demo-worker >/dev/null
show ecr-purge --yes --delete-repository --missing-ok "$repo" demo-worker
for r in "$repo" demo-worker; do
  if aws ecr describe-repositories --repository-names "$r" >/dev/null 2>&1; then
    fail "the repository $r still exists"
  fi
done
show ecr-purge --yes --delete-repository --missing-ok "$repo" demo-worker
popd >/dev/null || fail "cannot leave $DEMO_WORK"
