//! `limits::view_bound` is an upper bound of the view's frame, whatever states, switches, flags
//! and status messages the cluster goes through, and not a uselessly loose one.

use rgm_core::engine::{AdminRequest, Operands, Status};
use rgm_core::testkit::{Harness, cluster, group, resource};
use rgm_proto::limits::{status_msg_bytes, view_bound};
use rgm_proto::{ClusterView, Response, encode};

const NODES: &[&str] = &["n1", "node-two", "a-rather-long-node-name-3"];

fn check(h: &Harness, worst_ratio: &mut f64) {
    let view = ClusterView::of(&h.engine, "node-two", h.now);
    let actual = encode(&Response::View(Box::new(view))).unwrap().len() - 4;
    let bound = view_bound(h.engine.config(), "node-two", status_msg_bytes(&h.engine));
    assert!(actual <= bound, "view of {actual} bytes, bound {bound}");
    *worst_ratio = worst_ratio.max(bound as f64 / actual as f64);
}

fn named(names: &[&str]) -> Operands {
    Operands::named(names)
}

#[test]
fn the_bound_holds_through_a_cluster_life() {
    let mut cfg = cluster(NODES);
    for g in 0..4 {
        let name = format!("group-{g}");
        group(
            &mut cfg,
            &name,
            &["Nodelist=n1,node-two,a-rather-long-node-name-3"],
        );
        for r in 0..5 {
            resource(&mut cfg, &format!("res-{g}-{r}"), &name, &[]);
        }
    }
    let mut h = Harness::new(cfg);
    let mut ratio = 0f64;
    check(&h, &mut ratio);
    for n in NODES {
        h.join(n);
    }
    check(&h, &mut ratio);
    h.request(AdminRequest::Online {
        groups: Operands::All,
        nodes: None,
        enable: false,
        monitor: false,
        manage: true,
    });
    check(&h, &mut ratio);
    // Step through the starts one method at a time, checking between.
    while let Some(run) = h.pending.keys().next().copied() {
        h.complete(run, rgm_core::engine::MethodResult::exited(0, 10));
        check(&h, &mut ratio);
    }
    // Status messages with characters JSON escapes, on several nodes.
    for (i, n) in NODES.iter().enumerate() {
        h.set_status(
            "res-0-0",
            n,
            Status::Degraded,
            &format!("slow \"disk\" \u{1}\u{7f} {i}\n\\"),
        );
        check(&h, &mut ratio);
    }
    // Switches per node, suspension, unmanaged groups: none of these are checked changes.
    h.request(AdminRequest::Disable {
        resources: named(&["res-1-0", "res-1-1"]),
        nodes: Some(vec!["n1".into(), "a-rather-long-node-name-3".into()]),
        recursive: false,
    });
    h.succeed_all();
    check(&h, &mut ratio);
    h.request(AdminRequest::Unmonitor {
        resources: Operands::All,
        nodes: Some(vec!["node-two".into()]),
    });
    h.succeed_all();
    check(&h, &mut ratio);
    h.request(AdminRequest::Suspend {
        groups: Operands::All,
        kill: false,
    });
    h.succeed_all();
    check(&h, &mut ratio);
    h.request(AdminRequest::Offline {
        groups: named(&["group-3"]),
        nodes: None,
    });
    h.succeed_all();
    h.request(AdminRequest::Disable {
        resources: Operands::All,
        nodes: None,
        recursive: false,
    });
    h.succeed_all();
    h.request(AdminRequest::Unmanage {
        groups: named(&["group-3"]),
    });
    h.succeed_all();
    check(&h, &mut ratio);
    // A bound many times the view would refuse changes needlessly.
    assert!(ratio < 4.0, "the bound is {ratio:.1} times the view");
}
