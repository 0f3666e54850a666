//! The tokens of an RTR file, as nom parsers over the decoded text: blanks and `#` comments
//! (which stop before an upgrade directive line), keywords, quoted strings, bare values, the
//! comma-separated value after `=`, and the resynchronisation used after an error.
//!
//! Every parser here is linear in what it consumes and never backtracks over more than one
//! token, so the whole grammar stays linear in the size of the file.

use nom::branch::alt;
use nom::bytes::complete::{take_till, take_till1, take_while};
use nom::character::complete::{char, satisfy};
use nom::combinator::{recognize, success};
use nom::error::{ErrorKind, ParseError};
use nom::multi::separated_list1;
use nom::sequence::pair;
use nom::{IResult, Parser};

use crate::syntax::{ValueItem, ValueText};

/// A parse failure: where, and (for a committed failure) what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail<'a> {
    pub rest: &'a str,
    pub message: Option<String>,
}

impl<'a> ParseError<&'a str> for Fail<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        Fail {
            rest: input,
            message: None,
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type PResult<'a, T> = IResult<&'a str, T, Fail<'a>>;

/// A committed failure at `rest` with a message for the user.
pub(crate) fn failure<'a, T>(rest: &'a str, message: String) -> PResult<'a, T> {
    Err(nom::Err::Failure(Fail {
        rest,
        message: Some(message),
    }))
}

/// The byte offset in `full` where `part` starts; `part` must be a slice of `full` (a suffix,
/// or any piece of it).
pub(crate) fn offset(full: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(full.as_ptr() as usize)
}

pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0b' | '\x0c')
}

fn is_horizontal_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\x0b' | '\x0c')
}

pub(crate) fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(crate) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Skips blanks, newlines and `#` comments. Stops before a line whose first non-blank text is
/// `#$upgrade...`: those lines are directives, not comments.
pub(crate) fn blank<'a>(full: &'a str, mut input: &'a str) -> &'a str {
    loop {
        input = input.trim_start_matches(is_space);
        if input.starts_with('#') && !is_directive_line(full, input) {
            input = input.trim_start_matches(|c| c != '\n');
        } else {
            return input;
        }
    }
}

/// Skips blanks on the current line only.
pub(crate) fn line_blank(input: &str) -> &str {
    input.trim_start_matches(is_horizontal_space)
}

/// Whether `input` (a suffix of `full`) starts a directive: `#$upgrade` (any case) as the first
/// non-blank text of its line.
pub(crate) fn is_directive_line(full: &str, input: &str) -> bool {
    let starts = input
        .get(..DIRECTIVE_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(DIRECTIVE_PREFIX));
    if !starts {
        return false;
    }
    let before = &full[..offset(full, input)];
    let before = before.trim_end_matches(is_horizontal_space);
    before.is_empty() || before.ends_with('\n')
}

pub(crate) const DIRECTIVE_PREFIX: &str = "#$upgrade";

/// A keyword or name: a letter or `_`, then letters, digits and `_`.
pub(crate) fn word(input: &str) -> PResult<'_, &str> {
    recognize(pair(satisfy(is_word_start), take_while(is_word_char))).parse(input)
}

/// A `"quoted"` string on one line; returns the text between the quotes.
pub(crate) fn quoted(input: &str) -> PResult<'_, &str> {
    let (after_open, _) = char('"').parse(input)?;
    let (rest, text) = take_till(|c| c == '"' || c == '\n').parse(after_open)?;
    match char::<_, Fail>('"').parse(rest) {
        Ok((rest, _)) => Ok((rest, text)),
        Err(_) => failure(
            input,
            "unterminated string: the closing `\"` is missing on this line".to_string(),
        ),
    }
}

fn ends_bare(c: char) -> bool {
    matches!(c, ';' | ',' | '"' | '#' | '{' | '}' | '\n')
}

/// A bare value element: everything up to `;`, `,`, a quote, a comment, a brace or the end of
/// the line, trailing blanks trimmed.
pub(crate) fn bare(input: &str) -> PResult<'_, &str> {
    let (_, run) = take_till1(ends_bare).parse(input)?;
    let text = run.trim_end_matches(is_space);
    Ok((&input[text.len()..], text))
}

/// One element of a value, quoted or bare, possibly empty.
fn value_item<'a>(full: &'a str) -> impl FnMut(&'a str) -> PResult<'a, ValueItem<'a>> {
    move |input: &'a str| {
        let at = offset(full, input);
        alt((
            quoted.map(|text| (text, true)),
            bare.map(|text| (text, false)),
            success(("", false)),
        ))
        .map(|(text, quoted)| ValueItem { text, quoted, at })
        .parse(input)
    }
}

/// A `,` between value elements, with the blanks around it.
fn comma<'a>(full: &'a str) -> impl FnMut(&'a str) -> PResult<'a, char> {
    move |input: &'a str| {
        let (rest, c) = char(',').parse(blank(full, input))?;
        Ok((blank(full, rest), c))
    }
}

/// The value after `=` (the caller has skipped the blanks before it): elements separated by
/// commas. Returns the input just after the last element, before any blank, so a missing `;`
/// can be reported right where it belongs.
pub(crate) fn value<'a>(full: &'a str) -> impl FnMut(&'a str) -> PResult<'a, ValueText<'a>> {
    move |input: &'a str| {
        let (rest, mut items) = separated_list1(comma(full), value_item(full)).parse(input)?;
        if let [only] = items.as_slice()
            && only.text.is_empty()
            && !only.quoted
        {
            items.clear();
        }
        let raw = input[..offset(input, rest)].trim_end_matches(is_space);
        let size =
            items.iter().map(|i| i.text.len()).sum::<usize>() + items.len().saturating_sub(1);
        if let Some(why) = crate::limits::too_long(size) {
            return failure(input, format!("this value {why}"));
        }
        let value = ValueText {
            at: offset(full, input),
            raw,
            items,
        };
        Ok((rest, value))
    }
}

/// After an error: skips to just past the next `;`, or to the next end of line or brace,
/// whichever comes first, so the next statement or attribute can be read.
pub(crate) fn resync(input: &str) -> &str {
    let stop = input.find([';', '\n', '{', '}']).unwrap_or(input.len());
    let rest = &input[stop..];
    rest.strip_prefix(';').unwrap_or(rest)
}

/// Drops the first character (to guarantee progress after an unexpected one).
pub(crate) fn skip_char(input: &str) -> &str {
    let mut chars = input.chars();
    chars.next();
    chars.as_str()
}

/// What the user sees for the next thing in `input` ("end of file", "`x`").
pub(crate) fn found(input: &str) -> String {
    match input.chars().next() {
        None => "end of file".to_string(),
        Some('\n' | '\r') => "end of line".to_string(),
        Some(c) if is_word_start(c) => {
            // A bounded look: the word may be megabytes long, and quote() cuts it anyway.
            let w: String = input
                .chars()
                .take_while(|&c| is_word_char(c))
                .take(64)
                .collect();
            crate::diagnostic::quote(&w)
        }
        Some(c) if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        Some(c) => crate::diagnostic::quote(&c.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_skips_comments_but_not_directives() {
        let full = "  # c\n\t#$upgrade\n";
        let rest = blank(full, full);
        assert!(rest.starts_with("#$upgrade"));
        let full = "X; #$upgrade\nY";
        assert_eq!(blank(full, &full[2..]), "Y");
        let full = "#$Revision: 1 $\n#$UPGRADE_FROM \"1\" anytime";
        assert!(blank(full, full).starts_with("#$UPGRADE_FROM"));
    }

    #[test]
    fn values_keep_positions_and_empty_forms() {
        let full = "X = \"a\", b c ;";
        let (rest, v) = value(full)(&full[4..]).unwrap();
        assert_eq!(rest, " ;");
        assert_eq!(v.raw, "\"a\", b c");
        let texts: Vec<_> = v.items.iter().map(|i| (i.text, i.quoted, i.at)).collect();
        assert_eq!(texts, vec![("a", true, 4), ("b c", false, 9)]);

        let full = "X = ;";
        let (_, v) = value(full)(&full[4..]).unwrap();
        assert!(v.items.is_empty());
        let full = "X = \"\";";
        let (_, v) = value(full)(&full[4..]).unwrap();
        assert_eq!(v.items.len(), 1);
    }

    #[test]
    fn unterminated_strings_fail_at_the_quote() {
        let full = "X = \"abc\nY";
        match value(full)(&full[4..]) {
            Err(nom::Err::Failure(f)) => {
                assert_eq!(offset(full, f.rest), 4);
                assert!(f.message.unwrap().contains("unterminated"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_over_the_limit_fail_at_their_start() {
        let full = format!("X = {};", "v".repeat(crate::limits::MAX_VALUE_BYTES + 1));
        match value(&full)(&full[4..]) {
            Err(nom::Err::Failure(f)) => {
                assert_eq!(offset(&full, f.rest), 4);
                assert_eq!(
                    f.message.unwrap(),
                    "this value is 65537 bytes long; the limit is 65536 bytes"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resync_stops_after_semicolon_or_before_line_end() {
        assert_eq!(resync("abc; d"), " d");
        assert_eq!(resync("abc\nd;"), "\nd;");
        assert_eq!(resync("abc }"), "}");
        assert_eq!(resync("abc"), "");
    }
}
