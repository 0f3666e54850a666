//! `--dry-run` through the real commands (issue 16): rgmd plans the change on a copy of its
//! engine; no method runs (the recording type's calls log stays empty), nothing is stored;
//! the real command then runs what the dry run said.

use rgm_e2e::Cluster;

use crate::support::{calls, group_with};

/// The planned methods from the dry run's text: (node, "METHOD resource"), in order.
fn planned(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("    ") && l.contains(" (resource group "))
        .map(|l| {
            let l = l.trim();
            let (_node, rest) = l.split_once(": ").unwrap();
            let what = rest.split(" (resource group ").next().unwrap();
            // "STOP db" -> "stop db", as the calls log spells it.
            let (method, resource) = what.split_once(' ').unwrap();
            format!("{} {resource}", method.to_lowercase())
        })
        .collect()
}

/// Everything in the store: each key with its value and revision, and the store's revision.
fn store(c: &Cluster) -> (i64, Vec<(String, Vec<u8>, i64)>) {
    let store = rgm_store::LocalStore::open_read_only(&c.state_dir()).expect("the store");
    let range = store.range("").expect("read the store");
    let kvs = range
        .kvs
        .into_iter()
        .map(|kv| (kv.key, kv.value, kv.mod_revision))
        .collect();
    (range.revision, kvs)
}

/// The methods of each resource, in order.
fn per_resource(list: &[String], resource: &str) -> Vec<String> {
    list.iter()
        .filter(|c| c.ends_with(&format!(" {resource}")))
        .cloned()
        .collect()
}

#[test]
fn a_dry_run_runs_nothing_changes_nothing_and_says_what_the_real_run_does() {
    let c = Cluster::start();
    group_with(
        &c,
        &[("db", &[]), ("web", &["-p", "Resource_dependencies=db"])],
    );
    let stored = store(&c);
    let _ = std::fs::remove_file(c.run_dir().join("calls"));
    let out = c.ok("clresourcegroup", &["online", "--dry-run", "-M", "rg1"]);
    assert!(
        out.contains("Dry run: nothing was run or changed."),
        "{out}"
    );
    assert!(out.contains("wave 1:"), "{out}");
    assert!(
        out.contains("resource group rg1 on node1: UNMANAGED -> ONLINE"),
        "{out}"
    );
    assert!(out.contains("The change would succeed."), "{out}");
    // Nothing ran, nothing was stored, nothing changed state.
    assert!(calls(&c).is_empty(), "{:?}", calls(&c));
    assert_eq!(store(&c), stored, "the store changed");
    let status = c.ok("clresourcegroup", &["status", "rg1"]);
    assert!(status.contains("Unmanaged"), "{status}");
    let plan = planned(&out);
    assert!(plan.contains(&"start web".to_string()), "{plan:?}");
    // The real run does what the dry run said: the same methods, each resource's in the
    // same order (web's START after db's).
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let done = calls(&c);
    let mut a = plan.clone();
    let mut b = done.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "planned {plan:?}, ran {done:?}");
    for r in ["db", "web"] {
        assert_eq!(per_resource(&plan, r), per_resource(&done, r));
    }
    let p = |l: &[String], m: &str| l.iter().position(|c| c == m).unwrap();
    assert!(p(&plan, "start db") < p(&plan, "start web"));
    assert!(p(&done, "start db") < p(&done, "start web"));
}

#[test]
fn a_dry_run_of_a_property_change_plans_validate_and_stores_nothing() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let stored = store(&c);
    let _ = std::fs::remove_file(c.run_dir().join("calls"));
    let out = c.ok("clresource", &["set", "--dry-run", "-p", "Port=81", "db"]);
    assert!(planned(&out).contains(&"validate db".to_string()), "{out}");
    assert!(calls(&c).is_empty(), "{:?}", calls(&c));
    assert_eq!(store(&c), stored, "the store changed");
    let show = c.ok("clresource", &["show", "-p", "Port", "db"]);
    assert!(show.contains("80"), "{show}");
    // A refused change: the dry run fails as the change would, with its message.
    let dry = c.fails(
        "clresourcegroup",
        &["switch", "--dry-run", "-n", "nowhere", "rg1"],
    );
    let real = c.fails("clresourcegroup", &["switch", "-n", "nowhere", "rg1"]);
    assert_eq!(dry.code, real.code);
    assert!(dry.stderr.contains("nowhere"), "{}", dry.stderr);
    // Node event scripts have no dry run: refused before anything runs.
    let events = c.fails("clnode", &["event", "run", "--dry-run", "monitor"]);
    assert!(
        events.stderr.contains("has no dry run"),
        "{}",
        events.stderr
    );
}
