//! The CSV export: the timeline, one row per event in the order things happened.
//!
//! RFC 4180: CRLF line ends, and a cell holding a comma, a quote or a line break is quoted with
//! its quotes doubled. Every cell goes through [`crate::text::csv_safe`] first, so no cell is a
//! spreadsheet formula and none carries an escape sequence or a control character.

use super::{Report, rfc3339};
use crate::text::csv_safe;
use std::io::{Result, Write};

pub(super) const HEADER: [&str; 8] = [
    "seq",
    "at",
    "recorded_at",
    "occurred_at",
    "author",
    "kind",
    "description",
    "event_id",
];

pub(super) fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    record(w, &HEADER)?;
    for e in &r.events {
        let d = r.describe(e);
        let mut description = d.text;
        if d.amended {
            description.push_str(" (amended)");
        }
        if let Some(t) = d.moved_to {
            description.push_str(&format!(" (time corrected to {})", rfc3339(t)));
        }
        if d.retracted {
            description.push_str(" (retracted)");
        }
        let seq = e.seq.to_string();
        let at = rfc3339(e.at());
        let recorded_at = rfc3339(e.recorded_at);
        let occurred_at = e.occurred_at.map(rfc3339).unwrap_or_default();
        let id = e.id.to_string();
        record(
            w,
            &[
                &seq,
                &at,
                &recorded_at,
                &occurred_at,
                e.author.as_str(),
                e.kind(),
                &description,
                &id,
            ],
        )?;
    }
    Ok(())
}

fn record(w: &mut dyn Write, cells: &[&str]) -> Result<()> {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        field(w, &csv_safe(c))?;
    }
    w.write_all(b"\r\n")
}

fn field(w: &mut dyn Write, s: &str) -> Result<()> {
    if !s.contains([',', '"', '\r', '\n']) {
        return w.write_all(s.as_bytes());
    }
    w.write_all(b"\"")?;
    let mut parts = s.split('"');
    if let Some(first) = parts.next() {
        w.write_all(first.as_bytes())?;
    }
    for part in parts {
        w.write_all(b"\"\"")?;
        w.write_all(part.as_bytes())?;
    }
    w.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::fixture::*;
    use super::*;

    /// A small RFC 4180 reader, to check what a spreadsheet would see.
    fn parse(s: &str) -> Vec<Vec<String>> {
        let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
        let mut quoted = false;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if quoted {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        cell.push('"');
                    }
                    '"' => quoted = false,
                    c => cell.push(c),
                }
                continue;
            }
            match c {
                '"' => {
                    assert!(cell.is_empty(), "quote inside an unquoted cell");
                    quoted = true;
                }
                ',' => row.push(std::mem::take(&mut cell)),
                '\r' => {
                    assert_eq!(chars.next(), Some('\n'), "bare CR");
                    row.push(std::mem::take(&mut cell));
                    rows.push(std::mem::take(&mut row));
                }
                '\n' => panic!("line end without CR"),
                c => cell.push(c),
            }
        }
        assert!(
            !quoted && cell.is_empty() && row.is_empty(),
            "the last record is unterminated"
        );
        rows
    }

    fn rows() -> (String, Vec<Vec<String>>) {
        let f = build();
        let out = render(&f.store, &f.id, Format::Csv);
        let rows = parse(&out);
        (out, rows)
    }

    #[test]
    fn one_row_per_event_under_the_header() {
        let (out, rows) = rows();
        assert!(out.starts_with("seq,at,recorded_at,occurred_at,author,kind,description,event_id\r\n"));
        assert!(out.ends_with("\r\n"));
        assert_eq!(rows.len(), EVENTS + 1);
        assert!(rows.iter().all(|r| r.len() == HEADER.len()), "{rows:?}");
        assert_eq!(rows[0], HEADER);
    }

    #[test]
    fn rows_are_in_occurred_order() {
        let (_, rows) = rows();
        let first = &rows[1];
        assert_eq!(first[1], "2026-11-28T12:58:00.000000Z");
        assert_eq!(first[2], "2026-11-28T14:10:00.000000Z");
        assert_eq!(first[3], "2026-11-28T12:58:00.000000Z");
        assert_eq!(first[4], "ana@host");
        assert_eq!(first[5], "note");
        assert_eq!(first[6], "pager fired before anyone looked");
        assert_eq!(first[7].len(), 36);
        let seq: u64 = first[0].parse().unwrap();
        assert!(seq > 20, "the late note was appended last");
        assert_eq!(rows[2][5], "incident.declared");
        assert_eq!(rows[2][3], "", "no occurred_at given");
        let ats: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
        assert!(ats.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn formulas_are_defused_and_quotes_doubled() {
        let (out, rows) = rows();
        assert!(out.contains(r#","'=HYPERLINK(""http://evil"",""x"")","#), "{out}");
        assert!(rows.iter().any(|r| r[6] == r#"'=HYPERLINK("http://evil","x")"#));
        assert!(rows.iter().any(|r| r[6] == "Declared SEV2: Checkout 500s | EU"));
    }

    #[test]
    fn untrusted_text_is_cleaned_and_corrections_shown() {
        let (out, rows) = rows();
        assert_clean(&out);
        assert!(rows.iter().any(|r| r[6] == "cache flushed"));
        assert!(rows.iter().any(|r| r[6] == "corrected note text (amended)"));
        assert!(rows.iter().any(|r| r[6] == "wrong incident note (retracted)"));
        assert!(!out.contains("typo in the note"));
        assert!(rows.iter().any(|r| r[5] == "event.amended"));
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        record(&mut out, &["plain", "a,b", "say \"hi\"", "-1", ""]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",'-1,\r\n"
        );
    }
}
