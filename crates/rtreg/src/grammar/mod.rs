//! The grammar of rt_reg(4) (reference §a), built from the nom tokens of `lexer`:
//!
//! ```text
//! file       := { statement | directive | block }
//! statement  := KEYWORD "=" value ";"
//! directive  := "#$upgrade" | "#$upgrade_from" version TUNABILITY      (one line each)
//! block      := "{" { attribute | directive } "}"
//! attribute  := KEYWORD ( ";" | "=" value ";" | "{" member { "," member } "}" ";" )
//! value      := [ item { "," item } ]     item := "quoted" | bare text up to ; , # { } " or EOL
//! ```
//!
//! The grammar gives no meaning to keywords (that is `registration`'s job). It recovers
//! from every syntax error by skipping to the next `;`, end of line or brace, so one run reports
//! every error it can find. Statements and attributes whose only fault is a missing `;` are
//! still recorded, so the checks do not report them as absent too.

mod block;
mod directive;

use crate::diagnostic::{Collector, quote};
use crate::lexer::{self, Fail, blank, found, is_word_start, offset, resync, skip_char, word};
use crate::syntax::{RtrFile, Statement, Word};

/// Reads a whole file. Syntax errors go to `diag`; what could be read is returned.
pub(crate) fn parse_file<'a>(full: &'a str, diag: &mut Collector) -> RtrFile<'a> {
    let mut r = Reader {
        full,
        diag,
        file: RtrFile::default(),
    };
    let mut rest = full;
    while !r.diag.is_full() {
        rest = blank(full, rest);
        let Some(c) = rest.chars().next() else { break };
        let before = rest.len();
        rest = match c {
            '#' => r.directive(rest),
            '{' => r.block(rest),
            c if is_word_start(c) => r.statement(rest),
            '}' => {
                r.error(rest, "unexpected `}`: no property block is open".into());
                skip_char(rest)
            }
            ';' => {
                r.error(rest, "unexpected `;`: there is no statement to end".into());
                skip_char(rest)
            }
            _ => {
                let msg = format!(
                    "expected an RT property (`NAME = value;`) or a `{{` property block, found {}",
                    found(rest)
                );
                r.error(rest, msg);
                resync(skip_char(rest))
            }
        };
        if rest.len() == before {
            rest = skip_char(rest);
        }
    }
    r.file
}

/// The reading state: the whole text (offsets are taken against it), where diagnostics go, and
/// what has been read so far.
struct Reader<'a, 'd> {
    full: &'a str,
    diag: &'d mut Collector,
    file: RtrFile<'a>,
}

impl<'a> Reader<'a, '_> {
    fn error(&mut self, at: &'a str, message: String) {
        self.diag.error(offset(self.full, at), message);
    }

    fn word_at(&self, text: &'a str, at: &'a str) -> Word<'a> {
        Word {
            text,
            at: offset(self.full, at),
        }
    }

    /// Reports a failed nom parser (its own message, else `otherwise`) and resyncs after it.
    fn recover(&mut self, err: nom::Err<Fail<'a>>, otherwise: impl FnOnce() -> String) -> &'a str {
        let (rest, message) = match err {
            nom::Err::Error(f) | nom::Err::Failure(f) => (f.rest, f.message),
            nom::Err::Incomplete(_) => (&self.full[self.full.len()..], None),
        };
        let message = message.unwrap_or_else(otherwise);
        self.error(rest, message);
        resync(rest)
    }

    /// `KEYWORD = value ;`
    fn statement(&mut self, input: &'a str) -> &'a str {
        let full = self.full;
        let (after_kw, kw) = match word(input) {
            Ok(ok) => ok,
            Err(e) => return self.recover(e, || "expected a keyword".into()),
        };
        let keyword = self.word_at(kw, input);
        let eq = blank(full, after_kw);
        let after_eq = match eq.strip_prefix('=') {
            Some(rest) => rest,
            None => {
                let msg = format!("missing `=` after {}, found {}", quote(kw), found(eq));
                self.error(after_kw, msg);
                // `RT_basedir /opt/x;`: read the rest of the line as the value anyway, so
                // the statement is not reported missing as well.
                let skipped = &after_kw[..offset(after_kw, eq)];
                if skipped.contains('\n') || eq.is_empty() || eq.starts_with([';', '{', '}']) {
                    return resync(eq);
                }
                eq
            }
        };
        let (after_value, value) = match lexer::value(full)(blank(full, after_eq)) {
            Ok(ok) => ok,
            Err(e) => return self.recover(e, || "expected a value".into()),
        };
        self.file.statements.push(Statement { keyword, value });
        self.terminator(after_value, &format!("the value of {}", quote(kw)))
    }

    /// Expects the `;` that ends a statement or attribute, and reports it missing right after
    /// `after` (where it should be written).
    fn terminator(&mut self, after: &'a str, what: &str) -> &'a str {
        let next = blank(self.full, after);
        if let Some(rest) = next.strip_prefix(';') {
            return rest;
        }
        let msg = format!("missing `;` after {what}, found {}", found(next));
        self.error(after, msg);
        let skipped = &after[..offset(after, next)];
        if skipped.contains('\n') || next.is_empty() || next.starts_with(['{', '}']) {
            // The next line, or a brace the block reader must see: carry on from there.
            next
        } else {
            resync(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{AttributeBody, Directive};

    fn read(text: &str) -> (RtrFile<'_>, Vec<String>) {
        let mut diag = Collector::default();
        let file = parse_file(text, &mut diag);
        let msgs = diag
            .finish(text)
            .iter()
            .map(|d| format!("{}:{}: {}", d.line, d.col, d.message))
            .collect();
        (file, msgs)
    }

    #[test]
    fn reads_statements_directives_and_blocks() {
        let text = "Resource_type = \"x\";\nRT_VERSION =\"1\"; # c\n#$upgrade\n\
                    #$upgrade_from \"1.0\" anytime\n\
                    { PROPERTY = P; EXTENSION; ENUM { a, \"b\" }; DEFAULT = a; }\n";
        let (file, msgs) = read(text);
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(file.statements.len(), 2);
        assert_eq!(file.statements[1].value.items[0].text, "1");
        assert_eq!(file.directives.len(), 2);
        assert!(matches!(
            &file.directives[1],
            Directive::UpgradeFrom { version, tunability, .. }
                if version.text == "1.0" && tunability.text == "anytime"
        ));
        let attrs = &file.blocks[0].attributes;
        assert_eq!(attrs.len(), 4);
        assert!(
            matches!(&attrs[2].body, AttributeBody::Members { members, .. } if members.len() == 2)
        );
    }

    #[test]
    fn a_missing_semicolon_is_reported_where_it_belongs_and_reading_goes_on() {
        let (file, msgs) = read("A = 1\nB = 2;\n{ PROPERTY = x; INT }\n");
        assert_eq!(
            msgs,
            vec![
                "1:6: missing `;` after the value of `A`, found `B`",
                "3:20: missing `;` after `INT`, found `}`",
            ]
        );
        assert_eq!(file.statements.len(), 2);
        assert_eq!(file.blocks[0].attributes.len(), 2);
    }

    #[test]
    fn reports_every_syntax_error_in_one_run() {
        let text = "A 1;\nB = \"x\nC = 3;\n}\n{ PROPERTY = y; @; \n{ PROPERTY = z;\n";
        let (file, msgs) = read(text);
        assert_eq!(
            msgs,
            vec![
                "1:2: missing `=` after `A`, found `1`",
                "2:5: unterminated string: the closing `\"` is missing on this line",
                "4:1: unexpected `}`: no property block is open",
                "5:1: unclosed `{`: this property block has no `}` before the next `{`",
                "5:17: expected a property attribute (`NAME;` or `NAME = value;`) or `}`, found `@`",
                "6:1: unclosed `{`: this property block has no closing `}`",
            ]
        );
        assert_eq!(file.statements.len(), 2, "`A 1;` is kept as `A = 1;`");
        assert_eq!(file.blocks.len(), 2);
    }
}
