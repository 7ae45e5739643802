//! The containers' CloudWatch logs on stdout while the task runs, in order, and nothing lost at
//! the end.

use std::io::{BufRead as _, BufReader};
use std::time::Duration;

use serde_json::json;

use crate::fixture::{
    FAMILY, RunningExt as _, hold_running, lines, register, replace, setup, stop_now, task_result,
};

#[test]
fn every_line_arrives_in_order_including_the_last_ones() {
    let env = setup();
    hold_running(&env.moto);
    let mut args = env.run_args();
    // the drain after the stop: long enough for the line the test writes after it
    replace(&mut args, "--log-grace", "3s");
    let mut running = env.spawn(&args, &[]);
    running.collect_stdout();
    let arn = env.wait_for_task(&mut running);
    let id = arn.rsplit('/').next().unwrap().to_owned();

    let mut expected = Vec::new();
    for batch in 0..4 {
        let batch = lines("line", batch * 25..batch * 25 + 25);
        env.put_logs(&arn, "app", &batch);
        expected.extend(batch);
        std::thread::sleep(Duration::from_millis(300));
    }
    // written just before the task stops, then more once the tool has seen it stopped
    // (CloudWatch ingestion lags): only the drain after the stop can read those
    let last = vec!["just before the stop".to_owned()];
    env.put_logs(&arn, "app", &last);
    expected.extend(last);
    stop_now(&env.moto);
    running.wait_for_stderr(&format!("task {id} is STOPPED"));
    let late = vec![
        "ingested after the stop".to_owned(),
        "  indented, with a trailing newline\n".to_owned(),
    ];
    env.put_logs(&arn, "app", &late);
    expected.push(late[0].clone());
    expected.push("  indented, with a trailing newline".to_owned());

    let done = running.finish();
    assert_eq!(done.status.code(), Some(0), "stderr:\n{}", done.stderr);
    let got: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(got, expected);
    assert!(!done.stderr.contains("warning"), "{}", done.stderr);
}

#[test]
fn several_streams_are_prefixed_and_github_actions_fences_them() {
    let env = setup();
    register(&env.moto, FAMILY, &[("app", true), ("worker", false)]);
    task_result(&env.moto, json!({"exitCode": 3}));
    hold_running(&env.moto);
    let mut running = env.spawn(&env.run_args(), &[("GITHUB_ACTIONS", "true")]);
    running.collect_stdout();
    let arn = env.wait_for_task(&mut running);
    let id = arn.rsplit('/').next().unwrap().to_owned();
    env.put_logs(
        &arn,
        "app",
        &[
            "::error::not a real annotation".to_owned(),
            "migrating".to_owned(),
        ],
    );
    env.put_logs(&arn, "worker", &["working".to_owned()]);
    stop_now(&env.moto);
    let done = running.finish();
    assert_eq!(done.status.code(), Some(3), "stderr:\n{}", done.stderr);
    let got: Vec<&str> = done.stdout.lines().collect();
    // the annotation follows the fence on its stream: the runner does not keep the order
    // between stdout and stderr
    assert_eq!(got.len(), 8, "{got:?}");
    assert_eq!(got[0], format!("::group::Logs of task {id} (app, worker)"));
    let token = got[1]
        .strip_prefix("::stop-commands::")
        .expect("a stop-commands fence");
    assert!(token.len() >= 32);
    let mut body = got[2..5].to_vec();
    // streams are read one after the other; within a stream the order holds
    body.sort_by_key(|l| l.starts_with("[worker]"));
    assert_eq!(
        body,
        [
            "[app] ::error::not a real annotation",
            "[app] migrating",
            "[worker] working"
        ]
    );
    assert_eq!(got[5], format!("::{token}::"));
    assert_eq!(got[6], "::endgroup::");
    assert_eq!(
        got[7],
        format!(
            "::error title=ecs-run-wait::task {id}: container app exited with code 3 (EssentialContainerExited: Essential container in task exited)"
        )
    );
    assert!(!done.stderr.contains("::error"), "{}", done.stderr);
    // the annotation alone: the runner shows it in the log, a plain line would repeat it
    assert!(
        !done.stderr.contains("ecs-run-wait: error:"),
        "{}",
        done.stderr
    );
}

#[test]
fn under_github_actions_a_timeout_is_annotated_after_the_fence() {
    let env = setup();
    hold_running(&env.moto);
    let mut args = env.run_args();
    args.extend(["--timeout".into(), "6s".into()]);
    let mut running = env.spawn(&args, &[("GITHUB_ACTIONS", "true")]);
    running.collect_stdout();
    let arn = env.wait_for_task(&mut running);
    let id = arn.rsplit('/').next().unwrap().to_owned();
    env.put_logs(&arn, "app", &["still migrating".to_owned()]);
    let done = running.finish();
    assert_eq!(done.status.code(), Some(124), "stderr:\n{}", done.stderr);
    let got: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(got.len(), 6, "{got:?}");
    assert_eq!(got[0], format!("::group::Logs of task {id} (app)"));
    let token = got[1]
        .strip_prefix("::stop-commands::")
        .expect("a stop-commands fence");
    assert_eq!(got[2], "still migrating");
    assert_eq!(got[3], format!("::{token}::"));
    assert_eq!(got[4], "::endgroup::");
    assert_eq!(
        got[5],
        format!(
            "::error title=ecs-run-wait::--timeout 6s expired before task {id} stopped; the task was stopped (StopTask sent)"
        )
    );
    assert!(!done.stderr.contains("::error"), "{}", done.stderr);
}

#[test]
fn a_reader_that_leaves_does_not_change_the_exit_code() {
    let env = setup();
    task_result(&env.moto, json!({"exitCode": 7}));
    hold_running(&env.moto);
    let mut running = env.spawn(&env.run_args(), &[]);
    let arn = env.wait_for_task(&mut running);
    env.put_logs(&arn, "app", &lines("first", 0..3));
    // like `| head -1`: read one line, then close the pipe
    let mut stdout = BufReader::new(running.take_stdout());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "first 000\n");
    drop(stdout);
    env.put_logs(&arn, "app", &lines("more", 0..50));
    std::thread::sleep(Duration::from_millis(600));
    stop_now(&env.moto);
    let done = running.finish();
    assert_eq!(done.status.code(), Some(7), "stderr:\n{}", done.stderr);
    assert!(
        done.stderr.contains("container app exited with code 7"),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains("cannot write"), "{}", done.stderr);
}

#[test]
fn containers_that_cannot_be_followed_get_a_note() {
    let env = setup();
    env.moto.call(
        "ecs",
        "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition",
        &json!({"family": FAMILY, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                "containerDefinitions": [
                    {"name": "app", "image": "x", "memory": 128,
                     "logConfiguration": {"logDriver": "awsfirelens"}},
                    {"name": "init", "image": "x", "memory": 128, "essential": false,
                     "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/g"}}}]}),
    );
    env.cmd()
        .args(env.run_args())
        .assert()
        .success()
        .stdout("")
        .stderr(predicates::str::contains(
            "ecs-run-wait: container app: logs go to the awsfirelens driver, not CloudWatch Logs; they are not followed\n",
        ))
        .stderr(predicates::str::contains(
            "ecs-run-wait: container init: awslogs without awslogs-stream-prefix",
        ));
}

#[test]
fn a_stream_that_never_appears_is_said_once_when_the_task_has_stopped() {
    let env = setup();
    register(&env.moto, FAMILY, &[("app", true), ("worker", false)]);
    hold_running(&env.moto);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let mut args = env.run_args();
    args.extend([
        "--quiet".into(),
        "--summary".into(),
        summary.display().to_string(),
    ]);
    let mut running = env.spawn(&args, &[]);
    running.collect_stdout();
    let arn = env.wait_for_task(&mut running);
    let id = arn.rsplit('/').next().unwrap().to_owned();
    // only app writes; worker's stream never appears (no logs:CreateLogStream, say)
    env.put_logs(&arn, "app", &["migrating".to_owned()]);
    stop_now(&env.moto);
    let done = running.finish();
    assert_eq!(done.status.code(), Some(0), "stderr:\n{}", done.stderr);
    assert_eq!(done.stdout, "[app] migrating\n");
    assert_eq!(
        done.stderr,
        format!(
            "ecs-run-wait: warning: container worker: no logs: log stream ecs/worker/{id} does not \
             exist in log group /ecs/migrate (region us-east-2) though the task has stopped; check \
             the task definition's log configuration (awslogs-stream-prefix) and that the task's \
             execution role may logs:CreateLogStream and logs:PutLogEvents\n"
        )
    );
    let doc = crate::fixture::read_json(&summary);
    assert_eq!(
        doc["logs"],
        json!([
            {"container": "app", "state": "followed", "group": "/ecs/migrate",
             "stream": format!("ecs/app/{id}"), "region": "us-east-2", "detail": null},
            {"container": "worker", "state": "missing_stream", "group": "/ecs/migrate",
             "stream": format!("ecs/worker/{id}"), "region": "us-east-2",
             "detail": doc["logs"][1]["detail"].clone()}
        ])
    );
    crate::results::assert_snake_case(&doc, "summary");
}

#[test]
fn a_log_group_that_does_not_exist_is_said_with_what_to_check() {
    let env = setup();
    env.moto.call(
        "logs",
        "Logs_20140328.DeleteLogGroup",
        &json!({"logGroupName": "/ecs/migrate"}),
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let assert = env
        .cmd()
        .args(env.run_args())
        .args(["--summary", summary.to_str().unwrap()])
        .assert()
        .success()
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let doc = crate::fixture::read_json(&summary);
    let id = doc["task_arn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let warning = format!(
        "ecs-run-wait: warning: container app: no logs: log group /ecs/migrate does not exist in \
         region us-east-2 (stream ecs/app/{id} was expected there); check the task definition's \
         log configuration (awslogs-group, awslogs-region), or set awslogs-create-group to true \
         (the execution role then needs logs:CreateLogGroup)\n"
    );
    assert!(stderr.contains(&warning), "{stderr}");
    assert_eq!(stderr.matches("no logs:").count(), 1, "once: {stderr}");
    assert_eq!(doc["logs"][0]["state"], "missing_group");
    assert_eq!(doc["logs"][0]["container"], "app");
}
