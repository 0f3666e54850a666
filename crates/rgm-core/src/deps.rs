//! The elements of dependency and affinity lists: `r`, `r{LOCAL_NODE}`, `r{ANY_NODE}`,
//! `r{FROM_RG_AFFINITIES}`, `r@node` in the four `Resource_dependencies*` properties, and
//! `+g`, `++g`, `+++g`, `-g`, `--g` in `RG_affinities` (reference §f).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::name::name_problem;

/// The four kinds of resource dependency, one property each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyKind {
    /// `Resource_dependencies`: start after, stop before; the dependent needs it online.
    Strong,
    /// `Resource_dependencies_weak`: ordering only.
    Weak,
    /// `Resource_dependencies_restart`: as strong, and restarted when it restarts.
    Restart,
    /// `Resource_dependencies_offline_restart`: as strong, stopped when it goes offline and
    /// started again when it returns.
    OfflineRestart,
}

impl DependencyKind {
    pub const ALL: [DependencyKind; 4] = [
        DependencyKind::Strong,
        DependencyKind::Weak,
        DependencyKind::Restart,
        DependencyKind::OfflineRestart,
    ];

    /// The resource property holding this kind of dependency.
    pub fn property(self) -> &'static str {
        match self {
            DependencyKind::Strong => "Resource_dependencies",
            DependencyKind::Weak => "Resource_dependencies_weak",
            DependencyKind::Restart => "Resource_dependencies_restart",
            DependencyKind::OfflineRestart => "Resource_dependencies_offline_restart",
        }
    }

    /// The name of the qualified form VALIDATE receives and `scha_resource_get` answers.
    pub fn qualified_property(self) -> &'static str {
        match self {
            DependencyKind::Strong => "Resource_dependencies_Q",
            DependencyKind::Weak => "Resource_dependencies_Q_weak",
            DependencyKind::Restart => "Resource_dependencies_Q_restart",
            DependencyKind::OfflineRestart => "Resource_dependencies_Q_offline_restart",
        }
    }

    /// Whether the dependent needs the depended-on resource online (all but weak).
    pub fn is_hard(self) -> bool {
        self != DependencyKind::Weak
    }

    /// The kind a dependency property holds, by property name (case-insensitive).
    pub fn from_property(name: &str) -> Option<DependencyKind> {
        DependencyKind::ALL
            .into_iter()
            .find(|k| k.property().eq_ignore_ascii_case(name))
    }
}

/// The scope qualifier of a dependency (reference §f.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Scope {
    /// Only the instance on the same node counts.
    LocalNode,
    /// An instance online on any node counts.
    AnyNode,
    /// Derived from the groups' RG_affinities (the default); always local within one group.
    FromRgAffinities,
}

/// One element of a dependency list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DependencyEntry {
    /// The depended-on resource.
    pub resource: String,
    pub scope: Scope,
    /// `r@node`: the dependency applies only on this node.
    pub node: Option<String>,
}

impl DependencyEntry {
    /// Parses one list element. The qualifier is case-insensitive.
    pub fn parse(entry: &str) -> Result<DependencyEntry, String> {
        let entry = entry.trim();
        let (rest, scope) = match entry.find('{') {
            Some(open) => {
                let Some(inner) = entry[open + 1..].strip_suffix('}') else {
                    return Err("a qualifier must be written {LOCAL_NODE}, {ANY_NODE} or {FROM_RG_AFFINITIES} at the end".into());
                };
                let scope = match inner.to_ascii_uppercase().as_str() {
                    "LOCAL_NODE" => Scope::LocalNode,
                    "ANY_NODE" => Scope::AnyNode,
                    "FROM_RG_AFFINITIES" => Scope::FromRgAffinities,
                    _ => {
                        return Err(format!(
                            "unknown qualifier {{{inner}}}; use LOCAL_NODE, ANY_NODE or FROM_RG_AFFINITIES"
                        ));
                    }
                };
                (&entry[..open], scope)
            }
            None => (entry, Scope::FromRgAffinities),
        };
        let (resource, node) = match rest.split_once('@') {
            Some((r, n)) => (r, Some(n)),
            None => (rest, None),
        };
        if let Some(problem) = name_problem(resource) {
            return Err(format!("bad resource name: {problem}"));
        }
        if let Some(node) = node {
            if entry.contains('{') {
                return Err("a per-node dependency (r@node) takes no scope qualifier".into());
            }
            if let Some(problem) = name_problem(node) {
                return Err(format!("bad node name: {problem}"));
            }
        }
        Ok(DependencyEntry {
            resource: resource.to_string(),
            scope,
            node: node.map(str::to_string),
        })
    }

    /// Whether this element applies on `node` (every element but `r@other`).
    pub fn applies_on(&self, node: &str) -> bool {
        self.node.as_deref().is_none_or(|n| n == node)
    }
}

/// The canonical text of an element, as the `_Q` forms show it.
impl fmt::Display for DependencyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.resource)?;
        if let Some(n) = &self.node {
            return write!(f, "@{n}");
        }
        match self.scope {
            Scope::LocalNode => f.write_str("{LOCAL_NODE}"),
            Scope::AnyNode => f.write_str("{ANY_NODE}"),
            Scope::FromRgAffinities => Ok(()),
        }
    }
}

/// The five kinds of RG affinity (reference §f.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AffinityKind {
    /// `+g`: prefer nodes where g is online.
    WeakPositive,
    /// `++g`: only on nodes where g is online; follow it.
    StrongPositive,
    /// `+++g`: as `++`, and a giveover is delegated to g.
    StrongPositiveDelegated,
    /// `-g`: prefer nodes where g is not online.
    WeakNegative,
    /// `--g`: never on a node where g is online; evicted when g arrives.
    StrongNegative,
}

impl AffinityKind {
    pub fn prefix(self) -> &'static str {
        match self {
            AffinityKind::WeakPositive => "+",
            AffinityKind::StrongPositive => "++",
            AffinityKind::StrongPositiveDelegated => "+++",
            AffinityKind::WeakNegative => "-",
            AffinityKind::StrongNegative => "--",
        }
    }

    pub fn is_positive(self) -> bool {
        matches!(
            self,
            AffinityKind::WeakPositive
                | AffinityKind::StrongPositive
                | AffinityKind::StrongPositiveDelegated
        )
    }

    pub fn is_strong_positive(self) -> bool {
        matches!(
            self,
            AffinityKind::StrongPositive | AffinityKind::StrongPositiveDelegated
        )
    }
}

/// One element of `RG_affinities`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Affinity {
    pub kind: AffinityKind,
    pub group: String,
}

impl Affinity {
    pub fn parse(entry: &str) -> Result<Affinity, String> {
        let entry = entry.trim();
        let plus = entry.chars().take_while(|c| *c == '+').count();
        let minus = entry.chars().take_while(|c| *c == '-').count();
        let (kind, rest) = match (plus, minus) {
            (1, _) => (AffinityKind::WeakPositive, &entry[1..]),
            (2, _) => (AffinityKind::StrongPositive, &entry[2..]),
            (3, _) => (AffinityKind::StrongPositiveDelegated, &entry[3..]),
            (_, 1) => (AffinityKind::WeakNegative, &entry[1..]),
            (_, 2) => (AffinityKind::StrongNegative, &entry[2..]),
            _ => {
                return Err(
                    "an affinity is +group, ++group, +++group, -group or --group".to_string(),
                );
            }
        };
        if rest.contains(':') {
            return Err("zone-cluster affinities (cluster:group) are not supported".into());
        }
        if let Some(problem) = name_problem(rest) {
            return Err(format!("bad group name: {problem}"));
        }
        Ok(Affinity {
            kind,
            group: rest.to_string(),
        })
    }
}

impl fmt::Display for Affinity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.prefix(), self.group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_entries_parse_every_form() {
        let e = DependencyEntry::parse("r3{local_node}").unwrap();
        assert_eq!((e.resource.as_str(), e.scope), ("r3", Scope::LocalNode));
        assert_eq!(e.to_string(), "r3{LOCAL_NODE}");
        let e = DependencyEntry::parse("db{ANY_NODE}").unwrap();
        assert_eq!(e.scope, Scope::AnyNode);
        let e = DependencyEntry::parse("r1@node1").unwrap();
        assert_eq!(e.node.as_deref(), Some("node1"));
        assert!(e.applies_on("node1") && !e.applies_on("node2"));
        let e = DependencyEntry::parse("r4").unwrap();
        assert_eq!(e.scope, Scope::FromRgAffinities);
        assert!(e.applies_on("anything"));
    }

    #[test]
    fn bad_dependency_entries_say_why() {
        assert!(
            DependencyEntry::parse("r{SOMEWHERE}")
                .unwrap_err()
                .contains("unknown qualifier")
        );
        assert!(
            DependencyEntry::parse("r{LOCAL_NODE")
                .unwrap_err()
                .contains("at the end")
        );
        assert!(
            DependencyEntry::parse("1r")
                .unwrap_err()
                .contains("bad resource name")
        );
        assert!(
            DependencyEntry::parse("r@")
                .unwrap_err()
                .contains("bad node name")
        );
    }

    #[test]
    fn affinities_parse_every_operator() {
        for (text, kind) in [
            ("+g", AffinityKind::WeakPositive),
            ("++g", AffinityKind::StrongPositive),
            ("+++g", AffinityKind::StrongPositiveDelegated),
            ("-g", AffinityKind::WeakNegative),
            ("--g", AffinityKind::StrongNegative),
        ] {
            let a = Affinity::parse(text).unwrap();
            assert_eq!((a.kind, a.group.as_str()), (kind, "g"));
            assert_eq!(a.to_string(), text);
        }
        assert!(Affinity::parse("g").is_err());
        assert!(Affinity::parse("++++g").is_err());
        assert!(Affinity::parse("---g").is_err());
        assert!(
            Affinity::parse("++zc:g")
                .unwrap_err()
                .contains("zone-cluster")
        );
    }
}
