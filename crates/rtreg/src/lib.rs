//! Parser and checker for resource type registration (RTR) files, rt_reg(4).
//!
//! An RTR file describes one resource type: its RT properties, its callback methods, upgrade
//! directives and the schema of its resources' properties. [`parse`] reads a file's bytes and
//! returns the typed, normalised [`ResourceTypeSpec`] together with every [`Diagnostic`] found
//! (errors make the file invalid, warnings do not). This crate does no I/O: callers hand it the
//! file's bytes, and name the file only when they render the diagnostics.
//!
//! The pipeline, one module each: `source` decodes the bytes, the `lexer`
//! (nom tokens) and the `grammar` build a syntax tree with error recovery, then `registration`
//! checks the layout, the RT section (`rt_section`), the upgrade directives (`upgrade`) and
//! the paramtable (`paramtable`, `property`), and assembles the type.

mod diagnostic;
mod grammar;
mod keywords;
mod lexer;
pub mod limits;
mod paramtable;
mod property;
mod registration;
mod rt_section;
mod source;
pub mod spec;
mod suggest;
mod syntax;
pub mod system;
mod upgrade;
pub mod value;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use spec::{
    DEFAULT_METHOD_TIMEOUT, InitNodes, Method, PropertySpec, PropertyType, ResourceTypeSpec,
    SysdefinedType, Tunability, UpgradeFrom, UpgradeTunability,
};
pub use value::{Value, ValueError};

/// The outcome of reading one RTR file.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The type, when the file has no errors (it may have warnings).
    pub spec: Option<ResourceTypeSpec>,
    /// Every error and warning, sorted by position.
    pub diagnostics: Diagnostics,
}

impl Parsed {
    /// Whether the file is valid (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.spec.is_some()
    }

    /// The type, or the diagnostics when the file has errors. Warnings of a valid file are
    /// dropped; read [`Parsed::diagnostics`] to keep them.
    pub fn into_result(self) -> Result<ResourceTypeSpec, Diagnostics> {
        self.spec.ok_or(self.diagnostics)
    }
}

/// Reads an RTR file's bytes: never panics, whatever the input, and takes time linear in its
/// size. Invalid UTF-8 is an error at its line and column; a file larger than
/// [`limits::MAX_RTR_BYTES`], or binary data (a NUL byte, or mostly control characters and
/// invalid UTF-8), is one error and nothing more.
pub fn parse(source: &[u8]) -> Parsed {
    let mut diag = diagnostic::Collector::default();
    if source.len() > limits::MAX_RTR_BYTES {
        let msg = format!(
            "the file is {} bytes; an RTR file may be at most {} bytes",
            source.len(),
            limits::MAX_RTR_BYTES
        );
        diag.error(0, msg);
        return Parsed {
            spec: None,
            diagnostics: diag.finish(""),
        };
    }
    let (text, bad_utf8) = source::decode(source);
    if let Some((at, why)) = source::binary(&text, bad_utf8.len()) {
        diag.error(at, format!("not an RTR file: {why}; an RTR file is text"));
        return Parsed {
            spec: None,
            diagnostics: diag.finish(&text),
        };
    }
    for at in bad_utf8 {
        diag.error(at, "invalid UTF-8: an RTR file must be text");
    }
    let file = grammar::parse_file(&text, &mut diag);
    let spec = if diag.is_full() {
        None
    } else {
        registration::register(&file, text.len(), &mut diag)
    };
    let valid = !diag.has_errors();
    Parsed {
        spec: spec.filter(|_| valid),
        diagnostics: diag.finish(&text),
    }
}

/// [`parse`], for text already in memory.
pub fn parse_str(source: &str) -> Parsed {
    parse(source.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Resource_type = t;\nRT_version = 1;\n";

    #[test]
    fn a_valid_file_gives_its_type_and_keeps_its_warnings() {
        let parsed = parse_str(&format!(
            "{HEADER}RT_basedir = rel;\nSTART = s;\nSTOP = /x;\n"
        ));
        assert!(parsed.is_valid());
        assert_eq!(parsed.diagnostics.warning_count(), 1);
        assert_eq!(parsed.diagnostics.error_count(), 0);
        let spec = parsed.into_result().expect("valid");
        assert_eq!(spec.name, "t:1");
        assert_eq!(spec.method(Method::Start), Some("rel/s"));
        assert_eq!(
            spec.method_timeout(Method::Stop),
            Some(DEFAULT_METHOD_TIMEOUT)
        );
    }

    #[test]
    fn an_invalid_file_gives_every_diagnostic_and_no_type() {
        let parsed = parse_str(HEADER);
        assert!(!parsed.is_valid());
        let err = parsed.into_result().expect_err("no start or stop method");
        assert_eq!(
            err.to_string(),
            "1:1: error: no start method: declare START or PRENET_START\n\
             1:1: error: no stop method: declare STOP or POSTNET_STOP"
        );
        let d = err.iter().next().expect("a diagnostic");
        assert_eq!((d.line, d.col, d.severity), (1, 1, Severity::Error));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error_where_they_are() {
        let parsed =
            parse(b"Resource_type = t;\nRT_version = \"\xff\";\nSTART = /s;\nSTOP = /t;\n");
        let d: Vec<_> = parsed.diagnostics.iter().map(|d| (d.line, d.col)).collect();
        assert_eq!(d, vec![(2, 15)]);
        assert!(parsed.spec.is_none());
    }
}
