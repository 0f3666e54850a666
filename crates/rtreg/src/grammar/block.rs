//! Paramtable blocks: `{ PROPERTY = name; EXTENSION; INT; DEFAULT = 1; ... }` and the
//! `ENUM { a, b }` member list (reference §a.6). Comments may sit anywhere inside a block.

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::take_till1;

use super::Reader;
use crate::diagnostic::quote;
use crate::lexer::{
    self, PResult, blank, found, is_space, is_word_start, offset, resync, skip_char,
};
use crate::syntax::{Attribute, AttributeBody, Block, ValueItem};

/// An ENUM member list as read, and the text after it.
type MembersRead<'a> = (AttributeBody<'a>, &'a str);

impl<'a> Reader<'a, '_> {
    /// `{ attribute... }`; `input` starts at the `{`. Directives inside are read (and later
    /// reported as misplaced).
    pub(super) fn block(&mut self, input: &'a str) -> &'a str {
        let full = self.full;
        let mut block = Block {
            open: offset(full, input),
            attributes: Vec::new(),
        };
        let mut rest = &input[1..];
        while !self.diag.is_full() {
            rest = blank(full, rest);
            let before = rest.len();
            match rest.chars().next() {
                None => {
                    let msg = "unclosed `{`: this property block has no closing `}`";
                    self.error(input, msg.into());
                    break;
                }
                Some('}') => {
                    rest = &rest[1..];
                    break;
                }
                Some('{') => {
                    let msg = "unclosed `{`: this property block has no `}` before the next `{`";
                    self.error(input, msg.into());
                    break;
                }
                Some('#') => rest = self.directive(rest),
                Some(';') => {
                    self.error(rest, "unexpected `;`: there is no attribute to end".into());
                    rest = &rest[1..];
                }
                Some(c) if is_word_start(c) => rest = self.attribute(rest, &mut block),
                Some(_) => {
                    let msg = format!(
                        "expected a property attribute (`NAME;` or `NAME = value;`) or `}}`, \
                         found {}",
                        found(rest)
                    );
                    self.error(rest, msg);
                    rest = resync(skip_char(rest));
                }
            }
            if rest.len() == before {
                rest = skip_char(rest);
            }
        }
        self.file.blocks.push(block);
        rest
    }

    /// `KEYWORD;`, `KEYWORD = value;` or `KEYWORD { members };`
    fn attribute(&mut self, input: &'a str, block: &mut Block<'a>) -> &'a str {
        let full = self.full;
        let (after_kw, kw) = match lexer::word(input) {
            Ok(ok) => ok,
            Err(e) => return self.recover(e, || "expected an attribute".into()),
        };
        let keyword = self.word_at(kw, input);
        let next = blank(full, after_kw);
        let (body, after) = if next.starts_with(';') || next.starts_with('}') || next.is_empty() {
            (AttributeBody::Flag, after_kw)
        } else if let Some(after_eq) = next.strip_prefix('=') {
            match lexer::value(full)(blank(full, after_eq)) {
                Ok((after, v)) => (AttributeBody::Value(v), after),
                Err(e) => return self.recover(e, || "expected a value".into()),
            }
        } else if next.starts_with('{') {
            match self.members(next) {
                Ok(ok) => ok,
                Err((body, rest)) => {
                    // Keep the members read before the error, so the type is not lost too.
                    block.attributes.push(Attribute { keyword, body });
                    return rest;
                }
            }
        } else {
            let msg = format!(
                "expected `;`, `=` or `{{` after {}, found {}",
                quote(kw),
                found(next)
            );
            self.error(after_kw, msg);
            return resync(next);
        };
        block.attributes.push(Attribute { keyword, body });
        self.terminator(after, &quote(kw))
    }

    /// `{ member, member }`; `input` starts at the `{`. On error, returns the members read so
    /// far and where reading goes on: past the list's `}` and `;` when they are on the same line.
    fn members(&mut self, input: &'a str) -> Result<MembersRead<'a>, MembersRead<'a>> {
        let full = self.full;
        let at = offset(full, input);
        let mut members = Vec::new();
        let mut rest = blank(full, &input[1..]);
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((AttributeBody::Members { at, members }, after));
        }
        loop {
            let Ok((after, m)) = member(full)(rest) else {
                let msg = format!("expected an ENUM member, found {}", found(rest));
                self.error(rest, msg);
                let body = AttributeBody::Members { at, members };
                return Err((body, skip_member_list(full, rest)));
            };
            members.push(m);
            rest = blank(full, after);
            if let Some(after) = rest.strip_prefix(',') {
                rest = blank(full, after);
            } else if let Some(after) = rest.strip_prefix('}') {
                return Ok((AttributeBody::Members { at, members }, after));
            } else {
                let msg = format!(
                    "expected `,` or `}}` in the ENUM member list, found {}",
                    found(rest)
                );
                self.error(rest, msg);
                let body = AttributeBody::Members { at, members };
                return Err((body, skip_member_list(full, rest)));
            }
        }
    }
}

/// An ENUM member: a quoted string or a bare word (no blanks, commas, braces, `;` or `#`).
fn member<'a>(full: &'a str) -> impl FnMut(&'a str) -> PResult<'a, ValueItem<'a>> {
    move |input: &'a str| {
        let at = offset(full, input);
        alt((
            lexer::quoted.map(|text| (text, true)),
            take_till1(|c: char| is_space(c) || matches!(c, ',' | '{' | '}' | ';' | '#' | '"'))
                .map(|text| (text, false)),
        ))
        .map(|(text, quoted)| ValueItem { text, quoted, at })
        .parse(input)
    }
}

/// After a bad member list: past its `}` (and a following `;`) if the `}` comes before the
/// end of the line or a `;`; otherwise up to that point.
fn skip_member_list<'a>(full: &'a str, input: &'a str) -> &'a str {
    let stop = input.find(['}', ';', '\n', '{']).unwrap_or(input.len());
    let rest = &input[stop..];
    if let Some(after) = rest.strip_prefix('}') {
        let next = blank(full, after);
        return next.strip_prefix(';').unwrap_or(after);
    }
    rest.strip_prefix(';').unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Collector;
    use crate::grammar::parse_file;
    use crate::syntax::{AttributeBody, Block};

    fn read(text: &str) -> (Vec<Block<'_>>, Vec<String>) {
        let mut diag = Collector::default();
        let file = parse_file(text, &mut diag);
        let msgs = diag
            .finish(text)
            .iter()
            .map(|d| format!("{}:{}: {}", d.line, d.col, d.message))
            .collect();
        (file.blocks, msgs)
    }

    #[test]
    fn one_line_and_commented_blocks() {
        let text = "{ PROPERTY = Start_timeout; MIN = 5; DEFAULT = 300; }\n{\n# c\n\tProperty = x; # y\n\
                    \tExtension;\n\tstring;\n}\n";
        let (blocks, msgs) = read(text);
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(blocks[0].attributes.len(), 3);
        assert_eq!(blocks[1].attributes[2].keyword.text, "string");
    }

    #[test]
    fn enum_member_lists() {
        let (blocks, msgs) = read("{ PROPERTY = e; ENUM {}; ENUM { a b }; ENUM { a, }; MIN 3; }");
        assert_eq!(
            msgs,
            vec![
                "1:35: expected `,` or `}` in the ENUM member list, found `b`",
                "1:50: expected an ENUM member, found `}`",
                "1:56: expected `;`, `=` or `{` after `MIN`, found `3`",
            ]
        );
        let attrs = &blocks[0].attributes;
        assert_eq!(attrs.len(), 4);
        assert!(
            matches!(&attrs[1].body, AttributeBody::Members { members, .. } if members.is_empty())
        );
    }
}
