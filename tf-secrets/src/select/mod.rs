//! From outputs to named values: `SECRET=EXPR` arguments and `--all`, the jaq helpers,
//! value conversion and GitHub's name rules. Every problem is collected (never just the
//! first) and no message quotes a value. Names are in [`names`], filters and the text of a
//! value in [`filter`].

use std::collections::HashMap;
use std::fmt::Write as _;

use cli_support::jq::Val;
use cli_support::redact::Redactor;

use crate::outputs::{Output, Outputs};

mod filter;
mod names;

use filter::{FilterError, run_filter, to_text};
use names::{check_name, looks_like_name, name_for_output};

/// A selected value, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Upper-case, validated.
    pub name: String,
    pub value: String,
    pub sensitive: bool,
    /// The output name, or the filter's code.
    pub source: String,
}

/// What `select` needs besides the outputs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub all: bool,
    pub exclude: Vec<String>,
    pub allow_empty: bool,
}

/// Problems found while selecting: a filter that does not compile is a usage error (exit 2),
/// anything else a validation error (exit 1).
#[derive(Debug, Default)]
pub struct Problems {
    pub usage: Vec<String>,
    pub invalid: Vec<String>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.usage.is_empty() && self.invalid.is_empty()
    }

    /// One error listing every problem; usage problems first.
    pub fn into_error(self) -> anyhow::Error {
        let count = self.usage.len() + self.invalid.len();
        let mut text = if count == 1 {
            String::new()
        } else {
            format!("{count} problems; nothing was written")
        };
        for p in self.usage.iter().chain(&self.invalid) {
            if count == 1 {
                text.push_str(p);
            } else {
                let _ = write!(text, "\n  {}", p.replace('\n', "\n    "));
            }
        }
        if self.usage.is_empty() {
            anyhow::anyhow!(text)
        } else {
            cli_support::usage(text)
        }
    }
}

enum Expr<'a> {
    Output(&'a Output),
    Filter(&'a str),
}

struct Selection<'a> {
    /// For messages: the argument as given, or `--all: OUTPUT`.
    origin: String,
    name: Result<String, String>,
    expr: Expr<'a>,
    /// Chosen by `--all`: lists and objects become compact JSON.
    from_all: bool,
}

/// What each argument (and `--all`) selects, before anything is evaluated.
fn selections<'a>(
    outputs: &'a Outputs,
    args: &'a [String],
    options: &Options,
    problems: &mut Problems,
) -> Vec<Selection<'a>> {
    let mut selections = Vec::new();
    for arg in args {
        let (name, expr) = match arg.split_once('=') {
            Some((name, expr)) => (check_name(name), expr),
            None => (name_for_output(arg), arg.as_str()),
        };
        let expr = if let Some(output) = outputs.get(expr) {
            Expr::Output(output)
        } else if looks_like_name(expr) {
            problems
                .invalid
                .push(format!("`{arg}`: {}", outputs.missing(expr)));
            continue;
        } else {
            Expr::Filter(expr)
        };
        selections.push(Selection {
            origin: format!("`{arg}`"),
            name,
            expr,
            from_all: false,
        });
    }
    for name in &options.exclude {
        if outputs.get(name).is_none() {
            problems
                .invalid
                .push(format!("--exclude {name}: {}", outputs.missing(name)));
        }
    }
    if options.all {
        let explicit: Vec<String> = selections
            .iter()
            .filter_map(|s| s.name.as_ref().ok().cloned())
            .collect();
        for output in outputs.iter() {
            if options.exclude.contains(&output.name) {
                continue;
            }
            let name = name_for_output(&output.name);
            if name.as_ref().is_ok_and(|n| explicit.contains(n)) {
                continue; // an explicit argument sets this name
            }
            selections.push(Selection {
                origin: format!("--all: output `{}`", output.name),
                name,
                expr: Expr::Output(output),
                from_all: true,
            });
        }
    }
    selections
}

/// Select, convert and validate every value. `redactor` cleans jaq's error messages.
pub fn select(
    outputs: &Outputs,
    args: &[String],
    options: &Options,
    redactor: &Redactor,
) -> Result<Vec<Item>, Problems> {
    let mut problems = Problems::default();
    let selections = selections(outputs, args, options, &mut problems);
    // What filters run on, built for the first filter (bare names and --all need none).
    let mut input: Option<Val> = None;
    let mut items = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for sel in selections {
        let name = match sel.name {
            Ok(name) => name,
            Err(why) => {
                problems.invalid.push(format!("{}: {why}", sel.origin));
                continue;
            }
        };
        if let Some(first) = seen.get(&name) {
            problems.invalid.push(format!(
                "{}: {name} is already set by {first} (names are case-insensitive and '-' becomes '_')",
                sel.origin
            ));
            continue;
        }
        seen.insert(name.clone(), sel.origin.clone());
        let filtered;
        let (value, sensitive, source) = match sel.expr {
            Expr::Output(output) => (&output.value, output.sensitive, output.name.clone()),
            Expr::Filter(code) => {
                // Conservative: a filter may read any output.
                let sensitive = outputs.any_sensitive();
                let input = input.get_or_insert_with(|| outputs.values_object());
                match run_filter(code, input, outputs, sensitive, redactor) {
                    Ok(v) => {
                        filtered = v;
                        (&filtered, sensitive, code.to_owned())
                    }
                    Err(FilterError::Usage(m)) => {
                        problems.usage.push(format!("{}: {m}", sel.origin));
                        continue;
                    }
                    Err(FilterError::Invalid(m)) => {
                        problems.invalid.push(format!("{}: {m}", sel.origin));
                        continue;
                    }
                }
            }
        };
        match to_text(value, sel.from_all) {
            Ok(text) if text.is_empty() && !options.allow_empty => problems.invalid.push(format!(
                "{}: the value is empty; pass --allow-empty to set it anyway",
                sel.origin
            )),
            Ok(text) => items.push(Item {
                name,
                value: text,
                sensitive,
                source,
            }),
            Err(why) => problems.invalid.push(format!("{}: {why}", sel.origin)),
        }
    }
    if problems.is_empty() {
        Ok(items)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::filter::{HELPERS, SENSITIVE_FAILURE};
    use super::*;
    use cli_support::input::Source;
    use cli_support::jq;

    fn outputs() -> Outputs {
        Outputs::parse(
            br#"{
              "db_endpoint": {"sensitive": false, "value": "db.example.com:5432"},
              "db_password": {"sensitive": true, "value": "hunter2-secret"},
              "db-host": {"sensitive": false, "value": "h"},
              "db_host": {"sensitive": false, "value": "h2"},
              "big": {"sensitive": false, "value": 12345678901234567890123},
              "dec": {"sensitive": false, "value": 0.10},
              "flag": {"sensitive": false, "value": true},
              "ids": {"sensitive": false, "value": ["a", "b", 3]},
              "obj": {"sensitive": false, "value": {"k": [1, "x"]}},
              "empty": {"sensitive": false, "value": ""},
              "nul": {"sensitive": false, "value": null}
            }"#,
            &Source::Stdin,
        )
        .unwrap()
    }

    fn run(args: &[&str], options: &Options) -> Result<Vec<Item>, Problems> {
        let o = outputs();
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        select(&o, &args, options, &o.redactor())
    }

    fn values(args: &[&str]) -> Vec<(String, String, bool)> {
        run(args, &Options::default())
            .unwrap()
            .into_iter()
            .map(|i| (i.name, i.value, i.sensitive))
            .collect()
    }

    fn problems(args: &[&str], options: &Options) -> Problems {
        run(args, options).unwrap_err()
    }

    #[test]
    fn bare_names_filters_and_exact_numbers() {
        assert_eq!(
            values(&[
                "pw=db_password",
                "DB_HOST=.db_endpoint | strip_port",
                "DB_PORT=.db_endpoint | port",
                "big",
                "DEC=dec",
                "FLAG=flag",
                "IDS=.ids | csv",
                "OBJ=.obj | tojson",
            ]),
            [
                ("PW".into(), "hunter2-secret".into(), true),
                ("DB_HOST".into(), "db.example.com".into(), true),
                ("DB_PORT".into(), "5432".into(), true),
                ("BIG".into(), "12345678901234567890123".into(), false),
                ("DEC".into(), "0.10".into(), false),
                ("FLAG".into(), "true".into(), false),
                ("IDS".into(), "a,b,3".into(), true),
                ("OBJ".into(), r#"{"k":[1,"x"]}"#.into(), true),
            ]
        );
    }

    #[test]
    fn strip_port_only_strips_a_trailing_port() {
        let o = outputs();
        let f = jq::compile_with(
            r#"["h:1", "h", "[::1]:5432", "fe80::1", "a.b:c"] | map(strip_port)"#,
            HELPERS,
            std::iter::empty(),
        )
        .unwrap();
        assert_eq!(
            f.run(o.values_object()).unwrap()[0].to_string(),
            r#"["h","h","[::1]","fe80::1","a.b:c"]"#
        );
    }

    #[test]
    fn structured_values_need_a_conversion() {
        let p = problems(&["IDS=ids", "OBJ=obj"], &Options::default());
        assert!(p.usage.is_empty());
        assert!(
            p.invalid[0].contains("a list of 3; convert it explicitly: `| csv`"),
            "{:?}",
            p.invalid
        );
        assert!(p.invalid[1].contains("`| tojson`"), "{:?}", p.invalid);
    }

    #[test]
    fn all_uses_json_for_structures_and_explicit_args_win() {
        let options = Options {
            all: true,
            exclude: vec!["db-host".into(), "empty".into(), "nul".into()],
            allow_empty: false,
        };
        let items = run(&["DB_HOST=.db_endpoint | strip_port"], &options).unwrap();
        let names: Vec<_> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "DB_HOST",
                "DB_ENDPOINT",
                "DB_PASSWORD",
                "BIG",
                "DEC",
                "FLAG",
                "IDS",
                "OBJ"
            ]
        );
        assert_eq!(items[6].value, r#"["a","b",3]"#);
        assert!(items[2].sensitive && !items[1].sensitive);
    }

    #[test]
    fn every_problem_is_reported() {
        let p = problems(
            &[
                "1X=db_endpoint",
                "GITHUB_X=db_endpoint",
                "a.b=db_endpoint",
                "X=nope",
                "E=empty",
                "N=nul",
                "Y=.db_endpoint | nosuch",
            ],
            &Options::default(),
        );
        assert_eq!(p.usage.len(), 1, "{:?}", p.usage);
        assert!(p.usage[0].contains("undefined filter nosuch/0"));
        let text = p.invalid.join("\n");
        assert!(text.contains("must not start with a digit"), "{text}");
        assert!(text.contains("reserved by GitHub"), "{text}");
        assert!(text.contains("'.' is not allowed"), "{text}");
        assert!(
            text.contains("no output named `nope`; the outputs are: db_endpoint, db_password"),
            "{text}"
        );
        assert!(
            text.contains("the value is empty; pass --allow-empty"),
            "{text}"
        );
        assert!(text.contains("the value is null"), "{text}");
        let err = p.into_error();
        assert_eq!(cli_support::report::code_for(&err, 1), 2);
        assert!(
            err.to_string()
                .starts_with("7 problems; nothing was written\n  `Y=.db_endpoint | nosuch`: the filter does not compile")
        );
    }

    #[test]
    fn collisions_after_normalising() {
        let p = problems(
            &["db-host", "db_host", "x=flag", "X=flag"],
            &Options::default(),
        );
        assert_eq!(p.invalid.len(), 2, "{:?}", p.invalid);
        assert!(p.invalid[0].contains("DB_HOST is already set by `db-host`"));
        assert!(p.invalid[1].contains("X is already set by `x=flag`"));
    }

    #[test]
    fn missing_leading_output_and_filter_counts() {
        let p = problems(
            &[
                "A=.db_endpont | strip_port",
                "B=.ids[]",
                "C=.ids[] | select(. == 9)",
            ],
            &Options::default(),
        );
        assert!(
            p.invalid[0].contains("no output named `db_endpont`"),
            "{:?}",
            p.invalid
        );
        assert!(
            p.invalid[1].contains("produced 3 values"),
            "{:?}",
            p.invalid
        );
        assert!(
            p.invalid[2].contains("produced no value"),
            "{:?}",
            p.invalid
        );
    }

    #[test]
    fn failing_filters_on_sensitive_data_show_only_the_kind() {
        for (filter, kind) in [
            ("A=.db_password | .[0:5] | tonumber", jq::ErrorKind::Raised),
            ("A=.db_password | error", jq::ErrorKind::Raised),
            ("A=.db_password | @base64 | error", jq::ErrorKind::Raised),
            (
                "A=.db_password | explode | . + 1",
                jq::ErrorKind::Arithmetic,
            ),
            ("A=.db_password | .x", jq::ErrorKind::Index),
            ("A=.db_password | fromdate", jq::ErrorKind::Raised),
        ] {
            let p = problems(&[filter], &Options::default());
            assert_eq!(
                p.invalid,
                [format!(
                    "`{filter}`: the filter failed: {kind}; {SENSITIVE_FAILURE}"
                )]
            );
        }
    }

    #[test]
    fn failing_filters_on_plain_outputs_beside_sensitive_ones_keep_their_message() {
        let p = problems(
            &[
                "A=.db_endpoint | error",
                "B=.db_endpoint + .db_password | error",
            ],
            &Options::default(),
        );
        assert_eq!(
            p.invalid,
            [
                "`A=.db_endpoint | error`: the filter failed: db.example.com:5432".to_owned(),
                format!(
                    "`B=.db_endpoint + .db_password | error`: the filter failed: {}; {SENSITIVE_FAILURE}",
                    jq::ErrorKind::Raised
                )
            ]
        );
    }

    #[test]
    fn a_filter_may_read_a_missing_output() {
        assert_eq!(
            values(&[r#"X=.maybe // "none""#, "Y=.maybe.deep? // .flag"]),
            [
                ("X".into(), "none".into(), true),
                ("Y".into(), "true".into(), true)
            ]
        );
        // only a failure or a null blames the missing output
        let p = problems(
            &["A=.maybe", "B=.maybe[]", "C=.maybe | csv"],
            &Options::default(),
        );
        assert_eq!(p.invalid.len(), 3, "{:?}", p.invalid);
        assert!(
            p.invalid
                .iter()
                .all(|m| m.contains(": no output named `maybe`; the outputs are: db_endpoint")),
            "{:?}",
            p.invalid
        );
        // a filter that does not compile says so first
        let p = problems(&["A=.maybe | nosuch"], &Options::default());
        assert!(p.invalid.is_empty() && p.usage[0].contains("undefined filter nosuch/0"));
        // an existing output that gives null is not called missing
        let p = problems(&["N=.obj.nope"], &Options::default());
        assert!(
            p.invalid[0].contains("the value is null"),
            "{:?}",
            p.invalid
        );
    }

    #[test]
    fn failing_filters_without_sensitive_outputs_keep_their_message() {
        let o = Outputs::parse(
            br#"{"ids": {"sensitive": false, "value": [1, 2]}}"#,
            &Source::Stdin,
        )
        .unwrap();
        let p = select(
            &o,
            &["A=.ids | error".to_owned(), "B=.idz".to_owned()],
            &Options::default(),
            &o.redactor(),
        )
        .unwrap_err();
        assert_eq!(
            p.invalid,
            [
                "`A=.ids | error`: the filter failed: [1,2]",
                "`B=.idz`: no output named `idz`; did you mean `ids`? the outputs are: ids"
            ]
        );
    }
}
