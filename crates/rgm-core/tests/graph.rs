//! The dependency graph's queries: order, scope, propagation, satisfaction, and the derived
//! per-node values.

use std::collections::HashSet;

use rgm_core::derived::{dependency_forms, network_resources_used};
use rgm_core::testkit::{TypeBuilder, cluster, edits, group, must, resource};
use rgm_core::{Change, ClusterConfig, DependencyGraph, DependencyKind, EffectiveScope, StateView};

/// Runtime state for the queries: which resources are online where, which groups are active.
#[derive(Default)]
struct State {
    online: HashSet<(String, String)>,
    active: HashSet<(String, String)>,
}

impl State {
    fn online(mut self, r: &str, node: &str) -> State {
        self.online.insert((r.into(), node.into()));
        self
    }
    fn active(mut self, g: &str, node: &str) -> State {
        self.active.insert((g.into(), node.into()));
        self
    }
}

impl StateView for State {
    fn is_online(&self, r: &str, node: &str) -> bool {
        self.online.contains(&(r.to_string(), node.to_string()))
    }
    fn is_online_anywhere(&self, r: &str) -> bool {
        self.online.iter().any(|(x, _)| x == r)
    }
    fn group_active_on(&self, g: &str, node: &str) -> bool {
        self.active.contains(&(g.to_string(), node.to_string()))
    }
}

/// web -> app -> db (strong), cache -weak-> db, fs restart-depended on by db.
fn three_tier() -> ClusterConfig {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "fs", "rg1", &[]);
    resource(&mut cfg, "db", "rg1", &["Resource_dependencies_restart=fs"]);
    resource(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    resource(
        &mut cfg,
        "web",
        "rg1",
        &["Resource_dependencies_offline_restart=app"],
    );
    resource(&mut cfg, "cache", "rg1", &["Resource_dependencies_weak=db"]);
    cfg
}

#[test]
fn start_and_stop_order_in_batches() {
    let cfg = three_tier();
    let g = DependencyGraph::build(&cfg);
    let all = ["web", "app", "db", "fs", "cache"];
    assert_eq!(
        g.start_order(&all, "n1"),
        vec![vec!["fs"], vec!["db"], vec!["app", "cache"], vec!["web"]]
    );
    assert_eq!(
        g.stop_order(&all, "n1"),
        vec![vec!["web", "cache"], vec!["app"], vec!["db"], vec!["fs"]]
    );
    // Only the given resources are ordered.
    assert_eq!(g.start_order(&["web", "db"], "n1"), vec![vec!["web", "db"]]);
}

#[test]
fn per_node_dependencies_order_only_on_their_node() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "a", "rg1", &[]);
    resource(&mut cfg, "b", "rg1", &["Resource_dependencies=a@n1"]);
    let g = DependencyGraph::build(&cfg);
    assert_eq!(g.start_order(&["a", "b"], "n1"), vec![vec!["a"], vec!["b"]]);
    assert_eq!(g.start_order(&["a", "b"], "n2"), vec![vec!["a", "b"]]);
}

#[test]
fn propagation_of_restarts_and_offlines() {
    let cfg = three_tier();
    let g = DependencyGraph::build(&cfg);
    // fs restarts: db (restart dependency) restarts, nothing else restart-depends.
    assert_eq!(
        g.restart_dependents("fs", "n1"),
        vec![("db".into(), Some("n1".into()))]
    );
    // app goes offline: web (offline_restart) is stopped.
    assert_eq!(
        g.offline_restart_dependents("app", "n1"),
        vec![("web".into(), Some("n1".into()))]
    );
    // Taking db down needs app and then web down first (hard dependencies, transitively);
    // the weak dependent cache is not affected.
    let hard: Vec<String> = g
        .hard_dependents("db", "n1")
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(hard, ["app", "web"]);
}

#[test]
fn scope_qualifiers_resolve_across_groups() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "dbg", &[]);
    group(&mut cfg, "strong", &["RG_affinities=++dbg"]);
    group(&mut cfg, "weak", &["RG_affinities=+dbg"]);
    group(&mut cfg, "none", &[]);
    resource(&mut cfg, "db", "dbg", &[]);
    resource(&mut cfg, "s", "strong", &["Resource_dependencies=db"]);
    resource(&mut cfg, "w", "weak", &["Resource_dependencies=db"]);
    resource(&mut cfg, "n", "none", &["Resource_dependencies=db"]);
    resource(
        &mut cfg,
        "l",
        "none",
        &["Resource_dependencies=db{LOCAL_NODE}"],
    );
    resource(
        &mut cfg,
        "a",
        "strong",
        &["Resource_dependencies=db{ANY_NODE}"],
    );
    let g = DependencyGraph::build(&cfg);
    let scope = |r: &str| g.dependencies_of(r)[0].2;
    assert_eq!(scope("s"), EffectiveScope::Local);
    assert_eq!(scope("w"), EffectiveScope::LocalIfColocated);
    assert_eq!(scope("n"), EffectiveScope::Any);
    assert_eq!(scope("l"), EffectiveScope::Local);
    assert_eq!(scope("a"), EffectiveScope::Any);

    // db online on n2 only.
    let state = State::default().online("db", "n2").active("dbg", "n2");
    let unsat = |r: &str, node: &str| g.unsatisfied_on(&cfg, r, node, &state);
    assert_eq!(
        unsat("s", "n1"),
        ["db"],
        "strong affinity: needs db on the same node"
    );
    assert!(unsat("s", "n2").is_empty());
    assert!(unsat("n", "n1").is_empty(), "no affinity: any node will do");
    assert_eq!(unsat("l", "n1"), ["db"]);
    assert!(unsat("a", "n1").is_empty());
    assert!(
        unsat("w", "n1").is_empty(),
        "weak affinity, db's group not on n1: any node"
    );
    // With db's group coming online on n1 too, the weak-affinity dependent waits for it there.
    let state = State::default()
        .online("db", "n2")
        .active("dbg", "n2")
        .active("dbg", "n1");
    assert_eq!(g.unsatisfied_on(&cfg, "w", "n1", &state), ["db"]);
}

#[test]
fn weak_dependencies_never_block_a_start() {
    let cfg = three_tier();
    let g = DependencyGraph::build(&cfg);
    let state = State::default();
    assert!(g.unsatisfied_on(&cfg, "cache", "n1", &state).is_empty());
    assert_eq!(g.unsatisfied_on(&cfg, "app", "n1", &state), ["db"]);
}

#[test]
fn validate_forms_of_dependencies_follow_the_seed_example() {
    let mut cfg = cluster(&["node1", "node2"]);
    group(&mut cfg, "rg1", &[]);
    for r in ["r1", "r2", "r3", "r4"] {
        resource(&mut cfg, r, "rg1", &[]);
    }
    resource(
        &mut cfg,
        "x",
        "rg1",
        &["Resource_dependencies=r1@node1,r2@node2,r3{local_node},r4"],
    );
    let x = cfg.resource("x").unwrap();
    let (plain, q) = dependency_forms(x, DependencyKind::Strong, "node1");
    assert_eq!(plain.join(","), "r1,r3,r4");
    assert_eq!(q.join(","), "r1@node1,r2@node2,r3{local_node},r4");
    let (plain, q2) = dependency_forms(x, DependencyKind::Strong, "node2");
    assert_eq!(plain.join(","), "r2,r3,r4");
    assert_eq!(q, q2, "the _Q form is the same on every node");
}

#[test]
fn network_resources_used_and_implicit_dependencies() {
    let mut cfg = cluster(&["n1", "n2"]);
    must(
        &mut cfg,
        Change::RegisterType {
            spec: Box::new(
                TypeBuilder::new("SUNW", "LogicalHostname", "4")
                    .logical_hostname()
                    .build(),
            ),
            installed_nodes: None,
            rt_system: None,
        },
    );
    group(&mut cfg, "rg1", &[]);
    for lh in ["lh1", "lh2"] {
        must(
            &mut cfg,
            Change::CreateResource {
                name: lh.into(),
                group: "rg1".into(),
                type_name: "LogicalHostname".into(),
                edits: edits(&[]),
                enabled: true,
            },
        );
    }
    resource(
        &mut cfg,
        "app",
        "rg1",
        &["Resource_dependencies=lh1@n1,lh2@n2"],
    );
    resource(&mut cfg, "plain", "rg1", &[]);
    let app = cfg.resource("app").unwrap();
    assert_eq!(network_resources_used(&cfg, app, "n1"), ["lh1"]);
    assert_eq!(network_resources_used(&cfg, app, "n2"), ["lh2"]);
    // Implicit_network_dependencies (TRUE by default): plain starts after both addresses.
    let all = ["plain", "lh1", "lh2"];
    let g = DependencyGraph::build(&cfg);
    assert_eq!(
        g.start_order(&all, "n1"),
        vec![vec!["lh1", "lh2"], vec!["plain"]]
    );
    must(
        &mut cfg,
        Change::UpdateGroup {
            name: "rg1".into(),
            edits: edits(&["Implicit_network_dependencies=FALSE"]),
        },
    );
    let g = DependencyGraph::build(&cfg);
    assert_eq!(g.start_order(&all, "n1"), vec![vec!["plain", "lh1", "lh2"]]);
}
