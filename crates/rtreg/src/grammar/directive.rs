//! Upgrade directive lines: `#$upgrade` and `#$upgrade_from "version" TUNABILITY`
//! (reference §a.5). Each is one line; only blanks or a `#` comment may follow it. Any other
//! line that starts with `#$upgrade` is an unknown directive, not a comment.

use super::Reader;
use crate::diagnostic::quote;
use crate::lexer::{self, found, is_space, line_blank, offset};
use crate::syntax::{Directive, ValueItem, Word};

/// The directives there are, as written in rt_reg(4).
const DIRECTIVES: [&str; 2] = ["#$upgrade", "#$upgrade_from"];

impl<'a> Reader<'a, '_> {
    /// A directive line; `input` starts with `#$upgrade` (any case). Returns the text after the
    /// line.
    pub(super) fn directive(&mut self, input: &'a str) -> &'a str {
        let at = offset(self.full, input);
        let line_end = input.find('\n').unwrap_or(input.len());
        let (line, after_line) = input.split_at(line_end);
        let name_end = line[2..]
            .find(|c: char| !lexer::is_word_char(c))
            .map_or(line.len(), |n| n + 2);
        let (written, after_name) = line.split_at(name_end);
        if written.eq_ignore_ascii_case(DIRECTIVES[0]) {
            self.end_of_directive(after_name, "`#$upgrade`");
            self.file.directives.push(Directive::Upgrade { at });
        } else if written.eq_ignore_ascii_case(DIRECTIVES[1]) {
            if let Some(d) = self.upgrade_from(at, after_name) {
                self.file.directives.push(d);
            }
        } else {
            let hint = crate::suggest::nearest(written, DIRECTIVES)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            self.error(input, format!("unknown directive {}{hint}", quote(written)));
        }
        after_line
    }

    /// Only blanks or a `#` comment may follow a directive on its line.
    fn end_of_directive(&mut self, after: &'a str, what: &str) {
        let after = line_blank(after);
        if !after.is_empty() && !after.starts_with('#') {
            self.error(after, format!("unexpected {} after {what}", found(after)));
        }
    }

    /// The rest of a `#$upgrade_from` line: a version (quoted, or a bare word) and a tunability.
    fn upgrade_from(&mut self, at: usize, rest: &'a str) -> Option<Directive<'a>> {
        let v = line_blank(rest);
        let version_at = offset(self.full, v);
        let (after_version, version) = if v.starts_with('"') {
            match lexer::quoted(v) {
                Ok((after, text)) => (after, item(text, true, version_at)),
                Err(e) => {
                    self.recover(e, String::new);
                    return None;
                }
            }
        } else {
            let len = v.find(is_space).unwrap_or(v.len());
            if len == 0 || v.starts_with('#') {
                let msg = "missing version after `#$upgrade_from`: write \
                           `#$upgrade_from \"1.0\" ANYTIME`";
                self.error(v, msg.into());
                return None;
            }
            (&v[len..], item(&v[..len], false, version_at))
        };
        let t = line_blank(after_version);
        let len = t.find(is_space).unwrap_or(t.len());
        if len == 0 || t.starts_with('#') {
            let shown = if version.quoted {
                format!("\"{}\"", version.text)
            } else {
                version.text.to_string()
            };
            let msg = format!(
                "missing tunability after {}: one of ANYTIME, WHEN_UNMONITORED, \
                 WHEN_OFFLINE, WHEN_DISABLED, WHEN_UNMANAGED",
                quote(&format!("#$upgrade_from {shown}"))
            );
            self.error(t, msg);
            return None;
        }
        let tunability = Word {
            text: &t[..len],
            at: offset(self.full, t),
        };
        self.end_of_directive(&t[len..], "the tunability");
        Some(Directive::UpgradeFrom {
            at,
            version,
            tunability,
        })
    }
}

fn item(text: &str, quoted: bool, at: usize) -> ValueItem<'_> {
    ValueItem { text, quoted, at }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Collector;
    use crate::grammar::parse_file;
    use crate::syntax::Directive;

    fn read(text: &str) -> (Vec<Directive<'_>>, Vec<String>) {
        let mut diag = Collector::default();
        let file = parse_file(text, &mut diag);
        let msgs = diag
            .finish(text)
            .iter()
            .map(|d| format!("{}:{}: {}", d.line, d.col, d.message))
            .collect();
        (file.directives, msgs)
    }

    #[test]
    fn directives_need_a_line_of_their_own() {
        let (d, msgs) = read("  #$UPGRADE\n#$upgrade_from   \"\"   when_unmanaged # old\n");
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(d.len(), 2);
        assert!(matches!(&d[1], Directive::UpgradeFrom { version, .. } if version.text.is_empty()));
    }

    #[test]
    fn malformed_directives_are_reported() {
        let text = "#$upgrade now\n#$upgrade_from\n#$upgrade_from \"1\"\n#$upgrade_from 2 ANYTIME x\n\
                    #$upgrades\n#$upgrade_from \"3\n";
        let (d, msgs) = read(text);
        assert_eq!(
            msgs,
            vec![
                "1:11: unexpected `now` after `#$upgrade`",
                "2:15: missing version after `#$upgrade_from`: write `#$upgrade_from \"1.0\" ANYTIME`",
                "3:19: missing tunability after `#$upgrade_from \"1\"`: one of ANYTIME, \
                 WHEN_UNMONITORED, WHEN_OFFLINE, WHEN_DISABLED, WHEN_UNMANAGED",
                "4:26: unexpected `x` after the tunability",
                "5:1: unknown directive `#$upgrades`; did you mean `#$upgrade`?",
                "6:16: unterminated string: the closing `\"` is missing on this line",
            ]
        );
        assert_eq!(d.len(), 2);
    }
}
