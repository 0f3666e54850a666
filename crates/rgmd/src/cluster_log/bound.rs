//! What keeps one record within bounds and on one line: control characters are escaped
//! (`\n`, `\r`, `\x1b`, `\u{85}`), so a value cannot start a line of its own; the text is cut at
//! [`MAX_TEXT`] bytes and each field value at [`MAX_VALUE`], keeping the head and saying how
//! long the whole was (`…[70000 bytes]`).

use std::borrow::Cow;
use std::fmt::Write;

/// The most bytes of a record's text kept (a method's output line, cut at 4 KiB by the
/// launcher, fits whole with its tags).
pub const MAX_TEXT: usize = 8 * 1024;
/// The most bytes of one field value kept.
pub const MAX_VALUE: usize = 1024;

/// `text` with control characters escaped, cut to at most `limit` bytes.
pub fn bounded(text: &str, limit: usize) -> Cow<'_, str> {
    let escaped = escape_controls(text);
    if escaped.len() <= limit {
        return escaped;
    }
    let marker = format!("…[{} bytes]", text.len());
    let mut cut = limit.saturating_sub(marker.len());
    while !escaped.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!("{}{marker}", &escaped[..cut]))
}

/// Control characters (but the tab) as escapes; the rest unchanged.
fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_plain_text_is_kept_as_is() {
        assert!(matches!(bounded("web-rs", 64), Cow::Borrowed("web-rs")));
        assert_eq!(bounded("a\tb", 64), "a\tb");
    }

    #[test]
    fn control_characters_cannot_start_a_line() {
        assert_eq!(
            bounded("ok\nFAKE [ID 1]\r\u{1b}[31m\u{85}", 64),
            "ok\\nFAKE [ID 1]\\r\\x1b[31m\\u{85}"
        );
    }

    #[test]
    fn a_long_value_keeps_its_head_and_says_its_length() {
        let long = "x".repeat(70_000);
        let b = bounded(&long, MAX_VALUE);
        assert!(b.len() <= MAX_VALUE, "{}", b.len());
        assert!(b.starts_with("xxxx"));
        assert!(b.ends_with("…[70000 bytes]"), "{}", &b[b.len() - 20..]);
    }

    #[test]
    fn the_cut_respects_characters() {
        let long = "é".repeat(5000);
        let b = bounded(&long, 101);
        assert!(b.len() <= 101);
        assert!(b.ends_with("…[10000 bytes]"));
    }
}
