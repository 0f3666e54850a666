//! Text from the wire made safe to show: a name, a value or a method's output line may hold
//! control characters (an escape sequence that rewrites a terminal, a carriage return that hides
//! what comes before it). Both the daemon, for the messages it sends, and the commands, for the
//! lines they print, escape them.

use std::borrow::Cow;

/// Whether a character is shown escaped: every control character but the tab, and the
/// bidirectional overrides and isolates that reorder what a terminal shows.
pub fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each character [`needs_escape`] picks written as Rust writes it in a string
/// (`\n`, `\r`, `\u{1b}`); borrowed when there is none.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape_controls`] for text of several lines: the line ends stay.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(escape_controls).collect();
    Cow::Owned(lines.join("\n"))
}

/// At most `max` bytes of `line` (cut on a character boundary), saying how much was cut.
pub fn cut(line: &str, max: usize) -> Cow<'_, str> {
    if line.len() <= max {
        return Cow::Borrowed(line);
    }
    let mut end = max;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!(
        "{}... ({} more bytes not shown)",
        &line[..end],
        line.len() - end
    ))
}

/// Message lines as they may be shown: each escaped ([`escape_controls`]) and cut to
/// [`MAX_MESSAGE_LINE`], and no more of them than [`MAX_MESSAGES`] bytes, the rest counted.
///
/// [`MAX_MESSAGE_LINE`]: crate::limits::MAX_MESSAGE_LINE
/// [`MAX_MESSAGES`]: crate::limits::MAX_MESSAGES
pub fn tidy_lines(messages: Vec<String>) -> Vec<String> {
    use crate::limits::{MAX_MESSAGE_LINE, MAX_MESSAGES};
    let total = messages.len();
    let mut out = Vec::new();
    let mut bytes = 0;
    for m in messages {
        let line = cut(&escape_controls(&m), MAX_MESSAGE_LINE).into_owned();
        if bytes + line.len() > MAX_MESSAGES {
            out.push(format!(
                "... and {} more lines not shown",
                total - out.len()
            ));
            break;
        }
        bytes += line.len();
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_borrowed() {
        assert!(matches!(
            escape_controls("rg1: done\t(ok)"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\r\nc\u{7f}\u{9b}d\u{202e}e"),
            "a\\u{1b}[2Jb\\r\\nc\\u{7f}\\u{9b}d\\u{202e}e"
        );
        // Escaping twice changes nothing more.
        let once = escape_controls("x\u{0}y").into_owned();
        assert_eq!(escape_controls(&once), once);
        assert_eq!(escape_lines("a\u{1b}b\nc\rd\n"), "a\\u{1b}b\nc\\rd\n");
        assert!(matches!(escape_lines("a\tb\nc\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("ééé", 3), "é... (4 more bytes not shown)");
    }
}
