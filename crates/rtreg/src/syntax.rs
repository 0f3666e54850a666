//! The syntax tree of an RTR file, as the grammar reads it and before any meaning is given to
//! keywords: RT property statements, upgrade directives and paramtable blocks. Every piece keeps
//! the byte offset where it starts, for diagnostics.

/// A keyword as written (`RT_VERSION`, `Tunable`), and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    pub text: &'a str,
    pub at: usize,
}

/// One element of a value: a `"quoted"` string (without its quotes) or a bare run of text
/// (trimmed). A bare element may be empty (`DEFAULT = ;`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ValueItem<'a> {
    pub text: &'a str,
    pub quoted: bool,
    pub at: usize,
}

/// The value after `=`: its comma-separated elements and the raw text they span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueText<'a> {
    pub at: usize,
    pub raw: &'a str,
    /// Empty for `NAME = ;`.
    pub items: Vec<ValueItem<'a>>,
}

impl<'a> ValueText<'a> {
    /// Whether nothing at all was written (`DEFAULT = ;`) or only `""`.
    pub fn is_empty(&self) -> bool {
        self.items.iter().all(|i| i.text.is_empty()) && self.items.len() <= 1
    }

    /// The value as one string: the quoted text, or the bare text up to the `;` (commas
    /// included). `None` when it is a list with a quoted element, which only a STRINGARRAY takes.
    pub fn scalar(&self) -> Option<&'a str> {
        match self.items.as_slice() {
            [] => Some(""),
            [one] => Some(one.text),
            many if many.iter().all(|i| !i.quoted) => Some(self.raw),
            _ => None,
        }
    }

    /// The value as a list: every element split at commas, trimmed, empty ones dropped, so
    /// `;`, `""` and `"", ""` are all the empty list.
    pub fn elements(&self) -> Vec<String> {
        self.items
            .iter()
            .flat_map(|i| i.text.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// `KEYWORD = value;` in the resource-type section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement<'a> {
    pub keyword: Word<'a>,
    pub value: ValueText<'a>,
}

/// `#$upgrade` or `#$upgrade_from "version" TUNABILITY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Directive<'a> {
    Upgrade {
        at: usize,
    },
    UpgradeFrom {
        at: usize,
        version: ValueItem<'a>,
        tunability: Word<'a>,
    },
}

impl Directive<'_> {
    pub fn at(&self) -> usize {
        match self {
            Directive::Upgrade { at } | Directive::UpgradeFrom { at, .. } => *at,
        }
    }
}

/// What follows an attribute keyword inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttributeBody<'a> {
    /// `EXTENSION;`, `INT;`, `PER_NODE;`
    Flag,
    /// `DEFAULT = 5;`
    Value(ValueText<'a>),
    /// `ENUM { a, b };` — the `{` offset and the members.
    Members {
        at: usize,
        members: Vec<ValueItem<'a>>,
    },
}

/// One `KEYWORD ...;` inside a paramtable block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribute<'a> {
    pub keyword: Word<'a>,
    pub body: AttributeBody<'a>,
}

/// One `{ PROPERTY = name; ... }` paramtable block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block<'a> {
    /// The offset of the `{`.
    pub open: usize,
    pub attributes: Vec<Attribute<'a>>,
}

/// A whole file: each kind of declaration in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RtrFile<'a> {
    pub statements: Vec<Statement<'a>>,
    pub directives: Vec<Directive<'a>>,
    pub blocks: Vec<Block<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<'a>(raw: &'a str, items: &[(&'a str, bool)]) -> ValueText<'a> {
        ValueText {
            at: 0,
            raw,
            items: items
                .iter()
                .map(|&(text, quoted)| ValueItem {
                    text,
                    quoted,
                    at: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn scalars_keep_bare_commas_and_refuse_quoted_lists() {
        assert_eq!(value("", &[]).scalar(), Some(""));
        assert_eq!(value("\"x\"", &[("x", true)]).scalar(), Some("x"));
        assert_eq!(
            value("a, b", &[("a", false), ("b", false)]).scalar(),
            Some("a, b")
        );
        assert_eq!(
            value("\"a\", b", &[("a", true), ("b", false)]).scalar(),
            None
        );
    }

    #[test]
    fn elements_split_and_drop_empties() {
        let v = value(
            "",
            &[("a", true), ("b,c", true), ("", false), (" d ", false)],
        );
        assert_eq!(v.elements(), vec!["a", "b", "c", "d"]);
        assert!(value("\"\"", &[("", true)]).is_empty());
        assert!(value("", &[]).is_empty());
        assert!(!value("", &[("", true), ("", false)]).is_empty());
    }
}
