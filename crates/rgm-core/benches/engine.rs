//! `cargo xtask bench engine [--json]`: the engine on the workload of
//! `../shared/peers/gen_cib.py -n 3 --chain 5` (3 nodes, R resources in R/10 groups of 10
//! strongly chained resources, groups chained 5 at a time with RG_dependencies and `++`
//! affinities), for R = 100, 1,000 and 10,000:
//!
//! * `plan_ms`: the online-everything request, until the first batch of actions is out;
//! * `settle_ms`: the whole bring-up, every method completing as soon as it is launched;
//! * `failover_ms`: a node with a third of the groups dies and is fenced, until every group
//!   has settled elsewhere;
//! * `peak_rss_mb`: the process's peak resident memory (each R runs in a process of its own).

use std::time::Instant;

use rgm_core::engine::{
    AdminRequest, Engine, Event, EventKind, MethodResult, Operands, RequestId, Time,
};
use rgm_core::testkit::chained_cluster;
use rtreg::Value;

struct Driver {
    engine: Engine,
    now: u64,
    pending: Vec<rgm_core::engine::RunId>,
}

impl Driver {
    fn event(&mut self, kind: EventKind) {
        self.now += 1;
        for a in self.engine.handle(Event::new(Time(self.now), kind)) {
            if let rgm_core::engine::Action::RunMethod(run) = a {
                self.pending.push(run.run);
            }
        }
    }

    /// Completes every method as it comes until nothing is left.
    fn drain(&mut self) -> usize {
        let mut done = 0;
        while let Some(run) = self.pending.pop() {
            self.event(EventKind::MethodFinished {
                run,
                result: MethodResult::exited(0, 1),
            });
            done += 1;
        }
        done
    }
}

fn one(resources: usize) -> String {
    let mut cfg = chained_cluster(3, resources, 5);
    for g in cfg.groups.values_mut() {
        g.properties
            .insert("Auto_start_on_new_cluster".into(), Value::Bool(false));
    }
    let groups = cfg.groups.len();
    let mut d = Driver {
        engine: Engine::new(cfg),
        now: 0,
        pending: Vec::new(),
    };
    for n in ["node1", "node2", "node3"] {
        d.event(EventKind::NodeJoined { node: n.into() });
    }
    d.drain();

    let t = Instant::now();
    d.event(EventKind::Request {
        id: RequestId(1),
        request: AdminRequest::Online {
            groups: Operands::All,
            nodes: None,
            enable: false,
            monitor: false,
            manage: false,
        },
    });
    let plan_ms = t.elapsed().as_secs_f64() * 1000.0;
    if std::env::var_os("RGM_BENCH_PLAN_REPEAT").is_some() {
        // Profiling aid: the planning step again and again, on fresh engines.
        return format!("{{\"plan_ms\":{plan_ms:.2}}}");
    }
    let first_batch = d.pending.len();
    let methods = d.drain();
    let settle_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(d.engine.is_idle(), "bring-up did not settle");
    let online = d
        .engine
        .config()
        .resources
        .keys()
        .filter(|r| {
            ["node1", "node2", "node3"]
                .iter()
                .any(|n| d.engine.resource_state(r, n).is_started())
        })
        .count();
    assert_eq!(online, resources, "every resource online");

    let t = Instant::now();
    d.event(EventKind::NodeDied {
        node: "node1".into(),
    });
    d.event(EventKind::NodeFenced {
        node: "node1".into(),
    });
    let moved = d.drain();
    let failover_ms = t.elapsed().as_secs_f64() * 1000.0;
    let online = d
        .engine
        .config()
        .resources
        .keys()
        .filter(|r| {
            ["node2", "node3"]
                .iter()
                .any(|n| d.engine.resource_state(r, n).is_started())
        })
        .count();
    assert_eq!(
        online, resources,
        "every resource online after the failover"
    );
    let peak_rss_mb = peak_rss_kb() as f64 / 1024.0;
    format!(
        "{{\"resources\":{resources},\"groups\":{groups},\"nodes\":3,\"plan_ms\":{plan_ms:.2},\"settle_ms\":{settle_ms:.2},\"failover_ms\":{failover_ms:.2},\"peak_rss_mb\":{peak_rss_mb:.1},\"first_batch\":{first_batch},\"methods\":{methods},\"failover_methods\":{moved}}}"
    )
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--one") {
        let r: usize = args[i + 1].parse().expect("--one R");
        println!("{}", one(r));
        return;
    }
    let json = args.iter().any(|a| a == "--json");
    let sizes: Vec<usize> = match args.iter().position(|a| a == "--sizes") {
        Some(i) => args[i + 1]
            .split(',')
            .map(|s| s.parse().expect("--sizes a,b,c"))
            .collect(),
        None => vec![100, 1_000, 10_000],
    };
    let me = std::env::current_exe().expect("own path");
    for r in sizes {
        let out = std::process::Command::new(&me)
            .args(["--one", &r.to_string()])
            .output()
            .expect("run one size");
        assert!(
            out.status.success(),
            "R={r}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if json {
            println!("{line}");
        } else {
            println!("R={r}: {line}");
        }
    }
}
