//! Every OCF agent Debian's `resource-agents` and `pacemaker-resource-agents` install becomes a
//! valid rgm type, and the two Dummy agents make the types pinned in `test_data/` (regenerate
//! with `UPDATE_EXPECT=1`).

use std::path::{Path, PathBuf};

const ROOT: &str = "/usr/lib/ocf";

fn agents(provider: &str) -> Vec<String> {
    let dir = Path::new(ROOT).join("resource.d").join(provider);
    assert!(
        dir.is_dir(),
        "{} is missing: install resource-agents and pacemaker-resource-agents (cargo xtask ci does)",
        dir.display()
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn every_installed_agent_registers_as_a_valid_type() {
    let methods = Path::new("/opt/rgm/bin");
    let mut failures = Vec::new();
    let mut count = 0;
    for provider in ["heartbeat", "pacemaker"] {
        for agent in agents(provider) {
            match rgm_agents::ocf::type_spec(provider, &agent, Path::new(ROOT), methods) {
                Ok((spec, _)) => {
                    count += 1;
                    assert_eq!(spec.vendor_id.as_deref(), Some(provider));
                    assert_eq!(spec.resource_type, agent);
                    assert!(spec.property("Start_timeout").is_some());
                }
                Err(e) => failures.push(format!("ocf:{provider}:{agent}: {e}")),
            }
        }
    }
    // Agents whose meta-data advertise no start or stop cannot be types; say which.
    let unexpected: Vec<_> = failures
        .iter()
        .filter(|f| !f.contains("advertises no"))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    eprintln!("not types: {failures:#?}");
    assert!(count > 140, "only {count} agents became types");
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual,
        expected,
        "{} differs (UPDATE_EXPECT=1 rewrites it)",
        path.display()
    );
}

#[test]
fn the_dummy_agents_make_these_types() {
    for provider in ["heartbeat", "pacemaker"] {
        let (spec, text) = rgm_agents::ocf::type_spec(
            provider,
            "Dummy",
            Path::new(ROOT),
            Path::new("/opt/rgm/bin"),
        )
        .unwrap();
        golden(&format!("{provider}.Dummy.rtr"), &text);
        assert_eq!(spec.method_timeout(rtreg::Method::Start), Some(20));
        let tpi = spec.property("Thorough_probe_interval").unwrap();
        assert_eq!(tpi.default, Some(rtreg::Value::Int(10)));
    }
}

#[test]
fn a_missing_agent_or_a_bad_name_is_refused_with_the_reason() {
    let e =
        rgm_agents::ocf::type_spec("heartbeat", "NoSuchAgent", Path::new(ROOT), Path::new("/x"))
            .unwrap_err();
    assert!(
        e.contains("no agent /usr/lib/ocf/resource.d/heartbeat/NoSuchAgent"),
        "{e}"
    );
    let e = rgm_agents::ocf::type_spec("../etc", "passwd", Path::new(ROOT), Path::new("/x"))
        .unwrap_err();
    assert!(e.contains("OCF provider"), "{e}");
}
