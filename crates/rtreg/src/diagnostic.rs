//! Diagnostics: what is wrong (or odd) in an RTR file, where, and how it is shown.
//!
//! The parser and the checks report through a [`Collector`] keyed by byte offsets into the
//! decoded text; [`Collector::finish`] turns the offsets into 1-based `line:col` positions (columns
//! count characters, a tab is one column) and sorts everything by position. The rendered form is
//! a stable interface (golden files pin it):
//!
//! ```text
//! FILE:LINE:COL: error: message
//!    LINE | the source line
//!         |     ^
//! ```

use std::fmt;

use crate::source;

/// How bad a diagnostic is. Errors make the file invalid; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// One finding, at a 1-based line and column (in characters) of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.col, self.severity, self.message
        )
    }
}

/// Every diagnostic found in one file, sorted by position.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", plain(.items))]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

fn plain(items: &[Diagnostic]) -> String {
    let lines: Vec<String> = items.iter().map(Diagnostic::to_string).collect();
    lines.join("\n")
}

impl Diagnostics {
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// Renders every diagnostic for a terminal: `FILE:LINE:COL: severity: message`, then the
    /// source line and a caret under the column. `source` is the file's bytes, as given to
    /// [`crate::parse`]; `file_name` is shown as given.
    pub fn render(&self, file_name: &str, source: &[u8]) -> String {
        let text = String::from_utf8_lossy(source::without_bom(source));
        let mut lines = text.split('\n');
        let mut current = 0usize; // number of lines consumed from `lines`
        let mut line_text = "";
        let mut out = String::new();
        for d in &self.items {
            while current < d.line {
                line_text = lines.next().unwrap_or("");
                current += 1;
            }
            render_one(&mut out, file_name, d, line_text);
        }
        out
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// Longest stretch of a source line shown; longer lines are cut around the caret.
const SHOWN_CHARS: usize = 120;

fn render_one(out: &mut String, file_name: &str, d: &Diagnostic, line_text: &str) {
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    let (shown, caret_at) = window(line_text, d.col.saturating_sub(1));
    let gutter = d.line.to_string().len().max(4);
    let pad: String = shown
        .chars()
        .take(caret_at)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let shown: String = shown
        .chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect();
    out.push_str(&format!(
        "{file_name}:{}:{}: {}: {}\n",
        d.line, d.col, d.severity, d.message
    ));
    out.push_str(&format!("{:>gutter$} | {shown}\n", d.line));
    out.push_str(&format!("{:>gutter$} | {pad}^\n", ""));
}

/// The part of `line` to show and the caret's character index in it: the whole line when it is
/// short, else [`SHOWN_CHARS`] characters around the caret with `...` on the cut sides.
fn window(line: &str, caret: usize) -> (String, usize) {
    let total = line.chars().count();
    if total <= SHOWN_CHARS {
        return (line.to_string(), caret);
    }
    let start = caret.saturating_sub(SHOWN_CHARS / 2).min(total);
    let end = (start + SHOWN_CHARS).min(total);
    let body: String = line.chars().skip(start).take(end - start).collect();
    let mut shown = String::new();
    let mut caret_at = caret - start;
    if start > 0 {
        shown.push_str("...");
        caret_at += 3;
    }
    shown.push_str(&body);
    if end < total {
        shown.push_str("...");
    }
    (shown, caret_at)
}

/// The most errors reported for one file; past it the parser gives up.
pub(crate) const MAX_ERRORS: usize = 100;

/// The most warnings reported for one file; past it they are counted no more.
pub(crate) const MAX_WARNINGS: usize = 100;

/// A diagnostic still keyed by its byte offset in the decoded text.
#[derive(Debug)]
struct Pending {
    offset: usize,
    severity: Severity,
    message: String,
    /// An earlier place the message refers to, shown as ` (first at line N)`.
    first_at: Option<usize>,
}

/// Collects diagnostics while the file is parsed and checked.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    pending: Vec<Pending>,
    errors: usize,
    warnings: usize,
    full: bool,
}

impl Collector {
    pub(crate) fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.error_with_first(offset, message, None);
    }

    /// An error about something repeated: `first_at` is where it was first given, shown as
    /// ` (first at line N)` after the message.
    pub(crate) fn error_with_first(
        &mut self,
        offset: usize,
        message: impl Into<String>,
        first_at: Option<usize>,
    ) {
        if self.full {
            return;
        }
        self.push(offset, Severity::Error, message.into(), first_at);
        self.errors += 1;
        if self.errors == MAX_ERRORS {
            self.full = true;
            let msg = format!("too many errors ({MAX_ERRORS}); giving up here");
            self.push(offset, Severity::Error, msg, None);
        }
    }

    pub(crate) fn warning(&mut self, offset: usize, message: impl Into<String>) {
        if self.full || self.warnings > MAX_WARNINGS {
            return;
        }
        self.warnings += 1;
        if self.warnings > MAX_WARNINGS {
            let msg = format!("too many warnings ({MAX_WARNINGS}); no more are shown");
            self.push(offset, Severity::Warning, msg, None);
        } else {
            self.push(offset, Severity::Warning, message.into(), None);
        }
    }

    /// Keeps a diagnostic; a control character its message quotes from the file (a value, a
    /// version) is shown as `?`, as in the source line, so a message is one harmless line.
    fn push(
        &mut self,
        offset: usize,
        severity: Severity,
        mut message: String,
        first_at: Option<usize>,
    ) {
        if message.contains(char::is_control) {
            message = message
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
        }
        self.pending.push(Pending {
            offset,
            severity,
            message,
            first_at,
        });
    }

    /// Whether so many errors were found that parsing should stop.
    pub(crate) fn is_full(&self) -> bool {
        self.full
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// Sorts the diagnostics by position (keeping the order of those at the same place) and
    /// gives them their line and column in `text`.
    pub(crate) fn finish(mut self, text: &str) -> Diagnostics {
        self.pending.sort_by_key(|p| p.offset);
        // Every offset to place, the diagnostics' own and the ones their notes refer to.
        let mut offsets: Vec<usize> = self.pending.iter().map(|p| p.offset).collect();
        offsets.extend(self.pending.iter().filter_map(|p| p.first_at));
        offsets.sort_unstable();
        offsets.dedup();
        let positions = source::line_cols(text, &offsets);
        let place = |offset: usize| {
            let i = offsets.binary_search(&offset).unwrap_or(0);
            positions.get(i).copied().unwrap_or((1, 1))
        };
        let items = self
            .pending
            .into_iter()
            .map(|p| {
                let (line, col) = place(p.offset);
                let mut message = p.message;
                if let Some(first) = p.first_at {
                    message.push_str(&format!(" (first at line {})", place(first).0));
                }
                Diagnostic {
                    line,
                    col,
                    severity: p.severity,
                    message,
                }
            })
            .collect();
        Diagnostics { items }
    }
}

/// Shows a piece of the file inside a message: in backquotes, with control characters
/// replaced and long text cut, so a message stays one readable line.
pub(crate) fn quote(text: &str) -> String {
    const LONGEST: usize = 60;
    let mut out = String::from("`");
    for (i, c) in text.chars().enumerate() {
        if i == LONGEST {
            out.push_str("...");
            break;
        }
        out.push(if c.is_control() { '?' } else { c });
    }
    out.push('`');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diags(text: &str, at: &[(usize, &str)]) -> Diagnostics {
        let mut c = Collector::default();
        for (offset, msg) in at {
            c.error(*offset, *msg);
        }
        c.finish(text)
    }

    #[test]
    fn renders_line_and_caret_under_the_column() {
        let text = "A = 1;\n\tB = 2;\n";
        let d = diags(text, &[(8, "bad B")]);
        assert_eq!(
            d.render("f.rtr", text.as_bytes()),
            "f.rtr:2:2: error: bad B\n   2 | \tB = 2;\n     | \t^\n"
        );
    }

    #[test]
    fn sorts_by_position_and_renders_end_of_file() {
        let text = "x\n";
        let d = diags(text, &[(2, "at eof"), (0, "first")]);
        let lines: Vec<_> = d.iter().map(|d| (d.line, d.col)).collect();
        assert_eq!(lines, vec![(1, 1), (2, 1)]);
        let r = d.render("f", text.as_bytes());
        assert!(
            r.ends_with("f:2:1: error: at eof\n   2 | \n     | ^\n"),
            "{r}"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let text = format!("{}X{}", "a".repeat(500), "b".repeat(500));
        let d = diags(&text, &[(500, "here")]);
        let r = d.render("f", text.as_bytes());
        let shown = r.lines().nth(1).unwrap();
        let caret = r.lines().nth(2).unwrap();
        assert!(shown.contains("...") && shown.len() < 200, "{shown}");
        let x = shown.find('X').unwrap();
        assert_eq!(caret.find('^').unwrap(), x);
    }

    #[test]
    fn stops_after_too_many_errors() {
        let mut c = Collector::default();
        for i in 0..MAX_ERRORS + 10 {
            c.error(i, "e");
        }
        assert!(c.is_full());
        let d = c.finish(&" ".repeat(200));
        assert_eq!(d.error_count(), MAX_ERRORS + 1);
        assert!(
            d.iter()
                .last()
                .unwrap()
                .message
                .starts_with("too many errors")
        );
    }

    /// Found by the fuzzer (rtr_parse): `DEFAULT = <U+0011>;` on an INT gave a message
    /// holding the raw control character.
    #[test]
    fn messages_hold_no_control_characters() {
        let text = "{ PROPERTY = W; EXTENSION; INT; DEFAULT = \u{11}; }\n";
        let parsed = crate::parse_str(text);
        let messages: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert!(
            messages.contains(&"DEFAULT of `W`: `?` is not an integer"),
            "{messages:?}"
        );
        let text =
            "#$upgrade\n#$upgrade_from \"1\u{3}\" ANYTIME\n#$upgrade_from \"1\u{3}\" ANYTIME\n";
        let parsed = crate::parse_str(text);
        let rendered = parsed.diagnostics.render("f", text.as_bytes());
        assert!(
            rendered.contains("for version \"1?\" is given twice"),
            "{rendered}"
        );
        assert!(
            !rendered.contains(|c: char| c.is_control() && c != '\n' && c != '\t'),
            "{rendered:?}"
        );
    }

    #[test]
    fn quote_cuts_and_cleans() {
        assert_eq!(quote("a\u{0}b"), "`a?b`");
        assert!(quote(&"x".repeat(100)).ends_with("...`"));
    }
}
