//! Which exit code a stopped task gives, and how to explain a task that gave none.

use aws_sdk_ecs::types::Task;

/// What a stopped container reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerResult {
    pub name: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

/// What a stopped task reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    pub containers: Vec<ContainerResult>,
}

pub const FAILED_TO_START: &str = "TaskFailedToStart";

impl Ended {
    pub fn from_task(task: &Task) -> Ended {
        let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
        Ended {
            stop_code: task.stop_code().map(|c| c.as_str().to_owned()),
            stopped_reason: text(task.stopped_reason()),
            containers: task
                .containers()
                .iter()
                .map(|c| ContainerResult {
                    name: c.name().unwrap_or_default().to_owned(),
                    exit_code: c.exit_code(),
                    reason: text(c.reason()),
                })
                .collect(),
        }
    }

    fn container(&self, name: &str) -> Option<&ContainerResult> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// `stopCode: stoppedReason`, as far as they are known.
    pub fn stop_line(&self) -> String {
        match (&self.stop_code, &self.stopped_reason) {
            (Some(code), Some(reason)) => format!("{code}: {reason}"),
            (Some(code), None) => code.clone(),
            (None, Some(reason)) => reason.clone(),
            (None, None) => "no stop code or reason given".to_owned(),
        }
    }

    /// One line per container: its exit code (or that it has none) and its reason.
    pub fn container_lines(&self) -> Vec<String> {
        self.containers
            .iter()
            .map(|c| {
                let code = match c.exit_code {
                    Some(n) => format!("exit code {n}"),
                    None => "no exit code".to_owned(),
                };
                match &c.reason {
                    Some(r) => format!("container {}: {code}: {r}", c.name),
                    None => format!("container {}: {code}", c.name),
                }
            })
            .collect()
    }
}

/// The exit code a stopped task gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `who` (`container NAME`, or every essential container) exited with `code`.
    Exit { code: u8, who: String },
    /// No exit code to pass on (exit 125): why.
    NoExitCode(String),
}

/// `selected` (`--container`) decides; else the single essential container; else the first
/// non-zero one among the essential containers (in task-definition order), 0 when all of them
/// exited 0. `essential` comes from the task definition.
pub fn decide(stopped: &Ended, essential: &[String], selected: Option<&str>) -> Verdict {
    if stopped.stop_code.as_deref() == Some(FAILED_TO_START) {
        return Verdict::NoExitCode("the task failed to start".to_owned());
    }
    let one = |name: &str| -> Verdict {
        match stopped.container(name) {
            None => {
                Verdict::NoExitCode(format!("the stopped task does not report container {name}"))
            }
            Some(ContainerResult {
                exit_code: None, ..
            }) => Verdict::NoExitCode(format!(
                "container {name} has no exit code (it did not run to completion)"
            )),
            Some(ContainerResult {
                exit_code: Some(code),
                ..
            }) => match u8::try_from(*code) {
                Ok(code) => Verdict::Exit {
                    code,
                    who: format!("container {name}"),
                },
                Err(_) => Verdict::NoExitCode(format!(
                    "container {name} exited with {code}, which is not an exit status (0-255)"
                )),
            },
        }
    };
    if let Some(name) = selected {
        return one(name);
    }
    let candidates: Vec<String> = if essential.is_empty() {
        stopped.containers.iter().map(|c| c.name.clone()).collect()
    } else {
        essential.to_vec()
    };
    if let [only] = candidates.as_slice() {
        return one(only);
    }
    let verdicts: Vec<Verdict> = candidates.iter().map(|n| one(n)).collect();
    if let Some(v) = verdicts
        .iter()
        .find(|v| matches!(v, Verdict::Exit { code, .. } if *code != 0))
    {
        return v.clone();
    }
    if let Some(v) = verdicts
        .iter()
        .find(|v| matches!(v, Verdict::NoExitCode(_)))
    {
        return v.clone();
    }
    if verdicts.is_empty() {
        return Verdict::NoExitCode("the stopped task reports no containers".to_owned());
    }
    Verdict::Exit {
        code: 0,
        who: format!("every essential container ({})", candidates.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, code: Option<i32>, reason: Option<&str>) -> ContainerResult {
        ContainerResult {
            name: name.into(),
            exit_code: code,
            reason: reason.map(Into::into),
        }
    }

    fn stopped(code: &str, containers: Vec<ContainerResult>) -> Ended {
        Ended {
            stop_code: Some(code.into()),
            stopped_reason: Some("Essential container in task exited".into()),
            containers,
        }
    }

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn single_essential_container() {
        let s = stopped(
            "EssentialContainerExited",
            vec![c("app", Some(3), None), c("log-router", Some(0), None)],
        );
        assert_eq!(
            decide(&s, &names(&["app"]), None),
            Verdict::Exit {
                code: 3,
                who: "container app".into()
            }
        );
        // --container wins
        assert_eq!(
            decide(&s, &names(&["app"]), Some("log-router")),
            Verdict::Exit {
                code: 0,
                who: "container log-router".into()
            }
        );
    }

    #[test]
    fn first_non_zero_essential() {
        let s = stopped(
            "EssentialContainerExited",
            vec![
                c("a", Some(0), None),
                c("b", Some(137), Some("OutOfMemoryError")),
                c("x", Some(9), None),
            ],
        );
        assert_eq!(
            decide(&s, &names(&["a", "b"]), None),
            Verdict::Exit {
                code: 137,
                who: "container b".into()
            }
        );
        let ok = stopped(
            "EssentialContainerExited",
            vec![c("a", Some(0), None), c("b", Some(0), None)],
        );
        assert!(matches!(
            decide(&ok, &names(&["a", "b"]), None),
            Verdict::Exit { code: 0, .. }
        ));
        let missing = stopped(
            "EssentialContainerExited",
            vec![c("a", Some(0), None), c("b", None, None)],
        );
        assert_eq!(
            decide(&missing, &names(&["a", "b"]), None),
            Verdict::NoExitCode(
                "container b has no exit code (it did not run to completion)".into()
            )
        );
    }

    #[test]
    fn no_exit_code() {
        let s = Ended {
            stop_code: Some(FAILED_TO_START.into()),
            stopped_reason: Some("CannotPullContainerError: pull access denied".into()),
            containers: vec![c("app", None, Some("CannotPullContainerError: not found"))],
        };
        assert_eq!(
            decide(&s, &names(&["app"]), None),
            Verdict::NoExitCode("the task failed to start".into())
        );
        assert_eq!(
            s.stop_line(),
            "TaskFailedToStart: CannotPullContainerError: pull access denied"
        );
        assert_eq!(
            s.container_lines(),
            ["container app: no exit code: CannotPullContainerError: not found"]
        );
        // a container missing from the task, and codes that are no exit status
        let s = stopped("EssentialContainerExited", vec![c("app", Some(-1), None)]);
        assert!(
            matches!(decide(&s, &names(&["app"]), Some("web")), Verdict::NoExitCode(m) if m.contains("does not report container web"))
        );
        assert!(
            matches!(decide(&s, &names(&["app"]), None), Verdict::NoExitCode(m) if m.contains("not an exit status"))
        );
    }
}
