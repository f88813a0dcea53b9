//! Untrusted text made safe for a terminal, a report or a spreadsheet.
//!
//! Notes typed by other people and data from sources can carry escape sequences that would
//! move the cursor, retitle the window, or hide text; bidirectional overrides can reorder a
//! line. Everything shown or exported goes through here first.

use std::borrow::Cow;

/// Characters that are invisible or reorder text: bidi embeddings and overrides, isolates,
/// zero-width characters, the BOM. Shown as nothing.
fn is_format_control(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}'
    )
}

/// One line of text for the terminal: escape sequences removed, other control characters
/// (newlines and tabs included) turned into spaces, invisible formatting characters dropped.
pub fn clean_line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Multi-line text: like [`clean_line`] but keeps newlines (and turns tabs into spaces).
pub fn clean_text(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

fn clean(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let safe = |c: char| !(c.is_control() || is_format_control(c));
    if s.chars().all(safe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars), // 8-bit CSI
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars), // 8-bit OSC, DCS, PM, APC
            '\n' if keep_newlines => out.push('\n'),
            // CRLF, and a lone CR (how tmux, xterm, VTE and iTerm2 paste a line break), are
            // both one line break.
            '\r' if keep_newlines => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c if c.is_control() => out.push(' '),
            c if is_format_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After ESC: CSI (`[`), OSC/DCS/PM/APC/SOS strings, or a two-character sequence.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | '^' | '_' | 'X') => skip_string(chars),
        // Intermediates (e.g. `ESC ( B`), then one final byte.
        Some(c) if (' '..='/').contains(&c) => {
            while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates, then one final byte in `@`..=`~`.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            return;
        }
        if c.is_control() && c != '\u{1b}' {
            return;
        }
    }
}

/// A string sequence ends at BEL, ST (`ESC \`) or the 8-bit ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

/// A CSV cell that a spreadsheet will not run as a formula.
pub fn csv_safe(s: &str) -> Cow<'_, str> {
    let cleaned = clean_line(s);
    if cleaned.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{cleaned}"))
    } else {
        cleaned
    }
}

/// Cut to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched_and_not_copied() {
        assert!(matches!(
            clean_line("SEV1 · db-01 down — ünïcode 漢字"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_are_removed() {
        assert_eq!(clean_line("a\u{1b}[2J\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(clean_line("x\u{1b}]0;pwned\u{7}y"), "xy");
        assert_eq!(
            clean_line("x\u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\y"),
            "xlinky"
        );
        assert_eq!(clean_line("x\u{1b}(By"), "xy");
        assert_eq!(clean_line("x\u{9b}31my"), "xy");
        assert_eq!(clean_line("unterminated \u{1b}]0;title"), "unterminated ");
    }

    #[test]
    fn controls_become_spaces_and_invisible_marks_vanish() {
        assert_eq!(clean_line("a\tb\nc\rd\u{7}e\u{0}f"), "a b c d e f");
        assert_eq!(clean_text("a\r\nb\tc"), "a\nb c");
        // Issue 24, item 5: a terminal pastes line breaks as CR.
        assert_eq!(clean_text("first\rsecond\r\nthird\r"), "first\nsecond\nthird\n");
        assert_eq!(clean_line("admin\u{202E}txt.exe"), "admintxt.exe");
        assert_eq!(clean_line("zero\u{200B}width"), "zerowidth");
    }

    #[test]
    fn csv_cells_cannot_be_formulas() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("-1"), "'-1");
        assert_eq!(csv_safe("ok"), "ok");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
