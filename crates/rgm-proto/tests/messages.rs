//! Every message survives the wire, and a view of a running engine reads back the same.

use rgm_core::engine::{AdminRequest, ControlTag, Operands, Status};
use rgm_core::testkit::{Harness, cluster, edits, group, resource};
use rgm_proto::{ClusterView, Hello, Query, Request, Response, decode, encode};

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    v: &T,
) {
    let frame = encode(v).unwrap();
    let back: T = decode(&frame[4..]).unwrap();
    assert_eq!(&back, v);
}

#[test]
fn requests_and_responses_round_trip() {
    round_trip(&Hello::new("clresourcegroup"));
    round_trip(&Hello::with_progress("clresourcegroup"));
    // A version-1 handshake (no progress field) still reads.
    let v1: Hello = serde_json::from_str(r#"{"version":1,"client":"scha_control"}"#).unwrap();
    assert!(!v1.progress);
    let requests = [
        Request::Admin(AdminRequest::Online {
            groups: Operands::All,
            nodes: Some(vec!["n1".into()]),
            enable: true,
            monitor: false,
            manage: true,
        }),
        Request::Admin(AdminRequest::UpdateResource {
            resources: Operands::named(&["app"]),
            edits: edits(&["Port{n1,n2}=80", "Resource_dependencies+=db{LOCAL_NODE}"]),
        }),
        Request::Admin(AdminRequest::ClearStopFailed {
            resources: Operands::named(&["a"]),
            nodes: vec!["n1".into()],
        }),
        Request::Control {
            tag: ControlTag::ResourceRestart,
            group: "g".into(),
            resource: "r".into(),
        },
        Request::SetStatus {
            resource: "r".into(),
            group: "g".into(),
            status: Status::Degraded,
            message: Some("slow".into()),
        },
        Request::Query(Query::View),
        Request::AdminAsync(AdminRequest::Offline {
            groups: Operands::named(&["g"]),
            nodes: None,
        }),
    ];
    for r in &requests {
        round_trip(r);
    }
    assert!(requests[0].is_change() && !requests[5].is_change());
    round_trip(&Response::Done {
        messages: vec!["ok".into()],
    });
    round_trip(&Response::refused(rgm_core::ErrorCode::Checks, "no"));
    round_trip(&Response::Progress(rgm_proto::Progress::ended(
        rgm_proto::MethodStep {
            method: "START".into(),
            resource: "web".into(),
            node: "n1".into(),
        },
        rgm_core::engine::MethodOutcome::TimedOut { killed: true },
        8,
        8000,
        "listening\n",
    )));
    assert!(requests[6].is_change());
}

#[test]
fn a_view_of_a_running_engine_round_trips() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &[]);
    let mut h = Harness::new(cfg);
    h.join("n1");
    h.join("n2");
    h.request(AdminRequest::Manage {
        groups: Operands::All,
    });
    h.request(AdminRequest::Online {
        groups: Operands::All,
        nodes: None,
        enable: false,
        monitor: false,
        manage: false,
    });
    h.succeed_all();
    let view = ClusterView::of(&h.engine, "n1", h.now);
    assert_eq!(
        view.group_state("rg1", "n1"),
        rgm_core::engine::RgState::Online
    );
    assert!(view.resource_on("app", "n1").unwrap().state.is_started());
    assert!(view.nodes.iter().all(|n| n.up));
    round_trip(&Response::View(Box::new(view)));
}
