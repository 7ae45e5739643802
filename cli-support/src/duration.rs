//! Durations on the command line (`30s`, `1m30s`, `500ms`, `14d`: a unit is required) and in
//! messages: one parser for every tool's duration flags (`value_parser = duration::parse`).

use std::fmt::Write as _;
use std::time::Duration;
#[cfg(feature = "retry-after")]
use std::time::SystemTime;

/// The longest duration accepted anywhere: ten years, enough for any age filter, and far
/// from overflow in deadline arithmetic.
pub const MAX: Duration = Duration::from_hours(3653 * 24);

/// Parse `30s`, `1m30s`, `1h`, `500ms`, `2.5s`, `14d`, `2w`. A number needs a unit, `0`
/// included (`0s`): a bare `14` is refused with a hint, because `--older-than 14` meant as
/// days and read as seconds selects everything.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration (expected e.g. 30s, 1m30s, 500ms, 14d)".to_owned());
    }
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!(
            "{t:?} has no unit: write {t}ms, {t}s, {t}m (minutes), {t}h or {t}d"
        ));
    }
    let parsed = humantime::parse_duration(t)
        .map_err(|e| format!("{e} (expected e.g. 30s, 1m30s, 500ms, 14d)"))?;
    if parsed > MAX {
        return Err(format!("{t:?} is too long (at most {})", format(MAX)));
    }
    Ok(parsed)
}

/// [`parse`], and more than zero.
pub fn parse_positive(text: &str) -> Result<Duration, String> {
    let d = parse(text)?;
    if d.is_zero() {
        return Err("must be more than zero".to_owned());
    }
    Ok(d)
}

/// `850ms`, `3.2s`, `2m5s`, `1h3s`: short, for progress lines.
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 60_000 {
        let tenths = (ms + 50) / 100;
        return if tenths.is_multiple_of(10) {
            format!("{}s", tenths / 10)
        } else {
            format!("{}.{}s", tenths / 10, tenths % 10)
        };
    }
    let secs = (ms + 500) / 1000;
    let mut out = String::new();
    for (value, unit) in [
        (secs / 3600, 'h'),
        ((secs % 3600) / 60, 'm'),
        (secs % 60, 's'),
    ] {
        if value > 0 {
            let _ = write!(out, "{value}{unit}");
        }
    }
    out
}

/// A `Retry-After` value (feature `retry-after`): delay-seconds or an HTTP-date (RFC 9110 §10.2.3). A date in the
/// past means "now"; anything else that does not parse is ignored.
#[cfg(feature = "retry-after")]
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(MAX.as_secs())));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Milliseconds for the JSON report.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2.5s"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
        assert_eq!(parse("14d"), Ok(Duration::from_hours(14 * 24)));
        assert_eq!(parse("2w"), Ok(Duration::from_hours(14 * 24)));
    }

    #[test]
    fn bare_numbers_need_a_unit() {
        assert_eq!(
            parse("14").unwrap_err(),
            r#""14" has no unit: write 14ms, 14s, 14m (minutes), 14h or 14d"#
        );
        assert_eq!(
            parse("0").unwrap_err(),
            r#""0" has no unit: write 0ms, 0s, 0m (minutes), 0h or 0d"#
        );
        assert!(parse(" 2.5 ").unwrap_err().contains("write 2.5ms, 2.5s,"));
        // Every unit the hint offers parses.
        for unit in ["ms", "s", "m", "h", "d"] {
            assert!(parse(&format!("500{unit}")).is_ok(), "{unit}");
            assert!(parse(&format!("2.5{unit}")).is_ok(), "{unit}");
        }
        assert!(parse_positive("45").unwrap_err().contains("no unit"));
    }

    #[test]
    fn rejects_nonsense() {
        assert!(parse("").is_err());
        assert!(parse("5 parsecs").is_err());
        assert!(parse("1.2.3").is_err());
        assert!(parse("-5s").is_err());
        assert!(parse("99999999999999999999999s").is_err());
        assert!(parse("4000days").unwrap_err().contains("too long"));
        assert_eq!(parse_positive("0s").unwrap_err(), "must be more than zero");
    }

    #[test]
    fn formats_short() {
        assert_eq!(format(Duration::from_millis(7)), "7ms");
        assert_eq!(format(Duration::from_millis(3200)), "3.2s");
        assert_eq!(format(Duration::from_secs(5)), "5s");
        assert_eq!(format(Duration::from_millis(59_990)), "60s");
        assert_eq!(format(Duration::from_secs(125)), "2m5s");
        assert_eq!(format(Duration::from_mins(5)), "5m");
        assert_eq!(format(Duration::from_secs(3603)), "1h3s");
        assert_eq!(format(Duration::from_hours(1)), "1h");
        assert_eq!(format(Duration::from_hours(48)), "48h");
    }

    #[cfg(feature = "retry-after")]
    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_mins(24_090_208); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_mins(2)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::from_secs(0)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
    }
}
