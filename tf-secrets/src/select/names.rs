//! Names: GitHub's rules for secret and variable names, the name an output gets, and the
//! output names in an expression.

/// Check a secret or variable name against GitHub's rules; `Ok` holds the upper-case form.
pub fn check_name(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("the name is empty".to_owned());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(format!(
            "`{name}` is not a valid secret name: {bad:?} is not allowed (letters, digits and _ only)"
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "`{name}` is not a valid secret name: it must not start with a digit"
        ));
    }
    let upper = name.to_ascii_uppercase();
    if upper.starts_with("GITHUB_") {
        return Err(format!(
            "`{name}` is not a valid secret name: names starting with GITHUB_ are reserved by GitHub"
        ));
    }
    Ok(upper)
}

/// The name `--all` (or a bare `OUTPUT` argument) gives an output: upper case, `-` as `_`.
pub fn name_for_output(output: &str) -> Result<String, String> {
    check_name(&output.replace('-', "_")).map_err(|why| {
        format!(
            "its name does not make a secret name ({why}); name it explicitly: SECRET_NAME={output}"
        )
    })
}

/// A string that reads as an output name rather than a filter.
pub fn looks_like_name(expr: &str) -> bool {
    let mut chars = expr.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// The output a filter starts from (`.db_endpoint | ...` or `.["db-host"] ...`), if any.
pub fn leading_output(code: &str) -> Option<&str> {
    let rest = code.trim_start().strip_prefix('.')?;
    if let Some(quoted) = rest.strip_prefix("[\"") {
        return quoted.split_once("\"]").map(|(name, _)| name);
    }
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(check_name("db_Password").unwrap(), "DB_PASSWORD");
        assert_eq!(check_name("_x").unwrap(), "_X");
        assert!(check_name("github_token").is_err());
        assert!(check_name("").is_err());
        assert_eq!(name_for_output("db-host").unwrap(), "DB_HOST");
        assert!(
            name_for_output("ünï")
                .unwrap_err()
                .contains("SECRET_NAME=ünï")
        );
        assert_eq!(leading_output(" .a_b | x"), Some("a_b"));
        assert_eq!(leading_output(r#".["db-host"] | x"#), Some("db-host"));
        assert_eq!(leading_output("[.a]"), None);
    }
}
