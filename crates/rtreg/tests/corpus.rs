//! The real RTR corpus (`shared/rtr-corpus`, read in place, never copied here): every shipped
//! file parses, the documentation excerpts parse, and the facts the reference §i lists hold.
//!
//! The corpus is `$RGM_SHARED_DIR/rtr-corpus` when that variable is set, else
//! `../shared/rtr-corpus` beside the checkout. If it is not there the tests fail, saying where
//! they looked: CI always has it.

use std::fs;
use std::path::{Path, PathBuf};

use rtreg::{Method, PropertyType, ResourceTypeSpec, Tunability, UpgradeTunability, Value};

fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("RGM_SHARED_DIR") {
        Some(shared) => PathBuf::from(shared).join("rtr-corpus"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/rtr-corpus"),
    };
    assert!(
        dir.is_dir(),
        "the RTR corpus is not at {} (set RGM_SHARED_DIR to the directory holding rtr-corpus/, \
         or put shared/ beside the checkout)",
        dir.display()
    );
    dir
}

fn read(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses a corpus file that must be valid; returns the type and the rendered warnings.
fn valid(name: &str, bytes: &[u8]) -> (ResourceTypeSpec, String) {
    let parsed = rtreg::parse(bytes);
    let rendered = parsed.diagnostics.render(name, bytes);
    match parsed.spec {
        Some(spec) => (spec, rendered),
        None => panic!("{name} should parse:\n{rendered}"),
    }
}

fn corpus_file(name: &str) -> ResourceTypeSpec {
    valid(name, &read(name)).0
}

fn int_default(spec: &ResourceTypeSpec, property: &str) -> Option<i64> {
    spec.property(property)?.default.as_ref()?.as_int()
}

#[test]
fn every_shipped_rtr_file_parses() {
    let mut names: Vec<String> = fs::read_dir(corpus_dir())
        .expect("read corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rtr"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "only {names:?}");
    for name in &names {
        let (spec, warnings) = valid(name, &read(name));
        assert!(!spec.methods.is_empty(), "{name}");
        // The only oddity in the corpus is Ingres' install-time RT_basedir placeholder.
        if !name.starts_with("Ingres") {
            assert!(warnings.is_empty(), "{name}:\n{warnings}");
        }
    }
}

#[test]
fn sunw_qfs() {
    let qfs = corpus_file("SUNW.qfs__samqfs.rtr");
    assert_eq!(qfs.name, "SUNW.qfs:5");
    assert_eq!(qfs.api_version, 3);
    assert!(qfs.failover);
    assert_eq!(qfs.methods.len(), 12);
    assert_eq!(
        qfs.method(Method::Boot),
        Some("/opt/SUNWsamfs/sc/bin/scqfs_boot")
    );
    assert!(qfs.upgrade);
    let from: Vec<(&str, UpgradeTunability)> = qfs
        .upgrade_from
        .iter()
        .map(|u| (u.version.as_str(), u.tunability))
        .collect();
    use UpgradeTunability::Anytime;
    assert_eq!(
        from,
        vec![
            ("3.1", Anytime),
            ("3.2", Anytime),
            ("4.5-05", Anytime),
            ("4.6", Anytime)
        ]
    );
    let policy = qfs.property("QFSLeaseRecoveryPolicy").expect("policy");
    assert!(policy.extension);
    assert_eq!(policy.ty, PropertyType::Enum);
    assert_eq!(policy.default, Some(Value::Str("Auto".into())));
    assert_eq!(
        policy.enum_values.as_deref(),
        Some(&["Timeout".to_string(), "Auto".into(), "Cluster".into()][..])
    );
    let umount = qfs.property("QFS_umount_await_clients").expect("umount");
    assert_eq!(
        (umount.min, umount.default.clone(), umount.max),
        (Some(0), Some(Value::Int(30)), Some(300))
    );
    let fs_prop = qfs.property("QFSFileSystem").expect("fs");
    assert_eq!(
        (fs_prop.ty, &fs_prop.default),
        (PropertyType::StringArray, &None)
    );
    assert_eq!(qfs.method_timeout(Method::PrenetStart), Some(360));
    // Every method declares its timeout, so the schema has no added ones: 12 + 4 system
    // properties + 7 extension properties.
    assert_eq!(qfs.properties.len(), 12 + 4 + 7);
}

#[test]
fn sunw_hasam() {
    let hasam = corpus_file("SUNW.hasam__samqfs.rtr");
    assert_eq!(hasam.name, "SUNW.hasam:4.6");
    assert!(!hasam.failover);
    assert_eq!(hasam.pkglist, vec!["SUNWhasam"]);
    assert_eq!(hasam.methods.len(), 11);
    let ports = hasam.property("Port_list").expect("Port_list");
    assert_eq!(ports.default, Some(Value::Array(Vec::new())));
    assert_eq!(ports.tunable, Tunability::AtCreation);
    assert_eq!(int_default(&hasam, "Child_mon_level"), Some(-1));
    assert_eq!(
        hasam.property("Scalable").unwrap().default,
        Some(Value::Bool(false))
    );
    let lb = hasam.property("Load_balancing_policy").unwrap();
    assert_eq!(lb.default, Some(Value::Str("LB_WEIGHTED".into())));
    let qfs_name = hasam.property("QFSName").unwrap();
    assert_eq!(
        (qfs_name.ty, &qfs_name.default),
        (PropertyType::StringArray, &None)
    );
    // INIT and FINI are declared but their timeouts are not: the RGM adds them, last.
    let last: Vec<&str> = hasam
        .properties
        .iter()
        .rev()
        .take(3)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        last,
        vec!["Postnet_stop_timeout", "Fini_timeout", "Init_timeout"]
    );
    assert_eq!(hasam.method_timeout(Method::Init), Some(3600));
}

#[test]
fn ingres_paths_are_resolved_against_the_placeholder() {
    let name = "Ingres.ingres_server__ingres.rtr";
    let (ingres, warnings) = valid(name, &read(name));
    assert_eq!(ingres.name, "Ingres.ingres_server:1.0");
    assert_eq!(ingres.rt_basedir.as_deref(), Some("(INSTALL_DIRECTORY)"));
    assert_eq!(
        ingres.method(Method::Start),
        Some("(INSTALL_DIRECTORY)/bin/ingres_server_start")
    );
    assert_eq!(ingres.methods.len(), 7);
    assert!(warnings.contains("RT_basedir `(INSTALL_DIRECTORY)` is not an absolute path"));
    let sys = ingres.property("II_SYSTEM").expect("II_SYSTEM");
    assert_eq!(
        (sys.ty, sys.minlength, sys.tunable),
        (PropertyType::String, Some(1), Tunability::WhenDisabled)
    );
    assert_eq!(sys.default, None);
    let check = ingres
        .property("Monitor_check_timeout")
        .expect("case-insensitive");
    assert_eq!(
        (check.name.as_str(), check.min),
        ("Monitor_Check_timeout", Some(60))
    );
    assert_eq!(
        ingres.property("Failover_mode").unwrap().default,
        Some(Value::Str("SOFT".into()))
    );
    assert!(ingres.property("Init_timeout").is_none());
}

#[test]
fn lmea_ntf_agent_builder_template() {
    let ntf = corpus_file("LMEA.ntf__vvs_agentbuilder.rtr");
    assert_eq!(ntf.name, "LMEA.ntf:1.0");
    assert_eq!(ntf.init_nodes, rtreg::InitNodes::RgPrimaries);
    assert_eq!(
        ntf.method(Method::Stop),
        Some("/apps/LMEAntf/bin/ntf_svc_stop")
    );
    let enabled = ntf.property("Failover_enabled").unwrap();
    assert_eq!(
        (enabled.ty, &enabled.default),
        (PropertyType::Boolean, &Some(Value::Bool(true)))
    );
    let basedir = ntf.property("Basedir").unwrap();
    assert_eq!(
        (basedir.ty, &basedir.default),
        (PropertyType::String, &None)
    );
    let signal = ntf.property("Stop_signal").unwrap();
    assert_eq!(
        (signal.min, signal.max, signal.default.clone()),
        (Some(1), Some(37), Some(Value::Int(15)))
    );
    assert_eq!(
        ntf.property("Scalable").unwrap().default,
        Some(Value::Bool(false))
    );
}

#[test]
fn documentation_rt_sections_parse() {
    let name = "doc_excerpts/SUNW.sample__DSDG_3.0_rt_section.excerpt";
    let sample = corpus_file(name);
    assert_eq!(sample.name, "SUNW.sample:1.0");
    assert_eq!(sample.pkglist, vec!["SUNWsample"]);
    assert_eq!(sample.methods.len(), 7);
    assert_eq!(
        sample.method(Method::MonitorCheck),
        Some("/opt/SUNWsample/bin/dns_monitor_check")
    );

    let orcl = corpus_file("doc_excerpts/ORCL.sample__DSDG_4.3_head.excerpt");
    assert_eq!(orcl.name, "ORCL.sample:1.0");
    assert!(orcl.failover && orcl.upgrade && orcl.upgrade_from.is_empty());
    assert_eq!(orcl.api_version, 2);
    assert_eq!(orcl.pkglist, vec!["ORCLsample"]);
}

#[test]
fn documentation_upgrade_directives_parse_after_an_rt_header() {
    let header = "Resource_type = \"sample\";\nVendor_id = SUNW;\nRT_version = \"3.0\";\n\
                  RT_basedir = /opt/SUNWsample/bin;\nStart = start;\nStop = stop;\n";
    let mut text = header.as_bytes().to_vec();
    text.extend(read("doc_excerpts/upgrade_directives__DSDG.excerpt"));
    let (spec, warnings) = valid("upgrade_directives", &text);
    assert!(warnings.is_empty(), "{warnings}");
    assert!(spec.upgrade);
    let from: Vec<(&str, &str)> = spec
        .upgrade_from
        .iter()
        .map(|u| (u.version.as_str(), u.tunability.keyword()))
        .collect();
    assert_eq!(
        from,
        vec![
            ("1.1", "WHEN_OFFLINE"),
            ("1.2", "WHEN_OFFLINE"),
            ("1.3", "WHEN_OFFLINE"),
            ("2.0", "WHEN_UNMONITORED"),
            ("2.1", "ANYTIME"),
            ("", "WHEN_UNMANAGED"),
        ]
    );
}
