//! Under GitHub Actions, the run's report appended to `$GITHUB_STEP_SUMMARY`: per URL its
//! verdict, attempts, time to healthy, latency and last status or error.

use test_support::http::{Reply, Server};
use test_support::step_summary::StepSummary;

use crate::{healthy_after, probe, stderr};

#[test]
fn a_healthy_run_reports_each_url() {
    let server = healthy_after(2);
    let url = server.url("/health");
    let s = StepSummary::new();
    let out = s
        .env(&mut probe())
        .args(["-i", "50ms", "-t", "30s", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = s.report();
    assert!(
        md.starts_with("## health-probe: healthy\n\n1 of 1 healthy after "),
        "{md}"
    );
    assert!(
        md.contains(
            "| URL | Verdict | Attempts | Time to healthy | Latency (last / median) | Last status or error |\n\
             |---|---|---|---|---|---|\n"
        ),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with(&format!("| `{url}` | healthy | 3 | ")))
        .unwrap_or_else(|| panic!("no row for {url}:\n{md}"));
    assert!(row.ends_with(" ms | HTTP 200 |"), "{row}");
}

#[test]
fn a_failed_run_says_why_and_hostile_text_is_escaped() {
    let server = Server::start(|_| Reply::text(200, "<script>alert(1)</script> | ```"));
    let url = server.url("/");
    let s = StepSummary::new();
    let out = s
        .env(&mut probe())
        .args(["-i", "50ms", "--max-attempts", "2"])
        .args(["--expect-body", "<script>|```x"])
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = s.report();
    assert!(
        md.starts_with("## health-probe: gave up\n\n0 of 1 healthy after "),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with(&format!("| `{url}` | **gave up** | 2 |  | ")))
        .unwrap_or_else(|| panic!("no row for {url}:\n{md}"));
    assert!(row.contains("HTTP 200"), "{row}");
    assert!(row.contains("&lt;script&gt;\\|\\`\\`\\`x"), "{row}");
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.contains("```"), "{md}");
    assert_eq!(row.replace("\\|", "").matches('|').count(), 7, "{row}");
}

#[test]
fn nothing_without_github_actions_nor_for_usage_errors() {
    let server = healthy_after(0);
    let s = StepSummary::new();
    probe()
        .env("GITHUB_STEP_SUMMARY", &s.path)
        .arg(server.url("/"))
        .assert()
        .code(0);
    assert!(s.untouched());
    s.env(&mut probe())
        .args(["--interval", "5", &server.url("/")])
        .assert()
        .code(2);
    assert!(s.untouched());
}
