//! The `terraform output -json` object (OpenTofu writes the same): one entry per root
//! output, `{"NAME": {"sensitive": bool, "type": ..., "value": ...}}`.
//!
//! Parsed with jaq-json, which keeps number literals as written: a number with more digits
//! than a double holds, or `0.1`, comes out exactly as Terraform printed it.

use cli_support::input::{Source, check_depth, line_column, parse_json};
use cli_support::jq::Val;
use cli_support::json_path::JsonPath;

/// One root output.
#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub sensitive: bool,
    pub value: Val,
}

/// The outputs in the order Terraform printed them (sorted by name).
#[derive(Debug, Clone)]
pub struct Outputs {
    list: Vec<Output>,
}

const HINT_BARE: &str = "pass the whole object that `terraform output -json` prints (without an \
    output name) and select outputs here";

impl Outputs {
    /// Parse and check the shape; errors name the source, and the line and column or the
    /// output at fault. Messages never quote a value.
    pub fn parse(bytes: &[u8], source: &Source) -> anyhow::Result<Outputs> {
        // jaq-json's parser recurses: bound the depth before it runs.
        check_depth(bytes, source)
            .map_err(|e| anyhow::Error::new(e).context("expected `terraform output -json`"))?;
        let top = match jaq_json::read::parse_single(bytes) {
            Ok(v) => v,
            Err(jaq_err) => return Err(syntax_error(bytes, source, &jaq_err.to_string())),
        };
        let Val::Obj(map) = top else {
            anyhow::bail!(
                "{source}: expected the JSON object of `terraform output -json`, found {}; {HINT_BARE}",
                type_name(&top)
            );
        };
        if map.is_empty() {
            anyhow::bail!(
                "{source}: no outputs: did terraform apply run in this directory? \
                 (`terraform output -json` prints {{}} when the state has no outputs, or for \
                 the wrong workspace or an uninitialised backend)"
            );
        }
        let key = |k: &str| Val::from(k.to_owned());
        let (value_key, sensitive_key) = (key("value"), key("sensitive"));
        let mut list = Vec::with_capacity(map.len());
        for (name, entry) in map.iter() {
            let Val::TStr(name) = name else {
                anyhow::bail!("{source}: an output name is not a string");
            };
            let name = String::from_utf8(name.to_vec())
                .map_err(|_| anyhow::anyhow!("{source}: an output name is not UTF-8"))?;
            let at = JsonPath::root().key(name.as_str());
            let shape_error = || {
                anyhow::anyhow!(
                    "{source}: output `{name}` (at {at}): expected an object with \"value\" \
                     and \"sensitive\" members; {HINT_BARE}"
                )
            };
            let Val::Obj(entry) = entry else {
                return Err(shape_error());
            };
            let Some(value) = entry.get(&value_key) else {
                return Err(shape_error());
            };
            // A missing flag is treated as sensitive: be conservative.
            let sensitive = match entry.get(&sensitive_key) {
                None => true,
                Some(Val::Bool(b)) => *b,
                Some(_) => anyhow::bail!(
                    "{source}: output `{name}` (at {}): expected true or false",
                    at.clone().key("sensitive")
                ),
            };
            list.push(Output {
                name,
                sensitive,
                value: value.clone(),
            });
        }
        Ok(Outputs { list })
    }

    /// A redactor that knows every string and number inside the sensitive outputs
    /// (Terraform marks only the top level; every member of a sensitive object is plain
    /// text in its JSON).
    pub fn redactor(&self) -> cli_support::redact::Redactor {
        let mut r = cli_support::redact::Redactor::default();
        for output in self.iter().filter(|o| o.sensitive) {
            r.add_val(&output.value);
        }
        r
    }

    pub fn iter(&self) -> impl Iterator<Item = &Output> {
        self.list.iter()
    }

    pub fn get(&self, name: &str) -> Option<&Output> {
        self.list.iter().find(|o| o.name == name)
    }

    pub fn any_sensitive(&self) -> bool {
        self.list.iter().any(|o| o.sensitive)
    }

    /// `a, b, c`: for messages about a missing output.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.list.iter().map(|o| o.name.as_str()).collect();
        names.join(", ")
    }

    /// `no output named `X`; did you mean `Y`? the outputs are: ...`: for a name that is not
    /// an output (the closest names first, by edit distance, ignoring case and `-`/`_`).
    pub fn missing(&self, name: &str) -> String {
        if self.list.is_empty() {
            return format!("no output named `{name}`; the input has no outputs at all");
        }
        let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
        let wanted = norm(name);
        // At most one edit in three characters (a typo, a missing `db_` prefix is two).
        let limit = (wanted.chars().count() / 3).max(1);
        let mut close: Vec<(usize, &str)> = self
            .list
            .iter()
            .map(|o| {
                (
                    strsim::damerau_levenshtein(&wanted, &norm(&o.name)),
                    o.name.as_str(),
                )
            })
            .filter(|(distance, _)| *distance <= limit)
            .collect();
        close.sort_by_key(|(distance, _)| *distance);
        let hint = match close.as_slice() {
            [] => String::new(),
            [(_, one)] => format!(" did you mean `{one}`?"),
            [(_, a), (_, b), ..] => format!(" did you mean `{a}` or `{b}`?"),
        };
        format!(
            "no output named `{name}`;{hint} the outputs are: {}",
            self.names()
        )
    }

    /// [`Outputs::values_object`] with every string and number inside a sensitive output
    /// replaced by `stand_in` (keys, booleans, nulls and the shape kept): an input that
    /// holds no secret, for re-running a failing filter.
    pub fn masked_values_object(&self, stand_in: &Val) -> Val {
        fn mask(value: &Val, stand_in: &Val) -> Val {
            match value {
                Val::TStr(_) | Val::BStr(_) | Val::Num(_) => stand_in.clone(),
                Val::Arr(a) => Val::Arr(
                    a.iter()
                        .map(|v| mask(v, stand_in))
                        .collect::<Vec<_>>()
                        .into(),
                ),
                Val::Obj(o) => Val::obj(
                    o.iter()
                        .map(|(k, v)| (k.clone(), mask(v, stand_in)))
                        .collect(),
                ),
                Val::Null | Val::Bool(_) => value.clone(),
            }
        }
        Val::obj(
            self.list
                .iter()
                .map(|o| {
                    let value = if o.sensitive {
                        mask(&o.value, stand_in)
                    } else {
                        o.value.clone()
                    };
                    (Val::from(o.name.clone()), value)
                })
                .collect(),
        )
    }

    /// The object filters run on: `{"NAME": value, ...}`.
    pub fn values_object(&self) -> Val {
        Val::obj(
            self.list
                .iter()
                .map(|o| (Val::from(o.name.clone()), o.value.clone()))
                .collect(),
        )
    }
}

/// A syntax error with line and column. serde_json's messages are the clearer ones, so the
/// input is re-read with it on this error path only; jaq-json's byte offset is the fallback.
fn syntax_error(bytes: &[u8], source: &Source, jaq_message: &str) -> anyhow::Error {
    if let Err(e) = parse_json(bytes, source) {
        return anyhow::Error::new(e).context("expected `terraform output -json`");
    }
    let offset = jaq_message
        .strip_prefix("byte offset ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let (line, column) = line_column(bytes, offset);
    let what = jaq_message.split_once(": ").map_or(jaq_message, |(_, m)| m);
    anyhow::anyhow!(
        "expected `terraform output -json`: {source}: invalid JSON at line {line}, column {column}: {what}"
    )
}

/// `a string`, `a list of 3`, ...: a value's kind, never its content.
pub fn type_name(value: &Val) -> String {
    match value {
        Val::Null => "null".to_owned(),
        Val::Bool(_) => "a boolean".to_owned(),
        Val::Num(_) => "a number".to_owned(),
        Val::TStr(_) | Val::BStr(_) => "a string".to_owned(),
        Val::Arr(a) => format!("a list of {}", a.len()),
        Val::Obj(o) => format!("an object with {} members", o.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Outputs> {
        Outputs::parse(text.as_bytes(), &Source::Stdin)
    }

    #[test]
    fn keeps_order_sensitivity_and_exact_numbers() {
        let o = parse(
            r#"{"b": {"sensitive": true, "type": "string", "value": "x"},
                "a": {"sensitive": false, "type": "number", "value": 12345678901234567890123.50}}"#,
        )
        .unwrap();
        let names: Vec<_> = o.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert!(o.get("b").unwrap().sensitive);
        assert_eq!(
            o.get("a").unwrap().value.to_string(),
            "12345678901234567890123.50"
        );
        assert!(o.any_sensitive());
        assert_eq!(o.names(), "b, a");
    }

    #[test]
    fn empty_object_has_a_hint() {
        let err = parse("{}\n").unwrap_err().to_string();
        assert!(err.contains("no outputs: did terraform apply run"), "{err}");
    }

    #[test]
    fn a_bare_value_is_explained() {
        let err = parse(r#"["subnet-a", "subnet-b"]"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("found a list of 2"), "{err}");
        assert!(err.contains("without an output name"), "{err}");
        let err = parse(r#"{"x": "bare"}"#).unwrap_err().to_string();
        assert!(err.contains("output `x` (at .x)"), "{err}");
        // a name jq cannot write after a dot is quoted, as jq writes it
        let err = parse(r#"{"a b": {"value": 1, "sensitive": 1}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"output `a b` (at .["a b"].sensitive)"#),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = parse("{\n  \"a\": {\"value\": }\n}").unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "expected `terraform output -json`: <stdin>: invalid JSON at line 2, column 18: expected value"
        );
        let err = parse("").unwrap_err();
        assert!(format!("{err:#}").contains("the input is empty"), "{err:#}");
    }

    #[test]
    fn the_redactor_knows_sensitive_values_not_their_keys() {
        let o = parse(
            r#"{"db": {"sensitive": true, "value": {"password": "pw-0123", "port": 5432, "hosts": ["h-one"]}},
                "name": {"sensitive": false, "value": "plain-name"}}"#,
        )
        .unwrap();
        let r = o.redactor();
        assert_eq!(r.redact("pw-0123 5432 h-one"), "*** *** ***");
        // keys are names: a message quoting `.db.password` keeps them
        assert_eq!(
            r.redact("`X=.db.password`, .db.port, .db.hosts, plain-name"),
            "`X=.db.password`, .db.port, .db.hosts, plain-name"
        );
    }

    #[test]
    fn missing_flag_is_sensitive_and_a_bad_flag_is_an_error() {
        let o = parse(r#"{"a": {"value": "x"}}"#).unwrap();
        assert!(o.get("a").unwrap().sensitive);
        let err = parse(r#"{"a": {"value": "x", "sensitive": "yes"}}"#).unwrap_err();
        assert!(err.to_string().contains(".a.sensitive"), "{err}");
    }
}
