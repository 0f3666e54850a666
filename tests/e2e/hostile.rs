//! Hostile input through the commands a user runs (issue 10, findings 2, 10, 11 and 12): each
//! is refused with a message naming the file, property, path or user at fault, and nothing
//! stored changes.

use std::path::{Path, PathBuf};
use std::process::Command;

use rgm_e2e::{Cluster, Run};

use crate::support::{group_with, set_mode};

const NOBODY: u32 = 65534;

/// Runs a command of the cluster as `nobody`, with the given supplementary groups.
fn as_nobody(c: &Cluster, groups: &[u32], cmd: &str, args: &[&str]) -> Run {
    let groups = match groups {
        [] => "--clear-groups".to_string(),
        gids => format!(
            "--groups={}",
            gids.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    Command::new("setpriv")
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            &groups,
        ])
        .arg(c.bin.join(cmd))
        .args(args)
        .env("RGM_SOCKET", c.socket())
        .output()
        .expect("run setpriv")
        .into()
}

/// A group made for a test, removed when dropped.
struct TestGroup {
    name: String,
    gid: u32,
}

impl TestGroup {
    fn new() -> TestGroup {
        let name = format!("rgmtest{}", std::process::id());
        let ok = Command::new("groupadd")
            .arg(&name)
            .status()
            .expect("groupadd")
            .success();
        assert!(ok, "groupadd {name}");
        let line = std::fs::read_to_string("/etc/group")
            .unwrap()
            .lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .map(str::to_string)
            .expect("the new group");
        let gid = line.split(':').nth(2).unwrap().parse().unwrap();
        TestGroup { name, gid }
    }
}

impl Drop for TestGroup {
    fn drop(&mut self) {
        let _ = Command::new("groupdel").arg(&self.name).status();
    }
}

/// What a refused command must show: its status, a line of stderr with `text`, and the
/// configuration as it was.
fn refused(c: &Cluster, r: &Run, code: i32, text: &str, before: &str) {
    assert_eq!(r.code, code, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains(text),
        "expected `{text}` in: {}",
        r.stderr
    );
    assert_eq!(
        c.config_text(),
        before,
        "a refused command changed the configuration"
    );
}

fn rtr(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.rtr"));
    std::fs::write(
        &path,
        format!("RESOURCE_TYPE = {name};\nRT_VERSION = 1;\n{body}"),
    )
    .unwrap();
    path
}

fn script(path: &Path, mode: u32) -> String {
    std::fs::write(path, "#!/bin/sh\nexit 0\n").unwrap();
    set_mode(path, mode);
    path.display().to_string()
}

#[test]
fn sizes_past_the_limits_are_refused_with_the_size_and_the_limit() {
    let c = Cluster::start();
    group_with(&c, &[("r", &[])]);
    let before = c.config_text();
    // A 50 MB RTR file.
    let big = c.dir.path().join("big.rtr");
    let body = format!(
        "RESOURCE_TYPE = big;\nRT_VERSION = 1;\nSTART = /bin/true;\nSTOP = /bin/true;\nRT_DESCRIPTION = \"{}\";\n",
        "d".repeat(50_000_000)
    );
    std::fs::write(&big, &body).unwrap();
    let r = c.run(
        "clresourcetype",
        &["register", "-f", &big.to_string_lossy()],
    );
    refused(
        &c,
        &r,
        3,
        &format!(
            "{}: the file is {} bytes; an RTR file may be at most 1048576 bytes; not read",
            big.display(),
            body.len()
        ),
        &before,
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    // A value over 64 KiB.
    let long = format!("Label={}", "v".repeat(70_000));
    let r = c.run("clresource", &["set", "-p", &long, "r"]);
    refused(
        &c,
        &r,
        15,
        "resource r, property Label: the value is 70000 bytes long; the limit is 65536 bytes",
        &before,
    );
    // Values each within the limit, on enough resources to make the view too large to send.
    let props: String = (1..=25)
        .map(|i| {
            format!(
                "{{ PROPERTY = P{i}; EXTENSION; STRING; DEFAULT = \"\"; TUNABLE = ANYTIME; }}\n"
            )
        })
        .collect();
    let wide = rtr(
        c.dir.path(),
        "wide",
        &format!("START = /bin/true;\nSTOP = /bin/true;\n{props}"),
    );
    c.ok(
        "clresourcetype",
        &["register", "-f", &wide.to_string_lossy()],
    );
    c.ok("clresourcegroup", &["create", "wg"]);
    for i in 0..48 {
        c.ok(
            "clresource",
            &["create", "-g", "wg", "-t", "wide", &format!("w{i}")],
        );
    }
    let before = c.config_text();
    let edits: Vec<String> = (1..=25)
        .map(|i| format!("P{i}={}", "x".repeat(60_000)))
        .collect();
    let mut args: Vec<&str> = vec!["set"];
    for e in &edits {
        args.extend(["-p", e]);
    }
    let names: Vec<String> = (0..48).map(|i| format!("w{i}")).collect();
    let mut all = args.clone();
    all.extend(names.iter().map(String::as_str));
    let r = c.run("clresource", &all);
    refused(
        &c,
        &r,
        3,
        "over the protocol's limit of 67108864 bytes; nothing was changed",
        &before,
    );
    assert!(
        r.stderr
            .contains("the change would let the cluster view grow to "),
        "{}",
        r.stderr
    );
    // The same values on two resources fit, and every read still works.
    let mut two = args.clone();
    two.extend(["w0", "w1"]);
    c.ok("clresource", &two);
    let shown = c.ok("clresource", &["show", "-v", "w1"]);
    assert!(shown.contains(&"x".repeat(60_000)));
    c.ok("clresourcegroup", &["status"]);
}

#[test]
fn method_files_that_are_not_installed_files_are_refused_at_registration() {
    let c = Cluster::start();
    let dir = c.dir.path().join("types");
    std::fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o755);
    let stop = script(&dir.join("stop"), 0o755);
    let open = dir.join("open");
    std::fs::create_dir(&open).unwrap();
    set_mode(&open, 0o777);
    let theirs = dir.join("theirs");
    script(&theirs, 0o755);
    std::os::unix::fs::chown(&theirs, Some(NOBODY), None).unwrap();
    let cases: Vec<(String, String)> = vec![
        (
            "/proc/self/exe".into(),
            "is in the proc pseudo filesystem (at /proc/self/exe)".into(),
        ),
        (
            "/dev/null".into(),
            "is not a regular file (it is a character device)".into(),
        ),
        (
            dir.display().to_string(),
            "is not a regular file (it is a directory)".into(),
        ),
        (
            script(&dir.join("shared"), 0o775),
            "is writable by group or others (mode 0775)".into(),
        ),
        (
            script(&open.join("start"), 0o755),
            format!("the directory {} of method file", open.display()),
        ),
        (
            theirs.display().to_string(),
            "is owned by uid 65534, which is neither root nor rgmd's user".into(),
        ),
        (
            script(&dir.join("plain"), 0o644),
            "is not executable (mode 0644)".into(),
        ),
        (
            dir.join("missing").display().to_string(),
            "does not exist".into(),
        ),
    ];
    let before = c.config_text();
    for (i, (start, reason)) in cases.iter().enumerate() {
        let name = format!("bad{i}");
        let file = rtr(&dir, &name, &format!("START = {start};\nSTOP = {stop};\n"));
        let r = c.run(
            "clresourcetype",
            &["register", "-f", &file.to_string_lossy()],
        );
        refused(
            &c,
            &r,
            3,
            &format!("resource type {name}:1, method START: "),
            &before,
        );
        assert!(
            r.stderr.contains(start.as_str()),
            "the path is named: {}",
            r.stderr
        );
        assert!(r.stderr.contains(reason.as_str()), "{start}: {}", r.stderr);
        assert!(r.stderr.contains("rgmd will not run it"), "{}", r.stderr);
    }
    assert_eq!(c.ok("clresourcetype", &["list"]).trim(), "");
    // The good script alone registers.
    let good = rtr(&dir, "good", &format!("START = {stop};\nSTOP = {stop};\n"));
    c.ok(
        "clresourcetype",
        &["register", "-f", &good.to_string_lossy()],
    );
}

#[test]
fn control_characters_are_escaped_where_they_are_echoed() {
    let c = Cluster::start();
    group_with(&c, &[("r", &[])]);
    let before = c.config_text();
    let r = c.run("clresourcegroup", &["create", "evil\u{1b}[2Jname"]);
    refused(&c, &r, 3, "evil\\u{1b}[2Jname", &before);
    assert!(
        !r.stderr.contains('\u{1b}'),
        "a raw escape reached the terminal"
    );
    // A value may hold them; what shows it escapes them.
    c.ok(
        "clresource",
        &["set", "-p", "Label=a\u{1b}]0;owned\u{7}b\rc", "r"],
    );
    let shown = c.ok("clresource", &["show", "-v", "r"]);
    assert!(shown.contains("a\\u{1b}]0;owned\\u{7}b\\rc"), "{shown}");
    assert!(!shown.contains(['\u{1b}', '\u{7}', '\r']), "{shown}");
    // A binary file given as an RTR file is one clear error.
    let before = c.config_text();
    let binary = c.dir.path().join("tool.rtr");
    let mut bytes = b"\x7fELF\x02\x01\x01\x00".to_vec();
    bytes.extend((0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    std::fs::write(&binary, &bytes).unwrap();
    let r = c.run(
        "clresourcetype",
        &["register", "-f", &binary.to_string_lossy()],
    );
    refused(&c, &r, 3, "not an RTR file: it holds binary data", &before);
    assert!(r.stderr.lines().count() <= 4, "{}", r.stderr);
    assert!(
        !r.stderr
            .chars()
            .any(|ch| ch.is_control() && ch != '\n' && ch != '\t'),
        "{:?}",
        r.stderr
    );
}

#[test]
fn any_user_may_read_only_root_and_the_admin_group_may_change() {
    let admins = TestGroup::new();
    let c = Cluster::start_with(|_| vec!["--admin-group".into(), admins.name.clone()]);
    group_with(&c, &[("r", &[])]);
    // Others may search the cluster's directory to reach the socket, not list it.
    set_mode(c.dir.path(), 0o711);
    let before = c.config_text();
    let r = as_nobody(&c, &[], "clresourcegroup", &["status"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("rg1"), "{}", r.stdout);
    let r = as_nobody(
        &c,
        &[],
        "scha_resourcegroup_get",
        &["-O", "RG_STATE", "-G", "rg1"],
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "UNMANAGED"), "{}", r.stderr);
    let r = as_nobody(
        &c,
        &[],
        "scha_resource_get",
        &["-O", "TYPE", "-R", "r", "-G", "rg1"],
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "TEST.rec:1"), "{}", r.stderr);
    let r = as_nobody(&c, &[], "clresourcegroup", &["create", "rg9"]);
    refused(
        &c,
        &r,
        6,
        &format!(
            "permission denied: user {NOBODY} may read but not change; root and members of group {} may",
            admins.name
        ),
        &before,
    );
    // A member of the admin group may change.
    let r = as_nobody(&c, &[admins.gid], "clresourcegroup", &["create", "rg9"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(c.ok("clresourcegroup", &["list"]).contains("rg9"));
    // A socket this user cannot reach is permission denied, not "is rgmd running?".
    set_mode(c.dir.path(), 0o700);
    let r = as_nobody(&c, &[], "clresourcegroup", &["list"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "permission denied: cannot connect to rgmd at {}",
            c.socket().display()
        )),
        "{}",
        r.stderr
    );
}

/// rgmd drops a client idle past `--idle-timeout`; a fault monitor that sleeps longer than that
/// between probes connects again and goes on probing.
#[test]
fn a_fault_monitor_outlives_the_idle_timeout() {
    let c = crate::agents::Node(Cluster::start_with(|_| {
        vec!["--idle-timeout".into(), "1".into()]
    }));
    let probes = c.path("probes");
    let probe = format!("Probe_command=sh,-c,echo >>{probes}");
    c.ok("clresourcetype", &["register", "RGM.generic"]);
    c.ok("clresourcegroup", &["create", "rg1"]);
    c.ok(
        "clresource",
        &[
            "create",
            "-g",
            "rg1",
            "-t",
            "RGM.generic",
            "-p",
            "Thorough_probe_interval=2",
            "-x",
            "Start_command=sleep,1000",
            "-x",
            &probe,
            "web",
        ],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let count = || {
        std::fs::read_to_string(&probes)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    // Each probe comes after two seconds idle, twice the timeout.
    rgm_e2e::wait_for("three probes", crate::agents::PATIENCE, || count() >= 3);
    c.wait_status("web", "OK", "Probe_command succeeded");
}
