//! Typed property values, their text form, and the checks of a value against a property's
//! declared type, bounds, lengths and enum members. Shared by the RTR parser (DEFAULT checks) and
//! by rgm-core (values an administrator sets), so both give the same answer and the same words.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::limits::{MAX_VALUE_BYTES, value_size};
use crate::spec::{PropertySpec, PropertyType};

/// A property value. ENUM values are strings holding a declared member (in its declared case).
/// In JSON: a number, a boolean, a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Bool(bool),
    Str(String),
    Array(Vec<String>),
}

impl Value {
    /// The value as a STRINGARRAY element list, if it is one.
    pub fn as_array(&self) -> Option<&[String]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The text form: what a callback receives in argv and what `scha_*` commands print for a
/// scalar. Booleans are `TRUE`/`FALSE`; arrays are comma-joined.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Bool(true) => f.write_str("TRUE"),
            Value::Bool(false) => f.write_str("FALSE"),
            Value::Str(s) => f.write_str(s),
            Value::Array(a) => f.write_str(&a.join(",")),
        }
    }
}

/// Why a value does not fit a property. The message names no property: callers add the
/// context (file and line, or object and property).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("`{text}` is not an integer")]
    NotAnInt { text: String },
    #[error("`{text}` is not a boolean (TRUE or FALSE)")]
    NotABool { text: String },
    #[error("`{text}` is not one of {members}")]
    NotAMember { text: String, members: String },
    #[error("{value} is below the minimum {min}")]
    BelowMin { value: i64, min: i64 },
    #[error("{value} is above the maximum {max}")]
    AboveMax { value: i64, max: i64 },
    #[error("`{text}` is shorter than the minimum length {min}")]
    TooShort { text: String, min: i64 },
    #[error("`{text}` is longer than the maximum length {max}")]
    TooLong { text: String, max: i64 },
    #[error("{count} elements is fewer than the minimum array size {min}")]
    TooFewElements { count: usize, min: i64 },
    #[error("{count} elements is more than the maximum array size {max}")]
    TooManyElements { count: usize, max: i64 },
    #[error("an empty value is not allowed for {ty} properties")]
    Empty { ty: PropertyType },
    #[error("the value {}", crate::limits::too_long(*size).unwrap_or_default())]
    TooBig { size: usize },
    #[error("{found} value does not fit a {ty} property")]
    WrongType {
        found: &'static str,
        ty: PropertyType,
    },
}

impl PropertySpec {
    /// Parses the text an administrator wrote (`-p name=value`) into a value of this property's
    /// type, then checks it. Arrays are comma-separated; an empty text is the empty array.
    /// BOOLEAN and ENUM words are case-insensitive; an ENUM value keeps the declared case.
    pub fn parse_value(&self, text: &str) -> Result<Value, ValueError> {
        if text.len() > MAX_VALUE_BYTES {
            return Err(ValueError::TooBig { size: text.len() });
        }
        let value = match self.ty {
            PropertyType::Int => parse_int(text)?,
            PropertyType::Boolean => parse_bool(text)?,
            PropertyType::String => Value::Str(text.to_string()),
            PropertyType::StringArray => Value::Array(split_array(text)),
            PropertyType::Enum => self.enum_member(text)?,
        };
        self.check_value(&value)?;
        Ok(value)
    }

    /// Checks a typed value against this property's type, bounds, lengths and enum members.
    pub fn check_value(&self, value: &Value) -> Result<(), ValueError> {
        let size = value_size(value);
        if size > MAX_VALUE_BYTES {
            return Err(ValueError::TooBig { size });
        }
        match (self.ty, value) {
            (PropertyType::Int, Value::Int(n)) => {
                if let Some(min) = self.min.filter(|min| n < min) {
                    return Err(ValueError::BelowMin { value: *n, min });
                }
                if let Some(max) = self.max.filter(|max| n > max) {
                    return Err(ValueError::AboveMax { value: *n, max });
                }
                Ok(())
            }
            (PropertyType::Boolean, Value::Bool(_)) => Ok(()),
            (PropertyType::String, Value::Str(s)) => self.check_length(s),
            (PropertyType::Enum, Value::Str(s)) => self.enum_member(s).map(|_| ()),
            (PropertyType::StringArray, Value::Array(items)) => {
                let count = items.len();
                if let Some(min) = self.array_minsize.filter(|min| (count as i64) < *min) {
                    return Err(ValueError::TooFewElements { count, min });
                }
                if let Some(max) = self.array_maxsize.filter(|max| (count as i64) > *max) {
                    return Err(ValueError::TooManyElements { count, max });
                }
                items.iter().try_for_each(|s| self.check_length(s))
            }
            (ty, value) => Err(ValueError::WrongType {
                found: type_word(value),
                ty,
            }),
        }
    }

    fn check_length(&self, s: &str) -> Result<(), ValueError> {
        let len = s.chars().count() as i64;
        if let Some(min) = self.minlength.filter(|min| len < *min) {
            return Err(ValueError::TooShort {
                text: s.to_string(),
                min,
            });
        }
        if let Some(max) = self.maxlength.filter(|max| len > *max) {
            return Err(ValueError::TooLong {
                text: s.to_string(),
                max,
            });
        }
        Ok(())
    }

    fn enum_member(&self, text: &str) -> Result<Value, ValueError> {
        let members = self.enum_values.as_deref().unwrap_or_default();
        if text.is_empty() {
            return Err(ValueError::Empty { ty: self.ty });
        }
        members
            .iter()
            .find(|m| m.eq_ignore_ascii_case(text))
            .map(|m| Value::Str(m.clone()))
            .ok_or_else(|| ValueError::NotAMember {
                text: text.to_string(),
                members: members.join(", "),
            })
    }
}

fn parse_int(text: &str) -> Result<Value, ValueError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ValueError::Empty {
            ty: PropertyType::Int,
        });
    }
    t.parse::<i64>()
        .map(Value::Int)
        .map_err(|_| ValueError::NotAnInt {
            text: text.to_string(),
        })
}

fn parse_bool(text: &str) -> Result<Value, ValueError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ValueError::Empty {
            ty: PropertyType::Boolean,
        });
    }
    if t.eq_ignore_ascii_case("TRUE") {
        Ok(Value::Bool(true))
    } else if t.eq_ignore_ascii_case("FALSE") {
        Ok(Value::Bool(false))
    } else {
        Err(ValueError::NotABool {
            text: text.to_string(),
        })
    }
}

/// Splits a comma-separated array text; blanks around elements are dropped, and an empty text
/// (or one of blanks only) is the empty array.
pub fn split_array(text: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    text.split(',').map(|s| s.trim().to_string()).collect()
}

fn type_word(value: &Value) -> &'static str {
    match value {
        Value::Int(_) => "an INT",
        Value::Bool(_) => "a BOOLEAN",
        Value::Str(_) => "a STRING",
        Value::Array(_) => "a STRINGARRAY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Tunability;

    fn int(min: Option<i64>, max: Option<i64>) -> PropertySpec {
        let mut p = PropertySpec::new("n", PropertyType::Int, Tunability::Anytime);
        p.min = min;
        p.max = max;
        p
    }

    #[test]
    fn ints_parse_and_respect_bounds() {
        let p = int(Some(1), Some(10));
        assert_eq!(p.parse_value("5"), Ok(Value::Int(5)));
        assert_eq!(
            p.parse_value("0"),
            Err(ValueError::BelowMin { value: 0, min: 1 })
        );
        assert_eq!(
            p.parse_value("11"),
            Err(ValueError::AboveMax { value: 11, max: 10 })
        );
        assert!(matches!(
            p.parse_value("x"),
            Err(ValueError::NotAnInt { .. })
        ));
        assert_eq!(int(None, None).parse_value("-1"), Ok(Value::Int(-1)));
    }

    #[test]
    fn values_over_the_limit_are_refused_with_their_size() {
        let s = PropertySpec::new("s", PropertyType::String, Tunability::Anytime);
        let big = "x".repeat(MAX_VALUE_BYTES + 1);
        let err = s.parse_value(&big).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the value is 65537 bytes long; the limit is 65536 bytes"
        );
        assert_eq!(
            s.parse_value(&"x".repeat(MAX_VALUE_BYTES)),
            Ok(Value::Str("x".repeat(MAX_VALUE_BYTES)))
        );
        // An array grown element by element is held to the same limit.
        let a = PropertySpec::new("a", PropertyType::StringArray, Tunability::Anytime);
        let grown = Value::Array(vec!["y".repeat(40_000), "z".repeat(30_000)]);
        assert_eq!(
            a.check_value(&grown),
            Err(ValueError::TooBig { size: 70_001 })
        );
    }

    #[test]
    fn enums_match_case_insensitively_and_keep_declared_case() {
        let mut p = PropertySpec::new("e", PropertyType::Enum, Tunability::Anytime);
        p.enum_values = Some(vec!["Timeout".into(), "Auto".into()]);
        assert_eq!(p.parse_value("auto"), Ok(Value::Str("Auto".into())));
        let err = p.parse_value("never").unwrap_err();
        assert_eq!(err.to_string(), "`never` is not one of Timeout, Auto");
    }

    #[test]
    fn arrays_split_on_commas_and_check_each_element() {
        let mut p = PropertySpec::new("a", PropertyType::StringArray, Tunability::Anytime);
        p.maxlength = Some(3);
        p.array_maxsize = Some(2);
        assert_eq!(p.parse_value(""), Ok(Value::Array(vec![])));
        assert_eq!(
            p.parse_value("a, bc"),
            Ok(Value::Array(vec!["a".into(), "bc".into()]))
        );
        assert!(matches!(
            p.parse_value("a,b,c"),
            Err(ValueError::TooManyElements { count: 3, max: 2 })
        ));
        assert!(matches!(
            p.parse_value("abcd"),
            Err(ValueError::TooLong { .. })
        ));
    }

    #[test]
    fn booleans_and_wrong_types() {
        let p = PropertySpec::new("b", PropertyType::Boolean, Tunability::Anytime);
        assert_eq!(p.parse_value("true"), Ok(Value::Bool(true)));
        assert!(matches!(
            p.parse_value("yes"),
            Err(ValueError::NotABool { .. })
        ));
        assert_eq!(
            p.check_value(&Value::Int(1)).unwrap_err().to_string(),
            "an INT value does not fit a BOOLEAN property"
        );
    }

    #[test]
    fn display_is_the_argv_form() {
        assert_eq!(Value::Bool(true).to_string(), "TRUE");
        assert_eq!(
            Value::Array(vec!["a".into(), "b".into()]).to_string(),
            "a,b"
        );
    }
}
