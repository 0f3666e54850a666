//! `clrt register`: the RTR file is parsed locally (a bad file is reported with the rtreg
//! diagnostics and the daemon is never asked), found with -f or by the search rule, and sent
//! as RegisterType with Installed_nodes and RT_system.

mod common;

use std::path::Path;

use common::{FakeDaemon, rich_view, run_with};
use rgm_core::engine::AdminRequest;

const REC2: &str = "\
Resource_type = rec;
Vendor_id = ACME;
RT_version = \"2\";
RT_basedir = /opt/ACME/rec/bin;
START = start;
STOP = stop;
{ PROPERTY = Start_timeout; DEFAULT = 60; }
";

fn registered(d: &FakeDaemon) -> Vec<(String, Option<Vec<String>>, Option<bool>)> {
    d.admin()
        .into_iter()
        .map(|a| match a {
            AdminRequest::RegisterType {
                spec,
                installed_nodes,
                rt_system,
            } => (spec.name, installed_nodes, rt_system),
            other => panic!("not a registration: {other:?}"),
        })
        .collect()
}

fn run_in(d: &FakeDaemon, rtr_path: &Path, args: &[&str]) -> common::Run {
    run_with(
        "clrt",
        args,
        &[
            ("RGM_SOCKET", d.socket.as_os_str()),
            ("RGM_RTR_PATH", rtr_path.as_os_str()),
        ],
    )
}

#[test]
fn register_with_f_parses_locally_and_sends_the_spec() {
    let d = FakeDaemon::new(rich_view());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("my.rtr");
    std::fs::write(&file, REC2).unwrap();
    let f = file.to_str().unwrap();
    let r = d.run(
        "clrt",
        &["register", "-f", f, "-n", "n1,n2", "-p", "RT_system=TRUE"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = d.run("clresourcetype", &["register", "-f", f, "ACME.rec"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let two = || Some(vec!["n1".to_string(), "n2".to_string()]);
    assert_eq!(
        registered(&d),
        [
            ("ACME.rec:2".to_string(), two(), Some(true)),
            ("ACME.rec:2".to_string(), None, None)
        ]
    );
    let r = d.run("clrt", &["register", "-f", f, "ACME.other"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("registers ACME.rec:2, not ACME.other"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_bad_rtr_file_shows_its_diagnostics_and_asks_nothing() {
    let d = FakeDaemon::new(rich_view());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.rtr");
    std::fs::write(
        &file,
        "Resource_type = rec;\nRT_version = \"1\";\nFAILOVER = maybe;\n",
    )
    .unwrap();
    let r = d.run("clrt", &["register", "-f", file.to_str().unwrap()]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("bad.rtr:3:"), "{}", r.stderr);
    assert!(
        r.stderr
            .ends_with("not a valid RTR file; nothing registered\n"),
        "{}",
        r.stderr
    );
    assert_eq!(d.requests(), [], "the daemon is not contacted");
    let r = d.run("clrt", &["register", "-f", "/nonexistent/x.rtr"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (3, "clrt: /nonexistent/x.rtr: No such file or directory\n")
    );
}

#[test]
fn register_without_f_searches_by_name_and_version() {
    let d = FakeDaemon::new(rich_view());
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    // The first directory has version 2 under the unversioned name; the second version 3.
    std::fs::write(first.path().join("ACME.rec"), REC2).unwrap();
    std::fs::write(
        second.path().join("ACME.rec"),
        REC2.replace("\"2\"", "\"3\""),
    )
    .unwrap();
    let path = std::env::join_paths([first.path(), second.path()]).unwrap();
    for (operand, want) in [
        ("ACME.rec", "ACME.rec:2"),
        ("ACME.rec:3", "ACME.rec:3"),
        ("ACME.rec:2", "ACME.rec:2"),
    ] {
        let r = run_in(&d, Path::new(&path), &["register", operand]);
        assert_eq!(r.code, 0, "{operand}: {}", r.stderr);
        assert_eq!(registered(&d).last().unwrap().0, want, "{operand}");
    }
    let r = run_in(&d, Path::new(&path), &["register", "ACME.rec:9"]);
    assert_eq!(r.code, 13);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("clrt: resource type ACME.rec:9: no RTR file for it in "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("registers ACME.rec:2"), "{}", r.stderr);
    let r = run_in(&d, Path::new(&path), &["register", "nothing"]);
    assert_eq!(r.code, 13);
    let r = run_in(&d, Path::new(&path), &["register"]);
    assert_eq!(r.code, 3);
}

#[test]
fn a_relative_basedir_is_anchored_at_the_rtr_files_directory() {
    let d = FakeDaemon::new(rich_view());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("types")).unwrap();
    let rtr = REC2
        .replace("/opt/ACME/rec/bin", "bin")
        .replace("STOP = stop;", "STOP = /sbin/stop;");
    std::fs::write(dir.path().join("types/ACME.rec"), rtr).unwrap();
    let r = run_in(&d, &dir.path().join("types"), &["register", "ACME.rec"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let base = std::fs::canonicalize(dir.path()).unwrap().join("types/bin");
    assert!(
        r.stderr.ends_with(&format!(
            "clrt: RT_basedir is relative: methods are under {}\n",
            base.display()
        )),
        "{}",
        r.stderr
    );
    let AdminRequest::RegisterType { spec, .. } = &d.admin()[0] else {
        panic!()
    };
    assert_eq!(spec.rt_basedir.as_deref(), Some(base.to_str().unwrap()));
    assert_eq!(
        spec.methods[&rtreg::Method::Start],
        base.join("start").to_str().unwrap()
    );
    assert_eq!(spec.methods[&rtreg::Method::Stop], "/sbin/stop");
}
