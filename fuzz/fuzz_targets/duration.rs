//! `cli_support::duration`: `parse` and `parse_positive` (every duration flag of every tool),
//! `format` (progress lines), `retry_after` (HTTP `Retry-After`), over any text.
//!
//! What must hold, besides no panic:
//! - a parsed duration is at most `MAX`, and `parse_positive` is `parse` without zero;
//! - a parsed duration formats to a text that parses again, to the same value within the
//!   rounding `format` states: whole milliseconds under a second, tenths of a second under a
//!   minute, whole seconds above;
//! - a `Retry-After` in seconds is at most `MAX`.

#![no_main]

use std::time::{Duration, SystemTime};

use cli_support::duration::{MAX, format, millis, parse, parse_positive, retry_after};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse(text);
    match &parsed {
        Ok(d) => {
            let d = *d;
            assert!(d <= MAX, "{text:?} gave {d:?}");
            let shown = format(d);
            let again = parse(&shown).unwrap_or_else(|e| panic!("{d:?} -> {shown:?}: {e}"));
            let within = if d < Duration::from_secs(1) {
                Duration::from_millis(1)
            } else if d < Duration::from_mins(1) {
                Duration::from_millis(50)
            } else {
                Duration::from_millis(500)
            };
            assert!(
                again.abs_diff(d) <= within,
                "{d:?} -> {shown:?} -> {again:?}"
            );
            assert_eq!(millis(d), u64::try_from(d.as_millis()).unwrap());
            assert_eq!(parse_positive(text).is_ok(), !d.is_zero());
        }
        Err(e) => {
            assert!(!e.is_empty());
            assert!(parse_positive(text).is_err());
        }
    }

    let now = SystemTime::UNIX_EPOCH + Duration::from_hours(490_000);
    if let Some(wait) = retry_after(text, now)
        && text.trim().parse::<u64>().is_ok()
    {
        assert!(wait <= MAX);
    }
});
