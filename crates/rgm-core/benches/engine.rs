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
//!
//! `--vs-pacemaker` measures the engine against Pacemaker's scheduler in one run, at
//! R = 10,000 (`--resources R`): the CIB comes from `gen_cib.py -n 3 -r R --chain 5` (cold for
//! the bring-up, `--state steady` for the failover, as gen_cib.py and ../shared/peers/pacemaker.md
//! measure it), and `crm_simulate -x CIB -R -Q` and `crm_simulate -x STEADY -R -Q -d node1` are
//! timed (wall clock, one run each) between five runs of the engine (each in a process of its
//! own; their median counts). It prints one JSON object with both sides and the ratios. It fails,
//! saying why, when gen_cib.py (`../shared/peers/` beside the checkout, or `RGM_GEN_CIB`),
//! python3 or crm_simulate (`PATH`, /usr/sbin, or `RGM_CRM_SIMULATE`) cannot be found or run.

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
    if args.iter().any(|a| a == "--vs-pacemaker") {
        let r: usize = match args.iter().position(|a| a == "--resources") {
            Some(i) => args
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .expect("--resources R"),
            None => 10_000,
        };
        match vs_pacemaker::run(r) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("engine bench --vs-pacemaker: {e}");
                std::process::exit(2);
            }
        }
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
    for r in sizes {
        let line = one_in_child(r);
        if json {
            println!("{line}");
        } else {
            println!("R={r}: {line}");
        }
    }
}

/// [`one`] in a process of its own (so that its peak RSS is its own): the JSON line.
fn one_in_child(r: usize) -> String {
    let me = std::env::current_exe().expect("own path");
    let out = std::process::Command::new(&me)
        .args(["--one", &r.to_string()])
        .output()
        .expect("run one size");
    assert!(
        out.status.success(),
        "R={r}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

mod vs_pacemaker {
    //! The engine and crm_simulate side by side on one generated workload.

    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::Instant;

    /// The engine's runs (the median counts).
    const ENGINE_RUNS: usize = 5;

    pub fn run(resources: usize) -> Result<String, String> {
        let gen_cib = gen_cib()?;
        let crm = crm_simulate()?;
        let dir = std::env::temp_dir().join(format!("rgm-engine-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let result = measure(resources, &gen_cib, &crm, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    fn measure(resources: usize, gen_cib: &Path, crm: &Path, dir: &Path) -> Result<String, String> {
        let cold = dir.join("cib-cold.xml");
        let steady = dir.join("cib-steady.xml");
        generate(gen_cib, resources, "cold", &cold)?;
        generate(gen_cib, resources, "steady", &steady)?;
        let settle_args = ["-x", path_str(&cold)?, "-R", "-Q"];
        let failover_args = ["-x", path_str(&steady)?, "-R", "-Q", "-d", "node1"];
        // Engine and crm_simulate alternate, so that both see the same machine.
        let mut engine = vec![engine_once(resources)?];
        let crm_settle_s = time_crm(crm, &settle_args)?;
        engine.push(engine_once(resources)?);
        let crm_failover_s = time_crm(crm, &failover_args)?;
        while engine.len() < ENGINE_RUNS {
            engine.push(engine_once(resources)?);
        }
        let settle: Vec<f64> = engine.iter().map(|e| e.0).collect();
        let failover: Vec<f64> = engine.iter().map(|e| e.1).collect();
        let (settle_ms, failover_ms) = (median(&settle), median(&failover));
        let out = serde_json::json!({
            "resources": resources,
            "engine_runs": ENGINE_RUNS,
            "settle_ms": settle_ms,
            "failover_ms": failover_ms,
            "settle_ms_runs": settle,
            "failover_ms_runs": failover,
            "crm_settle_s": crm_settle_s,
            "crm_failover_s": crm_failover_s,
            "settle_ratio": round1(crm_settle_s * 1000.0 / settle_ms),
            "failover_ratio": round1(crm_failover_s * 1000.0 / failover_ms),
            "crm_settle_cmd": format!("crm_simulate {}", settle_args.join(" ")),
            "crm_failover_cmd": format!("crm_simulate {}", failover_args.join(" ")),
            "workload": format!("gen_cib.py -n 3 -r {resources} --chain 5 [--state steady]"),
        });
        Ok(out.to_string())
    }

    /// gen_cib.py: `RGM_GEN_CIB`, else ../shared/peers/gen_cib.py beside the checkout.
    fn gen_cib() -> Result<PathBuf, String> {
        let path = match std::env::var_os("RGM_GEN_CIB") {
            Some(p) => PathBuf::from(p),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peers/gen_cib.py"),
        };
        if !path.is_file() {
            return Err(format!(
                "gen_cib.py not found at {} (set RGM_GEN_CIB to its path)",
                path.display()
            ));
        }
        Ok(path)
    }

    /// crm_simulate: `RGM_CRM_SIMULATE`, else on PATH, else /usr/sbin.
    fn crm_simulate() -> Result<PathBuf, String> {
        if let Some(p) = std::env::var_os("RGM_CRM_SIMULATE") {
            let p = PathBuf::from(p);
            return match p.is_file() {
                true => Ok(p),
                false => Err(format!("RGM_CRM_SIMULATE: {} is not a file", p.display())),
            };
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/sbin")])
            .map(|d| d.join("crm_simulate"))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                "crm_simulate not found on PATH or in /usr/sbin (install pacemaker-cli-utils, or set RGM_CRM_SIMULATE)".to_string()
            })
    }

    fn path_str(p: &Path) -> Result<&str, String> {
        p.to_str()
            .ok_or_else(|| format!("{}: not UTF-8", p.display()))
    }

    fn generate(gen_cib: &Path, resources: usize, state: &str, out: &Path) -> Result<(), String> {
        let status = Command::new("python3")
            .arg(gen_cib)
            .args(["-n", "3", "-r", &resources.to_string(), "--chain", "5"])
            .args(["--state", state, "-o", path_str(out)?])
            .status()
            .map_err(|e| format!("python3 {}: {e}", gen_cib.display()))?;
        if !status.success() {
            return Err(format!("{} --state {state}: {status}", gen_cib.display()));
        }
        Ok(())
    }

    /// One run of crm_simulate, in seconds of wall clock.
    fn time_crm(crm: &Path, args: &[&str]) -> Result<f64, String> {
        let t = Instant::now();
        let out = Command::new(crm)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("{}: {e}", crm.display()))?;
        let secs = t.elapsed().as_secs_f64();
        if !out.status.success() {
            return Err(format!(
                "{} {}: {}: {}",
                crm.display(),
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok((secs * 1000.0).round() / 1000.0)
    }

    /// One run of the engine bench at R: (settle_ms, failover_ms).
    fn engine_once(resources: usize) -> Result<(f64, f64), String> {
        let line = super::one_in_child(resources);
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("engine bench output {line}: {e}"))?;
        let field = |k: &str| {
            v[k].as_f64()
                .ok_or_else(|| format!("engine bench output lacks {k}: {line}"))
        };
        Ok((field("settle_ms")?, field("failover_ms")?))
    }

    fn median(v: &[f64]) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    }

    fn round1(x: f64) -> f64 {
        (x * 10.0).round() / 10.0
    }
}
