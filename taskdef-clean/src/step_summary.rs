//! `--check` under GitHub Actions: a Markdown report appended to `$GITHUB_STEP_SUMMARY`
//! (`cli_support::gha::summary`): the problems (severity, path, container, message) or
//! "register-ready"; an error that stopped the check (bad JSON) in one line. Every text from
//! the input (paths, names, messages quoting values) is escaped for Markdown and HTML.

use std::fmt::Write as _;

use cli_support::gha::summary::{self, Table, code, text};
use ecs_taskdef::problem::{Problem, Severity};

/// The problems found in `source` (`strict`: warnings fail too).
pub fn check(source: &str, problems: &[Problem], strict: bool) {
    summary::append(|| markdown(source, problems, strict));
}

/// The check could not be made.
pub fn failed(source: Option<&str>, err: &anyhow::Error) {
    summary::append(|| {
        let on = source.map_or_else(String::new, |s| format!(" of {}", code(s)));
        format!(
            "## taskdef-clean --check{on}: error\n\n{}\n\n",
            text(&format!("{err:#}"))
        )
    });
}

fn markdown(source: &str, problems: &[Problem], strict: bool) -> String {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    let verdict = match (errors, warnings) {
        (0, 0) => "register-ready".to_owned(),
        (0, w) if !strict => format!("register-ready, {}", count(w, "warning")),
        (e, w) => {
            let mut parts = Vec::new();
            if e > 0 {
                parts.push(count(e, "error"));
            }
            if w > 0 {
                parts.push(count(w, "warning"));
            }
            format!("not register-ready, {}", parts.join(", "))
        }
    };
    let mut md = format!(
        "## taskdef-clean --check of {}: {verdict}\n\n",
        code(source)
    );
    if strict {
        md.push_str("With `--strict`: warnings fail the check.\n\n");
    }
    if problems.is_empty() {
        return md;
    }
    let mut table = Table::new(&["Severity", "Path", "Container", "Message"]);
    for p in problems {
        let (path, container) = split_location(p.location.as_deref());
        table.row([
            match p.severity {
                Severity::Error => "**error**".to_owned(),
                Severity::Warning => "warning".to_owned(),
            },
            path.map_or_else(String::new, code),
            container.as_deref().map_or_else(String::new, text),
            text(&p.message),
        ]);
    }
    let _ = write!(md, "{}", table.render());
    md
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// A problem's location, `PATH (container "NAME")`, as the path and the container's name.
fn split_location(location: Option<&str>) -> (Option<&str>, Option<String>) {
    let Some(location) = location else {
        return (None, None);
    };
    match location
        .rfind(" (container \"")
        .filter(|_| location.ends_with("\")"))
    {
        Some(at) => {
            let quoted = &location[at + " (container ".len()..location.len() - 1];
            // The name is written as Rust writes a string (`{:?}`): JSON reads most of it.
            let name = serde_json::from_str::<String>(quoted)
                .unwrap_or_else(|_| quoted[1..quoted.len() - 1].to_owned());
            (Some(&location[..at]), Some(name))
        }
        None => (Some(location), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_split_into_path_and_container() {
        assert_eq!(split_location(None), (None, None));
        assert_eq!(split_location(Some(".cpu")), (Some(".cpu"), None));
        assert_eq!(
            split_location(Some(
                ".containerDefinitions[0].image (container \"a\\\"b|c\")"
            )),
            (
                Some(".containerDefinitions[0].image"),
                Some("a\"b|c".to_owned())
            )
        );
    }

    #[test]
    fn the_verdict_counts_errors_and_warnings() {
        let w = Problem::warning(".x".into(), "odd <b>");
        let e = Problem::error(None, "bad | value");
        let md = markdown("td.json", std::slice::from_ref(&w), false);
        assert!(
            md.starts_with("## taskdef-clean --check of `td.json`: register-ready, 1 warning\n"),
            "{md}"
        );
        assert!(
            md.contains("| warning | `.x` |  | odd &lt;b&gt; |\n"),
            "{md}"
        );
        let md = markdown("td.json", std::slice::from_ref(&w), true);
        assert!(md.contains(": not register-ready, 1 warning\n"), "{md}");
        let md = markdown("td.json", &[e, w], false);
        assert!(
            md.contains(": not register-ready, 1 error, 1 warning\n"),
            "{md}"
        );
        assert!(md.contains("| **error** |  |  | bad \\| value |\n"), "{md}");
        assert_eq!(
            markdown("<stdin>", &[], false),
            "## taskdef-clean --check of `<stdin>`: register-ready\n\n"
        );
    }
}
