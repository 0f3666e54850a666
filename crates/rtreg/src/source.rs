//! The text of an RTR file: its bytes decoded as UTF-8, where the decoding failed, and the
//! mapping from byte offsets to `line:col`.

use std::borrow::Cow;

/// The UTF-8 byte order mark some editors put at the start of a file.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// The file's bytes without a leading byte order mark: it is not part of the text, and columns
/// on the first line do not count it.
pub(crate) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// The file's bytes as text (without a byte order mark), invalid UTF-8 replaced by U+FFFD, and
/// the offset (in that text) of the first replacement on each line that has one.
pub(crate) fn decode(bytes: &[u8]) -> (Cow<'_, str>, Vec<usize>) {
    let bytes = without_bom(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (Cow::Borrowed(text), Vec::new());
    }
    let mut text = String::with_capacity(bytes.len() + 16);
    let mut bad = Vec::new();
    let mut last_bad_line_start = None;
    let mut line_start = 0;
    for chunk in bytes.utf8_chunks() {
        if let Some(nl) = chunk.valid().rfind('\n') {
            line_start = text.len() + nl + 1;
        }
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            if last_bad_line_start != Some(line_start) {
                bad.push(text.len());
                last_bad_line_start = Some(line_start);
            }
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    (Cow::Owned(text), bad)
}

/// How much of the start of a file [`binary`] looks at, in characters.
const SNIFF_CHARS: usize = 4096;

/// Whether decoded text is binary data rather than text, and if so where and why: a NUL byte
/// (reported where it is), or a start that is more than one part in eight control characters
/// (other than blanks and line ends) and invalid UTF-8. `bad_lines` is how many lines had
/// invalid UTF-8 ([`decode`]).
pub(crate) fn binary(text: &str, bad_lines: usize) -> Option<(usize, String)> {
    if let Some(at) = text.find('\0') {
        return Some((at, "it holds binary data (a NUL byte here)".to_string()));
    }
    if bad_lines == 0 && !text.chars().take(SNIFF_CHARS).any(char::is_control) {
        return None;
    }
    let (mut seen, mut odd) = (0usize, 0usize);
    for c in text.chars().take(SNIFF_CHARS) {
        seen += 1;
        let blank = matches!(c, '\t' | '\n' | '\r' | '\x0b' | '\x0c');
        if (c.is_control() && !blank) || c == char::REPLACEMENT_CHARACTER {
            odd += 1;
        }
    }
    (odd * 8 > seen).then(|| {
        let why = format!(
            "it holds binary data ({odd} of its first {seen} characters are control \
             characters or invalid UTF-8)"
        );
        (0, why)
    })
}

/// The 1-based line and column (in characters) of each offset. `offsets` must be sorted and
/// lie on character boundaries of `text`; the whole text is walked once.
pub(crate) fn line_cols(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(offsets.len());
    let mut line = 1;
    // The last offset placed, and its column: columns on the same line are counted onwards
    // from there, so many diagnostics on one long line stay linear.
    let mut at = 0;
    let mut col = 1;
    for &offset in offsets {
        let offset = floor_boundary(text, offset.min(text.len()));
        let segment = &text.as_bytes()[at..offset];
        if let Some(last_nl) = segment.iter().rposition(|&b| b == b'\n') {
            line += segment.iter().filter(|&&b| b == b'\n').count();
            let line_start = at + last_nl + 1;
            col = 1 + text[line_start..offset].chars().count();
        } else {
            col += text[at..offset].chars().count();
        }
        at = offset;
        out.push((line, col));
    }
    out
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_not_text() {
        let (text, bad) = decode(b"\xef\xbb\xbfA = 1;");
        assert_eq!(text, "A = 1;");
        assert!(bad.is_empty());
    }

    #[test]
    fn valid_text_is_borrowed() {
        let (text, bad) = decode(b"abc");
        assert!(matches!(text, Cow::Borrowed("abc")));
        assert!(bad.is_empty());
    }

    #[test]
    fn invalid_bytes_are_reported_once_per_line() {
        let (text, bad) = decode(b"ok\nx\xff\xfey\xff\n\xc3");
        assert_eq!(text, "ok\nx\u{fffd}\u{fffd}y\u{fffd}\n\u{fffd}");
        assert_eq!(bad, vec![4, 15]);
        assert_eq!(line_cols(&text, &bad), vec![(2, 2), (3, 1)]);
    }

    #[test]
    fn binary_data_is_told_from_text() {
        let (text, bad) = decode(b"Resource_type = t;\n\x7fELF\x02\x01\x00\x00");
        let (at, why) = binary(&text, bad.len()).expect("binary");
        assert_eq!(
            (at, why.as_str()),
            (25, "it holds binary data (a NUL byte here)")
        );
        let noise: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 32) as u8 | 1).collect();
        let (text, bad) = decode(&noise);
        assert!(
            binary(&text, bad.len())
                .unwrap()
                .1
                .contains("control characters")
        );
        // Text with a stray control character or a line of Latin-1 is still text.
        let (text, bad) = decode(b"A = 1;\x1b\nB = \"caf\xe9\";\n# a long comment line\n");
        assert_eq!(binary(&text, bad.len()), None);
    }

    #[test]
    fn columns_count_characters() {
        let text = "é=1;\nab\tc";
        assert_eq!(
            line_cols(text, &[0, 2, 3, 6, 9, 10]),
            vec![(1, 1), (1, 2), (1, 3), (2, 1), (2, 4), (2, 5)]
        );
    }
}
