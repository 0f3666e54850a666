//! `clrg status -v`: why each group that is not where it should be is not there, per node, in
//! the engine's own words (docs/observing.md), as text and as JSON.

use serde_json::{Value as Json, json};

use rgm_core::engine::GroupWhyNot;

/// The "why not" section: one block per group, one line per node and reason. Empty when every
/// group is where it should be.
pub fn text(report: &[GroupWhyNot]) -> String {
    if report.is_empty() {
        return "\n=== Why Not ===\n\nEvery resource group is where it should be.\n".to_string();
    }
    let mut out = String::from("\n=== Why Not ===\n");
    for g in report {
        out.push_str(&format!("\n{}: {}\n", g.group, summary(g)));
        for n in &g.nodes {
            for r in &n.reasons {
                out.push_str(&format!("  {} on {}: {r}\n", n.state.public_name(), n.node));
            }
        }
    }
    out
}

/// `wanted online on 1 node, online on none`.
fn summary(g: &GroupWhyNot) -> String {
    let online = if g.online.is_empty() {
        "none".to_string()
    } else {
        g.online.join(", ")
    };
    if g.wanted {
        format!(
            "wanted online on {} node{}, online on {online}",
            g.desired,
            if g.desired == 1 { "" } else { "s" }
        )
    } else {
        format!("wanted offline, online on {online}")
    }
}

/// A group's report as JSON: `wanted`, `desired`, `primaries`, `online`, `nodes` ([{`node`,
/// `state`, `reasons`: [{`kind`, `text`, and the reason's own fields}]}]).
pub fn json(g: &GroupWhyNot) -> Json {
    let nodes: Vec<Json> = g
        .nodes
        .iter()
        .map(|n| {
            let reasons: Vec<Json> = n
                .reasons
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r).unwrap_or(Json::Null);
                    if let Some(o) = v.as_object_mut() {
                        o.insert("text".into(), Json::String(r.to_string()));
                    }
                    v
                })
                .collect();
            json!({"node": n.node, "state": n.state.public_name(), "reasons": reasons})
        })
        .collect();
    json!({
        "wanted": g.wanted,
        "desired": g.desired,
        "primaries": g.primaries,
        "online": g.online,
        "nodes": nodes,
    })
}
