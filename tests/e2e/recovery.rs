//! rgmd killed with SIGKILL and started again: nothing configured is lost and nothing that was
//! running is started twice. A non-root caller may read but not change.

use rgm_e2e::Cluster;

use crate::support::{calls, group_with, set_mode};

#[test]
fn kill_9_and_restart_loses_nothing_and_starts_nothing_twice() {
    let mut c = Cluster::start();
    group_with(
        &c,
        &[("db", &[]), ("app", &["-p", "Resource_dependencies=db"])],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let config = c.config_text();
    let before = calls(&c);
    c.kill9();
    c.boot();
    assert_eq!(c.config_text(), config, "the configuration is intact");
    let status = c.ok("clresourcegroup", &["status"]);
    assert!(status.contains("Online"), "{status}");
    assert_eq!(
        c.ok(
            "scha_resource_get",
            &["-O", "RESOURCE_STATE", "-R", "app", "-G", "rg1"]
        )
        .trim(),
        "ONLINE"
    );
    assert_eq!(
        calls(&c),
        before,
        "no method ran again after the restart (no START, no BOOT)"
    );
    assert!(c.log().contains("recovering from the saved runtime state"));
    // And it goes on managing them.
    c.ok("clresourcegroup", &["offline", "rg1"]);
    assert!(calls(&c).contains(&"stop db".to_string()));
}

#[test]
fn a_clean_stop_takes_the_groups_offline_and_exits_0() {
    let mut c = Cluster::start();
    group_with(&c, &[("db", &[])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    assert_eq!(c.stop(), 0);
    assert!(calls(&c).contains(&"stop db".to_string()));
    c.boot();
    // A new cluster: Auto_start_on_new_cluster brings the group back.
    rgm_e2e::wait_for(
        "rg1 to come back online",
        std::time::Duration::from_secs(30),
        || {
            c.run(
                "scha_resource_get",
                &["-O", "RESOURCE_STATE", "-R", "db", "-G", "rg1"],
            )
            .stdout
            .trim()
                == "ONLINE"
        },
    );
}

#[test]
fn a_non_root_caller_may_read_but_not_change() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[])]);
    // nobody, in the socket's group (root's), may reach the socket.
    set_mode(c.dir.path(), 0o750);
    let nobody = Some((65534, 0));
    let r = c.run_as("clresourcegroup", &["list"], nobody);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "rg1");
    let before = c.config_text();
    let r = c.run_as("clresourcegroup", &["create", "rg9"], nobody);
    assert_eq!(r.code, 6, "SCHA_ERR_ACCESS: {}", r.stderr);
    assert!(r.stderr.contains("permission denied"), "{}", r.stderr);
    assert_eq!(c.config_text(), before);
}
