//! Word wrapping by display width, for every pane and popup that shows text in full: the
//! timeline's entries, details, the latest update, popups. Lines break at spaces where they
//! can, inside a word only when it is wider than the line.

use ratatui::style::Style;
use ratatui::text::Span;
use std::ops::Range;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Where each line of `text` wrapped to `width` columns starts and ends, as byte ranges into
/// `text` (the space a line breaks at belongs to neither; a `\n` ends a line).
pub fn ranges(text: &str, width: usize) -> Vec<Range<usize>> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut paragraph_start = 0;
    for paragraph in text.split('\n') {
        let (mut start, mut end, mut used) = (paragraph_start, paragraph_start, 0);
        let mut at = paragraph_start;
        for word in paragraph.split(' ') {
            let (word_start, word_end) = (at, at + word.len());
            at = word_end + 1;
            let w = word.width();
            if used > 0 && used + 1 + w <= width {
                end = word_end;
                used += 1 + w;
                continue;
            }
            if used > 0 {
                out.push(start..end);
                used = 0;
            }
            start = word_start;
            for (i, c) in word.char_indices() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && used > 0 {
                    out.push(start..word_start + i);
                    start = word_start + i;
                    used = 0;
                }
                used += cw;
            }
            end = word_end;
        }
        out.push(start..end);
        paragraph_start += paragraph.len() + 1;
    }
    out
}

/// `text` wrapped to `width` columns, a string per line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    ranges(text, width)
        .into_iter()
        .map(|r| text[r].to_string())
        .collect()
}

/// Styled pieces wrapped together as one text to `width` columns: each line's spans.
pub fn styled(parts: &[(String, Style)], width: usize) -> Vec<Vec<Span<'static>>> {
    let text: String = parts.iter().map(|(s, _)| s.as_str()).collect();
    let mut bounds = Vec::with_capacity(parts.len());
    let mut at = 0;
    for (s, style) in parts {
        bounds.push((at..at + s.len(), *style));
        at += s.len();
    }
    ranges(&text, width)
        .into_iter()
        .map(|line| {
            (bounds.iter())
                .filter_map(|(part, style)| {
                    let (start, end) = (line.start.max(part.start), line.end.min(part.end));
                    (start < end).then(|| Span::styled(text[start..end].to_string(), *style))
                })
                .collect()
        })
        .collect()
}

/// How many lines `text` takes at `width` columns.
pub fn height(text: &str, width: usize) -> usize {
    ranges(text, width).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let text = "a short line\nand a much longer line with a verylongwordthatcannotfit in it";
        let lines = wrap(text, 10);
        assert!(lines.iter().all(|l| l.width() <= 10), "{lines:?}");
        assert_eq!(lines[0], "a short");
        assert_eq!(lines[1], "line");
        assert_eq!(lines.concat().replace(' ', ""), text.replace([' ', '\n'], ""));
        let wide = wrap("漢字漢字漢字", 5);
        assert!(wide.iter().all(|l| l.width() <= 5), "{wide:?}");
        assert_eq!(wide.len(), 3);
    }

    #[test]
    fn styled_pieces_keep_their_styles_across_lines() {
        let bold = Style::new().bold();
        let parts = [
            ("[ ] ".to_string(), Style::new()),
            ("Stop the bleeding".to_string(), bold),
            ("  (ops)".to_string(), Style::new()),
        ];
        let lines = styled(&parts, 12);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, ["[ ] Stop the", "bleeding ", "(ops)"]);
        assert_eq!(lines[1][0].style, bold, "the title's style goes on with it");
        assert_eq!(lines[2][0].style, Style::new());
    }

    #[test]
    fn ranges_point_into_the_text_and_cover_every_word() {
        let text = "DECISION: Scale redis-auth from 3 to 6 nodes and watch p99";
        let rs = ranges(text, 20);
        assert_eq!(&text[rs[0].clone()], "DECISION: Scale");
        assert_eq!(&text[rs.last().cloned().unwrap_or_default()], "p99");
        let joined: Vec<&str> = rs.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(joined.join(" "), text);
        assert_eq!(height(text, 200), 1);
        assert_eq!(height("", 10), 1, "an empty text still takes its line");
    }
}
