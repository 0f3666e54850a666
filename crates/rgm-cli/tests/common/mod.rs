//! What the command tests share: a fake rgmd on a Unix socket in a temporary directory that
//! answers the handshake, serves a view built with the engine's test harness, answers every
//! other request with a canned response and records what it was asked; sample clusters; and
//! running the built binaries.

#![allow(dead_code)]

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use rgm_core::Change;
use rgm_core::engine::{AdminRequest, Operands, Status};
use rgm_core::testkit::{Harness, TypeBuilder, cluster, group, must, resource};
use rgm_proto::{
    ClusterView, Hello, HelloReply, PROTOCOL_VERSION, Query, Request, Response, read_frame,
    write_frame,
};
use rtreg::{PropertyType, Value};

type Answer = dyn Fn(&Request) -> Response + Send + Sync;

/// A fake rgmd: every connection is greeted, a query gets the view (narrowed to its scope), anything else the
/// answer function's response; every request is recorded.
pub struct FakeDaemon {
    _dir: tempfile::TempDir,
    pub socket: PathBuf,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl FakeDaemon {
    /// A daemon that answers changes with `Done` and no messages.
    pub fn new(view: ClusterView) -> FakeDaemon {
        FakeDaemon::answering(view, |_| Response::Done { messages: vec![] })
    }

    pub fn answering(
        view: ClusterView,
        answer: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> FakeDaemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("rgmd.sock");
        let listener = UnixListener::bind(&socket).expect("bind");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let answer: Arc<Answer> = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (view, seen, answer) = (view.clone(), Arc::clone(&seen), Arc::clone(&answer));
                std::thread::spawn(move || serve(stream, &view, &seen, &*answer));
            }
        });
        FakeDaemon {
            _dir: dir,
            socket,
            requests,
        }
    }

    /// Every request received, views included.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests that were not view queries.
    pub fn changes(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| !matches!(r, Request::Query(_)))
            .collect()
    }

    /// The administrator's requests received.
    pub fn admin(&self) -> Vec<AdminRequest> {
        self.changes()
            .into_iter()
            .filter_map(|r| match r {
                Request::Admin(a) => Some(a),
                _ => None,
            })
            .collect()
    }

    /// Runs a built binary against this daemon (through `RGM_SOCKET`).
    pub fn run(&self, bin: &str, args: &[&str]) -> Run {
        run_with(bin, args, &[("RGM_SOCKET", self.socket.as_os_str())])
    }
}

fn serve(mut stream: UnixStream, view: &ClusterView, seen: &Mutex<Vec<Request>>, answer: &Answer) {
    let Ok(hello) = read_frame::<Hello>(&mut stream) else {
        return;
    };
    assert_eq!(hello.version, PROTOCOL_VERSION);
    let welcome = HelloReply::Welcome {
        version: PROTOCOL_VERSION,
        cluster: view.cluster.clone(),
        node: view.node.clone(),
    };
    if write_frame(&mut stream, &welcome).is_err() {
        return;
    }
    while let Ok(request) = read_frame::<Request>(&mut stream) {
        seen.lock().unwrap().push(request.clone());
        let response = match request {
            Request::Query(Query::View) => Response::View(Box::new(view.clone())),
            Request::Query(Query::Scoped(scope)) => Response::View(Box::new(view.narrowed(&scope))),
            other => answer(&other),
        };
        if write_frame(&mut stream, &response).is_err() {
            return;
        }
    }
}

/// A finished command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The path of a built binary of this crate.
pub fn bin_path(bin: &str) -> PathBuf {
    let me = Path::new(env!("CARGO_BIN_EXE_clrg"));
    me.with_file_name(bin)
}

/// Runs a built binary with only the given rgm environment variables.
pub fn run_with(bin: &str, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Run {
    let mut cmd = Command::new(bin_path(bin));
    cmd.args(args);
    for var in ["RGM_SOCKET", "RGM_RTR_PATH", "RGM_STATE_DIR"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out: Output = cmd.output().expect("run the command");
    Run {
        code: out.status.code().expect("exit status"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The type `ACME.rec:1`: START/STOP, a per-node INT extension `Port` (default 80) and a
/// STRING extension `Conf`.
pub fn rec_type() -> rtreg::ResourceTypeSpec {
    TypeBuilder::new("ACME", "rec", "1")
        .extension("Port", PropertyType::Int, Some(Value::Int(80)))
        .with(|p| p.per_node = true)
        .extension(
            "Conf",
            PropertyType::String,
            Some(Value::Str("/etc/rec.conf".into())),
        )
        .build()
}

/// The cluster of reference §g.5's samples: nodes vincent and theo, group nfs-rg with
/// nfs-stor and orangecat-nfs online on theo, and nfs-stor's status message set.
pub fn sample_view() -> ClusterView {
    let mut cfg = cluster(&["vincent", "theo"]);
    group(&mut cfg, "nfs-rg", &[]);
    resource(&mut cfg, "nfs-stor", "nfs-rg", &[]);
    resource(&mut cfg, "orangecat-nfs", "nfs-rg", &[]);
    let mut h = Harness::new(cfg);
    h.join("vincent");
    h.join("theo");
    h.request(AdminRequest::Manage {
        groups: Operands::All,
    });
    h.succeed_all();
    h.request(AdminRequest::Online {
        groups: Operands::All,
        nodes: Some(vec!["theo".into()]),
        enable: false,
        monitor: false,
        manage: false,
    });
    h.succeed_all();
    h.set_status("nfs-stor", "theo", Status::Ok, "");
    h.set_status(
        "orangecat-nfs",
        "theo",
        Status::Ok,
        "LogicalHostname online.",
    );
    h.set_status("nfs-stor", "vincent", Status::Offline, "");
    h.set_status("orangecat-nfs", "vincent", Status::Offline, "");
    h.succeed_all();
    ClusterView::of(&h.engine, "theo", h.now)
}

/// A three-node cluster with `ACME.rec:1`: group rg1 (n1, n2) with `app` (Port{n2}=8080,
/// depending on `db` locally and on `lh@n2`), `db`, and logical hostname `lh`; rg1 online on
/// n1; group rg2 unmanaged and empty. The view is n1's.
pub fn rich_view() -> ClusterView {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    must(
        &mut cfg,
        Change::RegisterType {
            spec: Box::new(rec_type()),
            installed_nodes: None,
            rt_system: None,
        },
    );
    let lh = TypeBuilder::new("ACME", "lh", "2")
        .logical_hostname()
        .build();
    must(
        &mut cfg,
        Change::RegisterType {
            spec: Box::new(lh),
            installed_nodes: Some(vec!["n1".into(), "n2".into()]),
            rt_system: None,
        },
    );
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    group(&mut cfg, "rg2", &["Nodelist=n2,n3"]);
    resource(&mut cfg, "db", "rg1", &[]);
    must(
        &mut cfg,
        Change::CreateResource {
            name: "lh".into(),
            group: "rg1".into(),
            type_name: "ACME.lh:2".into(),
            edits: vec![],
            enabled: true,
        },
    );
    must(
        &mut cfg,
        Change::CreateResource {
            name: "app".into(),
            group: "rg1".into(),
            type_name: "rec".into(),
            edits: rgm_core::testkit::edits(&[
                "Port{n2}=8080",
                "Resource_dependencies=db{LOCAL_NODE},lh@n2",
            ]),
            enabled: true,
        },
    );
    let mut h = Harness::new(cfg);
    for n in ["n1", "n2", "n3"] {
        h.join(n);
    }
    h.request(AdminRequest::Online {
        groups: Operands::named(&["rg1"]),
        nodes: None,
        enable: false,
        monitor: false,
        manage: true,
    });
    h.succeed_all();
    ClusterView::of(&h.engine, "n1", h.now)
}
