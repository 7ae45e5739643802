//! Message helpers for the checks and edits. The problems themselves and their locations are
//! `ecs_taskdef::problem`, which the cleaning (`ecs_taskdef::clean`) reports with too.

use serde_json::Value;

/// The type of a value, without the value: `a string`, never `the string "..."`.
pub fn type_only(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The longest word [`did_you_mean`] looks at: the longest name of the ECS model
/// (`firelensConfiguration`, `ECS_MANAGED_NETWORK_CONFIGURATION`...) with a wide margin.
pub const SUGGESTED_MAX: usize = 64;

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo
/// (Levenshtein distance in characters, ignoring case). None for a word longer than
/// [`SUGGESTED_MAX`] characters: no name of the model is that long, and the distance takes
/// time in the product of the lengths.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.len() > SUGGESTED_MAX * 4 || word.chars().count() > SUGGESTED_MAX {
        return None;
    }
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// How to remove the unknown top-level member `key`: `--drop=KEY`, shell-quoted, so that
/// pasting the advice removes exactly that member whatever its name (a `;`, a quote, a
/// leading `--`). A name with characters that messages escape (controls, invisibles) cannot
/// be pasted as it is: the advice is then the `--filter` with the name as a jq string, where
/// the escapes mean the characters themselves. A name too long to quote has no command.
pub fn removal_of_member(key: &str) -> String {
    if ecs_taskdef::text::capped(key).is_some() {
        // Too long to quote in a message.
        "remove it".to_owned()
    } else if ecs_taskdef::text::is_plain(key) {
        format!("remove it with --drop={}", shell_quote(key))
    } else {
        let path = cli_support::json_path::JsonPath::root().key(key);
        format!(
            "remove it with --filter {}",
            shell_quote(&format!("del({path})"))
        )
    }
}

/// `text` as one shell word: in single quotes, a `'` written `'\''`; bare when it is made
/// of characters no shell treats specially.
pub fn shell_quote(text: &str) -> String {
    let bare = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '@' | '+' | ',')
        });
    if bare {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_is_one_shell_word() {
        assert_eq!(shell_quote("app:DB"), "app:DB");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("x'y"), r"'x'\''y'");
        assert_eq!(
            removal_of_member("--force"),
            "remove it with --drop=--force"
        );
        assert_eq!(
            removal_of_member("a\u{1b}b"),
            "remove it with --filter 'del(.[\"a\\u001bb\"])'"
        );
        assert_eq!(removal_of_member(&"k".repeat(121)), "remove it");
    }

    #[test]
    fn suggestions_catch_typos_only() {
        let members = ["executionRoleArn", "taskRoleArn", "family", "cpu"];
        assert_eq!(
            did_you_mean("exectionRoleArn", members),
            Some("executionRoleArn")
        );
        assert_eq!(did_you_mean("Family", members), Some("family"));
        assert_eq!(did_you_mean("cpus", members), Some("cpu"));
        assert_eq!(did_you_mean("somethingElse", members), None);
        assert_eq!(did_you_mean("x", members), None);
        assert_eq!(did_you_mean(&"cpu".repeat(100), members), None);
    }
}
