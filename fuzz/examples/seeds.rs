//! Writes the seed corpus of every fuzz target into `corpus/<target>/` (committed; see
//! README.md). Seeds are made here from rgm's own code and test data — the golden RTR files
//! of crates/rtreg, requests and answers of every kind encoded by rgm-proto, a cluster log
//! written by rgmd's log writer for a small cluster's life — never copied from elsewhere.
//!
//! `cargo +nightly run --manifest-path fuzz/Cargo.toml --example seeds`

use std::path::{Path, PathBuf};

use rgm_core::engine::{AdminRequest, ControlTag, Operands, Status, Time};
use rgm_core::testkit::{Harness, cluster, edits, group, resource};
use rgm_core::{ErrorCode, InstalledNodesEdit};
use rgm_proto::{ClusterView, Hello, HelloReply, Query, Request, Response, encode};

/// A type using most of the RTR language: every method, upgrade directives, each property
/// type and attribute.
const FULL_RTR: &str = r#"# A type for the fuzzer: most of the RTR language.
#$upgrade
#$upgrade_from "1.0" WHEN_DISABLED
#$upgrade_from "" ANYTIME
RESOURCE_TYPE = "full";
VENDOR_ID = SEED;
RT_DESCRIPTION = "every feature";
RT_VERSION = "2.0";
API_VERSION = 10;
FAILOVER = TRUE;
SINGLE_INSTANCE = FALSE;
INIT_NODES = RT_INSTALLED_NODES;
RT_BASEDIR = /opt/seed/bin;
PKGLIST = SEEDpkg, SEEDdoc;
START = start;
STOP = stop;
VALIDATE = validate;
UPDATE = update;
INIT = init;
FINI = fini;
BOOT = boot;
MONITOR_START = mon_start;
MONITOR_STOP = mon_stop;
MONITOR_CHECK = mon_check;
PRENET_START = prenet;
POSTNET_STOP = postnet;
{ PROPERTY = Start_timeout; MIN = 10; DEFAULT = 300; }
{ PROPERTY = Failover_mode; DEFAULT = SOFT; TUNABLE = ANYTIME; }
{ PROPERTY = Retry_count; MIN = 0; MAX = 10; DEFAULT = 2; TUNABLE = ANYTIME; }
{ PROPERTY = Network_resources_used; TUNABLE = WHEN_DISABLED; DEFAULT = ""; }
{
	PROPERTY = Port;
	EXTENSION;
	INT;
	MIN = 1;
	MAX = 65535;
	DEFAULT = 8080;
	TUNABLE = WHEN_DISABLED;
	PER_NODE;
	DESCRIPTION = "the port";
}
{ PROPERTY = Conf; EXTENSION; STRING; MINLENGTH = 1; MAXLENGTH = 255; DEFAULT = "/etc/x"; TUNABLE = AT_CREATION; }
{ PROPERTY = Hosts; EXTENSION; STRINGARRAY; ARRAY_MINSIZE = 0; ARRAY_MAXSIZE = 4; DEFAULT = a, b; TUNABLE = ANYTIME; }
{ PROPERTY = Mode; EXTENSION; ENUM { fast, safe, "slow mode" }; DEFAULT = fast; TUNABLE = ANYTIME; }
{ PROPERTY = Debug; EXTENSION; BOOLEAN; DEFAULT = FALSE; TUNABLE = ANYTIME; }
"#;

const EDITS: &[&str] = &[
    "Retry_count=3",
    "Resource_dependencies+=db,fs",
    "Resource_dependencies-=db",
    "Port{node-1,n2}=8080",
    "R_description=a=b",
    "Resource_dependencies=r1@node1,r3{local_node}",
    "Nodelist=n1,n2",
    "RG_affinities=++rg2,-rg3",
    "Hosts+= a , b ",
    "Mode=SAFE",
    "Debug=true",
    "Conf=",
    "Port{n1}+=1",
];

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    rtr_seeds(&root);
    proto_seeds(&root);
    let edits = dir(&root, "edit_syntax");
    for (i, e) in EDITS.iter().enumerate() {
        write(&edits, &format!("edit-{i:02}"), e.as_bytes());
    }
    cllog_seeds(&root);
}

fn dir(root: &Path, target: &str) -> PathBuf {
    let d = root.join("corpus").join(target);
    std::fs::create_dir_all(&d).expect("create the corpus directory");
    d
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write a seed");
}

fn rtr_seeds(root: &Path) {
    let out = dir(root, "rtr_parse");
    let data = root.join("../crates/rtreg/test_data");
    for kind in ["ok", "err"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(data.join(kind))
            .expect("rtreg's golden files")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rtr"))
            .collect();
        files.sort();
        for f in files {
            let name = format!("{kind}-{}", f.file_name().unwrap().to_string_lossy());
            write(&out, &name, &std::fs::read(&f).expect("read a golden file"));
        }
    }
    write(&out, "full.rtr", FULL_RTR.as_bytes());
}

fn proto_seeds(root: &Path) {
    let out = dir(root, "proto_request");
    let spec = rtreg::parse_str(FULL_RTR)
        .spec
        .expect("the full type parses");
    let some = |names: &[&str]| Operands::named(names);
    let nodes = || Some(vec!["n1".to_string()]);
    let admin = [
        AdminRequest::RegisterType {
            spec: Box::new(spec),
            installed_nodes: Some(vec!["n1".into(), "n2".into()]),
            rt_system: Some(false),
        },
        AdminRequest::UpdateType {
            name: "full".into(),
            installed_nodes: Some(InstalledNodesEdit::Add(vec!["n2".into()])),
            rt_system: None,
        },
        AdminRequest::UnregisterType {
            names: Operands::All,
        },
        AdminRequest::CreateGroup {
            names: vec!["rg2".into(), "rg3".into()],
            scalable: true,
            edits: edits(&["Nodelist=n1,n2", "RG_dependencies=rg1"]),
        },
        AdminRequest::UpdateGroup {
            groups: some(&["rg1"]),
            edits: edits(&["Pingpong_interval=60"]),
        },
        AdminRequest::DeleteGroup {
            groups: some(&["rg1"]),
            force: true,
        },
        AdminRequest::Manage {
            groups: Operands::All,
        },
        AdminRequest::Unmanage {
            groups: some(&["rg1"]),
        },
        AdminRequest::Online {
            groups: Operands::All,
            nodes: nodes(),
            enable: true,
            monitor: true,
            manage: true,
        },
        AdminRequest::Offline {
            groups: some(&["rg1"]),
            nodes: None,
        },
        AdminRequest::Switch {
            groups: some(&["rg1"]),
            nodes: vec!["n2".into()],
            enable: false,
            monitor: false,
            manage: false,
        },
        AdminRequest::Restart {
            groups: Operands::All,
            nodes: nodes(),
        },
        AdminRequest::Suspend {
            groups: Operands::All,
            kill: true,
        },
        AdminRequest::Resume {
            groups: Operands::All,
        },
        AdminRequest::Quiesce {
            groups: some(&["rg1"]),
            kill: false,
        },
        AdminRequest::Evacuate {
            node: "n1".into(),
            seconds: 60,
        },
        AdminRequest::Remaster {
            groups: Operands::All,
        },
        AdminRequest::CreateResource {
            names: vec!["r2".into()],
            group: "rg1".into(),
            type_name: "TEST.app".into(),
            edits: edits(&["Resource_dependencies=r1{local_node}", "Retry_count=1"]),
            enabled: false,
        },
        AdminRequest::UpdateResource {
            resources: some(&["r1"]),
            edits: edits(&["Retry_interval=60", "Resource_dependencies+=r2"]),
        },
        AdminRequest::DeleteResource {
            resources: some(&["r1"]),
            force: false,
        },
        AdminRequest::Enable {
            resources: Operands::All,
            nodes: nodes(),
            recursive: true,
        },
        AdminRequest::Disable {
            resources: some(&["r1"]),
            nodes: None,
            recursive: false,
        },
        AdminRequest::Monitor {
            resources: some(&["r1"]),
            nodes: None,
        },
        AdminRequest::Unmonitor {
            resources: Operands::All,
            nodes: nodes(),
        },
        AdminRequest::ClearStopFailed {
            resources: some(&["r1"]),
            nodes: vec!["n1".into()],
        },
        AdminRequest::AddNode { name: "n3".into() },
        AdminRequest::RemoveNode { name: "n2".into() },
        AdminRequest::ConfirmNodeDown { node: "n2".into() },
    ];
    let mut requests: Vec<Request> = admin.into_iter().map(Request::Admin).collect();
    requests.push(Request::Control {
        tag: ControlTag::Giveover,
        group: "rg1".into(),
        resource: "r1".into(),
    });
    requests.push(Request::SetStatus {
        resource: "r1".into(),
        group: "rg1".into(),
        status: Status::Degraded,
        message: Some("slow \u{1b}[31mdisk".into()),
    });
    requests.push(Request::Query(Query::View));
    for (i, r) in requests.iter().enumerate() {
        let frame = encode(r).expect("a request encodes");
        write(&out, &format!("request-{i:02}.frame"), &frame);
        write(&out, &format!("request-{i:02}.json"), &frame[4..]);
    }
    let mut h = Harness::new({
        let mut cfg = cluster(&["n1", "n2"]);
        group(&mut cfg, "rg1", &[]);
        resource(&mut cfg, "r1", "rg1", &[]);
        cfg
    });
    h.join("n1");
    let answers = [
        Response::Done {
            messages: vec!["VALIDATE: ok".into(), "\u{7}bell".into()],
        },
        Response::Refused {
            code: ErrorCode::Rg,
            messages: vec!["resource group ghost: does not exist".into()],
        },
        Response::View(Box::new(ClusterView::of(&h.engine, "n1", h.now))),
    ];
    for (i, a) in answers.iter().enumerate() {
        write(
            &out,
            &format!("answer-{i}.json"),
            &encode(a).expect("encodes")[4..],
        );
    }
    write(
        &out,
        "hello.json",
        &encode(&Hello::new("clrg")).expect("encodes")[4..],
    );
    let refused = HelloReply::Refused {
        code: ErrorCode::Internal,
        message: "busy".into(),
    };
    write(
        &out,
        "hello-refused.json",
        &encode(&refused).expect("encodes")[4..],
    );
}

fn cllog_seeds(root: &Path) {
    let out = dir(root, "cllog_reader");
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "r1", "rg1", &[]);
    let mut h = Harness::new(cfg);
    h.join("n1");
    h.request(AdminRequest::Online {
        groups: Operands::All,
        nodes: None,
        enable: true,
        monitor: true,
        manage: true,
    });
    h.succeed_all();
    h.set_status("r1", "n1", Status::Degraded, "disk \u{1b}]0;slow\u{7}");
    let tmp = std::env::temp_dir().join(format!("rgm-fuzz-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("a scratch directory");
    {
        let log = rgmd::cluster_log::ClusterLog::open(&tmp, 10 << 20).expect("open a log");
        for (i, record) in h.log.iter().enumerate() {
            log.write(Time(1_740_000_000_000 + 1000 * i as u64), record);
        }
    }
    let json = std::fs::read(tmp.join("cluster.log.json")).expect("the JSON log");
    let _ = std::fs::remove_dir_all(&tmp);
    let mut seed = b"2025-02-19T21:20\n".to_vec();
    seed.extend_from_slice(&json);
    write(&out, "a-group-online.log", &seed);
    let mut seed = b"15m\n".to_vec();
    seed.extend_from_slice(&json[..json.len() / 2]);
    write(&out, "cut-short.log", &seed);
}
