//! `ecs_taskdef::clean`: any bytes, read as the tools read JSON (`cli_support::input::parse_json`:
//! depth limit, BOM, empty input), then cleaned as taskdef-clean cleans (`register_input`, and
//! `clean_input` + `clean_again` with `--drop`/`--strict`).
//!
//! What must hold, besides no panic:
//! - a cleaned task definition is register-ready: no read-only member, no `null` anywhere, no
//!   empty tag list;
//! - cleaning it again changes nothing (idempotence, as `clean.rs` states), when it is a task
//!   definition and not an answer in disguise (see `is_answer`);
//! - an error lists at least one problem, and every problem prints.

#![no_main]

use cli_support::input::{Source, parse_json};
use ecs_taskdef::clean::{clean_again, clean_input, register_input};
use ecs_taskdef::model;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = parse_json(data, &Source::Stdin) else {
        return;
    };
    match register_input(input.clone()) {
        Ok(cleaned) => {
            let taskdef = cleaned.as_object().expect("a task definition is an object");
            for key in model::READ_ONLY {
                assert!(!taskdef.contains_key(*key), "read-only {key} kept");
            }
            assert!(!has_null(&cleaned), "a null kept: {cleaned}");
            assert!(
                taskdef
                    .get("tags")
                    .and_then(Value::as_array)
                    .is_none_or(|t| !t.is_empty()),
                "an empty tag list kept"
            );
            assert!(
                taskdef
                    .get("containerDefinitions")
                    .is_some_and(|c| !c.is_null())
            );
            if !is_answer(&cleaned) {
                let again = register_input(cleaned.clone());
                assert_eq!(again.as_ref(), Ok(&cleaned), "cleaning again changed it");
            }
        }
        Err(e) => {
            assert!(!e.problems.is_empty());
            assert!(!e.to_string().is_empty());
        }
    }

    // taskdef-clean's pipeline, with the flags chosen by the input's length.
    let strict = data.len() % 2 == 1;
    let drop: Vec<String> = match data.len() % 3 {
        0 => Vec::new(),
        1 => vec!["tags".to_owned()],
        _ => vec!["family".to_owned(), "containerDefinitions".to_owned()],
    };
    let mut problems = Vec::new();
    match clean_input(input, &drop, strict, &mut problems) {
        Ok(mut cleaned) => {
            let _ = clean_again(&mut cleaned.taskdef, Vec::new(), &mut problems);
            assert!(!has_null(&Value::Object(cleaned.taskdef)));
        }
        Err(problem) => assert!(problem.is_error()),
    }
    for problem in &problems {
        assert!(!problem.to_string().is_empty());
    }
});

/// A task definition that has a `taskDefinition` member reads as a describe answer when
/// cleaned again (unwrapped): it is not register-ready (the model has no such member, which
/// taskdef-clean's model check reports), so cleaning it again need not give it back.
fn is_answer(taskdef: &Value) -> bool {
    taskdef.get("taskDefinition").is_some()
}

/// A `null` anywhere in `value`, without recursion (the depth is bounded, but cheaply so).
fn has_null(value: &Value) -> bool {
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        match v {
            Value::Null => return true,
            Value::Array(items) => todo.extend(items),
            Value::Object(members) => todo.extend(members.values()),
            _ => {}
        }
    }
    false
}
