# shellcheck shell=bash
# ecr-purge: prune a repository, empty it, then tear it down, against the emulator.
# Sourced by scripts/demo (set -euo pipefail; stage, show, DEMO_WORK, DEMO_ROOT, AWS_* set).
# The commands are the README's examples (ecr-purge/README.md), on a repository seeded
# without Docker: hand-made manifests pushed with `aws ecr put-image` under their digests.

stage "ecr-purge: prune (keep the latest), empty, tear down"
pushd "$DEMO_WORK" >/dev/null
# Run a command visibly, its stdout also saved to the file named first.
show_to() { local out=$1; shift; printf '\033[2m$ %s\033[0m\n' "$*"; "$@" | tee "$out"; }

repo=demo-web
aws ecr create-repository --repository-name "$repo" --query repository.repositoryUri --output text

# manifest NAME: a distinct single-platform OCI manifest in NAME.json.
manifest() {
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":100},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":1000}]}' \
    "$(printf 'config %s' "$1" | sha256sum | cut -d' ' -f1)" \
    "$(printf 'layer %s' "$1" | sha256sum | cut -d' ' -f1)" >"$1.json"
}
# push NAME [TAG]: put-image under the manifest's real digest; prints the digest.
push() {
  local digest
  digest="sha256:$(sha256sum "$1.json" | cut -d' ' -f1)"
  aws ecr put-image --repository-name "$repo" --image-manifest "file://$1.json" \
    --image-digest "$digest" ${2:+--image-tag "$2"} >/dev/null
  echo "$digest"
}

# An old release and two untagged leftovers; a second later a multi-arch release (two
# untagged platform manifests under a tagged index); a second later the newest release.
manifest v0; manifest stray1; manifest stray2
old=$(push v0 v0); stray1=$(push stray1); stray2=$(push stray2)
sleep 1.1
manifest amd64; manifest arm64
amd64=$(push amd64); arm64=$(push arm64)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"architecture":"arm64","os":"linux"}}]}' \
  "$amd64" "$(wc -c <amd64.json)" "$arm64" "$(wc -c <arm64.json)" >v1.json
index=$(push v1 v1)
sleep 1.1
manifest v2
newest=$(push v2 v2)
count() { aws ecr describe-images --repository-name "$repo" --query 'length(imageDetails)' --output text; }
[ "$(count)" = 7 ] || fail "seeded $(count) images, not 7"

# Prune: keep the 2 newest top-level images (v2, and the v1 index with its platform manifests).
show_to pruned.tsv ecr-purge --keep-latest 2 "$repo"
[ "$(wc -l <pruned.tsv)" = 3 ] || fail "the prune printed $(wc -l <pruned.tsv) lines, not 3"
for d in "$old" "$stray1" "$stray2"; do grep -q "$d" pruned.tsv || fail "$d was not pruned"; done
grep -q "^$repo	$old	v0\$" pruned.tsv || fail "the v0 line is not repository<TAB>digest<TAB>tags"
left=$(aws ecr describe-images --repository-name "$repo" --query 'imageDetails[].imageDigest' --output text)
for d in "$newest" "$index" "$amd64" "$arm64"; do
  case "$left" in *"$d"*) ;; *) fail "$d should have been kept" ;; esac
done

# Empty it (the repository stays: Terraform still owns it).
show_to emptied.tsv ecr-purge --yes "$repo"
[ "$(wc -l <emptied.tsv)" = 4 ] || fail "the purge printed $(wc -l <emptied.tsv) lines, not 4"
head -1 emptied.tsv | grep -q "$index" || fail "the index was not deleted first"
[ "$(count)" = 0 ] || fail "the repository still holds $(count) images"

# Teardown, twice: the second run finds nothing and still succeeds.
show ecr-purge --yes --delete-repository --missing-ok "$repo"
if aws ecr describe-repositories --repository-names "$repo" >/dev/null 2>&1; then
  fail "the repository still exists"
fi
show ecr-purge --yes --delete-repository --missing-ok "$repo"
popd >/dev/null
