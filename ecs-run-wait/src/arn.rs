//! Task ARNs: `arn:PARTITION:ecs:REGION:ACCOUNT:task/CLUSTER/ID` (or the old `task/ID`).

/// A task named by `--attach`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRef {
    /// What DescribeTasks is asked for: the ARN, or the bare ID.
    pub task: String,
    pub region: Option<String>,
    pub cluster: Option<String>,
}

/// Parse a task ARN or a bare task ID. The partition and region are lowercase words, the
/// cluster an ECS name and the ID letters, digits and hyphens (ECS's are 32 hexadecimal
/// digits): anything else is refused here, so that no control character reaches a message
/// and no region the SDK would refuse late gets that far.
pub fn parse_task(s: &str) -> Result<TaskRef, String> {
    let s = s.trim();
    if !s.starts_with("arn:") {
        if !is_id(s) {
            return Err(format!(
                "{s:?} is neither a task ARN (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID) nor a task ID"
            ));
        }
        return Ok(TaskRef {
            task: s.to_owned(),
            region: None,
            cluster: None,
        });
    }
    let bad =
        || format!("{s:?} is not an ECS task ARN (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID)");
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [_, partition, service, region, _, resource] = parts.as_slice() else {
        return Err(bad());
    };
    if *service != "ecs" || !is_word(partition) || !is_word(region) {
        return Err(bad());
    }
    let path: Vec<&str> = resource.split('/').collect();
    let cluster = match path.as_slice() {
        ["task", cluster, id] if is_cluster(cluster) && is_id(id) => Some((*cluster).to_owned()),
        ["task", id] if is_id(id) => None,
        _ => return Err(bad()),
    };
    Ok(TaskRef {
        task: s.to_owned(),
        region: Some((*region).to_owned()),
        cluster,
    })
}

/// A partition or a region: lowercase letters, digits and hyphens.
fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A cluster name: 1 to 255 letters, digits, hyphens and underscores (ECS's rule).
fn is_cluster(s: &str) -> bool {
    (1..=255).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A task ID: letters, digits and hyphens (32 hexadecimal digits from ECS, a UUID from
/// older tasks and emulators).
fn is_id(s: &str) -> bool {
    (1..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The ARN of the cluster a task ARN of the long form names
/// (`arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID` gives `arn:aws:ecs:REGION:ACCOUNT:cluster/CLUSTER`).
pub fn cluster_arn(task: &TaskRef) -> Option<String> {
    let cluster = task.cluster.as_deref()?;
    let prefix = task
        .task
        .strip_suffix(task_id(&task.task))?
        .strip_suffix(&format!("task/{cluster}/"))?;
    Some(format!("{prefix}cluster/{cluster}"))
}

/// The task ID: the last part of its ARN.
pub fn task_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_short_and_bare() {
        let t = parse_task("arn:aws:ecs:eu-west-1:123456789012:task/prod/0123abcd").unwrap();
        assert_eq!(t.region.as_deref(), Some("eu-west-1"));
        assert_eq!(t.cluster.as_deref(), Some("prod"));
        assert_eq!(task_id(&t.task), "0123abcd");
        assert_eq!(
            cluster_arn(&t).as_deref(),
            Some("arn:aws:ecs:eu-west-1:123456789012:cluster/prod")
        );
        let t = parse_task("arn:aws-cn:ecs:cn-north-1:1:task/0123abcd").unwrap();
        assert_eq!(t.cluster, None);
        assert_eq!(cluster_arn(&t), None);
        assert_eq!(t.region.as_deref(), Some("cn-north-1"));
        let t = parse_task(" 0123abcd\n").unwrap();
        assert_eq!(cluster_arn(&t), None);
        assert_eq!((t.task.as_str(), t.region), ("0123abcd", None));
    }

    #[test]
    fn rejects_other_things() {
        for s in [
            "",
            "arn:aws:ecs:us-east-2:1:service/c/web",
            "arn:aws:s3:::bucket",
            "arn:aws:ecs::1:task/c/id",
            "task/c/id",
            "two words",
            "arn:aws:ecs:us-east-2:1:task/c/",
        ] {
            assert!(parse_task(s).is_err(), "{s}");
        }
    }

    /// Found by the fuzz target `ecs_arn`: an account holding `:task/` gave a cluster ARN
    /// cut at the first one; a region the SDK refuses only when it builds the request; control
    /// characters in an ID or a cluster name, printed as they are.
    #[test]
    fn fuzz_found_only_names_and_ids_pass_and_the_cluster_arn_keeps_the_account() {
        let t = parse_task("arn:aws:ecs:us-east-1:task/x:task/c/abc").unwrap();
        assert_eq!(
            cluster_arn(&t).as_deref(),
            Some("arn:aws:ecs:us-east-1:task/x:cluster/c")
        );
        for s in [
            "arn:aws:ecs:ecs2:task/}prod/02ab2:task/}\"\0\0\0prod/02abcd",
            "arn:aws:ecs:x@127.0.0.1#:123456789012:task/c/abc",
            "arn:aws:ecs:US-EAST-1:123456789012:task/c/abc",
            "arn:a b:ecs:us-east-1:123456789012:task/c/abc",
            "arn:aws:ecs:us-east-1:123456789012:task/c\u{7}/abc",
            "arn:aws:ecs:us-east-1:123456789012:task/c/ab\u{1b}[31mc",
            "\u{1b}[31m0123",
            "01\u{85}23",
        ] {
            let err = parse_task(s).unwrap_err();
            assert!(!err.chars().any(char::is_control), "{err:?}");
        }
        let moto =
            "arn:aws:ecs:us-east-1:123456789012:task/ci/6d0f3b4e-9a1c-4a57-b7a2-1c9d2f0e8b11";
        assert_eq!(task_id(&parse_task(moto).unwrap().task).len(), 36);
    }

    #[test]
    fn ids() {
        assert_eq!(task_id("arn:aws:ecs:r:1:task/c/abc"), "abc");
        assert_eq!(task_id("abc"), "abc");
    }
}
