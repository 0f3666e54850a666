//! What the commands print: the `status` tables of reference §g.5 ([`status`]), the `show`
//! listings ([`show`]), property lists ([`props`]) and the `-o json` documents ([`json`]).
//! Every function here is pure: a [`rgm_proto::ClusterView`] in, text or JSON out.

pub mod json;
pub mod list;
pub mod plan;
pub mod props;
pub mod show;
pub mod status;
pub mod why_not;

use rtreg::Value;

/// How `show` prints an empty or absent value.
pub const NULL: &str = "<NULL>";

/// `True` / `False`, as `show` prints booleans.
pub fn true_false(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// A value as `show` prints it: booleans `True`/`False`, arrays blank-separated, empty
/// strings and arrays `<NULL>`.
pub fn show_value(v: Option<&Value>) -> String {
    match v {
        None => NULL.to_string(),
        Some(Value::Bool(b)) => true_false(*b).to_string(),
        Some(Value::Int(n)) => n.to_string(),
        Some(Value::Str(s)) if s.is_empty() => NULL.to_string(),
        Some(Value::Str(s)) => s.clone(),
        Some(Value::Array(a)) if a.is_empty() => NULL.to_string(),
        Some(Value::Array(a)) => a.join(" "),
    }
}

/// A list as `show` prints it: blank-separated, `<NULL>` when empty.
pub fn show_list(items: &[String]) -> String {
    if items.is_empty() {
        NULL.to_string()
    } else {
        items.join(" ")
    }
}
