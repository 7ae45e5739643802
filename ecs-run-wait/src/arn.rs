//! Task ARNs: `arn:PARTITION:ecs:REGION:ACCOUNT:task/CLUSTER/ID` (or the old `task/ID`).

/// A task named by `--attach`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRef {
    /// What DescribeTasks is asked for: the ARN, or the bare ID.
    pub task: String,
    pub region: Option<String>,
    pub cluster: Option<String>,
}

/// Parse a task ARN or a bare task ID.
pub fn parse_task(s: &str) -> Result<TaskRef, String> {
    let s = s.trim();
    if !s.starts_with("arn:") {
        if s.is_empty() || s.contains(['/', ':']) || s.chars().any(char::is_whitespace) {
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
    let [_, _, service, region, _, resource] = parts.as_slice() else {
        return Err(bad());
    };
    if *service != "ecs" || region.is_empty() {
        return Err(bad());
    }
    let path: Vec<&str> = resource.split('/').collect();
    let cluster = match path.as_slice() {
        ["task", cluster, id] if !cluster.is_empty() && !id.is_empty() => {
            Some((*cluster).to_owned())
        }
        ["task", id] if !id.is_empty() => None,
        _ => return Err(bad()),
    };
    Ok(TaskRef {
        task: s.to_owned(),
        region: Some((*region).to_owned()),
        cluster,
    })
}

/// The ARN of the cluster a task ARN of the long form names
/// (`arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID` gives `arn:aws:ecs:REGION:ACCOUNT:cluster/CLUSTER`).
pub fn cluster_arn(task: &TaskRef) -> Option<String> {
    let cluster = task.cluster.as_deref()?;
    let (prefix, _) = task.task.split_once(":task/")?;
    Some(format!("{prefix}:cluster/{cluster}"))
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

    #[test]
    fn ids() {
        assert_eq!(task_id("arn:aws:ecs:r:1:task/c/abc"), "abc");
        assert_eq!(task_id("abc"), "abc");
    }
}
