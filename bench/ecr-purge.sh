#!/usr/bin/env bash
# Benchmark of ecr-purge against the shell loop a user would write with the AWS CLI, run by
# hand against the local emulator:
#
#   bench/ecr-purge.sh [IMAGES]      # default 5000; release build, hyperfine, peak memory
#
# Each run empties a repository of IMAGES images: about 1 in 52 is the index of a multi-arch
# image (over 2 untagged platform manifests), the rest are single images, a third untagged, a
# third with one tag, a third with two. The baseline lists the digests, then deletes them with
# batch-delete-image in chunks of 100, as teardown scripts found in the wild do:
#
#   aws ecr list-images --query 'imageIds[].imageDigest' | sort -u | split -l 100 | batch-delete-image
#
# Wall time comes from hyperfine (the repository is re-seeded before every run, outside the
# timing); API calls from one more run of each with the emulator's request recorder on; peak
# memory from /usr/bin/time -f %M. Results: bench/results/ecr-purge-<time>.{md,json,txt}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
images=${1:-5000}
runs=${RUNS:-3}
for tool in hyperfine python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is not installed" >&2; exit 1; }

scripts/setup-emulator
cargo build --release --locked --quiet -p ecr-purge
bin=$(cargo metadata --locked --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/ecr-purge
py=$root/.venv/bin/python
aws=$root/.venv/bin/aws
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$root/bench/results
mkdir -p "$results"
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MOTO_RECORDER_FILEPATH="$work/recording" "$py" emulator/moto_server.py -H 127.0.0.1 -p "$port" \
  --exit-with-parent >"$work/moto.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-2 AWS_DEFAULT_REGION=us-east-2
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN

# The seeder: creates the repository if needed and pushes IMAGES images under their real
# digests (8 threads of boto3; about 15-25 s for 5,000 on 2 cores).
cat >"$work/seed.py" <<'PY'
import hashlib, json, os, sys, threading
import boto3
n = int(sys.argv[1])
ecr = boto3.client("ecr")
try:
    ecr.create_repository(repositoryName="bench")
except ecr.exceptions.RepositoryAlreadyExistsException:
    pass
def sha(s): return "sha256:" + hashlib.sha256(s.encode()).hexdigest()
def manifest(seed):
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha("c" + seed), "size": 100},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha("l" + seed), "size": 1000}]})
groups = []  # each a list of (manifest, tags), pushed in order: children before their index
count, i = 0, 0
while count < n:
    if i % 50 == 0 and count + 3 <= n:
        kids = [manifest(f"{i}/{a}") for a in ("amd64", "arm64")]
        index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(k),
                           "size": len(k), "platform": {"architecture": a, "os": "linux"}}
                          for k, a in zip(kids, ("amd64", "arm64"))]})
        groups.append([(k, []) for k in kids] + [(index, [f"multi-{i}"])])
    else:
        groups.append([(manifest(str(i)), [[], [f"v{i}"], [f"v{i}", f"v{i}-b"]][i % 3])])
    count += len(groups[-1])
    i += 1
def lane(k):
    c = boto3.client("ecr")
    for g in groups[k::8]:
        for m, tags in g:
            d = sha(m)
            if not tags:
                c.put_image(repositoryName="bench", imageManifest=m, imageDigest=d)
            for t in tags:
                c.put_image(repositoryName="bench", imageManifest=m, imageDigest=d, imageTag=t)
threads = [threading.Thread(target=lane, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
got = len(ecr.describe_images(repositoryName="bench")["imageDetails"])
if got != n:
    sys.exit(f"seed: {got} images, expected {n}")
PY

# The baseline: what a user writes with the AWS CLI.
cat >"$work/cli-loop.sh" <<'SH'
set -euo pipefail
aws ecr list-images --repository-name bench --query 'imageIds[].imageDigest' --output text \
  | tr '\t' '\n' | sort -u | split -l 100 - "$1/chunk."
for f in "$1"/chunk.*; do
  ids=$(sed 's/.*/imageDigest=&/' "$f" | tr '\n' ' ')
  # shellcheck disable=SC2086
  aws ecr batch-delete-image --repository-name bench --image-ids $ids --output text >/dev/null
  rm "$f"
done
SH
export PATH="$root/.venv/bin:$PATH"
seed="$py $work/seed.py $images"
tool="$bin --yes bench"
loop="bash $work/cli-loop.sh $work"

echo "bench: emptying a repository of $images images, $runs runs each (re-seeded before each)" >&2
hyperfine --runs "$runs" --prepare "$seed" --style basic \
  --export-markdown "$results/ecr-purge-$stamp.md" --export-json "$results/ecr-purge-$stamp.json" \
  -n "ecr-purge (concurrency 4)" "$tool >/dev/null" \
  -n "ecr-purge --concurrency 1" "$bin --yes --concurrency 1 bench >/dev/null" \
  -n "aws-cli loop" "$loop"

# API calls per run, from the emulator's request recorder.
calls() {
  curl -s -X POST "$AWS_ENDPOINT_URL/moto-api/recorder/reset-recording" >/dev/null
  curl -s -X POST "$AWS_ENDPOINT_URL/moto-api/recorder/start-recording" >/dev/null
  "$@" >/dev/null 2>&1
  curl -s -X POST "$AWS_ENDPOINT_URL/moto-api/recorder/stop-recording" >/dev/null
  # Records of concurrent requests can interleave in the recording (moto writes a large one
  # in several pieces), so count the operation names rather than parse records.
  curl -s "$AWS_ENDPOINT_URL/moto-api/recorder/download-recording" | "$py" -c '
import collections, re, sys
c = collections.Counter(re.findall(r"\"X-Amz-Target\": \"AmazonEC2ContainerRegistry_V20150921\.(\w+)\"", sys.stdin.read()))
print(sum(c.values()), " ".join(f"{k}={v}" for k, v in sorted(c.items())))'
}
$seed
tool_calls=$(calls $tool)
[ "$("$aws" ecr describe-images --repository-name bench --query 'length(imageDetails)' --output text)" = 0 ] \
  || { echo "bench: ecr-purge left images behind" >&2; exit 1; }
$seed
loop_calls=$(calls $loop)
$seed
/usr/bin/time -f %M -o "$work/rss" $tool >/dev/null 2>&1
tool_rss=$(tail -1 "$work/rss")
$seed
indexes=$("$aws" ecr describe-images --repository-name bench --output text \
  --query "length(imageDetails[?imageManifestMediaType=='application/vnd.oci.image.index.v1+json'])")
/usr/bin/time -f %M -o "$work/rss" $loop >/dev/null 2>&1
loop_rss=$(tail -1 "$work/rss")

minimum=$(( 1 + (indexes + 99) / 100 + (images - indexes + 99) / 100 + 1 ))
"$py" - "$results/ecr-purge-$stamp.json" "$images" "$tool_calls" "$loop_calls" "$tool_rss" "$loop_rss" "$minimum" \
  <<'PY' | tee "$results/ecr-purge-$stamp.txt"
import json, sys
path, n, tool_calls, loop_calls, tool_rss, loop_rss, minimum = sys.argv[1:]
r = {x["command"]: x for x in json.load(open(path))["results"]}
tool, tool1, loop = r["ecr-purge (concurrency 4)"], r["ecr-purge --concurrency 1"], r["aws-cli loop"]
print(f"ecr-purge benchmark: empty a repository of {n} images (emulator, {len(tool['times'])} runs each)")
print(f"  ecr-purge (concurrency 4)  {tool['mean']:7.2f} s ± {tool['stddev'] or 0:.2f}")
print(f"  ecr-purge --concurrency 1  {tool1['mean']:7.2f} s ± {tool1['stddev'] or 0:.2f}")
print(f"  aws-cli loop               {loop['mean']:7.2f} s ± {loop['stddev'] or 0:.2f}")
print(f"  speed-up: {loop['mean'] / tool['mean']:.1f}x (concurrency 4), {loop['mean'] / tool1['mean']:.1f}x (concurrency 1)")
print(f"  API calls: ecr-purge {tool_calls}")
print(f"             aws-cli loop {loop_calls}")
print(f"             minimum for this repository on the emulator (1 page there): {minimum}")
made, least = int(tool_calls.split()[0]), int(minimum)
if made == least:
    print(f"  verdict: ecr-purge made the minimum number of calls ({made})")
else:
    print(f"  verdict: ecr-purge made {made} calls, {made - least:+d} from the minimum of {least}")
speedup = loop["mean"] / tool["mean"]
print(f"  verdict: {speedup:.1f}x faster than the loop: target of 10x {'met' if speedup >= 10 else 'NOT met'}")
print(f"  peak memory: ecr-purge {int(tool_rss) / 1024:.1f} MiB, aws-cli loop {int(loop_rss) / 1024:.1f} MiB (largest process)")
PY
