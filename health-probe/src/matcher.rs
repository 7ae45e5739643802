//! HTTP status matchers in the syntax of an ALB target group's `Matcher.HttpCode` (and curl's
//! `--fail-on-status`): `200`, `200,204`, `200-299`, or a mix such as `200-299,301,404`.

use std::fmt;

/// A set of HTTP status codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMatcher {
    ranges: Vec<(u16, u16)>,
}

impl StatusMatcher {
    /// Parse a comma-separated list of codes and inclusive ranges, each within 100-599.
    pub fn parse(text: &str) -> Result<StatusMatcher, String> {
        let mut ranges = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!(
                    "{text:?} has an empty item (expected codes and ranges such as 200,204 or 200-299)"
                ));
            }
            let (lo, hi) = if let Some((lo, hi)) = part.split_once('-') {
                (code(lo.trim(), text)?, code(hi.trim(), text)?)
            } else {
                let c = code(part, text)?;
                (c, c)
            };
            if lo > hi {
                return Err(format!(
                    "{part:?} is an empty range (write the lower code first, e.g. 200-299)"
                ));
            }
            ranges.push((lo, hi));
        }
        Ok(StatusMatcher { ranges })
    }

    /// Does the set hold `status`?
    pub fn contains(&self, status: u16) -> bool {
        self.ranges
            .iter()
            .any(|&(lo, hi)| lo <= status && status <= hi)
    }
}

fn code(text: &str, whole: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(c) if (100..=599).contains(&c) && text.len() == 3 => Ok(c),
        _ => Err(format!(
            "{text:?} in {whole:?} is not an HTTP status code (100 to 599)"
        )),
    }
}

impl fmt::Display for StatusMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(lo, hi)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alb_syntax() {
        let m = StatusMatcher::parse("200").unwrap();
        assert!(m.contains(200) && !m.contains(201));
        let m = StatusMatcher::parse("200,204").unwrap();
        assert!(m.contains(204) && !m.contains(202));
        let m = StatusMatcher::parse("200-299").unwrap();
        assert!(m.contains(200) && m.contains(299) && !m.contains(300) && !m.contains(199));
        let m = StatusMatcher::parse("200-204, 301,404").unwrap();
        assert!(m.contains(203) && m.contains(301) && m.contains(404) && !m.contains(302));
        assert_eq!(m.to_string(), "200-204,301,404");
    }

    #[test]
    fn bad_matchers_say_why() {
        assert!(StatusMatcher::parse("").unwrap_err().contains("empty item"));
        assert!(
            StatusMatcher::parse("200,")
                .unwrap_err()
                .contains("empty item")
        );
        assert!(
            StatusMatcher::parse("2xx")
                .unwrap_err()
                .contains("\"2xx\" in \"2xx\" is not an HTTP status code")
        );
        assert!(StatusMatcher::parse("600").is_err());
        assert!(StatusMatcher::parse("99").is_err());
        assert!(StatusMatcher::parse("0200").is_err());
        assert!(
            StatusMatcher::parse("299-200")
                .unwrap_err()
                .contains("empty range")
        );
        assert!(StatusMatcher::parse("200-").is_err());
        assert!(StatusMatcher::parse("200-299-300").is_err());
    }
}
