//! Filters over the outputs (with the tool's helpers) and the text a value becomes.

use cli_support::jq::{self, Val};
use cli_support::redact::Redactor;

use super::names::leading_output;
use crate::outputs::{Outputs, type_name};

/// Helper functions every filter can use (documented in `--help` and the README).
pub const HELPERS: &str = r#"
def strip_port:
  if type != "string" then error("strip_port expects a string like host:port, not \(type)")
  elif test("^\\[.*\\]:[0-9]+$") or (test("^[^:]*:[0-9]+$")) then sub(":[0-9]+$"; "")
  else . end;
def port:
  if type != "string" then error("port expects a string like host:port, not \(type)")
  else (capture(":(?<p>[0-9]+)$") | .p) // error("port: the string does not end with :PORT") end;
def csv:
  if type != "array" then error("csv expects a list, not \(type)")
  else map(if type == "string" then . else tojson end) | join(",") end;
def lines:
  if type != "array" then error("lines expects a list, not \(type)")
  else map(if type == "string" then . else tojson end) | join("\n") end;
"#;

/// Why a failing filter's message is not shown.
pub const SENSITIVE_FAILURE: &str = "its message is not shown because the filter reads \
     sensitive outputs (try it with jq on test values)";

/// A failing filter's message, when it cannot hold a secret. The filter is run again on
/// the input with every sensitive string and number replaced by a stand-in, twice: a fixed
/// string, then null (another type, so that a filter that reads a sensitive value at all
/// behaves differently). The real `message` is shown only when both runs fail with the same
/// kind of error and exactly that message: it then depends on no sensitive value (the
/// filter failed on plain outputs, or on the shape only), and is a text computed without
/// any secret. Otherwise `None`: only the kind of error is shown.
fn message_without_secrets(
    filter: &jq::Filter,
    outputs: &Outputs,
    kind: jq::ErrorKind,
    message: &str,
) -> Option<String> {
    let stand_ins = [Val::from("SENSITIVE_VALUE".to_owned()), Val::Null];
    stand_ins
        .iter()
        .all(
            |stand_in| match filter.run(outputs.masked_values_object(stand_in)) {
                Err(e) => e.kind() == kind && e.message == message,
                Ok(_) => false,
            },
        )
        .then(|| message.to_owned())
}

pub enum FilterError {
    Usage(String),
    Invalid(String),
}

/// Run a filter that must give one value. A filter may read a missing key (`.x // "d"`); only
/// when it fails or gives null, and the output it starts from does not exist, is that the
/// error: most likely a misspelt name.
pub fn run_filter(
    code: &str,
    input: &Val,
    outputs: &Outputs,
    sensitive: bool,
    redactor: &Redactor,
) -> Result<Val, FilterError> {
    let filter = jq::compile_with(code, HELPERS, std::iter::empty())
        .map_err(|e| FilterError::Usage(format!("the filter does not compile: {e}")))?;
    let no_output = || {
        leading_output(code)
            .filter(|name| outputs.get(name).is_none())
            .map(|name| FilterError::Invalid(outputs.missing(name)))
    };
    let mut values = filter.run(input.clone()).map_err(|e| {
        if let Some(missing) = no_output() {
            return missing;
        }
        if sensitive {
            // The message may quote a sensitive value whole, in pieces or transformed
            // (base64, character codes, one character at a time), which no search for the
            // value recognises: only a message of a run without secrets is shown, else the
            // kind of error.
            match message_without_secrets(&filter, outputs, e.kind(), &e.message) {
                Some(message) => FilterError::Invalid(format!("the filter failed: {message}")),
                None => FilterError::Invalid(format!(
                    "the filter failed: {}; {SENSITIVE_FAILURE}",
                    e.kind()
                )),
            }
        } else {
            FilterError::Invalid(format!(
                "the filter failed: {}",
                redactor.redact(&e.message)
            ))
        }
    })?;
    match values.len() {
        1 if matches!(values[0], Val::Null)
            && let Some(missing) = no_output() =>
        {
            Err(missing)
        }
        1 => Ok(values.remove(0)),
        0 => Err(FilterError::Invalid(
            "the filter produced no value; a secret takes exactly one".to_owned(),
        )),
        n => Err(FilterError::Invalid(format!(
            "the filter produced {n} values; a secret takes exactly one (collect them: [...] | csv)"
        ))),
    }
}

/// The text of a value: strings as they are, numbers with their exact digits, booleans as
/// true/false; lists and objects only when `structured_as_json` (else an error that says
/// how to convert them).
pub fn to_text(value: &Val, structured_as_json: bool) -> Result<String, String> {
    match value {
        Val::TStr(s) | Val::BStr(s) => {
            String::from_utf8(s.to_vec()).map_err(|_| "the value is not UTF-8 text".to_owned())
        }
        Val::Num(n) => Ok(n.to_string()),
        Val::Bool(b) => Ok(b.to_string()),
        Val::Null => Err(
            "the value is null (Terraform leaves null outputs out; a filter may have read a missing key)"
                .to_owned(),
        ),
        Val::Arr(_) | Val::Obj(_) if structured_as_json => Ok(value.to_string()),
        Val::Arr(_) => Err(format!(
            "the value is {}; convert it explicitly: `| csv` or `| join(\",\")` for a list of \
             strings, `| tojson` for JSON, `| .[0]` for one item",
            type_name(value)
        )),
        Val::Obj(_) => Err(format!(
            "the value is {}; convert it explicitly: `| tojson` for JSON, or pick a member (`| .key`)",
            type_name(value)
        )),
    }
}
