//! A wrong path or host: the same 4xx again and again is warned about once; `--fail-on`
//! ends the probe at the first answer with one of its statuses.

use serde_json::json;
use test_support::http::{Reply, Server};

use crate::{probe, report, scripted, stderr, stdout};

fn hint(url: &str, status: &str, code: u16) -> String {
    format!(
        "health-probe: warning: {url}: 3 attempts in a row answered {status}: the path or host \
         may be wrong (--fail-on {code} ends the probe at the first such answer)"
    )
}

#[test]
fn the_same_4xx_three_times_in_a_row_is_warned_about_once() {
    let server = Server::start(|_| Reply::text(404, "no such route"));
    let url = server.url("/helth");
    let out = probe()
        .args(["-i", "20ms", "--max-attempts", "6", &url])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    // six attempt lines, the warning after the third, the verdict
    assert_eq!(lines.len(), 8, "{err}");
    for (i, n) in [(0, 1), (1, 2), (2, 3), (4, 4), (5, 5), (6, 6)] {
        assert!(
            lines[i].starts_with(&format!("health-probe: {url}: #{n} 404 Not Found in ")),
            "{err}"
        );
    }
    assert_eq!(lines[3], hint(&url, "404 Not Found", 404));
    assert!(lines[7].starts_with("health-probe: error: "), "{err}");
    assert_eq!(stdout(&out), "");

    // -q keeps the warning (and the error)
    let out = probe()
        .args(["-q", "-i", "20ms", "--max-attempts", "4", &url])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(lines[0], hint(&url, "404 Not Found", 404));
    assert!(lines[1].starts_with("health-probe: error: "), "{err}");
}

#[test]
fn no_warning_for_408_429_changing_statuses_or_interruptions() {
    let cases: [(&str, Vec<Reply>); 4] = [
        ("408", vec![Reply::status(408)]),
        ("429", vec![Reply::status(429)]),
        (
            "404 then 410",
            vec![
                Reply::status(404),
                Reply::status(404),
                Reply::status(410),
                Reply::status(404),
                Reply::status(404),
                Reply::status(503),
            ],
        ),
        ("a 4xx a healthy answer allows", vec![Reply::status(404)]),
    ];
    for (name, replies) in cases {
        let server = scripted(replies);
        let mut cmd = probe();
        cmd.args(["-i", "20ms", "--max-attempts", "6"]);
        if name.starts_with("a 4xx") {
            cmd.args(["-s", "200-299,404", "--healthy-threshold", "5"]);
        }
        let out = cmd.arg(server.url("/")).output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("warning"), "{name}: {err}");
        assert_eq!(server.hits(), if name.starts_with("a 4xx") { 5 } else { 6 });
    }
}

#[test]
fn fail_on_ends_the_probe_at_the_first_such_answer() {
    let server = scripted(vec![
        Reply::text(503, "starting"),
        Reply::text(503, "starting"),
        Reply::text(401, "who are you"),
        Reply::text(200, "ok"),
    ]);
    let url = server.url("/health");
    let out = probe()
        .args([
            "-i",
            "20ms",
            "-t",
            "30s",
            "--json",
            "--fail-on",
            "404,401",
            &url,
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(server.hits(), 3);
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with(&format!(
            "health-probe: error: {url}: gave up: answered 401 (--fail-on 404,401); last: 401 Unauthorized in "
        )) && last.ends_with(": status 401 is not in 200-299; body: \"who are you\""),
        "{err}"
    );
    let r = report(&out);
    assert_eq!(r["outcome"], "gave-up");
    assert_eq!(r["urls"][0]["state"], "gave-up");
    assert_eq!(
        r["urls"][0]["reason"],
        json!("answered 401 (--fail-on 404,401)")
    );
    assert_eq!(r["urls"][0]["last_status"], 401);
}

#[test]
fn fail_on_usage_errors() {
    let server = Server::start(|_| Reply::text(200, "ok"));
    for (args, expected) in [
        (
            vec!["--fail-on", "200,404"],
            "--fail-on 200,404 and --expect-status 200-299 both hold 200",
        ),
        (
            vec!["--fail-on", "4xx"],
            "invalid value '4xx' for '--fail-on <CODES>'",
        ),
        (
            vec!["--fail-on", "404", "tcp://127.0.0.1:9"],
            "--fail-on applies to http:// and https:// URLs",
        ),
    ] {
        let mut cmd = probe();
        cmd.args(&args);
        if !args.iter().any(|a| a.starts_with("tcp://")) {
            cmd.arg(server.url("/"));
        }
        let out = cmd.output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(stdout(&out), "");
    }
    assert_eq!(server.hits(), 0);
}
