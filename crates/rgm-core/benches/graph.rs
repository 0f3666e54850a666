//! `cargo xtask bench core [--json]`: the dependency graph at the scale of 10,000 resources in
//! 1,000 groups (the workload shape of `../shared/peers/gen_cib.py -n 3 --chain 5`): build it,
//! check it for cycles, order a start on a node, and check a property change the way an admin
//! request is checked. Each figure is the median of several runs, in milliseconds.

use std::time::Instant;

use rgm_core::testkit::{chained_cluster, edits};
use rgm_core::{Change, DependencyGraph, NothingRunning};

fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let mut rows = Vec::new();
    for resources in [1_000usize, 10_000] {
        let cfg = chained_cluster(3, resources, 5);
        let names: Vec<&str> = cfg.resources.keys().map(String::as_str).collect();
        let build_ms = median_ms(9, || {
            std::hint::black_box(DependencyGraph::build(&cfg));
        });
        let graph = DependencyGraph::build(&cfg);
        let cycle_ms = median_ms(9, || {
            assert!(std::hint::black_box(graph.find_cycle()).is_none());
        });
        let order_ms = median_ms(9, || {
            let order = graph.start_order(&names, "node1");
            assert_eq!(order.len(), 10);
        });
        let change = Change::UpdateResource {
            name: "rg1-r5".into(),
            edits: edits(&["Resource_dependencies+=rg1-r2"]),
        };
        let check_ms = median_ms(5, || {
            cfg.plan(&change, &NothingRunning).expect("a valid change");
        });
        rows.push((
            resources,
            cfg.groups.len(),
            build_ms,
            cycle_ms,
            order_ms,
            check_ms,
        ));
    }
    for (resources, groups, build_ms, cycle_ms, order_ms, check_ms) in rows {
        if json {
            println!(
                "{{\"resources\":{resources},\"groups\":{groups},\"build_ms\":{build_ms:.3},\"cycle_check_ms\":{cycle_ms:.3},\"start_order_ms\":{order_ms:.3},\"change_check_ms\":{check_ms:.3}}}"
            );
        } else {
            println!(
                "{resources} resources in {groups} groups: build {build_ms:.2} ms, cycle check {cycle_ms:.2} ms, start order on a node {order_ms:.2} ms, checking a change {check_ms:.2} ms"
            );
        }
    }
}
