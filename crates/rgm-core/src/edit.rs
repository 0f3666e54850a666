//! Property edits as the commands express them: `name=value`, `name+=value`, `name-=value`
//! (STRINGARRAY append and remove) and per-node forms `name{n1,n2}=value`. Parsing lives here
//! so every command shares it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use rtreg::{PropertySpec, PropertyType, Value, value::split_array};

use crate::error::ErrorKind;

/// What an edit does to the current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditOp {
    /// `=`: replace.
    Set,
    /// `+=`: append elements to an array.
    Add,
    /// `-=`: remove elements from an array.
    Remove,
}

/// One `-p` (or `-x`, `-y`) argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyEdit {
    pub name: String,
    /// `name{n1,n2}`: the nodes a per-node value is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<String>>,
    pub op: EditOp,
    pub value: String,
}

impl PropertyEdit {
    /// `name=value` for all nodes.
    pub fn set(name: &str, value: &str) -> PropertyEdit {
        PropertyEdit {
            name: name.to_string(),
            nodes: None,
            op: EditOp::Set,
            value: value.to_string(),
        }
    }
}

impl FromStr for PropertyEdit {
    type Err = String;

    fn from_str(text: &str) -> Result<PropertyEdit, String> {
        let Some(eq) = text.find('=') else {
            return Err(format!(
                "`{text}`: expected name=value, name+=value or name-=value"
            ));
        };
        let (lhs, value) = (&text[..eq], &text[eq + 1..]);
        // Blanks before `=` are not part of the name, nor of the operator: `name + = v` adds.
        let mut lhs = lhs.trim_end();
        let op = match lhs.chars().last() {
            Some('+') => EditOp::Add,
            Some('-') => EditOp::Remove,
            _ => EditOp::Set,
        };
        if op != EditOp::Set {
            lhs = &lhs[..lhs.len() - 1];
        }
        let (name, nodes) = match lhs.find('{') {
            Some(open) => {
                let Some(inner) = lhs[open + 1..].strip_suffix('}') else {
                    return Err(format!(
                        "`{text}`: a node list is written name{{node1,node2}}"
                    ));
                };
                let nodes: Vec<String> = split_array(inner);
                if nodes.is_empty() || nodes.iter().any(String::is_empty) {
                    return Err(format!("`{text}`: the node list is empty"));
                }
                (&lhs[..open], Some(nodes))
            }
            None => (lhs, None),
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("`{text}`: the property name is missing"));
        }
        Ok(PropertyEdit {
            name: name.to_string(),
            nodes,
            op,
            value: value.to_string(),
        })
    }
}

impl fmt::Display for PropertyEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(nodes) = &self.nodes {
            write!(f, "{{{}}}", nodes.join(","))?;
        }
        let op = match self.op {
            EditOp::Set => "=",
            EditOp::Add => "+=",
            EditOp::Remove => "-=",
        };
        write!(f, "{op}{}", self.value)
    }
}

/// The value a property has after an edit, checked against the property's schema entry.
pub fn apply_edit(
    spec: &PropertySpec,
    current: Option<&Value>,
    edit: &PropertyEdit,
) -> Result<Value, ErrorKind> {
    let value = match edit.op {
        EditOp::Set => spec.parse_value(&edit.value)?,
        EditOp::Add | EditOp::Remove => {
            if spec.ty != PropertyType::StringArray {
                return Err(ErrorKind::NotAnArray);
            }
            let mut items: Vec<String> = current
                .and_then(Value::as_array)
                .map(<[String]>::to_vec)
                .unwrap_or_default();
            for element in split_array(&edit.value) {
                let at = items.iter().position(|i| *i == element);
                match (edit.op, at) {
                    (EditOp::Add, None) => items.push(element),
                    (EditOp::Remove, Some(i)) => {
                        items.remove(i);
                    }
                    (EditOp::Remove, None) => return Err(ErrorKind::ElementNotPresent { element }),
                    _ => {}
                }
            }
            let value = Value::Array(items);
            spec.check_value(&value)?;
            value
        }
    };
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtreg::Tunability;

    fn edit(text: &str) -> PropertyEdit {
        text.parse().unwrap()
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(edit("Retry_count=3"), PropertyEdit::set("Retry_count", "3"));
        let e = edit("Resource_dependencies+=db,fs");
        assert_eq!((e.op, e.value.as_str()), (EditOp::Add, "db,fs"));
        let e = edit("Resource_dependencies-=db");
        assert_eq!(e.op, EditOp::Remove);
        let e = edit("Port{node-1,n2}=8080");
        assert_eq!(e.name, "Port");
        assert_eq!(e.nodes, Some(vec!["node-1".into(), "n2".into()]));
        assert_eq!(e.to_string(), "Port{node-1,n2}=8080");
        let e = edit("R_description=a=b");
        assert_eq!(e.value, "a=b");
        let e = edit("Resource_dependencies=r1@node1,r3{local_node}");
        assert_eq!(e.value, "r1@node1,r3{local_node}");
    }

    #[test]
    fn bad_forms_say_why() {
        assert!(
            "nothing"
                .parse::<PropertyEdit>()
                .unwrap_err()
                .contains("expected name=value")
        );
        assert!(
            "=5".parse::<PropertyEdit>()
                .unwrap_err()
                .contains("name is missing")
        );
        assert!(
            "p{}=5"
                .parse::<PropertyEdit>()
                .unwrap_err()
                .contains("node list is empty")
        );
        assert!(
            "p{n1=5"
                .parse::<PropertyEdit>()
                .unwrap_err()
                .contains("name{node1,node2}")
        );
    }

    /// Found by the fuzzer (edit_syntax): `x-\t=v` parsed as setting `x-`, but printed back
    /// as `x-=v`, which removes from `x`. Blanks before `=` no longer hide the operator.
    #[test]
    fn an_edit_reads_back_from_its_own_text() {
        let e = edit("\u{0}-\t=SAFE");
        assert_eq!((e.name.as_str(), e.op), ("\u{0}", EditOp::Remove));
        assert_eq!(edit(&e.to_string()), e);
        let e = edit("Hosts + = a");
        assert_eq!(
            (e.name.as_str(), e.op, e.value.as_str()),
            ("Hosts", EditOp::Add, " a")
        );
        assert_eq!(edit(&e.to_string()), e);
    }

    #[test]
    fn array_edits_append_and_remove() {
        let spec = PropertySpec::new("L", PropertyType::StringArray, Tunability::Anytime);
        let cur = Value::Array(vec!["a".into()]);
        assert_eq!(
            apply_edit(&spec, Some(&cur), &edit("L+=b,a")),
            Ok(Value::Array(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            apply_edit(&spec, Some(&cur), &edit("L-=a")),
            Ok(Value::Array(vec![]))
        );
        assert_eq!(
            apply_edit(&spec, Some(&cur), &edit("L-=z")),
            Err(ErrorKind::ElementNotPresent {
                element: "z".into()
            })
        );
        let int = PropertySpec::new("N", PropertyType::Int, Tunability::Anytime);
        assert_eq!(
            apply_edit(&int, None, &edit("N+=1")),
            Err(ErrorKind::NotAnArray)
        );
    }
}
