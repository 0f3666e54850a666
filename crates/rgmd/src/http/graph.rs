//! The dependency and affinity graph of each group, for the status page: its resources, the
//! resource dependencies of its resources (to resources of any group, with the kind), and the
//! group's RG_dependencies and RG_affinities.

use serde_json::{Value as Json, json};

use rgm_core::ClusterConfig;
use rgm_core::DependencyKind;
use rgm_core::deps::DependencyEntry;

/// group → {`resources`, `edges`: [{`from`, `to`, `kind`}], `groups`: [{`to`, `kind`}]}.
pub fn of(cfg: &ClusterConfig) -> Json {
    let mut out = serde_json::Map::new();
    for (name, g) in &cfg.groups {
        let mut edges = Vec::new();
        for r in &g.resources {
            let Some(res) = cfg.resources.get(r) else {
                continue;
            };
            for kind in DependencyKind::ALL {
                for text in res.dependency_texts(kind) {
                    if let Ok(e) = DependencyEntry::parse(text) {
                        edges.push(json!({"from": r, "to": e.resource, "kind": kind.property()}));
                    }
                }
            }
        }
        let mut groups: Vec<Json> = g
            .rg_dependencies()
            .into_iter()
            .map(|d| json!({"to": d, "kind": "RG_dependencies"}))
            .collect();
        for a in g.rg_affinities() {
            let sign = a.kind.prefix();
            groups.push(json!({"to": a.group, "kind": format!("RG_affinities {sign}")}));
        }
        out.insert(
            name.clone(),
            json!({"resources": g.resources, "edges": edges, "groups": groups}),
        );
    }
    Json::Object(out)
}
