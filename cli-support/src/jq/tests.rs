use super::*;
use serde_json::json;

#[test]
fn runs_with_args_and_helpers() {
    let f = compile_with(
        "[.a | strip_port, $who]",
        r#"def strip_port: sub(":[0-9]+$"; "");"#,
        [("who".to_owned(), Val::from("me".to_owned()))],
    )
    .unwrap();
    assert_eq!(
        f.run_json(&json!({"a": "db.example:5432"})).unwrap(),
        vec![json!(["db.example", "me"])]
    );
}

#[test]
fn arg_strings() {
    let f = compile(".x = $v", &arg_pairs(&["v".into(), "1".into()])).unwrap();
    assert_eq!(f.run_json(&json!({})).unwrap(), vec![json!({"x": "1"})]);
}

#[test]
fn compile_errors_point_at_the_place() {
    let err = compile(".a | nosuch(1)", &[]).unwrap_err();
    assert_eq!(
        err.message,
        "undefined filter nosuch/1 at column 6\n    .a | nosuch(1)\n         ^^^^^^"
    );
    let err = compile(".a | $missing", &[]).unwrap_err();
    assert!(
        err.message
            .starts_with("undefined variable $missing (pass it with --arg"),
        "{}",
        err.message
    );
    let err = compile("map(", &[]).unwrap_err();
    assert!(
        err.message.contains("unexpected end of filter"),
        "{}",
        err.message
    );
}

#[test]
fn run_errors_are_messages() {
    let f = compile(r#"error("boom")"#, &[]).unwrap();
    let err = f.run_json(&json!(null)).unwrap_err();
    assert_eq!(err.message, "boom");
    assert_eq!(err.raised, Some(Raised::Text));
    let f = compile(".[0:2] | error", &[]).unwrap();
    assert_eq!(
        f.run_json(&json!("secret")).unwrap_err().raised,
        Some(Raised::Text)
    );
    let f = compile("explode | error", &[]).unwrap();
    assert_eq!(
        f.run_json(&json!("ab")).unwrap_err().raised,
        Some(Raised::Value)
    );
    let f = compile(".a", &[]).unwrap();
    assert_eq!(f.run_json(&json!(1)).unwrap_err().raised, None);
    let f = compile(".a.b", &[]).unwrap();
    assert!(f.run_json(&json!({"a": 1})).is_err());
}

#[test]
fn numbers_a_filter_does_not_touch_keep_their_digits() {
    let text = r#"{"big": 12345678901234567890123, "e": 1E+2, "d": 1.50, "z": -0, "i": 7}"#;
    let input: serde_json::Value = serde_json::from_str(text).unwrap();
    let f = compile(".", &[]).unwrap();
    let out = f.run_json(&input).unwrap();
    // serde_json writes an exponent's E as e; the digits are the input's.
    assert_eq!(
        serde_json::to_string(&out[0]).unwrap(),
        r#"{"big":12345678901234567890123,"e":1e+2,"d":1.50,"z":-0,"i":7}"#
    );
    // Integers stay exact through arithmetic; decimals computed with become floats.
    let f = compile(".big += 1 | .i += 1 | .e += 1 | .z |= -.", &[]).unwrap();
    let out = f.run_json(&input).unwrap();
    assert_eq!(
        serde_json::to_string(&out[0]).unwrap(),
        r#"{"big":12345678901234567890124,"e":101.0,"d":1.50,"z":0,"i":8}"#
    );
}

#[test]
fn error_kinds_name_no_value() {
    let kind = |code: &str, input: serde_json::Value| {
        compile(code, &[])
            .unwrap()
            .run_json(&input)
            .unwrap_err()
            .kind()
    };
    let s = json!("s3cret");
    assert_eq!(kind("@base64 | error", s.clone()), ErrorKind::Raised);
    assert_eq!(kind("explode | error", s.clone()), ErrorKind::Raised);
    assert_eq!(kind("fromdate", s.clone()), ErrorKind::Raised);
    assert_eq!(kind(r#"test("a"; .)"#, s.clone()), ErrorKind::Raised);
    assert_eq!(kind("explode | . + 1", s.clone()), ErrorKind::Arithmetic);
    assert_eq!(kind(".a", s.clone()), ErrorKind::Index);
    assert_eq!(kind(".[]", json!(1)), ErrorKind::Type);
    assert_eq!(kind("tonumber", s.clone()), ErrorKind::Raised);
    assert_eq!(kind("path(1)", s), ErrorKind::Path);
    assert!(!ErrorKind::Raised.to_string().contains("s3cret"));
}

#[test]
fn values_that_are_not_json_are_named_by_path_not_printed() {
    let f = compile(r#"{a: {b: [1, nan]}, secret: "do not print"}"#, &[]).unwrap();
    let out = f.run(Val::Null).unwrap();
    let err = to_json(&out[0]).unwrap_err().message;
    assert!(err.ends_with("at .a.b[1]"), "{err}");
    assert!(!err.contains("do not print"), "{err}");
    // Paths are jq's, as everywhere (cli_support::json_path).
    let f = compile(r#"[{"a b": nan}]"#, &[]).unwrap();
    let err = to_json(&f.run(Val::Null).unwrap()[0]).unwrap_err().message;
    assert!(err.ends_with(r#" at .[0]["a b"]"#), "{err}");
}

#[test]
fn long_run_errors_are_shortened() {
    let f = compile("[range(1000)] | .x", &[]).unwrap();
    let err = f.run(Val::Null).unwrap_err().message;
    assert!(
        err.chars().count() <= MAX_MESSAGE + 1 && err.ends_with('…'),
        "{err}"
    );
}

#[test]
fn env_is_visible() {
    let f = compile("$ENV.PATH == env.PATH", &[]).unwrap();
    assert_eq!(f.run_json(&json!(null)).unwrap(), vec![json!(true)]);
}

#[test]
fn finds_referenced_env_vars() {
    assert_eq!(
        referenced_env_vars(
            r#".commit == env.GITHUB_SHA and .x == $ENV["A B"] and .y == $ENV.SHA2 and .environment == 1"#
        ),
        vec!["GITHUB_SHA", "A B", "SHA2"]
    );
}

#[test]
fn big_numbers_keep_their_digits_through_jaq_json() {
    let v = jaq_json::read::parse_single(b"12345678901234567890123").unwrap();
    let f = compile(".", &[]).unwrap();
    assert_eq!(f.run(v).unwrap()[0].to_string(), "12345678901234567890123");
}

#[test]
fn into_jaq_gives_what_from_json_gives() {
    let input: serde_json::Value = serde_json::from_str(
        r#"{"a": [1, 1.50, -0, 1E+2, 123456789012345678901234567890, null, true],
            "b": {"c": "x\u0000y", "d": [], "e": {}}, "": "empty key"}"#,
    )
    .unwrap();
    let owned = into_jaq(input.clone());
    assert_eq!(owned.to_string(), from_json(&input).to_string());
    assert_eq!(to_json(&owned).unwrap(), input);
}
