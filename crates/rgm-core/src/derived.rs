//! Values the RGM derives per node: the plain and `_Q` forms of the dependency lists (as
//! VALIDATE receives them and `scha_resource_get` answers), and `Network_resources_used`.

use rtreg::Value;

use crate::config::{ClusterConfig, Resource};
use crate::deps::{DependencyEntry, DependencyKind};

/// The two forms of a dependency list on `node` (seed rt_callbacks): the plain form lists the
/// names of the elements that apply on this node, without qualifiers; the `_Q` form is the
/// whole list as written. For `r1@node1,r2@node2,r3{local_node},r4` on node1 the plain form is
/// `r1,r3,r4`.
pub fn dependency_forms(
    r: &Resource,
    kind: DependencyKind,
    node: &str,
) -> (Vec<String>, Vec<String>) {
    let texts = r.dependency_texts(kind);
    let plain = texts
        .iter()
        .filter_map(|t| DependencyEntry::parse(t).ok())
        .filter(|e| e.applies_on(node))
        .map(|e| e.resource)
        .collect();
    (plain, texts.to_vec())
}

/// `Network_resources_used` on `node`: the value set explicitly, else the network-address
/// resources named by the four dependency lists on this node, in order of appearance.
pub fn network_resources_used(cfg: &ClusterConfig, r: &Resource, node: &str) -> Vec<String> {
    if let Some(Value::Array(explicit)) = r.properties.get("Network_resources_used") {
        return explicit.clone();
    }
    let mut out: Vec<String> = Vec::new();
    for kind in DependencyKind::ALL {
        for name in dependency_forms(r, kind, node).0 {
            let is_network = cfg
                .resources
                .get(&name)
                .and_then(|d| cfg.types.get(&d.type_name))
                .is_some_and(|t| t.is_network_address());
            if is_network && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}
