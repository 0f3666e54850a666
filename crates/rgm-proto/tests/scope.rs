//! Narrow views: what a `scha_*` query or a read of a few objects receives holds those objects
//! and what answering about them needs, and its size does not grow with the cluster.

use rgm_core::engine::{Engine, Time};
use rgm_core::testkit;
use rgm_proto::{ClusterView, ViewScope};

fn names<V>(m: &std::collections::BTreeMap<String, V>) -> Vec<&str> {
    m.keys().map(String::as_str).collect()
}

#[test]
fn a_resource_scope_holds_the_resource_its_group_its_dependencies_and_every_node_and_type() {
    let mut cfg = testkit::cluster(&["n1", "n2"]);
    testkit::group(&mut cfg, "ga", &[]);
    testkit::group(&mut cfg, "gb", &[]);
    testkit::resource(&mut cfg, "db", "ga", &[]);
    testkit::resource(&mut cfg, "other", "ga", &[]);
    testkit::resource(
        &mut cfg,
        "app",
        "gb",
        &["Resource_dependencies=db{ANY_NODE}"],
    );
    testkit::resource(&mut cfg, "unrelated", "gb", &[]);
    let engine = Engine::new(cfg);
    let v = ClusterView::scoped(&engine, "n1", Time(0), &ViewScope::resource("app"));
    assert_eq!(names(&v.config.resources), ["app", "db"]);
    assert_eq!(names(&v.config.groups), ["gb"]);
    assert_eq!(v.config.groups["gb"].resources, ["app", "unrelated"]);
    assert_eq!(names(&v.config.nodes), ["n1", "n2"]);
    assert_eq!(names(&v.config.types), ["TEST.app:1"]);
    assert_eq!(names(&v.resources), ["app", "db"]);
    assert_eq!(names(&v.groups), ["gb"]);

    let g = ClusterView::scoped(&engine, "n1", Time(0), &ViewScope::group("ga"));
    assert_eq!(names(&g.config.resources), ["db", "other"]);
    let t = ClusterView::scoped(&engine, "n1", Time(0), &ViewScope::rtype("TEST.app"));
    assert_eq!(
        names(&t.config.resources),
        ["app", "db", "other", "unrelated"]
    );
    // The full view, narrowed, is the scoped view.
    let full = ClusterView::of(&engine, "n1", Time(0));
    assert_eq!(full.narrowed(&ViewScope::resource("app")), v);
    // An unknown name gives a view without it (the command reports it as unknown).
    let none = ClusterView::scoped(&engine, "n1", Time(0), &ViewScope::resource("nope"));
    assert!(none.config.resources.is_empty());
}

#[test]
fn a_narrow_view_is_the_same_size_at_100_and_at_10000_resources() {
    let size = |n: usize| {
        let engine = Engine::new(testkit::chained_cluster(3, n, 5));
        let v = ClusterView::scoped(&engine, "node1", Time(0), &ViewScope::resource("rg7-r5"));
        serde_json::to_vec(&v).unwrap().len()
    };
    let (small, large) = (size(100), size(10_000));
    assert_eq!(small, large, "the narrow view grew with the cluster");
}
