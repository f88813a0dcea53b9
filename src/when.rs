//! Times as people type them during an incident: "13:05", "-15m", or a full timestamp.
//! Everything is UTC: the timeline stores UTC and shows local time beside it.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

pub fn parse(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Some(rel) = s.strip_prefix('-') {
        return relative(rel).map(|d| now - d).ok_or_else(|| bad(input));
    }
    if let Some(rel) = s.strip_suffix(" ago") {
        return relative(rel.trim()).map(|d| now - d).ok_or_else(|| bad(input));
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

fn relative(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok()?;
    match unit.trim() {
        "s" | "sec" | "secs" | "seconds" => Some(Duration::seconds(n)),
        "m" | "min" | "mins" | "minutes" => Some(Duration::minutes(n)),
        "h" | "hour" | "hours" => Some(Duration::hours(n)),
        "d" | "day" | "days" => Some(Duration::days(n)),
        _ => None,
    }
}

fn bad(input: &str) -> String {
    format!("`{input}` is not a time: use 2026-11-28T13:05:00Z, `2026-11-28 13:05`, `13:05` (UTC) or `-15m`")
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
    fn durations_read_well() {
        assert_eq!(human_duration(chrono::TimeDelta::seconds(3912)), "1h 05m 12s");
        assert_eq!(human_duration(chrono::TimeDelta::seconds(243)), "4m 03s");
        assert_eq!(human_duration(chrono::TimeDelta::seconds(9)), "9s");
    }
}
