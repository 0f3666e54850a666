//! Timeouts saturate (issue 10, finding 5): every `*_timeout` and `*_interval` property, and
//! `clrg evacuate -T`, is bounded by `schema::MAX_SECONDS`; a value above it is refused with
//! the bound, a value at it works and never times out at once.

mod common;

use common::*;
use rgm_core::engine::{Action, AdminRequest, Operands, RState};
use rgm_core::schema::MAX_SECONDS;
use rgm_core::testkit::{Harness, TypeBuilder, edits};
use rgm_core::{Change, NothingRunning};
use rtreg::Method;

fn one_resource() -> Harness {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    started(cfg, &["n1"])
}

fn set(h: &mut Harness, prop: &str) -> rgm_core::engine::RequestId {
    let id = h.request(AdminRequest::UpdateResource {
        resources: Operands::named(&["db"]),
        edits: edits(&[prop]),
    });
    h.succeed_all();
    id
}

#[test]
fn a_timeout_above_the_bound_is_refused_with_the_bound() {
    let mut h = one_resource();
    let id = set(&mut h, "Start_timeout=9223372036854775807");
    let err = h.err(id).messages.join("\n");
    assert!(
        err.contains("Start_timeout") && err.contains(&format!("maximum {MAX_SECONDS}")),
        "{err}"
    );
    let id = set(&mut h, "Retry_interval=9223372036854775807");
    assert!(h.err(id).messages[0].contains("Retry_interval"));
    let id = set(&mut h, "Stop_timeout=-1");
    assert!(h.err(id).messages[0].contains("Stop_timeout"));
    let id = h.request(AdminRequest::UpdateGroup {
        groups: Operands::named(&["rg1"]),
        edits: edits(&["Pingpong_interval=9223372036854775807"]),
    });
    assert!(h.err(id).messages[0].contains("Pingpong_interval"));
    let id = h.request(AdminRequest::Evacuate {
        node: "n1".into(),
        seconds: i64::MAX,
    });
    assert!(h.err(id).messages[0].contains("-T"));
}

#[test]
fn a_timeout_at_the_bound_works_and_never_times_out_at_once() {
    let mut h = one_resource();
    let id = set(&mut h, &format!("Start_timeout={MAX_SECONDS}"));
    h.ok(id);
    let id = online(&mut h, &["rg1"]);
    h.finish("db", Method::PrenetStart, "n1", 0);
    let run = h.find("db", Method::Start, "n1").unwrap();
    let launched = h.launched.iter().find(|r| r.run == run).unwrap();
    assert_eq!(launched.timeout_secs, MAX_SECONDS);
    // The lost-result timer lies decades ahead, not in the past.
    let far = h.now.plus_secs(MAX_SECONDS);
    assert!(
        h.timers.keys().any(|at| *at >= far.0),
        "{:?}",
        h.timers.keys()
    );
    h.advance_ms(3_600_000);
    h.fire_timers();
    assert_eq!(h.state("db", "n1"), RState::Starting);
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.state("db", "n1"), RState::Online);
    let _ = Action::PersistState;
}

#[test]
fn a_type_whose_default_timeout_is_beyond_the_bound_is_refused() {
    let mut cfg = cluster(&["n1"]);
    let spec = TypeBuilder::new("ACME", "huge", "1")
        .timeout(Method::Start, i64::MAX)
        .build();
    let err = cfg
        .apply(
            &Change::RegisterType {
                spec: Box::new(spec),
                installed_nodes: None,
                rt_system: None,
            },
            &NothingRunning,
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Start_timeout") && err.contains("outside 0..=2147483647"),
        "{err}"
    );
}
