//! What the edit flags say (`--image`, `--env`, `--secret`, `--unset-env`, `--unset-secret`,
//! `--family`), parsed and checked before anything is read.

use std::fmt;
use std::str::FromStr;

/// `--image [NAME=]URI`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEdit {
    pub container: Option<String>,
    pub uri: String,
}

impl FromStr for ImageEdit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (container, uri) = match s.split_once('=') {
            Some((name, uri)) => {
                if name.is_empty() {
                    return Err("expected NAME=URI or URI; the container NAME is empty".into());
                }
                (Some(name.to_owned()), uri)
            }
            None => (None, s),
        };
        if uri.trim().is_empty() {
            return Err(
                "expected NAME=URI or URI; the image URI is empty: did a variable expand to \
                 nothing?"
                    .into(),
            );
        }
        if let Err(e) = ecs_taskdef::image_ref::parse(uri) {
            return Err(format!("{uri:?} is not an image reference: {e}"));
        }
        Ok(ImageEdit {
            container,
            uri: uri.to_owned(),
        })
    }
}

/// `NAME:KEY=VALUE` (`--env`, `--secret`): split on the first ':' and then the first '='.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerKeyValue {
    pub container: String,
    pub key: String,
    pub value: String,
}

impl FromStr for ContainerKeyValue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        const USE: &str = "expected NAME:KEY=VALUE (container name, variable name, value), \
                           e.g. app:LOG_LEVEL=debug";
        // The messages name the container, never the rest: it may be a value, and a secret.
        let Some((container, rest)) = s.split_once(':') else {
            return Err(format!("{USE}; there is no ':' after the container NAME"));
        };
        if container.is_empty() {
            return Err(format!("{USE}; the container NAME is empty"));
        }
        let Some((key, value)) = rest.split_once('=') else {
            return Err(format!(
                "{USE}; container {container:?}: there is no '=' after the KEY"
            ));
        };
        if key.is_empty() {
            return Err(format!("{USE}; container {container:?}: the KEY is empty"));
        }
        Ok(ContainerKeyValue {
            container: container.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// `NAME:KEY` (`--unset-env`, `--unset-secret`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerKey {
    pub container: String,
    pub key: String,
}

impl FromStr for ContainerKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        const USE: &str = "expected NAME:KEY (container name, variable name), e.g. app:DEBUG";
        match s.split_once(':') {
            Some((container, key)) if !container.is_empty() && !key.is_empty() => {
                Ok(ContainerKey {
                    container: container.to_owned(),
                    key: key.to_owned(),
                })
            }
            _ => Err(USE.to_owned()),
        }
    }
}

/// The same container twice in `--image` (or twice no container name): which one was meant
/// cannot be told, so it is a usage error rather than "the last one wins".
pub fn repeated_image(images: &[ImageEdit]) -> Result<(), String> {
    for (i, later) in images.iter().enumerate() {
        if let Some(earlier) = images[..i].iter().find(|e| e.container == later.container) {
            return Err(match &later.container {
                Some(name) => format!(
                    "--image {name}={} and --image {name}={}: container {name:?} is given two \
                     images; give it one",
                    earlier.uri, later.uri
                ),
                None => format!(
                    "--image {} and --image {}: two images without a container name; give one, \
                     or name the containers (--image NAME=URI)",
                    earlier.uri, later.uri
                ),
            });
        }
    }
    Ok(())
}

/// `--family`: what ECS accepts (up to 255 letters, digits, hyphens and underscores).
pub fn parse_family(s: &str) -> Result<String, String> {
    let valid = !s.is_empty()
        && s.len() <= ecs_taskdef::NAME_MAX
        && s.chars().all(ecs_taskdef::is_name_char);
    if valid {
        Ok(s.to_owned())
    } else {
        Err("a family is 1 to 255 letters, digits, hyphens (-) and underscores (_)".to_owned())
    }
}

impl fmt::Display for ContainerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.container, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(s: &str) -> ContainerKeyValue {
        s.parse().unwrap()
    }

    fn k(s: &str) -> ContainerKey {
        s.parse().unwrap()
    }

    #[test]
    fn parses_edits() {
        assert_eq!(
            "app:URL=https://x/?a=b"
                .parse::<ContainerKeyValue>()
                .unwrap(),
            ContainerKeyValue {
                container: "app".into(),
                key: "URL".into(),
                value: "https://x/?a=b".into()
            }
        );
        assert_eq!(kv("app:EMPTY=").value, "");
        assert!("app".parse::<ContainerKeyValue>().is_err());
        assert!("app:=v".parse::<ContainerKeyValue>().is_err());
        assert!(":K=v".parse::<ContainerKeyValue>().is_err());
        assert!("app:K".parse::<ContainerKeyValue>().is_err());
        assert_eq!(
            "reg.example:5000/app:1.2".parse::<ImageEdit>().unwrap(),
            ImageEdit {
                container: None,
                uri: "reg.example:5000/app:1.2".into()
            }
        );
        assert_eq!(
            format!("app=repo/app@sha256:{}", "ab".repeat(32))
                .parse::<ImageEdit>()
                .unwrap()
                .container
                .as_deref(),
            Some("app")
        );
        assert!("app=".parse::<ImageEdit>().is_err());
        assert!("=x".parse::<ImageEdit>().is_err());
        assert!("a b".parse::<ImageEdit>().is_err());
        assert!("app=repo/app@sha256:abc".parse::<ImageEdit>().is_err());
        assert!("app=:abc".parse::<ImageEdit>().is_err());
        assert!("app=/web:".parse::<ImageEdit>().is_err());
        assert_eq!(k("app:K").to_string(), "app:K");
        assert!("app:".parse::<ContainerKey>().is_err());
        assert!(parse_family("web-api_2").is_ok());
        assert!(parse_family("web api").is_err());
        assert!(parse_family(&"x".repeat(256)).is_err());
    }
}
