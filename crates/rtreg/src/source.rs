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
    fn columns_count_characters() {
        let text = "é=1;\nab\tc";
        assert_eq!(
            line_cols(text, &[0, 2, 3, 6, 9, 10]),
            vec![(1, 1), (1, 2), (1, 3), (2, 1), (2, 4), (2, 5)]
        );
    }
}
