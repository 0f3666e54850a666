//! One paramtable block turned into a [`PropertySpec`]: a system-defined property customised by
//! the file (its type and members from the table of §b.2) or an extension property (its type
//! from the block), with bounds, tunability, description and DEFAULT checked against the type.

use std::collections::HashSet;

use crate::diagnostic::{Collector, quote};
use crate::keywords::Attr;
use crate::paramtable::Declared;
use crate::spec::{PropertySpec, PropertyType, Tunability};
use crate::suggest;
use crate::syntax::{AttributeBody, ValueText};
use crate::system::{self, RESOURCE_PROPERTIES};
use crate::value::Value;

/// The property a block declares; `None` when it is too broken to describe one (the reasons are
/// reported).
pub(crate) fn build(
    d: &Declared<'_, '_>,
    name: &str,
    name_at: usize,
    diag: &mut Collector,
) -> Option<PropertySpec> {
    let mut spec = if d.has(Attr::Extension) {
        extension(d, name, name_at, diag)?
    } else {
        customised_system(d, name, name_at, diag)?
    };
    set_bounds(&mut spec, d, diag);
    // On a system-defined property PER_NODE is reported by customised_system().
    if let Some(attr) = d.get(Attr::PerNode)
        && spec.extension
    {
        if spec.ty == PropertyType::StringArray {
            let msg = format!(
                "PER_NODE is not allowed on the STRINGARRAY property {}",
                quote(name)
            );
            diag.error(attr.keyword.at, msg);
        } else {
            spec.per_node = true;
            if !d.has(Attr::Default) {
                let msg = format!(
                    "per-node property {} has no DEFAULT: nodes given no value of their own \
                     will have none",
                    quote(name)
                );
                diag.warning(attr.keyword.at, msg);
            }
        }
    }
    if let Some(v) = value_of(d, Attr::Tunable) {
        let text = v.scalar().unwrap_or(v.raw).trim();
        match Tunability::from_keyword(text) {
            Some(t) => spec.tunable = t,
            None => bad_tunability(text, name, v.at, diag),
        }
    }
    if let Some(v) = value_of(d, Attr::Description)
        && spec.extension
    {
        match v.scalar() {
            Some(text) => spec.description = Some(text.to_string()),
            None => diag.error(v.at, "DESCRIPTION takes one string, not a list"),
        }
    }
    set_default(&mut spec, d, diag);
    Some(spec)
}

fn extension(
    d: &Declared<'_, '_>,
    name: &str,
    name_at: usize,
    diag: &mut Collector,
) -> Option<PropertySpec> {
    if let Some(sp) = system::lookup(name) {
        let msg = format!(
            "extension property {} has the name of the system-defined property {}: choose \
             another name, or drop EXTENSION to customise the system property",
            quote(name),
            quote(sp.name)
        );
        diag.error(name_at, msg);
    }
    let Some(ty) = d.ty else {
        let msg = format!(
            "extension property {} has no type: add INT, BOOLEAN, STRING, STRINGARRAY or \
             ENUM {{ ... }}",
            quote(name)
        );
        diag.error(name_at, msg);
        return None;
    };
    let mut spec = PropertySpec::new(name, ty, Tunability::Anytime);
    spec.extension = true;
    if ty == PropertyType::Enum {
        spec.enum_values = Some(Vec::new());
    }
    if let Some(attr) = d.get(Attr::Type(PropertyType::Enum))
        && let AttributeBody::Members { at, members } = &attr.body
    {
        let mut kept: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for m in members {
            if m.text.trim().is_empty() {
                diag.error(m.at, format!("empty ENUM member in {}", quote(name)));
            } else if !seen.insert(m.text.to_ascii_lowercase()) {
                diag.error(
                    m.at,
                    format!("ENUM member {} is listed twice", quote(m.text)),
                );
            } else {
                kept.push(m.text.to_string());
            }
        }
        if members.is_empty() {
            diag.error(*at, format!("ENUM of {} has no members", quote(name)));
        }
        if members.len() > crate::limits::MAX_ENUM_MEMBERS {
            let msg = format!(
                "ENUM of {} has {} members; the limit is {}",
                quote(name),
                members.len(),
                crate::limits::MAX_ENUM_MEMBERS
            );
            diag.error(*at, msg);
        }
        spec.enum_values = Some(kept);
    }
    Some(spec)
}

fn customised_system(
    d: &Declared<'_, '_>,
    name: &str,
    name_at: usize,
    diag: &mut Collector,
) -> Option<PropertySpec> {
    let Some(sp) = system::lookup(name) else {
        let declarable = RESOURCE_PROPERTIES
            .iter()
            .filter(|p| p.declarable())
            .map(|p| p.name);
        let hint = match suggest::nearest(name, declarable) {
            Some(near) => format!("; did you mean `{near}`?"),
            None => "; add `EXTENSION;` to declare an extension property".to_string(),
        };
        let msg = format!(
            "{} is not a system-defined resource property{hint}",
            quote(name)
        );
        diag.error(name_at, msg);
        return None;
    };
    if !sp.declarable() {
        let msg = format!(
            "{} is a query-only system property: the RGM maintains it and an RTR file cannot \
             declare it",
            quote(sp.name)
        );
        diag.error(name_at, msg);
        return None;
    }
    if let Some(attr) = d.ty.and_then(|t| d.get(Attr::Type(t))) {
        let msg = format!(
            "a type cannot be given for the system-defined property {}: its type is {}",
            quote(sp.name),
            sp.ty
        );
        diag.error(attr.keyword.at, msg);
    }
    for a in [Attr::Description, Attr::PerNode] {
        if let Some(attr) = d.get(a) {
            let msg = format!(
                "{} cannot be given for the system-defined property {}; it is only for \
                 extension properties",
                a.name(),
                quote(sp.name)
            );
            diag.error(attr.keyword.at, msg);
        }
    }
    let mut spec = sp.to_spec();
    spec.name = name.to_string();
    Some(spec)
}

/// The value of an `ATTR = value;` attribute.
fn value_of<'f, 'a>(d: &Declared<'f, 'a>, a: Attr) -> Option<&'f ValueText<'a>> {
    match &d.get(a)?.body {
        AttributeBody::Value(v) => Some(v),
        _ => None,
    }
}

/// MIN/MAX, MINLENGTH/MAXLENGTH, ARRAY_MINSIZE/ARRAY_MAXSIZE: each on the types it fits, an
/// integer, lengths and sizes not negative, the lower bound not above the upper.
fn set_bounds(spec: &mut PropertySpec, d: &Declared<'_, '_>, diag: &mut Collector) {
    use PropertyType::{Int, String, StringArray};
    let pairs: [(Attr, Attr, &[PropertyType], &str, bool); 3] = [
        (Attr::Min, Attr::Max, &[Int], "INT", true),
        (
            Attr::MinLength,
            Attr::MaxLength,
            &[String, StringArray],
            "STRING and STRINGARRAY",
            false,
        ),
        (
            Attr::ArrayMinsize,
            Attr::ArrayMaxsize,
            &[StringArray],
            "STRINGARRAY",
            false,
        ),
    ];
    for (lo_attr, hi_attr, fits, fits_words, negative_ok) in pairs {
        let mut bound = |a: Attr| -> Option<i64> {
            let attr = d.get(a)?;
            let v = value_of(d, a)?;
            if !fits.contains(&spec.ty) {
                let msg = format!(
                    "{} applies only to {fits_words} properties, and {} is {} property",
                    a.name(),
                    quote(&spec.name),
                    a_type(spec.ty)
                );
                diag.error(attr.keyword.at, msg);
                return None;
            }
            let text = v.scalar().unwrap_or(v.raw).trim();
            let Ok(n) = text.parse::<i64>() else {
                let msg = format!(
                    "{} of {}: {} is not an integer",
                    a.name(),
                    quote(&spec.name),
                    quote(text)
                );
                diag.error(v.at, msg);
                return None;
            };
            if n < 0 && !negative_ok {
                let msg = format!("{} of {} must not be negative", a.name(), quote(&spec.name));
                diag.error(v.at, msg);
                return None;
            }
            Some(n)
        };
        let lo = bound(lo_attr);
        let hi = bound(hi_attr);
        if let (Some(l), Some(h)) = (lo, hi)
            && l > h
            && let Some(attr) = d.get(lo_attr)
        {
            let msg = format!(
                "{} {l} of {} is above its {} {h}",
                lo_attr.name(),
                quote(&spec.name),
                hi_attr.name()
            );
            diag.error(attr.keyword.at, msg);
            continue;
        }
        let (lo_field, hi_field) = match lo_attr {
            Attr::Min => (&mut spec.min, &mut spec.max),
            Attr::MinLength => (&mut spec.minlength, &mut spec.maxlength),
            _ => (&mut spec.array_minsize, &mut spec.array_maxsize),
        };
        if lo.is_some() {
            *lo_field = lo;
        }
        if hi.is_some() {
            *hi_field = hi;
        }
    }
}

fn bad_tunability(text: &str, name: &str, at: usize, diag: &mut Collector) {
    const WORDS: [&str; 6] = [
        "NONE",
        "FALSE",
        "ANYTIME",
        "TRUE",
        "AT_CREATION",
        "WHEN_DISABLED",
    ];
    let hint = suggest::nearest(text, WORDS)
        .map(|w| format!("; did you mean `{w}`?"))
        .unwrap_or_default();
    let msg = format!(
        "unknown tunability {} for {}: expected NONE, FALSE, ANYTIME, TRUE, AT_CREATION or \
         WHEN_DISABLED{hint}",
        quote(text),
        quote(name)
    );
    diag.error(at, msg);
}

/// The DEFAULT, typed and checked against the type, bounds, lengths and members; without one,
/// a system property keeps the table's default, which must fit the file's bounds too.
fn set_default(spec: &mut PropertySpec, d: &Declared<'_, '_>, diag: &mut Collector) {
    let Some(v) = value_of(d, Attr::Default) else {
        if let Some(default) = &spec.default
            && let Err(e) = spec.check_value(default)
        {
            let at = d.get(Attr::Property).map_or(0, |a| a.keyword.at);
            let msg = format!(
                "the system default {default} of {} does not fit: {e}; declare a DEFAULT",
                quote(&spec.name)
            );
            diag.error(at, msg);
        }
        return;
    };
    let name = quote(&spec.name);
    let ty = spec.ty;
    if v.is_empty()
        && matches!(
            ty,
            PropertyType::Int | PropertyType::Boolean | PropertyType::Enum
        )
    {
        let msg = format!("empty DEFAULT is not allowed for the {ty} property {name}");
        diag.error(v.at, msg);
        return;
    }
    if ty == PropertyType::Enum && spec.enum_values.as_ref().is_none_or(Vec::is_empty) {
        return; // the missing members are reported already
    }
    let parsed = if ty == PropertyType::StringArray {
        let value = Value::Array(v.elements());
        spec.check_value(&value).map(|()| value)
    } else {
        let Some(text) = v.scalar() else {
            let msg = format!(
                "DEFAULT of {name} is a list, but only a STRINGARRAY property takes a list; \
                 {name} is {} property",
                a_type(ty)
            );
            diag.error(v.at, msg);
            return;
        };
        spec.parse_value(text)
    };
    match parsed {
        Ok(value) => spec.default = Some(value),
        Err(e) => diag.error(v.at, format!("DEFAULT of {name}: {e}")),
    }
}

/// "an INT", "a STRING", ...
fn a_type(ty: PropertyType) -> String {
    let article = if matches!(ty, PropertyType::Int | PropertyType::Enum) {
        "an"
    } else {
        "a"
    };
    format!("{article} {ty}")
}
