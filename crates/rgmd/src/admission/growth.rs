//! How much a change can grow the view, bounded from the request alone, cheaply: a change whose
//! bound stays within the frame limit is let through without working out the configuration it
//! makes (which costs as much as the change itself on a large cluster); only a change near the
//! limit is worked out exactly. A test holds the bound above the true growth.

use rgm_core::engine::{AdminRequest, Operands};
use rgm_core::{ClusterConfig, EditOp, InstalledNodesEdit, PropertyEdit, RegisteredType};
use rgm_proto::limits::{StateBound, json_len, node_growth};
use rtreg::limits::MAX_VALUE_BYTES;

/// At most how many bytes the request can add to the view of `cfg`; `None` when it cannot be
/// told from the request (a `Type_version` upgrade: the type it moves to decides).
pub fn growth_bound(request: &AdminRequest, cfg: &ClusterConfig) -> Option<usize> {
    use AdminRequest as R;
    let states = StateBound::of(cfg);
    Some(match request {
        R::RegisterType {
            spec,
            installed_nodes,
            rt_system,
        } => {
            let registered = RegisteredType {
                spec: (**spec).clone(),
                installed_nodes: installed_nodes.clone(),
                rt_system: rt_system.unwrap_or(spec.rt_system),
            };
            json_len(&registered) + json_len(&spec.name) + 8
        }
        R::UpdateType {
            installed_nodes, ..
        } => {
            let named = match installed_nodes {
                Some(InstalledNodesEdit::Set(n) | InstalledNodesEdit::Add(n)) => json_len(n),
                _ => 0,
            };
            json_len(&cfg.node_names()) + named + 32
        }
        R::CreateGroup { names, edits, .. } => {
            let each = edits_bound(edits)?;
            // {"name":N,"managed":false,"properties":{...},"resources":[]} under key N, with
            // the Maximum_primaries, Desired_primaries and RG_mode a create may add.
            names
                .iter()
                .map(|name| 2 * json_len(name) + 200 + each + states.group(name))
                .sum()
        }
        R::UpdateGroup { groups, edits } => count(groups, cfg.groups.len()) * edits_bound(edits)?,
        R::CreateResource {
            names,
            group,
            type_name,
            edits,
            ..
        } => {
            let each = edits_bound(edits)?;
            let longest_type = cfg.types.keys().map(json_len).max().unwrap_or(0);
            // {"name":N,"group":G,"type_name":T,"properties":{...},"enabled":{"all":true},
            // "monitored":{"all":true}} under key N, and N in its group's Resource_list.
            names
                .iter()
                .map(|name| {
                    3 * json_len(name)
                        + json_len(group)
                        + longest_type.max(json_len(type_name))
                        + 150
                        + each
                        + states.resource(name)
                })
                .sum()
        }
        R::UpdateResource { resources, edits } => {
            count(resources, cfg.resources.len()) * edits_bound(edits)?
        }
        R::AddNode { name } => node_growth(cfg, name),
        _ => 0,
    })
}

fn count(operands: &Operands, all: usize) -> usize {
    match operands {
        Operands::All => all,
        Operands::Named(names) => names.len(),
    }
}

/// At most how much a list of edits adds to one object: each edit stores one value, or one per
/// node it names, under its property's name.
fn edits_bound(edits: &[PropertyEdit]) -> Option<usize> {
    let mut total = 0;
    for e in edits {
        if e.name.eq_ignore_ascii_case("Type_version") {
            return None;
        }
        // A value's JSON is at most 6 bytes per byte of its text (`\u0001`) plus its quotes,
        // brackets and commas. `=` stores what the edit says; `+=` and `-=` store what was
        // there (or the type's default) with the edit applied, at most the value limit.
        let value = match e.op {
            EditOp::Set => 6 * e.value.len() + 64,
            EditOp::Add | EditOp::Remove => 10 * MAX_VALUE_BYTES + 64,
        };
        let key = 6 * e.name.len() + 16;
        total += match &e.nodes {
            None => key + value,
            Some(nodes) => {
                let per_node: usize = nodes.iter().map(|n| json_len(n) + 4 + value).sum();
                key + 16 + per_node
            }
        };
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_core::NothingRunning;
    use rgm_core::testkit::{TypeBuilder, cluster, edits, group, must, resource};
    use rgm_proto::limits::view_bound;
    use rtreg::{PropertyType, Value};

    /// A cluster with a type whose defaults are large, so `+=` on them grows a lot.
    fn sample() -> ClusterConfig {
        let mut cfg = cluster(&["n1", "a-long-node-name-2"]);
        let spec = TypeBuilder::new("ACME", "wide", "1")
            .extension(
                "List",
                PropertyType::StringArray,
                Some(Value::Array(vec![
                    "\u{1}".repeat(20_000),
                    "y,".repeat(10_000),
                ])),
            )
            .with(|p| p.per_node = true)
            .extension(
                "Note",
                PropertyType::String,
                Some(Value::Str(String::new())),
            )
            .build();
        must(
            &mut cfg,
            rgm_core::Change::RegisterType {
                spec: Box::new(spec),
                installed_nodes: None,
                rt_system: None,
            },
        );
        group(&mut cfg, "rg", &[]);
        resource(&mut cfg, "r", "rg", &[]);
        must(
            &mut cfg,
            rgm_core::Change::CreateResource {
                name: "w".into(),
                group: "rg".into(),
                type_name: "ACME.wide".into(),
                edits: vec![],
                enabled: true,
            },
        );
        cfg
    }

    #[test]
    fn the_bound_is_above_the_growth_of_every_kind_of_change() {
        let cfg = sample();
        let before = view_bound(&cfg, "n1", 0);
        let spec = TypeBuilder::new("ACME", "other", "2")
            .extension(
                "Big",
                PropertyType::String,
                Some(Value::Str("\u{7}".repeat(9000))),
            )
            .build();
        let requests = [
            AdminRequest::RegisterType {
                spec: Box::new(spec),
                installed_nodes: Some(vec!["n1".into()]),
                rt_system: None,
            },
            AdminRequest::UpdateType {
                name: "ACME.wide".into(),
                installed_nodes: Some(InstalledNodesEdit::Set(vec![
                    "n1".into(),
                    "a-long-node-name-2".into(),
                ])),
                rt_system: None,
            },
            AdminRequest::CreateGroup {
                names: vec!["scaled".into(), "other".into()],
                scalable: true,
                edits: edits(&[
                    "Nodelist=n1,a-long-node-name-2",
                    "Pathprefix=\u{2}\u{2}\u{2}",
                ]),
            },
            AdminRequest::UpdateGroup {
                groups: Operands::All,
                edits: edits(&["Pathprefix=\"q\",\"q\""]),
            },
            AdminRequest::CreateResource {
                names: vec!["w2".into(), "w3".into()],
                group: "rg".into(),
                type_name: "wide".into(),
                edits: edits(&["Note=\u{1}\u{1}", "List{n1,a-long-node-name-2}+=z"]),
                enabled: false,
            },
            AdminRequest::UpdateResource {
                resources: Operands::named(&["w"]),
                edits: edits(&["List+=a,b,\u{3}", "Note=,,,,"]),
            },
            AdminRequest::UpdateResource {
                resources: Operands::named(&["w"]),
                edits: edits(&["List{a-long-node-name-2}+=x"]),
            },
            AdminRequest::AddNode {
                name: "a-third-node".into(),
            },
        ];
        for request in requests {
            let changes = rgm_core::requested::config_changes(&request, &cfg).expect("changes");
            let mut next = cfg.clone();
            for c in &changes {
                next.apply(c, &NothingRunning)
                    .unwrap_or_else(|e| panic!("{request:?}: {e}"));
            }
            let grown = view_bound(&next, "n1", 0).saturating_sub(before);
            let bound = growth_bound(&request, &cfg).expect("a bound");
            assert!(grown <= bound, "{request:?}: grew {grown}, bound {bound}");
            assert!(grown > 0, "{request:?} grew nothing: a weak test");
        }
    }

    #[test]
    fn a_type_version_upgrade_is_worked_out_exactly() {
        let cfg = sample();
        let request = AdminRequest::UpdateResource {
            resources: Operands::named(&["w"]),
            edits: edits(&["type_version=2"]),
        };
        assert_eq!(growth_bound(&request, &cfg), None);
    }
}
