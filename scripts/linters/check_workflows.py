"""Lint the GitHub Actions files of the repository (run by scripts/check-workflows, after
scripts/setup-linters installed the linters into .venv).

- actionlint on every workflow (examples/github-actions/*.yml, .github/workflows/*.yml), as
  written and once more with each action pinned to an exact release (`@v4.2.2`) read as its
  major version (`@v4`): actionlint knows the inputs of popular actions by major version only,
  so that a misspelled input of a pinned action is still caught;
- shellcheck on every `run:` script of the workflows and of the composite action (as
  actionlint hands them to shellcheck: `${{ ... }}` blanked, bash, its exclusions), on
  examples/*.sh, and on the repository's own bash scripts (scripts/, the demo's stages, the
  scripts' tests: `bash_scripts`), following what they source;
- the composite action's metadata (action.yml; actionlint reads workflows only): the keys
  GitHub accepts, `using: composite`, each step either `run` with `shell` or `uses`, inputs
  and outputs described, every `inputs.X` and `steps.Y` an expression names defined.

Exits 1 with every problem listed, each as FILE:LINE: message.
"""

import glob
import os
import re
import subprocess
import sys
import tempfile

import yaml

VENV = ".venv"
SHELLCHECK = os.path.join(VENV, "bin", "shellcheck")
ACTIONLINT = os.path.join(VENV, "bin", "actionlint")
NODE_ACTIONLINT = os.path.join(
    VENV, "node-actionlint", "node_modules", "@tktco", "node-actionlint", "bin", "node-actionlint.js"
)
# What actionlint leaves out when it runs shellcheck on a `run:` script (its rule_shellcheck.go):
# sourced files, and what the blanked `${{ }}` expressions make look constant or unassigned.
SHELLCHECK_EXCLUDE = "SC1091,SC2194,SC2050,SC2154,SC2157"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
EXACT_RELEASE = re.compile(r"(uses:\s*[\w.-]+/[\w./-]+@v\d+)(?:\.\d+)+\b")

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def workflows():
    files = sorted(glob.glob("examples/github-actions/*.yml") + glob.glob(".github/workflows/*.yml"))
    if not files:
        problem("examples/github-actions", "no workflow found")
    return files


def actionlint(files):
    """actionlint on the files as written, then on copies with exact releases read as major
    versions (one run each: the WebAssembly build takes seconds to start)."""
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for path in files:
            text = read(path)
            major = EXACT_RELEASE.sub(r"\1", text)
            if major != text:
                copy = os.path.join(tmp, path.replace("/", "__"))
                with open(copy, "w", encoding="utf-8") as f:
                    f.write(major)
                copies.append(copy)
        for batch, shown in ((files, None), (copies, "(actions read at their major version) ")):
            if not batch:
                continue
            if os.path.exists(ACTIONLINT):
                cmd = [ACTIONLINT, "-no-color", "-shellcheck", SHELLCHECK, "-pyflakes=", *batch]
                ok_marker = None
            else:
                # One glob pattern; the paths have no glob characters.
                cmd = ["node", NODE_ACTIONLINT, "{" + ",".join(batch) + ",}"]
                ok_marker = f"Checking {len(batch)} workflow file(s)"
            run = subprocess.run(cmd, capture_output=True, text=True, check=False)
            out = (run.stdout + run.stderr).strip()
            if shown:
                out = re.sub(r"\S*" + re.escape(os.path.basename(tmp)) + r"/", shown, out).replace("__", "/")
            if run.returncode != 0 or (ok_marker and ok_marker not in out):
                problem("actionlint", f"exit {run.returncode}:\n{out}")


def shellcheck_script(where, first_line, script, indent=0):
    """shellcheck on one `run:` script whose first line is line `first_line` of its file,
    its lines indented by `indent` columns there."""
    blanked = EXPRESSION.sub(lambda m: "_" * len(m.group(0)), script)
    run = subprocess.run(
        [SHELLCHECK, "--norc", "-s", "bash", "-e", SHELLCHECK_EXCLUDE, "-f", "gcc", "-"],
        input=blanked,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in run.stdout.splitlines():
        m = re.match(r"-:(\d+):(\d+): (.*)", line)
        if m:
            problem(f"{where}:{first_line + int(m.group(1)) - 1}:{indent + int(m.group(2))}", m.group(3))
        else:
            problem(where, line)
    if run.returncode not in (0, 1) or (run.returncode == 1 and not run.stdout):
        problem(where, f"shellcheck failed (exit {run.returncode}): {run.stderr.strip()}")


def run_scripts(path):
    """The `run:` scripts of a workflow or action: (first line, script, indent)."""
    lines = read(path).splitlines()
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        item = line.lstrip()
        while item.startswith("- "):
            item = item[2:].lstrip()
        key_col = len(line) - len(item)
        if item.startswith("run:"):
            value = item[4:].strip()
            if value[:1] in ("|", ">"):
                body = []
                j = i + 1
                while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > key_col):
                    body.append(lines[j])
                    j += 1
                indent = min((len(b) - len(b.lstrip()) for b in body if b.strip()), default=0)
                out.append((i + 2, "\n".join(b[indent:] for b in body) + "\n", indent))
                i = j
                continue
            if value:
                out.append((i + 1, str(yaml.safe_load(value)) + "\n", len(line) - len(value)))
        i += 1
    return out


def shellcheck_all(files):
    for path in files:
        for first_line, script, indent in run_scripts(path):
            shellcheck_script(path, first_line, script, indent)
    for path in sorted(glob.glob("examples/*.sh")):
        shellcheck_script(path, 1, read(path))
    shellcheck_files(bash_scripts())


def bash_scripts():
    """The repository's bash scripts: files under scripts/ that start with a bash shebang or a
    `# shellcheck shell=bash` line (the demo's stages, sourced, have the latter)."""
    found = []
    for path in sorted(glob.glob("scripts/**/*", recursive=True)):
        if not os.path.isfile(path) or "/linters/" in path:
            continue
        with open(path, "rb") as f:
            first = f.readline()
        if first.startswith(b"#!") and b"bash" in first or first.startswith(b"# shellcheck shell=bash"):
            found.append(path)
    return found


def shellcheck_files(paths):
    """shellcheck on whole files, following `source` (-x) from the repository's root."""
    run = subprocess.run(
        [SHELLCHECK, "--norc", "-x", "-f", "gcc", *paths], capture_output=True, text=True, check=False
    )
    for line in run.stdout.splitlines():
        m = re.match(r"(.+?):(\d+):(\d+): (.*)", line)
        if m:
            problem(f"{m.group(1)}:{m.group(2)}:{m.group(3)}", m.group(4))
        else:
            problem("shellcheck", line)
    if run.returncode not in (0, 1) or (run.returncode == 1 and not run.stdout):
        problem("shellcheck", f"shellcheck failed (exit {run.returncode}): {run.stderr.strip()}")


ACTION_KEYS = {"name", "author", "description", "inputs", "outputs", "runs", "branding"}
INPUT_KEYS = {"description", "required", "default", "deprecationMessage"}
RUN_STEP_KEYS = {"run", "shell", "name", "id", "if", "env", "working-directory", "continue-on-error"}
USES_STEP_KEYS = {"uses", "with", "name", "id", "if", "env", "continue-on-error"}
SHELLS = {"bash", "sh", "pwsh", "python", "cmd", "powershell"}
COLORS = {"white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"}


def check_action(path):
    """The metadata of a composite action, as GitHub reads it."""
    try:
        meta = yaml.safe_load(read(path))
    except yaml.YAMLError as e:
        problem(path, f"not YAML: {e}")
        return
    if not isinstance(meta, dict):
        problem(path, "not a mapping")
        return
    for key in sorted(set(meta) - ACTION_KEYS):
        problem(path, f"unknown top-level key {key!r} (GitHub takes {sorted(ACTION_KEYS)})")
    for key in ("name", "description", "runs"):
        if not meta.get(key):
            problem(path, f"{key!r} is required")
    inputs = meta.get("inputs") or {}
    for name, spec in inputs.items():
        if not isinstance(spec, dict) or not spec.get("description"):
            problem(path, f"input {name!r} needs a description")
            continue
        for key in sorted(set(spec) - INPUT_KEYS):
            problem(path, f"input {name!r}: unknown key {key!r}")
    for name, spec in (meta.get("outputs") or {}).items():
        if not isinstance(spec, dict) or "value" not in spec or not spec.get("description"):
            problem(path, f"output {name!r} of a composite action needs a description and a value")
    branding = meta.get("branding") or {}
    if branding and branding.get("color") not in COLORS:
        problem(path, f"branding color {branding.get('color')!r} is not one of {sorted(COLORS)}")
    runs = meta.get("runs") or {}
    if runs.get("using") != "composite":
        problem(path, f"runs.using is {runs.get('using')!r}, expected 'composite'")
    steps = runs.get("steps")
    if not isinstance(steps, list) or not steps:
        problem(path, "runs.steps must be a non-empty list")
        return
    ids = []
    for n, step in enumerate(steps, 1):
        where = f"{path}: step {n} ({step.get('name') or step.get('id') or step.get('uses') or 'unnamed'})"
        if ("run" in step) == ("uses" in step):
            problem(where, "needs exactly one of 'run' and 'uses'")
            continue
        allowed = RUN_STEP_KEYS if "run" in step else USES_STEP_KEYS
        for key in sorted(set(step) - allowed):
            problem(where, f"unknown key {key!r} (a {'run' if 'run' in step else 'uses'} step takes {sorted(allowed)})")
        if "run" in step and step.get("shell") not in SHELLS:
            problem(where, f"a run step of a composite action needs 'shell' (one of {sorted(SHELLS)})")
        if "uses" in step and not re.fullmatch(r"(\./.+|docker://.+|[\w.-]+/[\w./-]+@[\w./-]+)", str(step["uses"])):
            problem(where, f"uses {step['uses']!r} is not OWNER/REPO@REF, ./PATH or docker://IMAGE")
        if "id" in step:
            if step["id"] in ids:
                problem(where, f"id {step['id']!r} is used twice")
            ids.append(step["id"])
    text = read(path)
    for expr in EXPRESSION.findall(text):
        for name in re.findall(r"\binputs\.([\w-]+)", expr):
            if name not in inputs:
                problem(path, f"{expr} names input {name!r}, which is not defined")
        for name in re.findall(r"\bsteps\.([\w-]+)", expr):
            if name not in ids:
                problem(path, f"{expr} names step {name!r}, which no step has as id")


BAD_ACTION = """\
name: bad
description: a composite action with one mistake of each kind
inputs:
  tools: {}
outputs:
  dir:
    description: no value
runs:
  using: composite
  steps:
    - run: echo "${{ inputs.tool }}"
    - id: twice
      uses: actions/cache
      with:
        key: ${{ steps.nope.outputs.key }}
    - id: twice
      run: |
        echo ok
        rm -rf $DIR/cache
      shell: bash
      timeout-minutes: 5
"""


def self_test():
    """The checks find what they are for (a check that cannot fail checks nothing): each
    mistake of BAD_ACTION is reported, shellcheck's at the line of the file."""
    global problems
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "action.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(BAD_ACTION)
        check_action(path)
        for first_line, script, indent in run_scripts(path):
            shellcheck_script(path, first_line, script, indent)
        found, problems = problems, []
    expected = [
        "input 'tools' needs a description",
        "output 'dir' of a composite action needs a description and a value",
        "step 1 (unnamed): a run step of a composite action needs 'shell'",
        "step 2 (twice): uses 'actions/cache' is not OWNER/REPO@REF",
        "step 3 (twice): unknown key 'timeout-minutes'",
        "step 3 (twice): id 'twice' is used twice",
        "names input 'tool', which is not defined",
        "names step 'nope', which no step has as id",
        "action.yml:19:16: note: Double quote to prevent globbing and word splitting. [SC2086]",
    ]
    missing = [e for e in expected if not any(e in p for p in found)]
    if missing:
        print("check-workflows: error: the self-test's mistakes were not all found:", file=sys.stderr)
        print("\n".join(f"  missing: {m}" for m in missing), file=sys.stderr)
        print("\n".join(f"  found: {p}" for p in found), file=sys.stderr)
        sys.exit(1)


def main():
    self_test()
    files = workflows()
    actionlint(files)
    shellcheck_all(files + ["action.yml"])
    check_action("action.yml")
    if problems:
        print("check-workflows: error: " + str(len(problems)) + " problems:", file=sys.stderr)
        for p in problems:
            print(p, file=sys.stderr)
        return 1
    kind = "native" if os.path.exists(ACTIONLINT) else "WebAssembly build"
    print(
        f"check-workflows: {len(files)} workflows pass actionlint ({kind}) and shellcheck, "
        f"and {len(bash_scripts())} bash scripts shellcheck; action.yml's metadata and scripts "
        "are valid",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
