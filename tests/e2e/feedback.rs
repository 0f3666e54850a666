//! What a changing command says while it waits and when it fails (issue 15): on a terminal
//! (a pseudo-terminal here), a line per method run that begins and ends; nothing extra when
//! its output is not a terminal; a failure that names the method, resource and node and quotes
//! the end of the method's output; `--async` returning once the change is accepted; `clrg
//! offline` saying what it did. In a cluster, from a node that is not the president, progress
//! is one note and `--async` works the same.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rgm_e2e::cluster::TestCluster;
use rgm_e2e::{Cluster, Run, wait_for};

use crate::support::group_with;

const PATIENCE: Duration = Duration::from_secs(60);

/// Runs a command with its stdout and stderr on a new pseudo-terminal; returns its exit status
/// and everything it wrote there (line ends as `\n`) as `stdout`.
fn on_terminal(bin: &Path, socket: &Path, cmd: &str, args: &[&str]) -> Run {
    let pty = nix::pty::openpty(None, None).expect("a pseudo-terminal");
    let mut command = Command::new(bin.join(cmd));
    command
        .args(args)
        .env("RGM_SOCKET", socket)
        .stdin(Stdio::null())
        .stdout(Stdio::from(pty.slave.try_clone().expect("dup")))
        .stderr(Stdio::from(pty.slave));
    let mut child = command.spawn().expect("start the command");
    // Only the child holds the terminal now: reading ends (EIO) when it has exited.
    drop(command);
    let mut master = std::fs::File::from(pty.master);
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match master.read(&mut buf) {
                Ok(0) | Err(_) => return all,
                Ok(n) => all.extend_from_slice(&buf[..n]),
            }
        }
    });
    let code = child.wait().expect("wait").code().unwrap_or(-1);
    let text = String::from_utf8_lossy(&reader.join().expect("reader")).replace('\r', "");
    Run {
        code,
        stdout: text,
        stderr: String::new(),
    }
}

fn terminal(c: &Cluster, cmd: &str, args: &[&str]) -> Run {
    on_terminal(&c.bin, &c.socket(), cmd, args)
}

#[test]
fn a_change_on_a_terminal_shows_each_method_and_nothing_extra_elsewhere() {
    let c = Cluster::start();
    group_with(
        &c,
        &[("db", &[]), ("app", &["-p", "Resource_dependencies=db"])],
    );
    let shown = terminal(&c, "clresourcegroup", &["online", "-M", "rg1"]);
    assert_eq!(shown.code, 0, "{}", shown.stdout);
    let lines: Vec<&str> = shown.stdout.lines().collect();
    let at = |want: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(want))
            .unwrap_or_else(|| panic!("no line `{want}...` in:\n{}", shown.stdout))
    };
    let db_runs = at("START of db on node1: running (timeout 30 s)");
    let db_done = at("START of db on node1: done in ");
    let app_runs = at("START of app on node1: running");
    let app_done = at("START of app on node1: done in ");
    assert!(
        db_runs < db_done && db_done < app_runs && app_runs < app_done,
        "{}",
        shown.stdout
    );
    assert_eq!(
        lines.last(),
        Some(&"resource group rg1 is online on node1"),
        "{}",
        shown.stdout
    );
    // `clrg offline` says what it did, as `clrg online` does.
    let off = terminal(&c, "clresourcegroup", &["offline", "rg1"]);
    assert_eq!(off.code, 0, "{}", off.stdout);
    assert!(
        off.stdout.contains("STOP of app on node1: running"),
        "{}",
        off.stdout
    );
    assert!(
        off.stdout.contains("STOP of db on node1: done in "),
        "{}",
        off.stdout
    );
    assert!(
        off.stdout
            .ends_with("resource group rg1 is offline on every node\n"),
        "{}",
        off.stdout
    );
    // Not a terminal: the same commands print their result and nothing more.
    let on = c.run("clresourcegroup", &["online", "rg1"]);
    assert_eq!(
        (on.code, on.stdout.as_str(), on.stderr.as_str()),
        (0, "resource group rg1 is online on node1\n", "")
    );
    let off = c.run("clresourcegroup", &["offline", "-n", "node1", "rg1"]);
    assert_eq!(
        (off.code, off.stdout.as_str(), off.stderr.as_str()),
        (0, "resource group rg1 is offline on node1\n", "")
    );
    // clresource too, on the same terms.
    c.ok("clresourcegroup", &["online", "rg1"]);
    let shown = terminal(&c, "clresource", &["disable", "app"]);
    assert!(
        shown.stdout.contains("STOP of app on node1: done in "),
        "{}",
        shown.stdout
    );
    let quiet = c.run("clresource", &["enable", "app"]);
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn a_failed_start_names_method_resource_and_node_and_quotes_its_output() {
    let c = Cluster::start();
    group_with(&c, &[("web-front", &[])]);
    std::fs::write(c.run_dir().join("fail.web-front.start"), "").unwrap();
    // Not on a terminal: the refusal alone says which method failed, where, and why.
    let r = c.fails("clresourcegroup", &["online", "-M", "rg1"]);
    assert!(
        r.stderr.contains(
            "clresourcegroup: START of web-front on node1 failed with exit status 1: start of web-front fails as asked"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("web-front is START_FAILED"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
    // On a terminal, the same line comes as it happens, then again in the refusal.
    c.ok("clresourcegroup", &["offline", "rg1"]);
    let shown = terminal(&c, "clrg", &["online", "rg1"]);
    assert_ne!(shown.code, 0);
    let said =
        "START of web-front on node1 failed with exit status 1: start of web-front fails as asked";
    assert_eq!(shown.stdout.matches(said).count(), 2, "{}", shown.stdout);
    assert!(
        shown
            .stdout
            .contains("START of web-front on node1: running"),
        "{}",
        shown.stdout
    );
}

#[test]
fn a_start_past_its_timeout_says_so_with_the_timeout() {
    let c = Cluster::start_with(|_| vec!["--grace".into(), "1".into()]);
    group_with(&c, &[("slow", &["-p", "Start_timeout=2"])]);
    std::fs::write(c.run_dir().join("hang.slow.start"), "").unwrap();
    let r = c.fails("clresourcegroup", &["online", "-M", "rg1"]);
    assert!(
        r.stderr
            .contains("clresourcegroup: START of slow on node1 timed out after 2 s (no output)"),
        "{}",
        r.stderr
    );
}

#[test]
fn async_returns_once_the_change_is_accepted_and_a_refusal_still_comes_at_once() {
    let c = Cluster::start_with(|_| vec!["--grace".into(), "1".into()]);
    group_with(&c, &[("db", &[])]);
    // START hangs: a waiting command would not return.
    std::fs::write(c.run_dir().join("hang.db.start"), "").unwrap();
    let started = std::time::Instant::now();
    let r = c.run("clresourcegroup", &["online", "--async", "-M", "rg1"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    // START's timeout is 30 s: a command that waited would not be back before it.
    assert!(started.elapsed() < Duration::from_secs(30));
    wait_for("START to be under way", PATIENCE, || {
        c.run_dir().join("hung.pid").exists()
    });
    let state = c.ok("scha_resource_get", &["-O", "RESOURCE_STATE", "-R", "db"]);
    assert_eq!(
        state.trim(),
        "STARTING",
        "the change goes on without the command"
    );
    // What cannot be accepted is refused at once, with the same status as without --async.
    let r = c.fails("clresourcegroup", &["online", "--async", "nosuch"]);
    let waited = c.fails("clresourcegroup", &["online", "nosuch"]);
    assert_eq!(r.code, waited.code);
    assert_eq!(r.stderr, waited.stderr);
    // The hung START is killed, with everything it started.
    c.ok("clresourcegroup", &["quiesce", "-k", "rg1"]);
    assert!(!rgm_e2e::alive(
        std::fs::read_to_string(c.run_dir().join("hung.pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    ));
    // clresource has it too.
    let r = c.run("clresource", &["disable", "--async", "db"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn in_a_cluster_progress_is_a_note_and_async_works_from_any_node() {
    let c = TestCluster::start(&["n1", "n2"], 3);
    let president = c.president("n1").expect("a president");
    let other = if president == "n1" { "n2" } else { "n1" };
    c.lock_group(other, "rg1", &["n1", "n2"], &[], "r1");
    let node = c.node(other);
    let shown = on_terminal(&c.bin, &node.socket(), "clrg", &["online", "-M", "rg1"]);
    assert_eq!(shown.code, 0, "{}", shown.stdout);
    assert!(
        shown
            .stdout
            .starts_with("sent to the cluster's president; waiting for its answer\n"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("resource group rg1 is online on n1"),
        "{}",
        shown.stdout
    );
    // Not a terminal: nothing extra.
    let r = c.ok(other, "clrg", &["offline", "rg1"]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("resource group rg1 is offline on every node\n", "")
    );
    let r = c.ok(other, "clrg", &["switch", "--async", "-n", "n2", "rg1"]);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
    wait_for("rg1 online on n2", PATIENCE, || {
        c.online_on(other, "rg1") == ["n2"]
    });
    let refused = c.run(&president, "clrg", &["offline", "--async", "nosuch"]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
}
