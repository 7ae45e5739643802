#!/usr/bin/env bash
# Benchmark of taskdef-clean, run by hand:
#
#   bench/taskdef-clean.sh          # release build (no AWS SDK: quick), hyperfine, peak memory
#
# Side by side in one run, per invocation, on a describe-task-definition answer:
#   taskdef-clean -f FILE            the tool (every cleaning rule and the model check)
#   taskdef-clean --check -f FILE    the same, validate only (issue 14: within 2x of cleaning)
#   taskdef-clean --diff FILE -f CHANGED   both cleaned and compared; CHANGED has a new
#                                    image in every container, a variable changed, one
#                                    added and the environment reversed (within 2x too)
#   jq 'del(...)'                    the usual one-liner: unwrap, carry tags, delete the 9
#                                    read-only members and every null (no checks at all)
#   taskdef-clean --version          the tool's process start-up floor
#   /bin/true                        the system's process start-up floor
# on two inputs: a typical answer (the test fixture, 1 container, ~4 KB) and a large one
# (50 containers with 40 variables each, ~400 KB).
#
# Results: bench/results/taskdef-clean-<time>.{md,json}; a summary with ratios on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in hyperfine jq python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is not installed" >&2; exit 1; }

cargo build --release --locked --quiet -p taskdef-clean
bin=$(cargo metadata --locked --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/taskdef-clean
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$root/bench/results
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp taskdef-clean/tests/fixtures/gpu-describe.json "$work/typical.json"
python3 - "$work" <<'PY'
import copy, json, sys
work = sys.argv[1]
answer = json.load(open(f"{work}/typical.json"))
td = answer["taskDefinition"]
one = td["containerDefinitions"][0]
containers = []
for i in range(50):
    c = copy.deepcopy(one)
    c["name"] = f"worker-{i}"
    c["environment"] = [{"name": f"VAR_{j}", "value": f"value-{i}-{j}"} for j in range(40)]
    c["dockerLabels"] = {f"com.example.label{j}": f"{i}-{j}" for j in range(10)}
    containers.append(c)
td["containerDefinitions"] = containers
json.dump(answer, open(f"{work}/large.json", "w"), indent=4)
# The same task definitions, changed as a release changes them (for --diff).
for name in ["typical", "large"]:
    answer = json.load(open(f"{work}/{name}.json"))
    for c in answer["taskDefinition"]["containerDefinitions"]:
        c["image"] = c["image"].split("@")[0] + ":2.0.0"
        env = c.get("environment", [])
        env.reverse()
        if env:
            env[0]["value"] = "changed"
        env.append({"name": "RELEASE", "value": "2.0.0"})
        c["environment"] = env
    json.dump(answer, open(f"{work}/{name}.changed.json", "w"), indent=4)
PY

# The equivalent jq: what CI scripts do instead (unchecked: a null in an array vanishes,
# unknown members pass silently, nothing is validated).
jq_filter='.taskDefinition + (if (.tags // []) | length > 0 then {tags} else {} end)
  | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
        .registeredAt, .registeredBy, .deregisteredAt, .deleteRequestedAt)
  | del(.. | nulls)'
printf '%s\n' "$jq_filter" >"$work/clean.jq"

# Both give the same JSON (key order aside) on these inputs, or the comparison is moot.
for input in typical large; do
  "$bin" -f "$work/$input.json" | jq -S . >"$work/$input.tool.json"
  jq -f "$work/clean.jq" "$work/$input.json" | jq -S . >"$work/$input.jq.json"
  cmp -s "$work/$input.tool.json" "$work/$input.jq.json" \
    || { echo "bench: taskdef-clean and jq disagree on $input.json" >&2; exit 1; }
done
# --check passes and --diff finds the differences (exit 1), or hyperfine's --ignore-failure
# below would hide a failure.
for input in typical large; do
  "$bin" --check -q -f "$work/$input.json"
  rc=0; "$bin" --diff "$work/$input.json" -f "$work/$input.changed.json" >/dev/null || rc=$?
  [ "$rc" = 1 ] || { echo "bench: --diff on $input.json exited $rc, not 1" >&2; exit 1; }
done
ls -l "$work/typical.json" "$work/large.json" | awk '{print "bench: input " $NF " " $5 " bytes"}' >&2

summary=$results/taskdef-clean-$stamp.md
{
  echo "# taskdef-clean benchmark ($stamp)"
  echo
  echo "$(uname -srm), $(nproc) CPUs; $(jq --version); hyperfine $(hyperfine --version | cut -d' ' -f2)"
} >"$summary"

for input in typical large; do
  echo "== $input.json" >&2
  # --diff exits 1 (the inputs differ): that is its success.
  hyperfine --warmup 20 --min-runs 200 --shell=none --style basic --ignore-failure \
    --export-json "$work/$input.hyperfine.json" \
    --export-markdown "$work/$input.hyperfine.md" \
    -n "taskdef-clean" "$bin -f $work/$input.json" \
    -n "taskdef-clean --check" "$bin --check -q -f $work/$input.json" \
    -n "taskdef-clean --diff" "$bin --diff $work/$input.json -f $work/$input.changed.json" \
    -n "jq del(...)" "jq -f $work/clean.jq $work/$input.json" \
    -n "taskdef-clean --version" "$bin --version" \
    -n "/bin/true" "/bin/true" >&2
  cp "$work/$input.hyperfine.json" "$results/taskdef-clean-$stamp-$input.json"

  # Peak resident memory (KiB), the largest of 10 runs.
  peak() {
    local max=0 kib
    for _ in $(seq 10); do
      kib=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
      [ "$kib" -gt "$max" ] && max=$kib
    done
    echo "$max"
  }
  mem_tool=$(peak "$bin" -f "$work/$input.json")
  mem_jq=$(peak jq -f "$work/clean.jq" "$work/$input.json")
  mem_version=$(peak "$bin" --version)
  mem_true=$(peak /bin/true)

  python3 - "$work/$input.hyperfine.json" "$input" "$mem_tool" "$mem_jq" "$mem_version" "$mem_true" >>"$summary" <<'PY'
import json, sys
path, name, mem_tool, mem_jq, mem_version, mem_true = sys.argv[1:]
runs = {r["command"]: r for r in json.load(open(path))["results"]}
# Medians: a busy machine adds outliers that move means far more than medians.
t = {k: v["median"] * 1000 for k, v in runs.items()}
mean = {k: v["mean"] * 1000 for k, v in runs.items()}
cpu = {k: (v["user"] + v["system"]) * 1000 for k, v in runs.items()}
mem = {"taskdef-clean": mem_tool, "jq del(...)": mem_jq,
       "taskdef-clean --version": mem_version, "/bin/true": mem_true}
print(f"\n## {name}.json\n")
print("| command | median ms | mean ms | user+sys ms | peak RSS KiB |")
print("|---|---:|---:|---:|---:|")
for k in ["taskdef-clean", "taskdef-clean --check", "taskdef-clean --diff", "jq del(...)",
          "taskdef-clean --version", "/bin/true"]:
    print(f"| `{k}` | {t[k]:.2f} | {mean[k]:.2f} | {cpu[k]:.2f} | {mem.get(k, '')} |")
tool = t["taskdef-clean"]
print()
print(f"- jq / taskdef-clean: **{t['jq del(...)'] / tool:.1f}x** median, "
      f"{cpu['jq del(...)'] / cpu['taskdef-clean']:.1f}x CPU time (taskdef-clean is that many times faster)")
print(f"- `--check` / plain cleaning: **{t['taskdef-clean --check'] / tool:.2f}x** median, "
      f"{cpu['taskdef-clean --check'] / cpu['taskdef-clean']:.2f}x CPU time (target: within 2x)")
print(f"- `--diff` (two inputs) / plain cleaning (one): **{t['taskdef-clean --diff'] / tool:.2f}x** median, "
      f"{cpu['taskdef-clean --diff'] / cpu['taskdef-clean']:.2f}x CPU time (target: within 2x)")
print(f"- taskdef-clean / its own start-up (`--version`): **{tool / t['taskdef-clean --version']:.2f}x** median")
print(f"- taskdef-clean / `/bin/true`: **{tool / t['/bin/true']:.2f}x** median")
print(f"- peak memory, taskdef-clean / jq: **{int(mem_tool) / int(mem_jq):.2f}x**")
PY
done

cat "$summary"
echo "bench: results in $summary (and the hyperfine JSON beside it)" >&2
