//! Copying to the responder's own clipboard, wherever their terminal is: OSC 52, which the
//! terminal at the far end of an SSH session acts on (xterm, iTerm2, kitty, WezTerm, Windows
//! Terminal, foot…). The console never reaches for a local clipboard tool: over SSH on a jump
//! host that would be the jump host's.

use crate::text::clean_text;
use base64::Engine;

/// The most text one copy carries: terminals cap OSC 52 (xterm at about 100 KB of base64).
pub const MAX_BYTES: usize = 74_000;

/// Why a copy cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    #[error("nothing to copy")]
    Empty,
    #[error("too long for the clipboard ({0} KB): use :export PATH")]
    TooLong(usize),
}

/// `text` as it would be copied: cleaned, and not empty or too long for a terminal to take.
pub fn check(text: &str) -> Result<String, CopyError> {
    let text = clean_text(text);
    if text.trim().is_empty() {
        return Err(CopyError::Empty);
    }
    if text.len() > MAX_BYTES {
        return Err(CopyError::TooLong(text.len().div_ceil(1024)));
    }
    Ok(text.into_owned())
}

/// The bytes that put `text` on the clipboard: cleaned first (a pasted escape sequence must not
/// run in whatever terminal it is pasted into). Under tmux (`tmux`) it is sent twice: as it
/// is, for tmux's own `set-clipboard on`, and through its passthrough for `allow-passthrough
/// on`; one of them reaches the outer terminal when either is set.
pub fn osc52(text: &str, tmux: bool) -> Result<Vec<u8>, CopyError> {
    let text = check(text)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let seq = format!("\x1b]52;c;{encoded}\x07").into_bytes();
    let mut out = seq.clone();
    if tmux {
        out.extend(super::notify::tmux_passthrough(&seq));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_encoded_and_wrapped_for_tmux() {
        let plain = osc52("roll back\n\x1b]0;pwned\x07v4.18", false).expect("copies");
        let s = String::from_utf8(plain).expect("ascii");
        let b64 = s
            .strip_prefix("\x1b]52;c;")
            .and_then(|r| r.strip_suffix('\x07'))
            .expect("one OSC 52");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        let decoded = String::from_utf8(decoded).expect("utf-8");
        assert!(
            decoded.starts_with("roll back\n") && decoded.ends_with("v4.18"),
            "{decoded:?}"
        );
        assert!(
            !decoded.contains('\x1b') && !decoded.contains('\x07'),
            "{decoded:?}"
        );

        let wrapped = osc52("x", true).expect("copies");
        let s = String::from_utf8(wrapped).expect("ascii");
        assert!(
            s.starts_with("\x1b]52;c;eA==\x07\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\"),
            "{s:?}"
        );
    }

    #[test]
    fn nothing_or_too_much_is_refused() {
        assert_eq!(osc52("  \n", false), Err(CopyError::Empty));
        let long = "a".repeat(MAX_BYTES + 1);
        assert_eq!(osc52(&long, false), Err(CopyError::TooLong(73)));
    }
}
