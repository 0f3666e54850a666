//! The `-o json` documents of the read subcommands (keys in docs/commands.md). Values are
//! typed: numbers, booleans, strings and arrays of strings; states use their public names
//! (`ONLINE`, `ONLINE_NOT_MONITORED`, `PENDING_ONLINE`).

use serde_json::{Map, Value as Json, json};

use rgm_core::rg_props::RG_PROPERTIES;
use rgm_core::schema::resource_schema;
use rgm_core::{RegisteredType, Resource, ResourceGroup};
use rgm_proto::ClusterView;
use rtreg::Value;

use crate::cl::select::{group_nodes, resource_nodes, resource_on};

fn value(v: Option<Value>) -> Json {
    v.map_or(Json::Null, |v| {
        serde_json::to_value(v).unwrap_or(Json::Null)
    })
}

/// A resource type: `name`, `installed_nodes` (null = all nodes), `rt_system`, `resources`,
/// and `spec`, the type as its RTR file registered it (the JSON of `rtreg show --json`).
pub fn rtype(view: &ClusterView, t: &RegisteredType) -> Json {
    let resources: Vec<&str> = view
        .config
        .resources
        .values()
        .filter(|r| r.type_name == t.name())
        .map(|r| r.name.as_str())
        .collect();
    json!({
        "name": t.name(),
        "installed_nodes": t.installed_nodes,
        "rt_system": t.rt_system,
        "resources": resources,
        "spec": serde_json::to_value(&t.spec).unwrap_or(Json::Null),
    })
}

/// A group: `name`, `managed`, `suspended`, `properties` (every settable property's
/// effective value), `resources`, `states` (node → RG_state), `primaries`, `wanted_online`.
pub fn group(view: &ClusterView, g: &ResourceGroup) -> Json {
    let mut props = Map::new();
    for p in RG_PROPERTIES.iter().filter(|p| !p.query_only) {
        props.insert(p.name.to_string(), value(g.property(p.name)));
    }
    let states: Map<String, Json> = group_nodes(view, g, &[])
        .into_iter()
        .map(|n| {
            let s = view.group_state(&g.name, &n).public_name();
            (n, Json::from(s))
        })
        .collect();
    let gv = view.groups.get(&g.name);
    json!({
        "name": g.name,
        "managed": g.managed,
        "suspended": g.suspended(),
        "properties": props,
        "resources": g.resources,
        "states": states,
        "primaries": gv.map(|v| v.primaries.clone()).unwrap_or_default(),
        "wanted_online": gv.is_some_and(|v| v.wanted),
    })
}

/// A resource: `name`, `group`, `type`, `enabled` and `monitored` (node → bool),
/// `properties` (every property's effective cluster-wide value) and `per_node` (property →
/// node → value, for per-node properties).
pub fn resource(view: &ClusterView, r: &Resource) -> Json {
    let cfg = &view.config;
    let nodes = resource_nodes(view, r, &[]);
    let switch = |s: &rgm_core::NodeSwitch| -> Map<String, Json> {
        nodes
            .iter()
            .map(|n| (n.clone(), Json::from(s.on(n))))
            .collect()
    };
    let mut props = Map::new();
    let mut per_node = Map::new();
    if let Some(t) = cfg.types.get(&r.type_name) {
        for p in resource_schema(&t.spec) {
            props.insert(
                p.name.clone(),
                value(cfg.resource_property(r, &p.name, None)),
            );
            if p.per_node {
                let values: Map<String, Json> = nodes
                    .iter()
                    .map(|n| (n.clone(), value(cfg.resource_property(r, &p.name, Some(n)))))
                    .collect();
                per_node.insert(p.name.clone(), Json::Object(values));
            }
        }
    }
    json!({
        "name": r.name,
        "group": r.group,
        "type": r.type_name,
        "enabled": switch(&r.enabled),
        "monitored": switch(&r.monitored),
        "properties": props,
        "per_node": per_node,
    })
}

/// A group's status: `name`, `suspended`, `nodes` ([{`node`, `state`}]).
pub fn group_status(view: &ClusterView, g: &ResourceGroup, nodes: &[String]) -> Json {
    let rows: Vec<Json> = group_nodes(view, g, nodes)
        .into_iter()
        .map(|n| {
            let state = view.group_state(&g.name, &n).public_name();
            json!({"node": n, "state": state})
        })
        .collect();
    json!({"name": g.name, "suspended": g.suspended(), "nodes": rows})
}

/// A resource's status: `name`, `group`, `nodes` ([{`node`, `state`, `status`,
/// `status_msg`, `restarts`, `rg_restarts`}]).
pub fn resource_status(view: &ClusterView, r: &Resource, nodes: &[String]) -> Json {
    let Some(g) = view.config.groups.get(&r.group) else {
        return Json::Null;
    };
    let rows: Vec<Json> = group_nodes(view, g, nodes)
        .into_iter()
        .map(|n| {
            let x = resource_on(view, &r.name, &n);
            json!({
                "node": n,
                "state": x.state.public_name(),
                "status": x.status.public_name(),
                "status_msg": x.status_msg,
                "restarts": x.restarts,
                "rg_restarts": x.rg_restarts,
            })
        })
        .collect();
    json!({"name": r.name, "group": r.group, "nodes": rows})
}
