//! taskdef-clean's edits and its model check: the edit flags (`--image [NAME=]URI`,
//! `--env`/`--secret NAME:KEY=VALUE`, `--unset-env`/`--unset-secret NAME:KEY`, `--family`,
//! `--cpu`, `--memory`, `--task-role-arn`, `--execution-role-arn`, `--drop`, `--strict`) as
//! `edit` parses them, applied to any task definition by `pipeline::process` (clean, edit,
//! check against the ECS model and ECS's own rules).
//!
//! The input is one flag a line (`image=SPEC`, `env=SPEC`, `secret=SPEC`, `unset-env=SPEC`,
//! `unset-secret=SPEC`, `family=NAME`, `cpu=TEXT`, `memory=TEXT`, `task-role=ARN`,
//! `execution-role=ARN`, `drop=KEY`, `strict`), a NUL byte, then the JSON document.
//!
//! What must hold, besides no panic:
//! - a refused `--env`/`--secret` never quotes its value, and `--family` is accepted only
//!   as 1 to 255 letters, digits, `-` and `_`;
//! - there is an output exactly when no problem is an error; the output is register-ready:
//!   processed again without edits it has no error and stays the same;
//! - every edit is in the output: a named container has its `--image`, a variable set
//!   once (and not unset) is there once with its value;
//! - no problem's message quotes an `--env` value (4 characters or more) that is nowhere
//!   else in the input or the flags, unless the same message comes with a stand-in for
//!   every value (it is then made of other words).

#![no_main]

use std::str::FromStr;

use cli_support::input::{Source, parse_json};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use taskdef_clean::edit::{
    ContainerKey, ContainerKeyValue, Edits, ImageEdit, parse_family, repeated_image,
};
use taskdef_clean::pipeline::{Options, process};

fuzz_target!(|data: &[u8]| {
    let (flags, json) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"{}"[..]),
    };
    let Ok(flags) = std::str::from_utf8(flags) else {
        return;
    };
    let Some((edits, strict, drop)) = edits(flags) else {
        return;
    };
    let Ok(input) = parse_json(json, &Source::Stdin) else {
        return;
    };
    let options = Options {
        strict,
        drop: &drop,
        edits: edits.clone(),
        ..Options::default()
    };
    let outcome = process(input.clone(), &options);
    assert_eq!(
        outcome.output.is_some(),
        outcome.errors() == 0,
        "{:?}",
        outcome.problems
    );

    // No --env value is quoted, unless the same text is elsewhere, or the message comes out
    // of the same run with a stand-in for every value too (it is then made of other words:
    // "is not a CPUArchitecture value the ECS model knows" holds the value `value`).
    let mut standins = edits.clone();
    for edit in &mut standins.env {
        edit.value = "\u{1F511}".repeat(edit.value.len().div_ceil(4));
    }
    let standin_messages: Vec<String> = process(
        input,
        &Options {
            strict,
            drop: &drop,
            edits: standins,
            ..Options::default()
        },
    )
    .problems
    .iter()
    .map(ToString::to_string)
    .collect();
    let text = String::from_utf8_lossy(json);
    for edit in &edits.env {
        let value = edit.value.as_str();
        let elsewhere = text.contains(value)
            || flags.lines().any(|l| {
                // The spec's container and name (all of it but `=VALUE`) may hold the text.
                l.strip_prefix("env=")
                    .and_then(|spec| spec.strip_suffix(value))
                    .map_or(l, |before| before)
                    .contains(value)
            });
        if value.chars().count() < 4 || elsewhere {
            continue;
        }
        for p in &outcome.problems {
            let message = p.to_string();
            assert!(
                !message.contains(value) || standin_messages.contains(&message),
                "{value:?} in: {p}"
            );
        }
    }

    let Some(output) = outcome.output else {
        return;
    };
    let again = process(
        output.clone(),
        &Options {
            strict,
            ..Options::default()
        },
    );
    assert_eq!(again.errors(), 0, "{:?}", again.problems);
    assert_eq!(again.output.as_ref(), Some(&output));

    let containers = output["containerDefinitions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let named = |name: &str| containers.iter().find(|c| c["name"] == name);
    for image in &edits.images {
        if let Some(name) = &image.container {
            let c = named(name).expect("an edited container is there");
            assert_eq!(c["image"], image.uri.as_str());
        }
    }
    for (list, sets, unsets, member) in [
        ("environment", &edits.env, &edits.unset_env, "value"),
        ("secrets", &edits.secrets, &edits.unset_secrets, "valueFrom"),
    ] {
        for edit in sets {
            let same = |c: &str, k: &str| c == edit.container && k == edit.key;
            if sets.iter().filter(|e| same(&e.container, &e.key)).count() > 1
                || unsets.iter().any(|u| same(&u.container, &u.key))
            {
                continue;
            }
            let c = named(&edit.container).expect("an edited container is there");
            let entries: Vec<&Value> = c[list]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter(|e| e["name"] == edit.key.as_str())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(entries.len(), 1, "{list} {} in {c}", edit.key);
            assert_eq!(entries[0][member], edit.value.as_str());
        }
    }
});

/// The edits the flags give, or `None` when one is refused (a usage error).
fn edits(flags: &str) -> Option<(Edits, bool, Vec<String>)> {
    let mut edits = Edits::default();
    let (mut strict, mut drop) = (false, Vec::new());
    for line in flags.lines() {
        if line == "strict" {
            strict = true;
            continue;
        }
        let (flag, spec) = line.split_once('=')?;
        match flag {
            "image" => edits.images.push(ImageEdit::from_str(spec).ok()?),
            "env" | "secret" => {
                let edit = match ContainerKeyValue::from_str(spec) {
                    Ok(edit) => edit,
                    Err(e) => {
                        // The value: after the first ':' and then the first '='; the
                        // message's own words (`e.g. app:LOG_LEVEL=debug`) are no leak.
                        if let Some((container, rest)) = spec.split_once(':')
                            && let Some((key, value)) = rest.split_once('=')
                            && value.chars().count() >= 4
                            && !container.contains(value)
                        {
                            let other =
                                ContainerKeyValue::from_str(&format!("{container}:{key}=\u{1}"))
                                    .err()
                                    .unwrap_or_default();
                            assert!(!e.contains(value) || other.contains(value), "{e}");
                        }
                        return None;
                    }
                };
                if flag == "env" {
                    edits.env.push(edit);
                } else {
                    edits.secrets.push(edit);
                }
            }
            "unset-env" => edits.unset_env.push(ContainerKey::from_str(spec).ok()?),
            "unset-secret" => edits.unset_secrets.push(ContainerKey::from_str(spec).ok()?),
            "family" => {
                let ok = parse_family(spec).is_ok();
                let rule = (1..=255).contains(&spec.len())
                    && spec
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                assert_eq!(ok, rule, "--family {spec:?}");
                edits.family = Some(parse_family(spec).ok()?);
            }
            "cpu" => edits.cpu = Some(spec.to_owned()),
            "memory" => edits.memory = Some(spec.to_owned()),
            "task-role" => edits.task_role_arn = Some(spec.to_owned()),
            "execution-role" => edits.execution_role_arn = Some(spec.to_owned()),
            "drop" => drop.push(spec.to_owned()),
            _ => return None,
        }
    }
    repeated_image(&edits.images).ok()?;
    Some((edits, strict, drop))
}
