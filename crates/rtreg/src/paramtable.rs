//! The paramtable (reference §a.6, §a.7): each `{ ... }` block's attributes checked and gathered,
//! the blocks turned into the property schema, and the `<Method>_timeout` properties the RGM
//! adds for declared methods.

use std::collections::{BTreeSet, HashMap};

use crate::diagnostic::{Collector, quote};
use crate::keywords::{Attr, Form, RtKeyword};
use crate::limits::MAX_PROPERTIES;
use crate::property;
use crate::spec::{Method, PropertySpec, PropertyType};
use crate::suggest;
use crate::syntax::{Attribute, AttributeBody, Block, RtrFile};
use crate::system::{self, Presence};

/// One block's attributes, each in its slot (see [`Attr::slot`]).
#[derive(Debug)]
pub(crate) struct Declared<'f, 'a> {
    slots: [Option<&'f Attribute<'a>>; Attr::SLOTS],
    /// The type keyword, if one was given.
    pub ty: Option<PropertyType>,
}

impl<'f, 'a> Declared<'f, 'a> {
    pub fn get(&self, attr: Attr) -> Option<&'f Attribute<'a>> {
        self.slots[attr.slot()]
    }

    pub fn has(&self, attr: Attr) -> bool {
        self.get(attr).is_some()
    }
}

/// Builds the schema: the declared properties in file order, then the timeouts of declared
/// methods the file does not declare, in [`Method::ALL`] order.
pub(crate) fn read(
    file: &RtrFile<'_>,
    methods: &BTreeSet<Method>,
    diag: &mut Collector,
) -> Vec<PropertySpec> {
    let mut schema = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for block in &file.blocks {
        let Some(declared) = gather(block, diag) else {
            continue;
        };
        let Some((name, name_at)) = property_name(&declared, diag) else {
            continue;
        };
        let key = name.to_ascii_lowercase();
        if let Some(&first) = names.get(&key) {
            let msg = format!("property {} is declared twice", quote(name));
            diag.error_with_first(name_at, msg, Some(first));
            continue;
        }
        names.insert(key, name_at);
        let Some(spec) = property::build(&declared, name, name_at, diag) else {
            continue;
        };
        if let Some(m) = timeout_of(&spec)
            && !methods.contains(&m)
        {
            let msg = format!(
                "{} is declared but the type has no {m} method; the property is left out",
                quote(name)
            );
            diag.warning(name_at, msg);
            continue;
        }
        if schema.len() == MAX_PROPERTIES {
            let msg = format!(
                "{} is one property too many: a type may have at most {MAX_PROPERTIES}",
                quote(name)
            );
            diag.error(name_at, msg);
            break;
        }
        schema.push(spec);
    }
    for m in Method::ALL {
        let name = m.timeout_property();
        if methods.contains(&m)
            && !names.contains_key(&name.to_ascii_lowercase())
            && let Some(sp) = system::lookup(name)
        {
            schema.push(sp.to_spec());
        }
    }
    schema
}

/// The method whose timeout a system property is.
fn timeout_of(spec: &PropertySpec) -> Option<Method> {
    if spec.extension {
        return None;
    }
    match system::lookup(&spec.name)?.presence {
        Presence::IfMethod(m) => Some(m),
        _ => None,
    }
}

/// Checks each attribute's keyword, form and uniqueness. `None` when the block has no PROPERTY.
fn gather<'f, 'a>(block: &'f Block<'a>, diag: &mut Collector) -> Option<Declared<'f, 'a>> {
    let mut d = Declared {
        slots: [None; Attr::SLOTS],
        ty: None,
    };
    for (i, attr) in block.attributes.iter().enumerate() {
        let kw = attr.keyword.text;
        let Some(a) = Attr::lookup(kw) else {
            unknown_attribute(attr, diag);
            continue;
        };
        if a == Attr::Property && i != 0 {
            let msg = format!(
                "PROPERTY must be the first attribute of a block; here it comes after {}",
                quote(block.attributes[0].keyword.text)
            );
            diag.error(attr.keyword.at, msg);
        }
        if let Some(msg) = form_fault(a, &attr.body) {
            diag.error(attr.keyword.at, msg);
            // A flag or type written oddly still says what it means; a valueless DEFAULT
            // or MIN says nothing.
            if a.form() == Form::Value {
                continue;
            }
        }
        if let Some(first) = d.slots[a.slot()] {
            let msg = match (a, Attr::lookup(first.keyword.text)) {
                (Attr::Type(t), Some(Attr::Type(first_t))) => {
                    format!("a second type {t} for the property, which already has type {first_t}")
                }
                _ => format!("duplicate attribute {}", quote(a.name())),
            };
            diag.error_with_first(attr.keyword.at, msg, Some(first.keyword.at));
            continue;
        }
        d.slots[a.slot()] = Some(attr);
        if let Attr::Type(t) = a {
            d.ty = Some(t);
        }
    }
    if d.has(Attr::Property) {
        Some(d)
    } else {
        diag.error(block.open, "property block without `PROPERTY = name;`");
        None
    }
}

fn unknown_attribute(attr: &Attribute<'_>, diag: &mut Collector) {
    let kw = attr.keyword.text;
    let msg = if let Some(k) = RtKeyword::lookup(kw) {
        format!(
            "{} is an RT property, not a property attribute: RT properties go before the \
             paramtable",
            quote(k.name())
        )
    } else {
        let hint = suggest::nearest(kw, Attr::names())
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default();
        format!("unknown attribute {}{hint}", quote(kw))
    };
    diag.error(attr.keyword.at, msg);
}

/// What is wrong with how an attribute is written, if anything.
fn form_fault(a: Attr, body: &AttributeBody<'_>) -> Option<String> {
    let name = a.name();
    match (a.form(), body) {
        (Form::Flag, AttributeBody::Flag)
        | (Form::Value, AttributeBody::Value(_))
        | (Form::Members, AttributeBody::Members { .. }) => None,
        (Form::Flag, _) => Some(format!("{name} takes no value: write `{name};`")),
        (Form::Value, _) => Some(format!("{name} needs a value: write `{name} = value;`")),
        (Form::Members, _) => Some(format!(
            "{name} needs its members: write `{name} {{ a, b }};`"
        )),
    }
}

/// The PROPERTY name: one word, a letter first, then letters, digits and `_`.
fn property_name<'a>(d: &Declared<'_, 'a>, diag: &mut Collector) -> Option<(&'a str, usize)> {
    let attr = d.get(Attr::Property)?;
    let AttributeBody::Value(v) = &attr.body else {
        return None;
    };
    let Some(name) = v.scalar() else {
        diag.error(v.at, "PROPERTY takes one name, not a list");
        return None;
    };
    if name.is_empty() {
        diag.error(
            attr.keyword.at,
            "PROPERTY needs a name: write `PROPERTY = name;`",
        );
        return None;
    }
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        let msg = format!(
            "invalid property name {}: it must start with a letter and have only letters, \
             digits and `_`",
            quote(name)
        );
        diag.error(v.at, msg);
        return None;
    }
    Some((name, v.at))
}
