//! cllog over a JSON-lines cluster log written here: the human lines, each filter, JSON
//! output, the state directory's precedence, a missing log, and `-f` following appends.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin_path, run_with};

const RECORDS: &[&str] = &[
    r#"{"time":"2025-03-01T10:00:00.100Z","id":224900,"severity":"notice","text":"launching method <app_start> for resource <app>, resource group <rg1>, node <n1>, timeout <300> seconds","fields":{"resource":"app","group":"rg1","node":"n1","method":"START"}}"#,
    r#"{"time":"2025-03-01T10:00:01.000Z","id":529407,"severity":"notice","text":"resource group rg1 state on node n1 change to RG_ONLINE","fields":{"group":"rg1","node":"n1"}}"#,
    "not json at all",
    r#"{"time":"2025-03-01T11:30:00.000Z","id":938318,"severity":"error","text":"Method <db_start> failed on resource <db> in resource group <rg2> [exit code <1>, time used: 3% of timeout <300 seconds>]","fields":{"resource":"db","group":"rg2","node":"n2","method":"START"}}"#,
];

fn state_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = RECORDS.join("\n");
    text.push('\n');
    std::fs::write(dir.path().join("cluster.log.json"), text).unwrap();
    dir
}

fn cllog(dir: &Path, args: &[&str]) -> common::Run {
    let mut all = vec!["--state-dir", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    run_with("cllog", &all, &[])
}

#[test]
fn prints_human_lines_and_filters() {
    let dir = state_dir();
    let r = cllog(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[1],
        "2025-03-01T10:00:01.000Z Cluster.RGM.global.rgmd: [ID 529407 daemon.notice] resource group rg1 state on node n1 change to RG_ONLINE"
    );
    let count = |args: &[&str]| cllog(dir.path(), args).stdout.lines().count();
    assert_eq!(count(&["-g", "rg1"]), 2);
    assert_eq!(count(&["-R", "db"]), 1);
    assert_eq!(count(&["-n", "n1", "-R", "app"]), 1);
    assert_eq!(count(&["--id", "529407"]), 1);
    assert_eq!(count(&["-s", "warning"]), 1);
    assert_eq!(count(&["--since", "2025-03-01T10:00:01"]), 2);
    assert_eq!(count(&["--since", "2025-03-01 11:00Z"]), 1);
    assert_eq!(count(&["--since", "2025-03-02"]), 0);
    let r = cllog(dir.path(), &["-o", "json", "-R", "db"]);
    assert_eq!(r.stdout, format!("{}\n", RECORDS[3]));
}

#[test]
fn control_characters_in_records_are_escaped_in_human_lines() {
    // A method's output line, forwarded to the log, holding a terminal escape and a CR.
    let record = r#"{"time":"2025-03-01T10:00:00.000Z","id":1,"severity":"notice","text":"app: \u001b]0;owned\u0007 done\rOK","fields":{}}"#;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = rgm_cli::cllog::run_on(["cllog".into()], record.as_bytes(), &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "2025-03-01T10:00:00.000Z Cluster.RGM.global.rgmd: [ID 1 daemon.notice] app: \\u{1b}]0;owned\\u{7} done\\rOK\n"
    );
    // JSON output is the record as stored (JSON escapes it already).
    let mut out = Vec::new();
    rgm_cli::cllog::run_on(
        ["cllog".into(), "-o".into(), "json".into()],
        record.as_bytes(),
        &mut out,
        &mut err,
    );
    assert_eq!(String::from_utf8(out).unwrap(), format!("{record}\n"));
}

#[test]
fn state_dir_from_the_environment_and_a_missing_log() {
    let dir = state_dir();
    let r = run_with(
        "cllog",
        &["-g", "rg2"],
        &[("RGM_STATE_DIR", dir.path().as_os_str())],
    );
    assert_eq!((r.code, r.stdout.lines().count()), (0, 1));
    let empty = tempfile::tempdir().unwrap();
    let r = cllog(empty.path(), &[]);
    assert_eq!(r.code, 18);
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(r.stderr.contains("cluster.log.json"), "{}", r.stderr);
    let r = cllog(dir.path(), &["--since", "last tuesday"]);
    assert_eq!(r.code, 3);
}

#[test]
fn follow_prints_what_is_appended() {
    let dir = state_dir();
    let child = Command::new(bin_path("cllog"))
        .args([
            "--state-dir",
            dir.path().to_str().unwrap(),
            "-f",
            "-g",
            "rg2",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.contains("[ID 938318 daemon.error]"), "{line}");
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("cluster.log.json"))
        .unwrap();
    // A record written in two pieces is printed once it is whole.
    log.write_all(br#"{"time":"2025-03-01T12:00:00Z","id":1,"severity":"warning","#)
        .unwrap();
    log.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    log.write_all(br#""text":"later","fields":{"group":"rg2"}}"#)
        .unwrap();
    log.write_all(b"\n").unwrap();
    log.flush().unwrap();
    let started = Instant::now();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        line,
        "2025-03-01T12:00:00Z Cluster.RGM.global.rgmd: [ID 1 daemon.warning] later\n"
    );
    // Rotation: the log is renamed away and a new one started; its records follow.
    let log_path = dir.path().join("cluster.log.json");
    std::fs::rename(&log_path, dir.path().join("cluster.log.json.1")).unwrap();
    std::fs::write(
        &log_path,
        "{\"time\":\"2025-03-01T13:00:00Z\",\"id\":2,\"severity\":\"notice\",\"text\":\"rotated\",\"fields\":{\"group\":\"rg2\"}}\n",
    )
    .unwrap();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert!(line.ends_with("[ID 2 daemon.notice] rotated\n"), "{line}");
}

/// `cllog -f` never ends by itself: killed however the test ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
