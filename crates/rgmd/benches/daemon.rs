//! `cargo xtask bench daemon [--json] [--sizes 100,1000,10000]`: rgmd end to end, with a
//! type whose methods are all `/bin/true`, N resources in groups of 10 chained resources on
//! one node. Per N, one JSON object:
//!
//! - `create_first_ms` / `create_last_ms`: mean time of one resource creation over the first
//!   and the last 100 (the bulk creation speaks the protocol directly);
//! - `online_all_s` / `offline_all_s`: `clrg online -M +` and `clrg offline +` wall time;
//! - `floor_online_s`: the same START and MONITOR_START runs through rgm-exec without the
//!   daemon, with the same concurrency (each group's chain in order, the groups at once);
//! - `scha_resource_get_ms`: the median wall time of the real command (process included);
//! - `rss_peak_mb`: rgmd's peak resident memory;
//! - `bytes_per_completion`: what rgmd wrote to disk per method completion while bringing
//!   everything online, in all (`write_bytes` less `cancelled_write_bytes` of /proc/PID/io)
//!   and to the cluster log alone.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rgm_core::engine::{AdminRequest, Operands};
use rgm_core::{EditOp, PropertyEdit};
use rgm_exec::{Launcher, LauncherConfig, MethodRequest, MethodTags, standard_args};
use rgm_proto::{Hello, HelloReply, Request, Response, read_frame, write_frame};

const TYPE: &str = "BENCH.noop:1";
const RTR: &str = "Resource_type = noop;\nVendor_id = BENCH;\nRT_version = \"1\";\n\
    Failover = TRUE;\nRT_basedir = /bin;\nStart = true;\nStop = true;\n\
    Monitor_start = true;\nMonitor_stop = true;\n";
const PER_GROUP: usize = 10;
const SAMPLE: usize = 100;

struct Conn(UnixStream);

impl Conn {
    fn open(socket: &Path) -> Conn {
        let mut s = UnixStream::connect(socket).expect("connect to rgmd");
        write_frame(&mut s, &Hello::new("bench")).unwrap();
        match read_frame::<HelloReply>(&mut s).unwrap() {
            HelloReply::Welcome { .. } => Conn(s),
            other => panic!("{other:?}"),
        }
    }

    fn admin(&mut self, request: AdminRequest) {
        write_frame(&mut self.0, &Request::Admin(request)).unwrap();
        match read_frame::<Response>(&mut self.0).unwrap() {
            Response::Done { .. } => {}
            other => panic!("refused: {other:?}"),
        }
    }
}

fn edit(name: &str, value: &str) -> PropertyEdit {
    PropertyEdit {
        name: name.into(),
        nodes: None,
        op: EditOp::Set,
        value: value.into(),
    }
}

struct Rgmd {
    child: Child,
    _dir: tempfile::TempDir,
    socket: PathBuf,
    log: PathBuf,
}

impl Rgmd {
    fn start() -> Rgmd {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("rgmd.sock");
        let state = dir.path().join("state");
        let child = Command::new(env!("CARGO_BIN_EXE_rgmd"))
            .args(["--node", "n1", "--cluster", "bench", "--log-max-bytes"])
            .arg((1u64 << 40).to_string())
            .arg("--state-dir")
            .arg(&state)
            .arg("--socket")
            .arg(&socket)
            .stderr(Stdio::null())
            .spawn()
            .expect("start rgmd");
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(&socket).is_err() {
            assert!(Instant::now() < deadline, "rgmd did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        Rgmd {
            child,
            socket,
            log: state.join("cluster.log"),
            _dir: dir,
        }
    }

    fn proc_field(&self, file: &str, field: &str) -> u64 {
        let text = std::fs::read_to_string(format!("/proc/{}/{file}", self.child.id())).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// What rgmd has sent to the disk: `write_bytes` less `cancelled_write_bytes` (pages
    /// dirtied in files deleted or truncated before they were written back, such as a run
    /// file removed when its run ends, never reach the disk).
    fn written(&self) -> u64 {
        self.proc_field("io", "write_bytes:")
            .saturating_sub(self.proc_field("io", "cancelled_write_bytes:"))
    }

    fn log_bytes(&self) -> u64 {
        let json = self.log.with_extension("log.json");
        [&self.log, &json]
            .iter()
            .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .sum()
    }
}

impl Drop for Rgmd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mean_ms(d: &[Duration]) -> f64 {
    d.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / d.len().max(1) as f64
}

fn scha_median_ms(socket: &Path, resource: &str) -> f64 {
    let bin = Path::new(env!("CARGO_BIN_EXE_rgmd")).with_file_name("scha_resource_get");
    assert!(
        bin.is_file(),
        "{} is missing: build the workspace's binaries in release first",
        bin.display()
    );
    let mut times: Vec<f64> = (0..31)
        .map(|_| {
            let t = Instant::now();
            let out = Command::new(&bin)
                .args(["-O", "RESOURCE_STATE", "-R", resource])
                .env("RGM_SOCKET", socket)
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ONLINE");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The same methods as an online of everything, through rgm-exec alone: each group's chain
/// in order (START then MONITOR_START of each resource), every group at once.
fn floor_online(groups: usize) -> Duration {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let launcher = Arc::new(Launcher::new(LauncherConfig::default()));
        let t = Instant::now();
        let mut tasks = Vec::new();
        for g in 0..groups {
            let launcher = Arc::clone(&launcher);
            tasks.push(tokio::spawn(async move {
                for r in 0..PER_GROUP {
                    for method in ["START", "MONITOR_START"] {
                        let name = format!("rg{g}-r{r}");
                        let req = MethodRequest::new(
                            "/bin/true",
                            standard_args(&name, TYPE, &format!("rg{g}"), None),
                            Duration::from_secs(3600),
                            MethodTags {
                                method: method.into(),
                                resource: name.clone(),
                                group: format!("rg{g}"),
                                node: "n1".into(),
                            },
                        );
                        assert!(launcher.run(req, None).await.succeeded());
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        t.elapsed()
    })
}

fn measure(n: usize) -> serde_json::Value {
    let d = Rgmd::start();
    let mut c = Conn::open(&d.socket);
    let spec = rtreg::parse_str(RTR).into_result().expect("the bench RTR");
    c.admin(AdminRequest::RegisterType {
        spec: Box::new(spec),
        installed_nodes: None,
        rt_system: None,
    });
    let groups = n.div_ceil(PER_GROUP);
    let mut creates = Vec::with_capacity(n);
    for g in 0..groups {
        c.admin(AdminRequest::CreateGroup {
            names: vec![format!("rg{g}")],
            scalable: false,
            edits: vec![edit("Nodelist", "n1")],
        });
        for r in 0..PER_GROUP.min(n - g * PER_GROUP) {
            let mut edits = Vec::new();
            if r > 0 {
                edits.push(edit("Resource_dependencies", &format!("rg{g}-r{}", r - 1)));
            }
            let t = Instant::now();
            c.admin(AdminRequest::CreateResource {
                names: vec![format!("rg{g}-r{r}")],
                group: format!("rg{g}"),
                type_name: TYPE.into(),
                edits,
                enabled: true,
            });
            creates.push(t.elapsed());
        }
    }
    let sample = SAMPLE.min(creates.len());
    let (written0, log0) = (d.written(), d.log_bytes());
    let t = Instant::now();
    c.admin(AdminRequest::Online {
        groups: Operands::All,
        nodes: None,
        enable: false,
        monitor: false,
        manage: true,
    });
    let online = t.elapsed();
    let completions = (2 * n) as u64;
    let written = d.written() - written0;
    let logged = d.log_bytes() - log0;
    let scha = scha_median_ms(&d.socket, "rg0-r0");
    let t = Instant::now();
    c.admin(AdminRequest::Offline {
        groups: Operands::All,
        nodes: None,
    });
    let offline = t.elapsed();
    let rss_kb = d.proc_field("status", "VmHWM:");
    drop(c);
    drop(d);
    let floor = floor_online(groups);
    serde_json::json!({
        "resources": n,
        "groups": groups,
        "methods_online": completions,
        "create_first_ms": round(mean_ms(&creates[..sample])),
        "create_last_ms": round(mean_ms(&creates[creates.len() - sample..])),
        "online_all_s": round(online.as_secs_f64()),
        "floor_online_s": round(floor.as_secs_f64()),
        "online_vs_floor": round(online.as_secs_f64() / floor.as_secs_f64()),
        "offline_all_s": round(offline.as_secs_f64()),
        "scha_resource_get_ms": round(scha),
        "rss_peak_mb": round(rss_kb as f64 / 1024.0),
        "bytes_per_completion": written / completions,
        "log_bytes_per_completion": logged / completions,
    })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let sizes: Vec<usize> = args
        .iter()
        .position(|a| a == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map(|s| {
            s.split(',')
                .map(|x| x.parse().expect("--sizes N,N,..."))
                .collect()
        })
        .unwrap_or_else(|| vec![100, 1000, 10_000]);
    for n in sizes {
        let r = measure(n);
        if json {
            println!("{r}");
        } else {
            println!("N={n}: {r:#}");
        }
    }
}
