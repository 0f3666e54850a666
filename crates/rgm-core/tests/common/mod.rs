//! Shared fixtures of the engine tests.
#![allow(dead_code)]

use rgm_core::engine::{AdminRequest, Operands, RequestId};
use rgm_core::testkit::Harness as H;
use rgm_core::testkit::{Harness, TypeBuilder, edits, must};
use rgm_core::{Change, ClusterConfig};
use rtreg::Method;

/// Every method, so that sequencing shows.
pub fn full_type() -> rtreg::ResourceTypeSpec {
    TypeBuilder::new("TEST", "full", "1")
        .methods(&[
            Method::PrenetStart,
            Method::PostnetStop,
            Method::MonitorStart,
            Method::MonitorStop,
            Method::MonitorCheck,
            Method::Validate,
            Method::Update,
            Method::Init,
            Method::Fini,
            Method::Boot,
        ])
        .timeout(Method::Start, 100)
        .system(
            "Retry_count",
            Some(rtreg::Value::Int(2)),
            Some(rtreg::Tunability::Anytime),
        )
        .system(
            "Retry_interval",
            Some(rtreg::Value::Int(300)),
            Some(rtreg::Tunability::Anytime),
        )
        .build()
}

/// A cluster with `TEST.full:1` registered and the given nodes configured (not yet joined).
pub fn cluster(nodes: &[&str]) -> ClusterConfig {
    let mut cfg = rgm_core::testkit::cluster(nodes);
    must(
        &mut cfg,
        Change::RegisterType {
            spec: Box::new(full_type()),
            installed_nodes: None,
            rt_system: None,
        },
    );
    cfg
}

pub fn group(cfg: &mut ClusterConfig, name: &str, props: &[&str]) {
    rgm_core::testkit::group(cfg, name, props);
    must(
        cfg,
        Change::SetManaged {
            group: name.into(),
            managed: true,
        },
    );
}

pub fn full(cfg: &mut ClusterConfig, name: &str, group: &str, props: &[&str]) {
    must(
        cfg,
        Change::CreateResource {
            name: name.into(),
            group: group.into(),
            type_name: "TEST.full:1".into(),
            edits: edits(props),
            enabled: true,
        },
    );
}

/// A harness whose nodes have joined and booted, with no group wanted online.
pub fn started(cfg: ClusterConfig, nodes: &[&str]) -> Harness {
    let mut cfg = cfg;
    for g in cfg.groups.values_mut() {
        g.properties.insert(
            "Auto_start_on_new_cluster".into(),
            rtreg::Value::Bool(false),
        );
    }
    let mut h = Harness::new(cfg);
    for n in nodes {
        h.join(n);
    }
    h.succeed_all();
    h.clear_trace();
    h
}

pub fn online(h: &mut Harness, groups: &[&str]) -> RequestId {
    h.request(AdminRequest::Online {
        groups: Operands::named(groups),
        nodes: None,
        enable: false,
        monitor: false,
        manage: false,
    })
}

pub fn online_on(h: &mut Harness, group: &str, node: &str) -> RequestId {
    h.request(AdminRequest::Online {
        groups: Operands::named(&[group]),
        nodes: Some(vec![node.to_string()]),
        enable: false,
        monitor: false,
        manage: false,
    })
}

pub fn offline(h: &mut Harness, groups: &[&str]) -> RequestId {
    h.request(AdminRequest::Offline {
        groups: Operands::named(groups),
        nodes: None,
    })
}

/// `clrg switch -n node group`.
pub fn switch(h: &mut H, group: &str, node: &str) -> RequestId {
    h.request(AdminRequest::Switch {
        groups: Operands::named(&[group]),
        nodes: vec![node.to_string()],
        enable: false,
        monitor: false,
        manage: false,
    })
}

/// VALIDATE's options (after `-R -T -G`) in the first run for `resource` on `node`.
pub fn validate_args(h: &H, resource: &str, node: &str) -> Vec<String> {
    h.launched
        .iter()
        .find(|r| r.method == Method::Validate && r.resource == resource && r.node == node)
        .and_then(|r| r.validate.clone())
        .expect("a VALIDATE run")
        .to_args()
}

/// Registers a type on every node.
pub fn register(cfg: &mut ClusterConfig, spec: rtreg::ResourceTypeSpec) {
    must(
        cfg,
        Change::RegisterType {
            spec: Box::new(spec),
            installed_nodes: None,
            rt_system: None,
        },
    );
}
