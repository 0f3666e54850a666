//! Every kind of bad input exits non-zero with a message naming what is wrong, and changes
//! nothing.

use rgm_e2e::Cluster;

use crate::support::group_with;

#[test]
fn bad_input_is_refused_with_a_reason_and_changes_nothing() {
    let c = Cluster::start();
    group_with(
        &c,
        &[("r", &[]), ("r2", &["-p", "Resource_dependencies=r"])],
    );
    let before = c.config_text();
    let cases: &[(&str, &[&str], i32, &str)] = &[
        (
            "clresource",
            &["set", "-p", "Nope=1", "r"],
            15,
            "resource r, property Nope: no such property",
        ),
        (
            "clresource",
            &["set", "-x", "Port=abc", "r"],
            15,
            "`abc` is not an integer",
        ),
        (
            "clresource",
            &["set", "-x", "Port=70000", "r"],
            15,
            "70000 is above the maximum 65535",
        ),
        (
            "clresource",
            &["set", "-x", "Mode=slow", "r"],
            15,
            "`slow` is not one of fast, safe",
        ),
        (
            "clresource",
            &["set", "-x", "Fixed=2", "r"],
            15,
            "can be set only when the resource is created",
        ),
        (
            "clresource",
            &["set", "-p", "Resource_dependencies=r2", "r"],
            8,
            "would make a dependency cycle: r -> r2 -> r",
        ),
        ("clresourcegroup", &["online", "ghost"], 12, "ghost"),
        ("clresource", &["enable", "nosuch"], 14, "nosuch"),
        (
            "clresourcegroup",
            &["set", "-p", "Desired_primaries=2", "rg1"],
            3,
            "Desired_primaries (2) is greater than Maximum_primaries (1)",
        ),
        (
            "clresourcetype",
            &["unregister", "TEST.rec"],
            9,
            "still has resources",
        ),
    ];
    for (cmd, args, code, text) in cases {
        let r = c.run(cmd, args);
        assert_eq!(r.code, *code, "{cmd} {args:?}: {}", r.stderr);
        assert!(r.stderr.contains(text), "{cmd} {args:?}: {}", r.stderr);
        assert!(
            r.stderr.lines().all(|l| l.starts_with(cmd)),
            "each line names the command: {}",
            r.stderr
        );
        assert_eq!(
            c.config_text(),
            before,
            "{cmd} {args:?} changed the configuration"
        );
    }
    // A bad RTR file never reaches the daemon.
    let bad = c.dir.path().join("bad.rtr");
    std::fs::write(&bad, "RESOURCE_TYPE = \"x\";\nSTART = /bin/true;\n").unwrap();
    let r = c.run(
        "clresourcetype",
        &["register", "-f", &bad.to_string_lossy()],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("bad.rtr:"), "{}", r.stderr);
    assert_eq!(c.config_text(), before);
}

#[test]
fn a_missing_daemon_is_one_clear_line() {
    let c = Cluster::start();
    let out = std::process::Command::new(c.bin.join("clresourcegroup"))
        .arg("list")
        .env("RGM_SOCKET", "/nonexistent/rgmd.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(18));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/rgmd.sock"), "{err}");
}
