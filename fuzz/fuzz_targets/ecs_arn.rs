//! ARNs and names from the command line: ecs-run-wait's task references (`--attach`:
//! `arn::parse_task`, `cluster_arn`, `task_id`) and ecs-deploy's ECS ARNs and names
//! (`--cluster`, `--service`, `--task-definition`, `--to`: `arn::parse`, `check_name`,
//! `task_definition_region`).
//!
//! The input is the text.
//!
//! What must hold, besides no panic:
//! - a task reference names the task as given (trimmed); an ARN has a region and, in its
//!   long form, a cluster whose ARN is the task ARN's prefix with `cluster/CLUSTER`, and a
//!   task ID that is the last part; a bare ID has no `/`, `:` or whitespace;
//! - an ECS ARN has a partition and region of lowercase letters, digits and hyphens, a
//!   12-digit account and a resource, and prints back as its text;
//! - a `--cluster`/`--service` value is accepted only as a name (1 to 255 letters, digits,
//!   `-`, `_`) or an ARN of that kind whose region is returned; a refusal is a usage error
//!   (exit 2) that shows the value escaped, never with a control character.

#![no_main]

use ecs_deploy::arn::{self, Kind, check_name, is_name, task_definition_region};
use ecs_run_wait::arn::{cluster_arn, parse_task, task_id};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    task_ref(text);
    ecs_arn(text);
});

fn task_ref(text: &str) {
    let Ok(task) = parse_task(text) else {
        return;
    };
    assert_eq!(task.task, text.trim());
    let id = task_id(&task.task);
    assert!(!id.is_empty(), "{text:?}");
    if task.task.starts_with("arn:") {
        let region = task.region.as_deref().expect("an ARN has a region");
        assert!(!region.is_empty());
        assert!(task.task.ends_with(&format!("/{id}")));
        match (&task.cluster, cluster_arn(&task)) {
            (Some(cluster), Some(cluster_arn)) => {
                assert!(!cluster.is_empty());
                assert!(cluster_arn.ends_with(&format!(":cluster/{cluster}")));
                let prefix = cluster_arn
                    .strip_suffix(&format!("cluster/{cluster}"))
                    .unwrap();
                assert!(task.task.starts_with(&format!("{prefix}task/{cluster}/")));
            }
            (None, None) => {}
            other => panic!("cluster and its ARN disagree: {other:?} for {text:?}"),
        }
    } else {
        assert_eq!(id, task.task);
        assert!(!id.contains(['/', ':']) && !id.chars().any(char::is_whitespace));
        assert_eq!((task.region, task.cluster), (None, None));
    }
}

fn ecs_arn(text: &str) {
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if let Some(parsed) = arn::parse(text) {
        assert!(word(parsed.region), "{text:?}");
        assert!(!parsed.resource.is_empty());
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        assert!(word(parts[1]));
        assert!(parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(
            format!(
                "arn:{}:ecs:{}:{}:{}",
                parts[1], parsed.region, parts[4], parsed.resource
            ),
            text
        );
    }
    if let Some(region) = task_definition_region(text) {
        let parsed = arn::parse(text).expect("a task definition ARN is an ARN");
        assert_eq!(region, parsed.region);
        assert!(parsed.resource.starts_with("task-definition/"));
    }
    for (flag, kind, prefix, parts) in [
        ("--cluster", Kind::Cluster, "cluster/", 1),
        ("--service", Kind::Service, "service/", 2),
    ] {
        match check_name(flag, kind, text) {
            Ok(None) => assert!(is_name(text), "{text:?}"),
            Ok(Some(region)) => {
                let parsed = arn::parse(text).expect("an ARN");
                assert_eq!(region, parsed.region);
                let rest = parsed.resource.strip_prefix(prefix).expect("of its kind");
                let names: Vec<&str> = rest.split('/').collect();
                assert!(names.len() <= parts && names.iter().all(|n| is_name(n)));
            }
            Err(e) => {
                assert_eq!(cli_support::report::code_for(&e, 1), 2);
                let message = format!("{e:#}");
                assert!(!message.chars().any(char::is_control), "{message:?}");
            }
        }
    }
}
