//! A resource's property schema: its type's properties (declared in the RTR file, plus the
//! timeouts of declared methods) and the system-defined properties every resource has.

use std::borrow::Cow;

use rtreg::system::{self, Presence};
use rtreg::{PropertySpec, PropertyType, ResourceTypeSpec};

/// The largest value of any time property — every `*_timeout`, every `*_interval`
/// (Retry_interval, Thorough_probe_interval, Cheap_probe_interval, Pingpong_interval) and
/// `clrg evacuate -T` — in seconds: the largest a Solaris integer property holds (about 68
/// years). A type may set a lower MAX; none can set a higher one.
pub const MAX_SECONDS: i64 = i32::MAX as i64;

/// Whether a property holds a time in seconds (bounded by [`MAX_SECONDS`]).
pub fn is_time_property(p: &PropertySpec) -> bool {
    let name = p.name.to_ascii_lowercase();
    p.ty == PropertyType::Int && (name.ends_with("_timeout") || name.ends_with("_interval"))
}

/// A property with the time bound applied: never negative, never above [`MAX_SECONDS`].
fn bounded(p: Cow<'_, PropertySpec>) -> Cow<'_, PropertySpec> {
    if !is_time_property(&p) {
        return p;
    }
    let within = p.min.is_some_and(|m| m >= 0) && p.max.is_some_and(|m| m <= MAX_SECONDS);
    if within {
        return p;
    }
    let mut q = p.into_owned();
    q.min = Some(q.min.unwrap_or(0).max(0));
    q.max = Some(q.max.unwrap_or(MAX_SECONDS).min(MAX_SECONDS));
    Cow::Owned(q)
}

/// The schema entry of a resource property of a type, by name (case-insensitive).
/// Query-only system properties are not part of the schema.
pub fn resource_property<'a>(
    spec: &'a ResourceTypeSpec,
    name: &str,
) -> Option<Cow<'a, PropertySpec>> {
    if let Some(p) = spec.property(name) {
        return Some(bounded(Cow::Borrowed(p)));
    }
    let sys = system::lookup(name)?;
    (sys.presence == Presence::Always).then(|| bounded(Cow::Owned(sys.to_spec())))
}

/// Every property a resource of this type has, type properties first.
pub fn resource_schema(spec: &ResourceTypeSpec) -> Vec<Cow<'_, PropertySpec>> {
    let mut out: Vec<Cow<'_, PropertySpec>> = spec
        .properties
        .iter()
        .map(|p| bounded(Cow::Borrowed(p)))
        .collect();
    for sys in system::RESOURCE_PROPERTIES {
        if sys.presence == Presence::Always && spec.property(sys.name).is_none() {
            out.push(bounded(Cow::Owned(sys.to_spec())));
        }
    }
    out
}

/// Whether a name is a query-only system resource property (Resource_state, Status, ...).
pub fn is_query_only(name: &str) -> bool {
    system::lookup(name).is_some_and(|p| p.presence == Presence::QueryOnly)
}

/// The known property name nearest to `name`, to suggest for a misspelling.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_suggests_close_names_only() {
        let names = ["Retry_count", "Retry_interval", "Failover_mode"];
        assert_eq!(nearest("retry_cnt", names).as_deref(), Some("Retry_count"));
        assert_eq!(
            nearest("Failovr_mode", names).as_deref(),
            Some("Failover_mode")
        );
        assert_eq!(nearest("Nodelist", names), None);
    }
}
