//! Every tool invocation written in the examples (`examples/`: workflows, scripts) and in the
//! READMEs (the root one and each tool's) is a command line the real binary accepts: each is
//! run with `CI_TOOLS_PARSE_ONLY=1` (`cli_support::parse` then exits 0 once the arguments
//! parse, before anything runs) and must exit 0. A renamed or misspelled flag fails the build
//! here, not in a user's pipeline.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use test_support::invocations::{self, Invocation};
use test_support::{CommandExt as _, workspace_root};

const TOOLS: [&str; 6] = [
    "taskdef-clean",
    "ecs-run-wait",
    "health-probe",
    "tf-secrets",
    "ecr-purge",
    "ecs-deploy",
];

/// The files read, each with the fewest invocations it must have: a file whose examples the
/// extraction stopped seeing fails, instead of passing with nothing checked. Every file
/// under `examples/` must be listed.
const FILES: &[(&str, usize)] = &[
    ("README.md", 30),
    ("taskdef-clean/README.md", 3),
    ("ecs-run-wait/README.md", 5),
    ("health-probe/README.md", 6),
    ("tf-secrets/README.md", 6),
    ("ecr-purge/README.md", 7),
    ("ecs-deploy/README.md", 5),
    ("examples/README.md", 0),
    ("examples/teardown.sh", 1),
    ("examples/github-actions/ci.yml", 1),
    // Every tool of the pipeline: tf-secrets, taskdef-clean, ecs-run-wait, ecs-deploy twice
    // (deploy, rollback), health-probe.
    ("examples/github-actions/cd.yml", 6),
    // It runs examples/teardown.sh (as scripts/teardown.sh), checked above.
    ("examples/github-actions/teardown.yml", 0),
];

/// What the placeholders (a variable, `$(...)`, `${{ ... }}`) are tried as, in turn, until the
/// command line parses: what the variable's name suggests (a port, an address, else a word),
/// then a number, then a duration.
const PLACEHOLDER_VALUES: [fn(&str) -> String; 3] =
    [by_name, |_| "1".to_owned(), |_| "1s".to_owned()];

fn by_name(name: &str) -> String {
    let name = name.to_ascii_uppercase();
    if name.ends_with("PORT") {
        "8080".to_owned()
    } else if name.ends_with("_IP") || name.ends_with("ADDR") {
        "10.0.0.1".to_owned()
    } else {
        "x".to_owned()
    }
}

/// The directory of the tools' binaries, built first, in this test's profile and target
/// directory (a stale binary would check old flags): `cargo test --workspace --no-run`, the
/// build `cargo test --workspace` makes, so that under it nothing is rebuilt, and no binary
/// another test is running is replaced (`cargo build` resolves features without the
/// dev-dependencies, and would build and put in place binaries of its own).
fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test's own path");
        // <target>/<profile>/deps/invocations-HASH
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary is in <target>/<profile>/deps")
            .to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build.current_dir(workspace_root()).args([
            "test",
            "--quiet",
            "--locked",
            "--workspace",
            "--no-run",
        ]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        // What cargo sets for this test's package only: build scripts watch some of them
        // (`CARGO_MANIFEST_DIR`), and a value the outer build did not see would rebuild
        // them here, and then everything again in the next `cargo test`.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_BIN_EXE_")
                || [
                    "CARGO_MANIFEST_DIR",
                    "CARGO_MANIFEST_PATH",
                    "CARGO_CRATE_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_TARGET_TMPDIR",
                    "CARGO_RUSTC_CURRENT_DIR",
                ]
                .contains(&name.as_ref())
            {
                build.env_remove(name.as_ref());
            }
        }
        let status = build.status().expect("cargo runs");
        assert!(
            status.success(),
            "cargo build of the tools failed: {status}"
        );
        profile_dir
    })
}

/// Run `tool args` parse-only: the exit code and stderr.
fn parse(tool: &str, args: &[String]) -> (Option<i32>, String) {
    let out = Command::new(bin_dir().join(tool))
        .args(args)
        .scrub_env()
        .env(cli_support_env(), "1")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `cli_support::report::PARSE_ONLY_ENV` (test-support does not depend on cli-support).
fn cli_support_env() -> &'static str {
    "CI_TOOLS_PARSE_ONLY"
}

/// Whether `inv` parses with one of the placeholder values; else the first try's exit code and
/// stderr.
fn check(inv: &Invocation) -> Result<(), (Option<i32>, String)> {
    let mut first = None;
    for value in PLACEHOLDER_VALUES {
        let (code, stderr) = parse(&inv.tool, &inv.args_with(value));
        if code == Some(0) {
            return Ok(());
        }
        first.get_or_insert((code, stderr));
        if !inv.has_placeholders() {
            break;
        }
    }
    Err(first.expect("tried at least once"))
}

fn invocations_in(path: &str) -> Vec<Invocation> {
    let text = std::fs::read_to_string(workspace_root().join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    invocations::in_file(path, &text, &TOOLS)
}

/// Every file under `dir` (relative to the workspace root).
fn files_under(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![workspace_root().join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(workspace_root()).expect("under the root");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[test]
fn every_invocation_in_the_examples_and_readmes_parses() {
    for file in files_under("examples") {
        assert!(
            FILES.iter().any(|(f, _)| *f == file),
            "{file} is not in this test's FILES: add it with the fewest invocations it has"
        );
    }
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    let mut tools_seen = std::collections::BTreeSet::new();
    for &(file, min) in FILES {
        let found = invocations_in(file);
        assert!(
            found.len() >= min,
            "{file}: {} tool invocations found, expected at least {min}: {found:#?}",
            found.len()
        );
        counts.push(format!("{file}: {}", found.len()));
        for inv in &found {
            tools_seen.insert(inv.tool.clone());
            if let Err((code, stderr)) = check(inv) {
                failures.push(format!(
                    "{file}:{}: {}\n  exit {code:?}\n{stderr}",
                    inv.line,
                    inv.display()
                ));
            }
        }
    }
    eprintln!("invocations checked: {}", counts.join(", "));
    assert!(
        failures.is_empty(),
        "{} tool invocations do not parse (run with CI_TOOLS_PARSE_ONLY=1):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        tools_seen.len(),
        TOOLS.len(),
        "every tool is invoked somewhere: {tools_seen:?}"
    );
}

/// The check can fail: the README's invocations with one flag misspelled are refused (exit 2),
/// each naming the flag; and a command line that parses but would fail if run (a missing
/// input file) passes without running.
#[test]
fn a_misspelled_flag_fails_and_nothing_runs() {
    let found = invocations_in("README.md");
    let mut misspelled = 0;
    for inv in &found {
        let Some(i) = inv
            .args
            .iter()
            .position(|a| a.starts_with("--") && a.len() > 2)
        else {
            continue;
        };
        let mut bad = inv.clone();
        let flag = bad.args[i].split('=').next().expect("a flag").to_owned();
        bad.args[i] = bad.args[i].replacen(&flag, &format!("{flag}x"), 1);
        let (code, stderr) = check(&bad).expect_err(&format!(
            "README.md:{}: {} parses with {flag}x",
            inv.line,
            bad.display()
        ));
        assert_eq!(code, Some(2), "{}: {stderr}", bad.display());
        assert!(
            stderr.contains(&format!("unexpected argument '{flag}x'")),
            "{}: {stderr}",
            bad.display()
        );
        misspelled += 1;
    }
    assert!(
        misspelled >= 20,
        "only {misspelled} invocations had a flag to misspell"
    );

    let (code, stderr) = parse(
        "taskdef-clean",
        &[
            "--check".to_owned(),
            "-f".to_owned(),
            "/nonexistent/taskdef.json".to_owned(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "", "parse-only prints nothing");
}
