//! Credentials that expire mid-run, through `test_support::faults::FaultProxy`, which refuses
//! a key past the expiry its name carries (`ASIAEXP<unix seconds>`) with AWS's
//! `ExpiredTokenException`, as AWS refuses a session token past its `Expiration`.
//!
//! The SDK's identity cache refreshes credentials from a source (here a `credential_process`
//! that hands out a new key valid for 20 s each time it runs) 10 to 15 s before they expire,
//! so a long rollout outlives every key. It does not refresh on an `ExpiredTokenException`
//! (aws-smithy-runtime's lazy identity cache has no such path, and the code is not retried):
//! keys that cannot be refreshed (static ones in the environment) end the run with the code
//! named and what to do.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use test_support::faults::{FaultProxy, Faults};

use crate::fixture::{Breaker, read_json, setup, taskdef};

/// How long each key the `credential_process` hands out is valid.
const KEY_LIFETIME: u64 = 20;

/// An AWS config file whose profile `refresh` gets its keys from a `credential_process`
/// that names each key after its expiry; the number of keys handed out is counted in `runs`.
fn refreshing_profile(dir: &Path) -> std::path::PathBuf {
    let script = dir.join("credentials.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             exp=$(( $(date +%s) + {KEY_LIFETIME} ))\n\
             echo run >> '{runs}'\n\
             printf '{{\"Version\": 1, \"AccessKeyId\": \"ASIAEXP%s\", \"SecretAccessKey\": \"s\", \
             \"SessionToken\": \"t\", \"Expiration\": \"%s\"}}\\n' \"$exp\" \
             \"$(date -u -d @$exp +%Y-%m-%dT%H:%M:%SZ)\"\n",
            runs = dir.join("runs").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile refresh]\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    config
}

#[test]
fn credentials_from_a_source_are_refreshed_so_a_long_rollout_outlives_them() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    // A rollout of 30 s: longer than a key lives.
    env.moto.set_rollout(&json!({"seconds": 30}));
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::none());
    proxy.expire_keys_named("ASIAEXP");
    let dir = tempfile::tempdir().unwrap();
    let config = refreshing_profile(dir.path());
    let summary = dir.path().join("deploy.json");
    let out = env
        .cmd()
        .env("AWS_ENDPOINT_URL", proxy.url())
        .env("AWS_CONFIG_FILE", &config)
        .args(["--profile", "refresh", "--service", "web"])
        .arg("--summary")
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let injected = proxy.injected();
    assert_eq!(out.status.code(), Some(0), "{injected:?}\n{stderr}");
    assert_eq!(read_json(&summary)["services"][0]["verdict"], "deployed");
    // No request was signed with a key past its expiry, and the keys were renewed.
    assert_eq!(injected.of("expired-token"), 0, "{stderr}");
    assert!(injected.keys.len() >= 2, "{:?}", injected.keys);
    let runs = std::fs::read_to_string(dir.path().join("runs")).unwrap();
    assert!(runs.lines().count() >= 2, "{runs}");
}

#[test]
fn static_keys_that_expire_mid_rollout_end_with_the_code_and_what_to_do() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    env.moto.set_rollout(&json!({"seconds": 30}));
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::none());
    proxy.expire_keys_named("ASIAEXP");
    // Keys in the environment, as configure-aws-credentials exports them: they expire in 6 s.
    let expiry = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 6;
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    let out = env
        .cmd()
        .env("AWS_ENDPOINT_URL", proxy.url())
        .env("AWS_ACCESS_KEY_ID", format!("ASIAEXP{expiry}"))
        .env("AWS_SESSION_TOKEN", "t")
        .args(["--service", "web", "--summary"])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .timeout(Duration::from_mins(1))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Updated, then the follow stopped: not known to be healthy (3), the rollout left to ECS.
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "ExpiredTokenException: The security token included in the request is expired"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "get fresh credentials and run the \
             same command again"
        ),
        "{stderr}"
    );
    let s = read_json(&summary);
    assert_eq!(s["exit_code"], 3);
    assert!(
        s["services"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("ExpiredTokenException"),
        "{s}"
    );
    assert!(proxy.injected().of("expired-token") >= 1);
}
