//! Times as people type them during an incident: "13:05", "-15m", or a full timestamp.
//! Everything is UTC: the timeline stores UTC and shows local time beside it.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The farthest a typed time may be from now, either way: further is a typo (`-15d` for
/// `-15m`, a year slip) or an overflow, never an incident's time.
pub const MAX_YEARS_AWAY: i64 = 5;

/// A time as typed, relative to `now`; refused if more than [`MAX_YEARS_AWAY`] years away.
pub fn parse(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let at = parse_any(input, now)?;
    let limit = Duration::days(366 * MAX_YEARS_AWAY);
    let away = at.signed_duration_since(now);
    if away.abs() > limit {
        let which = if away < Duration::zero() {
            "ago"
        } else {
            "from now"
        };
        return Err(format!(
            "`{input}` is more than {MAX_YEARS_AWAY} years {which}: give a time within {MAX_YEARS_AWAY} years of now"
        ));
    }
    Ok(at)
}

/// A late entry's time at the start of its text, `@14:57 …` or `@-15m …`: when it happened
/// (checked as `--occurred-at` is, and never in the future) and the text after it. Text that
/// does not start with `@` and a digit or `-` has no time: `@kenji` is a mention.
pub fn leading(text: &str, now: DateTime<Utc>) -> Result<(Option<DateTime<Utc>>, &str), String> {
    let Some(rest) = text
        .strip_prefix('@')
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit() || c == '-'))
    else {
        return Ok((None, text));
    };
    let (time, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let at = parse(time, now)?;
    if at > now + Duration::minutes(1) {
        return Err(format!(
            "`{time}` is in the future: a late entry says when something happened"
        ));
    }
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Err(format!("Nothing after @{time}: write what happened then."));
    }
    Ok((Some(at), rest))
}

fn parse_any(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let rel = s
        .strip_prefix('-')
        .or_else(|| s.strip_suffix(" ago").map(str::trim));
    if let Some(rel) = rel {
        let d = relative(rel).ok_or_else(|| bad(input))?;
        // Checked: `-99999999999999m` is out of any clock's range, not a panic.
        return Duration::try_milliseconds(d)
            .and_then(|d| now.checked_sub_signed(d))
            .ok_or_else(|| too_far(input));
    }
    let s = s.trim_end_matches('Z').trim_end_matches(" UTC");
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    for fmt in ["%H:%M:%S", "%H:%M"] {
        if let Ok(t) = NaiveTime::parse_from_str(s, fmt) {
            let today: NaiveDate = now.date_naive();
            let at = Utc.from_utc_datetime(&today.and_time(t));
            // "13:05" said at 00:10 means yesterday's 13:05.
            return Ok(if at > now { at - Duration::days(1) } else { at });
        }
    }
    Err(bad(input))
}

/// `15m`, `2 hours`: milliseconds, or `None` if it is not a duration or overflows.
fn relative(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    if n.is_empty() {
        return None;
    }
    // More digits than an i64 holds is a time far out of range, not "not a time".
    let n: i64 = n.parse().unwrap_or(i64::MAX);
    let unit_ms: i64 = match unit.trim() {
        "s" | "sec" | "secs" | "seconds" => 1_000,
        "m" | "min" | "mins" | "minutes" => 60_000,
        "h" | "hour" | "hours" => 3_600_000,
        "d" | "day" | "days" => 86_400_000,
        _ => return None,
    };
    Some(n.checked_mul(unit_ms).unwrap_or(i64::MAX))
}

fn bad(input: &str) -> String {
    format!("`{input}` is not a time: use 2026-11-28T13:05:00Z, `2026-11-28 13:05`, `13:05` (UTC) or `-15m`")
}

fn too_far(input: &str) -> String {
    format!("`{input}` is too many years away: give a time within {MAX_YEARS_AWAY} years of now")
}

/// `1h 05m 12s`, `4m 03s`, `12s`: durations as a report shows them.
pub fn human_duration(d: chrono::TimeDelta) -> String {
    let secs = d.num_seconds();
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{sign}{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{sign}{m}m {s:02}s")
    } else {
        format!("{sign}{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_entry_says_its_time_first_and_a_mention_is_not_one() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 28, 15, 0, 0)
            .single()
            .expect("valid");
        let at = |h, m| {
            Utc.with_ymd_and_hms(2026, 11, 28, h, m, 0)
                .single()
                .expect("valid")
        };
        assert_eq!(
            leading("@14:57 db failed over", now),
            Ok((Some(at(14, 57)), "db failed over"))
        );
        assert_eq!(
            leading("@-15m  paged kenji", now),
            Ok((Some(at(14, 45)), "paged kenji"))
        );
        assert_eq!(
            leading("@kenji please look", now),
            Ok((None, "@kenji please look"))
        );
        assert_eq!(leading("no time here", now), Ok((None, "no time here")));
        assert!(leading("@14:99 typo", now).unwrap_err().contains("not a time"));
        assert!(
            leading("@2026-11-28T16:00:00Z later", now)
                .unwrap_err()
                .contains("future")
        );
        assert!(leading("@14:57", now).unwrap_err().contains("Nothing after"));
        assert!(
            leading("@-99999d long ago", now).is_err(),
            "range-checked like --occurred-at"
        );
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 13, 20, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn accepts_what_a_scribe_types() {
        let at = |s| parse(s, now()).expect(s);
        assert_eq!(at("13:05"), Utc.with_ymd_and_hms(2026, 11, 28, 13, 5, 0).unwrap());
        assert_eq!(at("14:00"), Utc.with_ymd_and_hms(2026, 11, 27, 14, 0, 0).unwrap());
        assert_eq!(at("-15m"), Utc.with_ymd_and_hms(2026, 11, 28, 13, 5, 0).unwrap());
        assert_eq!(
            at("2h ago"),
            Utc.with_ymd_and_hms(2026, 11, 28, 11, 20, 0).unwrap()
        );
        assert_eq!(
            at("2026-11-28 09:00"),
            Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap()
        );
        assert_eq!(
            at("2026-11-28T15:00:00+02:00"),
            Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).unwrap()
        );
        assert!(parse("teatime", now()).is_err());
        assert!(parse("-15 fortnights", now()).is_err());
    }

    #[test]
    fn times_too_far_away_are_refused_not_panics() {
        for far in [
            "-99999999999999m",
            "-99999999999999999999m",
            "-9223372036854775807d",
            "999999999999 hours ago",
            "-2000d",
            "9999-12-31T23:59:59Z",
            "1900-01-01 00:00",
        ] {
            let e = parse(far, now()).expect_err(far);
            assert!(e.contains(far) && e.contains("years"), "{e}");
        }
        assert!(parse("-1800d", now()).is_ok());
        assert!(parse("2030-01-01T00:00:00Z", now()).is_ok());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(chrono::TimeDelta::seconds(3912)), "1h 05m 12s");
        assert_eq!(human_duration(chrono::TimeDelta::seconds(243)), "4m 03s");
        assert_eq!(human_duration(chrono::TimeDelta::seconds(9)), "9s");
    }
}
