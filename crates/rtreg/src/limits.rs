//! Size limits on resource types and property values, so that a configuration always fits the
//! protocol's frames (docs/commands.md, "Limits"). The parser enforces them on RTR files;
//! [`spec_problems`] checks a type however it was made (rgm-core checks every type registered
//! with it, as a type may come from a client that never ran the parser); [`PropertySpec`]'s value
//! checks refuse values over [`MAX_VALUE_BYTES`].
//!
//! [`PropertySpec`]: crate::PropertySpec

use crate::spec::{Method, ResourceTypeSpec};
use crate::value::Value;

/// The largest RTR file: 1 MiB (the largest in Solaris Cluster's own types are a few KiB).
pub const MAX_RTR_BYTES: usize = 1 << 20;

/// The largest property value, or any other string of a type (a description, a path, an
/// enum member), in bytes: 64 KiB. An array counts its elements and the commas between them.
pub const MAX_VALUE_BYTES: usize = 64 << 10;

/// The most properties an RTR file may declare; the schema may have up to twelve more, the
/// timeouts of declared methods the file leaves out.
pub const MAX_PROPERTIES: usize = 1000;

/// The most members an ENUM may have.
pub const MAX_ENUM_MEMBERS: usize = 1000;

/// The largest type, in the JSON form it travels and is stored in: 4 MiB.
pub const MAX_TYPE_BYTES: usize = 4 << 20;

/// The size of a value's text form (what the administrator writes, what a callback receives).
pub fn value_size(value: &Value) -> usize {
    match value {
        Value::Int(_) | Value::Bool(_) => 0,
        Value::Str(s) => s.len(),
        Value::Array(items) => {
            items.iter().map(String::len).sum::<usize>() + items.len().saturating_sub(1)
        }
    }
}

/// Why a string of `size` bytes is too long, if it is.
pub fn too_long(size: usize) -> Option<String> {
    (size > MAX_VALUE_BYTES)
        .then(|| format!("is {size} bytes long; the limit is {MAX_VALUE_BYTES} bytes"))
}

/// Every way a type breaks the limits, or holds control characters where a name or a path
/// belongs, as (the part at fault, the problem).
pub fn spec_problems(spec: &ResourceTypeSpec) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (part, name) in [
        ("name", Some(&spec.name)),
        ("Resource_type", Some(&spec.resource_type)),
        ("Vendor_id", spec.vendor_id.as_ref()),
        ("RT_version", Some(&spec.rt_version)),
        ("RT_basedir", spec.rt_basedir.as_ref()),
    ] {
        if let Some(name) = name {
            name_or_path(&mut out, part.to_string(), name);
        }
    }
    for (m, path) in &spec.methods {
        name_or_path(&mut out, m.keyword().to_string(), path);
    }
    text(&mut out, "RT_description".into(), &spec.rt_description);
    for (i, p) in spec.pkglist.iter().enumerate() {
        text(&mut out, format!("Pkglist element {}", i + 1), p);
    }
    let count = spec.properties.len();
    let most = MAX_PROPERTIES + Method::ALL.len();
    if count > most {
        out.push((
            "paramtable".into(),
            format!("has {count} properties; the limit is {most}"),
        ));
    }
    for p in spec.properties.iter().take(most + 1) {
        name_or_path(
            &mut out,
            format!("property {}", p.name.escape_debug()),
            &p.name,
        );
        if let Some(d) = &p.description {
            text(&mut out, format!("{} description", p.name), d);
        }
        let members = p.enum_values.as_deref().unwrap_or_default();
        if members.len() > MAX_ENUM_MEMBERS {
            out.push((
                p.name.clone(),
                format!(
                    "has {} enum members; the limit is {MAX_ENUM_MEMBERS}",
                    members.len()
                ),
            ));
        }
        for m in members.iter().take(MAX_ENUM_MEMBERS + 1) {
            text(&mut out, format!("{} enum member", p.name), m);
        }
        if let Some(why) = too_long(p.default.as_ref().map_or(0, value_size)) {
            out.push((format!("{} default", p.name), why));
        }
    }
    if out.is_empty() {
        let size = serde_json::to_vec(spec).map_or(usize::MAX, |v| v.len());
        if size > MAX_TYPE_BYTES {
            out.push((
                "the type".into(),
                format!("is {size} bytes in JSON; the limit is {MAX_TYPE_BYTES} bytes"),
            ));
        }
    }
    out
}

fn text(out: &mut Vec<(String, String)>, part: String, s: &str) {
    if let Some(why) = too_long(s.len()) {
        out.push((part, why));
    }
}

/// A name or a path: within the limit and free of control characters.
fn name_or_path(out: &mut Vec<(String, String)>, part: String, s: &str) {
    if s.chars().any(char::is_control) {
        out.push((
            part,
            format!("{} holds a control character", s.escape_debug()),
        ));
    } else {
        text(out, part, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{PropertySpec, PropertyType, Tunability};

    fn spec() -> ResourceTypeSpec {
        crate::parse_str("Resource_type = t;\nRT_version = 1;\nSTART = /s;\nSTOP = /t;\n")
            .spec
            .expect("valid")
    }

    #[test]
    fn a_parsed_type_is_within_the_limits() {
        assert_eq!(spec_problems(&spec()), vec![]);
    }

    #[test]
    fn every_limit_names_the_part_at_fault() {
        let mut s = spec();
        s.rt_description = "d".repeat(MAX_VALUE_BYTES + 1);
        s.methods
            .insert(crate::Method::Start, "/opt/\u{1b}[2Jx".into());
        let mut p = PropertySpec::new("Big", PropertyType::StringArray, Tunability::Anytime);
        p.default = Some(Value::Array(vec!["x".repeat(40_000), "y".repeat(40_000)]));
        s.properties.push(p);
        for i in 0..MAX_PROPERTIES + Method::ALL.len() {
            s.properties.push(PropertySpec::new(
                format!("P{i}"),
                PropertyType::Int,
                Tunability::Anytime,
            ));
        }
        let problems = spec_problems(&s);
        let parts: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            parts,
            ["START", "RT_description", "paramtable", "Big default"],
            "{problems:?}"
        );
        assert_eq!(problems[0].1, "/opt/\\u{1b}[2Jx holds a control character");
        assert_eq!(
            problems[1].1,
            format!(
                "is {} bytes long; the limit is 65536 bytes",
                MAX_VALUE_BYTES + 1
            )
        );
        let count = s.properties.len();
        assert_eq!(
            problems[2].1,
            format!("has {count} properties; the limit is 1012")
        );
        assert_eq!(
            problems[3].1,
            "is 80001 bytes long; the limit is 65536 bytes"
        );
    }
}
