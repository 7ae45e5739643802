//! Repository arguments: a name, a repository URI or an ARN, validated before any call.

use std::fmt;

/// One repository to purge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The repository name (`team/app`).
    pub name: String,
    /// The registry (account id), when the argument or `--registry-id` named one.
    pub registry_id: Option<String>,
    /// The region named by a URI or ARN.
    pub region: Option<String>,
}

#[cfg(test)]
impl Target {
    /// A repository of the caller's registry, by name alone.
    pub fn named(name: &str) -> Target {
        Target {
            name: name.to_owned(),
            registry_id: None,
            region: None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

const NAME_RULE: &str = "repository names are 2-256 characters: lowercase letters and digits in \
     components separated by '/', with '.', '_', '__' or dashes between letters and digits";

/// Check a repository name against ECR's rule
/// (`[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, 2-256
/// characters), saying what is wrong and where.
pub fn validate_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if len < 2 {
        return Err(format!(
            "repository name {name:?} is too short: {NAME_RULE}"
        ));
    }
    if len > 256 {
        return Err(format!(
            "repository name is {len} characters long, more than 256: {NAME_RULE}"
        ));
    }
    for (i, c) in name.chars().enumerate() {
        let ok = c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/');
        if !ok {
            let hint = if c.is_ascii_uppercase() {
                format!(" (did you mean {:?}?)", name.to_ascii_lowercase())
            } else if c == ':' || c == '@' {
                " (name a repository, not an image: drop the tag or digest)".to_owned()
            } else {
                String::new()
            };
            return Err(format!(
                "repository name {name:?}: character {c:?} at position {} is not allowed{hint}; \
                 {NAME_RULE}",
                i + 1
            ));
        }
    }
    let mut offset = 0;
    for component in name.split('/') {
        if let Err((pos, what)) = check_component(component) {
            return Err(format!(
                "repository name {name:?}: {what} at position {}; {NAME_RULE}",
                offset + pos + 1
            ));
        }
        offset += component.len() + 1;
    }
    Ok(())
}

/// One `/`-separated component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`. On error, the
/// 0-based position in the component and what is wrong.
fn check_component(c: &str) -> Result<(), (usize, &'static str)> {
    let bytes = c.as_bytes();
    if bytes.is_empty() {
        return Err((0, "empty path component"));
    }
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) {
        return Err((0, "a component must start with a letter or digit"));
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let sep_ok = match bytes[i] {
            b'.' => {
                i += 1;
                true
            }
            b'_' => {
                i += 1;
                if i < bytes.len() && bytes[i] == b'_' {
                    i += 1;
                }
                true
            }
            b'-' => {
                while i < bytes.len() && bytes[i] == b'-' {
                    i += 1;
                }
                true
            }
            _ => false,
        };
        if !sep_ok {
            return Err((start, "unexpected character"));
        }
        if i >= bytes.len() {
            return Err((start, "a component must end with a letter or digit"));
        }
        if !alnum(bytes[i]) {
            return Err((i, "separators must stand between letters or digits"));
        }
    }
    Ok(())
}

/// Check `--registry-id`: twelve digits.
pub fn validate_registry_id(id: &str) -> Result<(), String> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "registry id {id:?} is not an AWS account id (twelve digits)"
        ))
    }
}

/// Up to three of `candidates` close to `name` (a typo, a missing or extra namespace), the
/// closest first.
pub fn close_names<'a>(name: &str, candidates: &'a [String]) -> Vec<&'a str> {
    let last = |n: &str| n.rsplit('/').next().unwrap_or(n).to_owned();
    let name_last = last(name);
    let mut scored: Vec<(f64, &str)> = candidates
        .iter()
        .filter(|c| c.as_str() != name)
        .filter_map(|c| {
            let whole = strsim::normalized_damerau_levenshtein(name, c);
            let tail = strsim::normalized_damerau_levenshtein(&name_last, &last(c));
            let score = whole.max(tail * 0.95);
            (score >= 0.7).then_some((score, c.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// The registry hosts of ECR Public (IPv4 and dual-stack).
const PUBLIC_HOSTS: [&str; 2] = ["public.ecr.aws", "ecr-public.aws.com"];

/// Parse a repository argument: `team/app`,
/// `123456789012.dkr.ecr.us-east-2.amazonaws.com/team/app` (as Terraform's
/// `repository_url` prints it), its dual-stack form
/// `123456789012.dkr-ecr.us-east-2.on.aws/team/app`, or
/// `arn:aws:ecr:us-east-2:123456789012:repository/team/app`.
pub fn parse_target(arg: &str) -> Result<Target, String> {
    if let Some((scheme, _)) = arg.split_once("://") {
        return Err(format!(
            "{arg:?}: drop the scheme ({scheme}://): give a repository name, a repository URI \
             (ACCOUNT_ID.dkr.ecr.REGION.amazonaws.com/NAME) or an ARN"
        ));
    }
    if let Some(rest) = arg.strip_prefix("arn:") {
        return parse_arn(arg, rest);
    }
    if let Some((host, _)) = arg.split_once('/')
        && PUBLIC_HOSTS.contains(&host.to_ascii_lowercase().as_str())
    {
        return Err(public_not_supported(arg));
    }
    if let Some((host, path)) = arg.split_once('/')
        && (host.contains(".dkr.ecr") || host.contains(".dkr-ecr"))
    {
        return parse_uri(arg, host, path);
    }
    validate_name(arg)?;
    Ok(Target {
        name: arg.to_owned(),
        registry_id: None,
        region: None,
    })
}

fn parse_arn(arg: &str, rest: &str) -> Result<Target, String> {
    // arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let bad = || {
        format!(
            "{arg:?} is not an ECR repository ARN \
             (arn:aws:ecr:REGION:ACCOUNT_ID:repository/NAME)"
        )
    };
    let [_partition, service, region, account, resource] = parts[..] else {
        return Err(bad());
    };
    if service == "ecr-public" {
        return Err(public_not_supported(arg));
    }
    if service != "ecr" || !is_region(region) {
        return Err(bad());
    }
    let name = resource.strip_prefix("repository/").ok_or_else(bad)?;
    validate_registry_id(account).map_err(|e| format!("{arg:?}: {e}"))?;
    validate_name(name)?;
    Ok(Target {
        name: name.to_owned(),
        registry_id: Some(account.to_owned()),
        region: Some(region.to_owned()),
    })
}

/// A region as the SDK accepts one: lowercase letters, digits and hyphens (anything else it
/// refuses only when it builds the first request, with a message about endpoint parameters).
fn is_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn public_not_supported(arg: &str) -> String {
    format!(
        "{arg:?} is an ECR Public repository: not supported: ecr-purge works on private \
         registries"
    )
}

fn parse_uri(arg: &str, host: &str, path: &str) -> Result<Target, String> {
    // ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn], or dual-stack
    // ACCOUNT.dkr-ecr[-fips].REGION.on.aws (on.amazonwebservices.com.cn in China).
    let labels: Vec<&str> = host.split('.').collect();
    let bad = || {
        format!(
            "{arg:?} is not an ECR repository URI \
             (ACCOUNT_ID.dkr.ecr.REGION.amazonaws.com/NAME \
             or ACCOUNT_ID.dkr-ecr.REGION.on.aws/NAME)"
        )
    };
    let (account, region) = match labels[..] {
        [account, "dkr", ecr, region, _, _, ..] if ecr.starts_with("ecr") => (account, region),
        [account, dkr_ecr, region, "on", _, ..] if dkr_ecr.starts_with("dkr-ecr") => {
            (account, region)
        }
        _ => return Err(bad()),
    };
    if !is_region(region) {
        return Err(bad());
    }
    validate_registry_id(account).map_err(|e| format!("{arg:?}: {e}"))?;
    if path.contains('@')
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'))
    {
        return Err(format!(
            "{arg:?} names an image, not a repository: drop the tag or digest"
        ));
    }
    validate_name(path)?;
    Ok(Target {
        name: path.to_owned(),
        registry_id: Some(account.to_owned()),
        region: Some(region.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_catch_typos_and_namespaces() {
        let repos: Vec<String> = ["web", "team/app", "apps", "worker", "billing/api"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(close_names("app", &repos), ["team/app", "apps"]);
        assert_eq!(close_names("team/wrker", &repos), ["worker"]);
        assert_eq!(close_names("api", &repos), ["billing/api"]);
        assert!(close_names("zzz", &repos).is_empty());
        assert!(
            close_names("web", &repos).is_empty(),
            "the name itself is no suggestion"
        );
    }

    #[test]
    fn valid_names() {
        for name in [
            "ab",
            "app",
            "team/app",
            "a.b_c__d-e---f/g0",
            "0/1",
            "x1-y2.z3",
        ] {
            assert_eq!(validate_name(name), Ok(()), "{name}");
        }
        assert_eq!(validate_name(&"a".repeat(256)), Ok(()));
    }

    #[test]
    fn invalid_names_say_where() {
        let cases = [
            ("a", "too short"),
            ("App", "'A' at position 1"),
            ("team/App", "did you mean \"team/app\""),
            ("app:v1", "not an image"),
            ("app/", "empty path component at position 5"),
            ("/app", "empty path component at position 1"),
            ("team//app", "empty path component at position 6"),
            ("app-", "must end with a letter or digit at position 4"),
            ("-app", "must start with a letter or digit at position 1"),
            (
                "a___b",
                "separators must stand between letters or digits at position 4",
            ),
            (
                "a._b",
                "separators must stand between letters or digits at position 3",
            ),
            ("my app", "' ' at position 3"),
        ];
        for (name, expected) in cases {
            let err = validate_name(name).unwrap_err();
            assert!(err.contains(expected), "{name}: {err}");
        }
        assert!(validate_name(&"a".repeat(257)).unwrap_err().contains("257"));
    }

    #[test]
    fn uris_and_arns() {
        let t = parse_target("123456789012.dkr.ecr.us-east-2.amazonaws.com/team/app").unwrap();
        assert_eq!(
            t,
            Target {
                name: "team/app".into(),
                registry_id: Some("123456789012".into()),
                region: Some("us-east-2".into()),
            }
        );
        let t = parse_target("arn:aws:ecr:eu-west-1:210987654321:repository/web").unwrap();
        assert_eq!(t.name, "web");
        assert_eq!(t.registry_id.as_deref(), Some("210987654321"));
        assert_eq!(t.region.as_deref(), Some("eu-west-1"));
        let t = parse_target("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app").unwrap();
        assert_eq!(t.region.as_deref(), Some("us-gov-west-1"));
        let t = parse_target("123456789012.dkr-ecr.eu-west-1.on.aws/team/app").unwrap();
        assert_eq!(
            t,
            Target {
                name: "team/app".into(),
                registry_id: Some("123456789012".into()),
                region: Some("eu-west-1".into()),
            }
        );
        let t = parse_target("123456789012.dkr-ecr-fips.us-east-1.on.aws/app").unwrap();
        assert_eq!(t.region.as_deref(), Some("us-east-1"));
        let t = parse_target("123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn/app")
            .unwrap();
        assert_eq!(t.region.as_deref(), Some("cn-north-1"));
        assert_eq!(parse_target("web").unwrap().registry_id, None);
    }

    /// Found by the fuzz target `ecr_target`: any text between the dots of a URI (NUL bytes,
    /// `@`, `#`) was taken as the region, which the SDK refused only at the first call.
    #[test]
    fn fuzz_found_a_region_is_a_word() {
        for arg in [
            "314526789012.dkr-ecr.us-ea\0st-2.on.aws/team/app",
            "123456789012.dkr.ecr.x@127#.amazonaws.com/team/app",
            "123456789012.dkr.ecr.US-EAST-2.amazonaws.com/team/app",
            "arn:aws:ecr:x@127.0.0.1#:123456789012:repository/team/app",
        ] {
            let err = parse_target(arg).unwrap_err();
            assert!(err.contains("is not an ECR repository"), "{arg:?}: {err}");
            assert!(!err.contains('\0'), "{err:?}");
        }
        let t = parse_target("123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/app").unwrap();
        assert_eq!(t.region.as_deref(), Some("eu-central-1"));
    }

    #[test]
    fn bad_uris_and_arns() {
        for (arg, expected) in [
            (
                "123456789012.dkr.ecr.us-east-2.amazonaws.com/app:v1",
                "names an image",
            ),
            (
                "123456789012.dkr.ecr.us-east-2.amazonaws.com/app@sha256:00",
                "names an image",
            ),
            ("12345.dkr.ecr.us-east-2.amazonaws.com/app", "twelve digits"),
            ("arn:aws:s3:::bucket", "not an ECR repository ARN"),
            (
                "arn:aws:ecr:us-east-2:123456789012:app",
                "not an ECR repository ARN",
            ),
            (
                "arn:aws:ecr:us-east-2:123456789012:repository/App",
                "position 1",
            ),
            (
                "123456789012.dkr-ecr.us-east-2.on.aws/app:v1",
                "names an image",
            ),
            ("12345.dkr-ecr.us-east-2.on.aws/app", "twelve digits"),
            (
                "123456789012.dkr-ecr.us-east-2.example.com/app",
                "not an ECR repository URI",
            ),
            ("public.ecr.aws/alias/app", "ECR Public"),
            ("ecr-public.aws.com/alias/app", "ECR Public"),
            (
                "arn:aws:ecr-public::123456789012:repository/app",
                "not supported: ecr-purge works on private registries",
            ),
            (
                "https://123456789012.dkr.ecr.us-east-2.amazonaws.com/app",
                "drop the scheme (https://)",
            ),
        ] {
            let err = parse_target(arg).unwrap_err();
            assert!(err.contains(expected), "{arg}: {err}");
        }
        assert!(validate_registry_id("12345678901a").is_err());
        assert!(validate_registry_id("123456789012").is_ok());
    }
}
