//! The README's examples are what the demo stage runs (scripts/demo.d/25-ecs-deploy.sh,
//! against the emulator, with IMAGE and REVISION set by the stage): commands given to its
//! `run_shown`, which prints them and runs exactly that text. The check is
//! test_support::docs's (the exit-code table's is in usage.rs).

#[test]
fn the_demo_runs_every_readme_example() {
    let examples = test_support::docs::assert_demo_runs_readme_examples(
        env!("CARGO_MANIFEST_DIR"),
        "25-ecs-deploy.sh",
    );
    assert_eq!(examples.len(), 5, "{examples:?}");
}
