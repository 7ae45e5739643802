//! The model and the SDK mapping are generated from the botocore pinned in the emulator's
//! requirements: the committed files must be what the generator writes now
//! (`ecs-taskdef/codegen/gen_ecs_register.py --check`).

use std::process::Command;

use test_support::CommandExt as _;

#[test]
fn generated_ecs_code_is_up_to_date() {
    let root = test_support::workspace_root();
    let out = Command::new(test_support::moto::venv_bin("python"))
        .arg(root.join("ecs-taskdef/codegen/gen_ecs_register.py"))
        .arg("--check")
        .scrub_env()
        .output()
        .expect("cannot run the generator");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
