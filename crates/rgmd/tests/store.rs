//! rgmd and its store: an older rgm's state directory is moved into the store on the first
//! start, and a configuration in the store that breaks the rules stops rgmd naming the store.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rgm_proto::{Hello, HelloReply, Query, Request, Response, read_frame, write_frame};
use rgm_store::{Layout, LocalStore, Op, Txn};

fn rgmd(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rgmd"));
    c.args(["--node", "n1", "--state-dir"])
        .arg(dir)
        .arg("--socket")
        .arg(dir.join("rgmd.sock"));
    c
}

fn view(socket: &std::path::Path) -> Option<rgm_proto::ClusterView> {
    let mut s = std::os::unix::net::UnixStream::connect(socket).ok()?;
    write_frame(&mut s, &Hello::new("test")).ok()?;
    let _: HelloReply = read_frame(&mut s).ok()?;
    write_frame(&mut s, &Request::Query(Query::View)).ok()?;
    match read_frame(&mut s).ok()? {
        Response::View(v) => Some(*v),
        _ => None,
    }
}

#[test]
fn an_older_state_directory_is_moved_into_the_store_on_the_first_start() {
    let t = tempfile::tempdir().unwrap();
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rgm-store/tests/data/legacy");
    for f in ["config.json", "state.json"] {
        std::fs::copy(data.join(f), t.path().join(f)).unwrap();
    }
    let mut child = rgmd(t.path()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let v = loop {
        if let Some(v) = view(&t.path().join("rgmd.sock")) {
            break v;
        }
        assert!(Instant::now() < deadline, "rgmd did not answer");
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(v.config.groups.contains_key("echo-rg"));
    assert!(v.config.resources.contains_key("echo1") && v.config.resources.contains_key("echo2"));
    assert!(t.path().join("config.json.migrated").exists());
    assert!(!t.path().join("config.json").exists());
    let log = std::fs::read_to_string(t.path().join("cluster.log")).unwrap();
    assert!(
        log.contains("moved the older state files into the store"),
        "{log}"
    );
}

#[test]
fn a_stored_configuration_that_breaks_the_rules_is_refused_naming_the_store() {
    let t = tempfile::tempdir().unwrap();
    let mut cfg = rgm_core::testkit::cluster(&["n1"]);
    rgm_core::testkit::group(&mut cfg, "ga", &[]);
    rgm_core::testkit::group(&mut cfg, "gb", &["RG_dependencies=ga"]);
    cfg.groups.get_mut("ga").unwrap().properties.insert(
        "RG_dependencies".into(),
        rtreg::Value::Array(vec!["gb".into()]),
    );
    {
        let store = LocalStore::open(t.path()).unwrap();
        let layout = Layout::local();
        let mut ops = layout.config_ops(None, &cfg);
        ops.push(Op::put("boot/n1", r#"{"boot_id":"x"}"#));
        store.txn_now(Txn::ops(ops)).unwrap();
    }
    let before = LocalStore::open_read_only(t.path())
        .unwrap()
        .range("")
        .unwrap();
    let out = rgmd(t.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rgm.db: the stored configuration breaks rgm's rules"),
        "{err}"
    );
    assert!(err.contains("ga -> gb -> ga"), "{err}");
    let after = LocalStore::open_read_only(t.path())
        .unwrap()
        .range("")
        .unwrap();
    assert_eq!(before, after, "nothing was rewritten");
}
