//! Container image references (`registry[:port]/path:tag@sha256:hex`), checked against the
//! grammar Docker and the OCI distribution spec use, with ECS's limits on top: a name of at
//! most 255 characters and sha256 as the only digest. Plain values in, a parsed reference
//! ([`ImageRef::parse`]) or every problem found ([`ImageRefError`]) out; an ECR registry's
//! account and region: [`ImageRef::ecr`].
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ registry "/" ] path          (255 characters at most)
//! registry   := host [ ":" port ]              (the first component, when it has a '.' or a
//!                                               ':', is "localhost", or has capitals)
//! host       := label ( "." label )* | "[" IPv6 "]"
//! label      := [A-Za-z0-9] ( [A-Za-z0-9-]* [A-Za-z0-9] )?
//! path       := component ( "/" component )*
//! component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest     := "sha256:" [0-9a-fA-F]{64}
//! ```

use std::fmt;
use std::str::FromStr;

/// The longest name (registry and path) ECS takes.
pub const MAX_NAME: usize = 255;
/// The longest tag.
pub const MAX_TAG: usize = 128;

/// A parsed image reference; `to_string` gives the text back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `123456789012.dkr.ecr.us-east-2.amazonaws.com`, `localhost:5000`; `None` for Docker
    /// Hub (`nginx`, `amazon/amazon-ecs-agent`).
    pub registry: Option<String>,
    /// The repository (its path within the registry): `web`, `team/web`.
    pub repository: String,
    /// `1.5.0`, `latest`: what follows the last ':' after the last '/'.
    pub tag: Option<String>,
    /// `sha256:` and 64 hex digits.
    pub digest: Option<String>,
}

/// The ECR registry an image is in: `ACCOUNT.dkr.ecr.REGION.amazonaws.com` (also `ecr-fips`,
/// `amazonaws.com.cn`, and the dual-stack `ACCOUNT.dkr-ecr.REGION.on.aws`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ecr {
    /// The 12-digit AWS account ID.
    pub account: String,
    /// `us-east-2`.
    pub region: String,
}

impl ImageRef {
    /// Parse `text` as an image reference; every problem is listed, not just the first.
    pub fn parse(text: &str) -> Result<ImageRef, ImageRefError> {
        parse(text)
    }

    /// The name: registry and repository, without tag or digest.
    pub fn name(&self) -> String {
        match &self.registry {
            Some(registry) => format!("{registry}/{}", self.repository),
            None => self.repository.clone(),
        }
    }

    /// The account and region of a private ECR registry (host names compare without case;
    /// a port, or a registry of any other form, is not ECR). `public.ecr.aws` is not a
    /// private registry: `None`.
    pub fn ecr(&self) -> Option<Ecr> {
        let host = self.registry.as_deref()?.to_ascii_lowercase();
        let (account, rest) = host.split_once('.')?;
        let region = ["dkr.ecr.", "dkr.ecr-fips.", "dkr-ecr."]
            .iter()
            .find_map(|prefix| rest.strip_prefix(prefix))
            .and_then(|rest| {
                [".amazonaws.com", ".amazonaws.com.cn", ".on.aws"]
                    .iter()
                    .find_map(|suffix| rest.strip_suffix(suffix))
            })?;
        let valid_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        let valid_region = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        (valid_account && valid_region).then(|| Ecr {
            account: account.to_owned(),
            region: region.to_owned(),
        })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Every problem found in a reference, each a phrase: "empty tag after ':' ...".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageRefError {
    /// What is wrong, quoting the parts of the reference.
    pub problems: Vec<String>,
    /// The same problems without any part of the reference, for messages that must not
    /// show it (a value a --filter may have copied from an environment variable).
    pub kinds: Vec<&'static str>,
}

impl ImageRefError {
    fn add(&mut self, kind: &'static str, problem: String) {
        self.kinds.push(kind);
        self.problems.push(problem);
    }

    /// The problems without any part of the reference: "empty tag after ':'; ...".
    pub fn kinds_only(&self) -> String {
        self.kinds.join("; ")
    }
}

impl fmt::Display for ImageRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("; "))
    }
}

impl std::error::Error for ImageRefError {}

impl FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(s: &str) -> Result<Self, ImageRefError> {
        parse(s)
    }
}

/// What an empty part most likely means in CI.
const UNSET: &str = "did a variable expand to nothing?";

/// Parse `text` as an image reference; every problem is listed, not just the first.
pub fn parse(text: &str) -> Result<ImageRef, ImageRefError> {
    let mut problems = ImageRefError::default();
    if text.is_empty() {
        problems.add(
            "the image reference is empty",
            format!("the image reference is empty: {UNSET}"),
        );
        return Err(problems);
    }
    if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        problems.add(
            "it has spaces or control characters",
            format!("an image reference has no spaces or control characters, found {c:?}"),
        );
        return Err(problems);
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    // The tag is after the last ':' that comes after the last '/' (a registry's port has a
    // '/' after it).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };

    let (registry, path) = split_registry(name);
    if name.is_empty() {
        problems.add(
            "empty repository name",
            format!(
                "empty repository name before {:?}: {UNSET}",
                &text[name.len()..]
            ),
        );
    } else {
        if let Some(registry) = registry {
            check_registry(registry, &mut problems);
        }
        check_path(path, &mut problems);
        if name.len() > MAX_NAME {
            problems.add(
                "the name is longer than ECS takes",
                format!(
                    "the name (registry and repository) is {} characters; ECS takes at most \
                 {MAX_NAME}",
                    name.len()
                ),
            );
        }
    }
    if let Some(tag) = tag {
        check_tag(tag, &mut problems);
    }
    if let Some(digest) = digest {
        check_digest(digest, &mut problems);
    }
    if problems.problems.is_empty() {
        Ok(ImageRef {
            registry: registry.map(str::to_owned),
            repository: path.to_owned(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
        })
    } else {
        Err(problems)
    }
}

/// Docker's rule: the first component is a registry when there is a '/' after it and it has
/// a '.' or a ':', is `localhost`, or has capitals (a path never has); or an IPv6 address in
/// brackets.
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, path))
            if first.contains(['.', ':'])
                || first.starts_with('[')
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), path)
        }
        _ => (None, name),
    }
}

fn check_registry(registry: &str, problems: &mut ImageRefError) {
    let (host, port) = if let Some(after) = registry.strip_prefix('[') {
        // [IPv6]:port
        let Some((ip, rest)) = after.split_once(']') else {
            problems.add(
                "the registry's IPv6 address has no ']'",
                format!("registry {registry:?}: no ']' after the IPv6 address"),
            );
            return;
        };
        if ip.is_empty() || !ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            problems.add(
                "the registry's IPv6 address is not valid",
                format!("registry {registry:?}: {ip:?} is not an IPv6 address"),
            );
        }
        if rest.is_empty() {
            (None, None)
        } else if let Some(port) = rest.strip_prefix(':') {
            (None, Some(port))
        } else {
            problems.add(
                "the registry has no ':PORT' after its IPv6 address",
                format!("registry {registry:?}: expected ':PORT' after the IPv6 address"),
            );
            return;
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(registry), None),
        }
    };
    if let Some(host) = host {
        let labels_ok = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if host.is_empty() {
            problems.add(
                "empty registry host name",
                format!("registry {registry:?}: empty host name: {UNSET}"),
            );
        } else if !labels_ok {
            problems.add(
                "the registry is not a host name",
                format!(
                    "registry {registry:?}: {host:?} is not a host name (letters, digits and '-', \
                 in labels separated by '.', none empty)"
                ),
            );
        }
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p > 0);
        if port.is_empty() {
            problems.add(
                "empty registry port",
                format!("registry {registry:?}: empty port after ':': {UNSET}"),
            );
        } else if !valid {
            problems.add(
                "the registry port is not a number from 1 to 65535",
                format!("registry {registry:?}: port {port:?} is not a number from 1 to 65535"),
            );
        }
    }
}

fn check_path(path: &str, problems: &mut ImageRefError) {
    let components: Vec<&str> = path.split('/').collect();
    if components.iter().any(|c| c.is_empty()) {
        let place = if path.starts_with('/') {
            "at the start"
        } else if path.ends_with('/') {
            "at the end"
        } else {
            "('//')"
        };
        problems.add(
            "an empty repository path component",
            format!("empty path component {place} of the repository {path:?}: {UNSET}"),
        );
    }
    for component in components.into_iter().filter(|c| !c.is_empty()) {
        if component.chars().any(|c| c.is_ascii_uppercase())
            && valid_component(&component.to_ascii_lowercase())
        {
            problems.add(
                "the repository has capitals (repository names are lowercase)",
                format!(
                    "repository {path:?}: {component:?} has capitals; repository names are \
                 lowercase"
                ),
            );
        } else if !valid_component(component) {
            problems.add(
                "the repository has an invalid path component",
                format!(
                    "repository {path:?}: {component:?} is not a valid path component (lowercase \
                 letters and digits, separated by '.', '_', '__' or '-')"
                ),
            );
        }
    }
}

/// `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`
fn valid_component(component: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes: Vec<char> = component.chars().collect();
    let mut i = 0;
    loop {
        // One run of letters and digits.
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == bytes.len() {
            return true;
        }
        // One separator.
        let sep_start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep: String = bytes[sep_start..i].iter().collect();
        let valid_sep = matches!(sep.as_str(), "." | "_" | "__") || sep.chars().all(|c| c == '-');
        if !valid_sep {
            return false;
        }
    }
}

fn check_tag(tag: &str, problems: &mut ImageRefError) {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if tag.is_empty() {
        problems.add(
            "empty tag after ':'",
            format!("empty tag after ':': {UNSET}"),
        );
        return;
    }
    let mut chars = tag.chars();
    let first_ok = chars.next().is_some_and(word);
    let rest_ok = chars.all(|c| word(c) || c == '.' || c == '-');
    if !first_ok || !rest_ok {
        problems.add("the tag is not valid (letters, digits, '_', '.' and '-', not starting with '.' or '-')", format!(
            "tag {tag:?} is not valid: letters, digits, '_', '.' and '-', not starting with \
             '.' or '-'"
        ));
    } else if tag.len() > MAX_TAG {
        problems.add(
            "the tag is longer than 128 characters",
            format!(
                "tag {:?}... is {} characters; at most {MAX_TAG}",
                &tag[..20],
                tag.len()
            ),
        );
    }
}

fn check_digest(digest: &str, problems: &mut ImageRefError) {
    if digest.is_empty() {
        problems.add(
            "empty digest after '@'",
            format!("empty digest after '@': {UNSET}"),
        );
        return;
    }
    let valid = digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()));
    if !valid {
        let shown: String = digest.chars().take(80).collect();
        problems.add(
            "the digest is not sha256: and 64 hex digits",
            format!("digest {shown:?} is not valid: ECS takes sha256: and 64 hex digits"),
        );
    }
}

#[cfg(test)]
mod tests;
