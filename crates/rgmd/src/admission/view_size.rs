//! The size of the view, kept up to date at the cost of what changed: an upper bound of
//! [`view_bound`] (with the status messages) that follows the engine's configuration changes
//! object by object ([`Engine::config_changes_since`]) instead of serialising the whole
//! configuration for every request. Worked out whole again only when a node or a type changed,
//! or the engine is another one.

use std::collections::HashMap;

use rgm_core::engine::Engine;
use rgm_core::{ClusterConfig, ConfigVersion};
use rgm_proto::limits::{StateBound, json_len, status_msg_bytes, view_bound};

/// What [`ViewSize::bound`] keeps between requests.
#[derive(Default)]
pub struct ViewSize {
    cached: Option<Cached>,
    /// The status messages' bytes, at a [`Engine::status_msg_version`].
    msgs: Option<((u64, u64), usize)>,
}

struct Cached {
    version: ConfigVersion,
    node: String,
    states: StateBound,
    groups: HashMap<String, usize>,
    resources: HashMap<String, usize>,
    total: usize,
}

impl ViewSize {
    /// At least `view_bound(engine.config(), node, status_msg_bytes(engine))`.
    pub fn bound(&mut self, engine: &Engine, node: &str) -> usize {
        self.config_part(engine, node) + self.status_msgs_bound(engine)
    }

    /// At least the status messages' bytes in the view ([`status_msg_bytes`]), worked out
    /// again only when a message was set ([`Engine::status_msg_version`]): otherwise they can
    /// only have shrunk (a message cleared, a resource or a node deleted) or stayed, and a new
    /// object has none.
    fn status_msgs_bound(&mut self, engine: &Engine) -> usize {
        let version = engine.status_msg_version();
        match self.msgs {
            Some((v, bytes)) if v == version => bytes,
            _ => {
                let bytes = status_msg_bytes(engine);
                self.msgs = Some((version, bytes));
                bytes
            }
        }
    }

    fn config_part(&mut self, engine: &Engine, node: &str) -> usize {
        let cfg = engine.config();
        let version = engine.config_version();
        let cached = self.cached.take().and_then(|mut c| {
            if c.node != node {
                return None;
            }
            if c.version != version {
                let changes = engine.config_changes_since(c.version)?;
                for g in &changes.groups {
                    c.total -= c.groups.remove(g).unwrap_or(0);
                    if let Some(size) = group_size(cfg, &c.states, g) {
                        c.total += size;
                        c.groups.insert(g.clone(), size);
                    }
                }
                for r in &changes.resources {
                    c.total -= c.resources.remove(r).unwrap_or(0);
                    if let Some(size) = resource_size(cfg, &c.states, r) {
                        c.total += size;
                        c.resources.insert(r.clone(), size);
                    }
                }
                c.version = version;
            }
            Some(c)
        });
        let c = cached.unwrap_or_else(|| Cached::of(cfg, node, version));
        let total = c.total;
        self.cached = Some(c);
        total
    }
}

impl Cached {
    fn of(cfg: &ClusterConfig, node: &str, version: ConfigVersion) -> Cached {
        let states = StateBound::of(cfg);
        let skeleton = ClusterConfig {
            cluster_name: cfg.cluster_name.clone(),
            nodes: cfg.nodes.clone(),
            types: cfg.types.clone(),
            groups: Default::default(),
            resources: Default::default(),
            removed_node_id: cfg.removed_node_id,
        };
        // The view without groups and resources.
        let fixed = view_bound(&skeleton, node, 0);
        let groups: HashMap<String, usize> = cfg
            .groups
            .keys()
            .filter_map(|g| Some((g.clone(), group_size(cfg, &states, g)?)))
            .collect();
        let resources: HashMap<String, usize> = cfg
            .resources
            .keys()
            .filter_map(|r| Some((r.clone(), resource_size(cfg, &states, r)?)))
            .collect();
        let total = fixed + groups.values().sum::<usize>() + resources.values().sum::<usize>();
        Cached {
            version,
            node: node.to_string(),
            states,
            groups,
            resources,
            total,
        }
    }
}

/// What a group adds to the view: `"name":{...},` in the configuration, and its states.
fn group_size(cfg: &ClusterConfig, states: &StateBound, name: &str) -> Option<usize> {
    let g = cfg.groups.get(name)?;
    Some(json_len(name) + 2 + json_len(g) + states.group(name))
}

/// What a resource adds to the view: `"name":{...},` in the configuration, and its states.
fn resource_size(cfg: &ClusterConfig, states: &StateBound, name: &str) -> Option<usize> {
    let r = cfg.resources.get(name)?;
    Some(json_len(name) + 2 + json_len(r) + states.resource(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_core::engine::{AdminRequest, Operands, Status};
    use rgm_core::testkit::{Harness, cluster, edits, group, resource};

    fn exact(e: &Engine) -> usize {
        view_bound(e.config(), "n1", status_msg_bytes(e))
    }

    #[test]
    fn the_bound_follows_changes_and_never_falls_below_the_exact_one() {
        let mut cfg = cluster(&["n1", "n2"]);
        group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
        resource(&mut cfg, "a", "rg1", &[]);
        let mut h = Harness::new(cfg);
        h.join("n1");
        h.join("n2");
        h.succeed_all();
        let mut size = ViewSize::default();
        assert!(size.bound(&h.engine, "n1") >= exact(&h.engine));
        for name in ["b", "c", "a-much-longer-name-than-the-others"] {
            let id = h.request(AdminRequest::CreateResource {
                names: vec![name.to_string()],
                group: "rg1".into(),
                type_name: "TEST.app:1".into(),
                edits: edits(&["Resource_dependencies=a"]),
                enabled: false,
            });
            h.succeed_all();
            h.ok(id);
            let kept = size.bound(&h.engine, "n1");
            assert!(kept >= exact(&h.engine), "{kept} < {}", exact(&h.engine));
            // Kept up to date object by object: the same as worked out whole.
            assert_eq!(kept, ViewSize::default().bound(&h.engine, "n1"));
        }
        let id = h.request(AdminRequest::DeleteResource {
            resources: Operands::Named(vec!["b".into()]),
            force: false,
        });
        h.succeed_all();
        h.ok(id);
        assert_eq!(
            size.bound(&h.engine, "n1"),
            ViewSize::default().bound(&h.engine, "n1")
        );
        // A status message set: the kept bound grows with it.
        let before = size.bound(&h.engine, "n1");
        h.set_status("a", "n1", Status::Degraded, &"x".repeat(1000));
        let kept = size.bound(&h.engine, "n1");
        assert!(kept >= before + 1000, "{kept} < {before} + 1000");
        assert!(kept >= exact(&h.engine));
        // Asked for another node: worked out for it.
        assert_eq!(
            size.bound(&h.engine, "n2"),
            ViewSize::default().bound(&h.engine, "n2")
        );
    }
}
