//! Every example of docs/developing-resource-types.md, run against a real rgmd: the blocks
//! marked `file=NAME` are written into a directory, the blocks marked `run=NAME` are run there
//! with bash, in order, and what each should have done is checked.

use std::path::Path;
use std::process::Command;

use rgm_e2e::{Run, wait_for};

use crate::agents::{Node, PATIENCE};

/// A fenced block of the guide: its info string's `file=` or `run=` and its text.
#[derive(Debug)]
enum Block {
    File(String, String),
    Run(String, String),
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        for word in info.split_whitespace() {
            if let Some(name) = word.strip_prefix("file=") {
                out.push(Block::File(name.to_string(), body.clone()));
            } else if let Some(name) = word.strip_prefix("run=") {
                out.push(Block::Run(name.to_string(), body.clone()));
            }
        }
    }
    out
}

fn run_block(c: &Node, dir: &Path, name: &str, script: &str) -> Run {
    let path = format!("{}:/usr/bin:/bin:/usr/sbin:/sbin", c.bin.display());
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("RGM_SOCKET", c.socket())
        .output()
        .unwrap_or_else(|e| panic!("block {name}: {e}"));
    let run: Run = out.into();
    assert_eq!(
        run.code, 0,
        "block {name} failed:\n{script}\n{}{}",
        run.stdout, run.stderr
    );
    run
}

#[test]
fn every_example_of_the_developers_guide_works() {
    let c = Node::start();
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/developing-resource-types.md"),
    )
    .unwrap();
    // The cluster removes the processes of the pid files here when the test ends.
    let dir = c.run_dir();
    let blocks = blocks(&guide);
    let runs: Vec<&str> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Run(n, _) => Some(n.as_str()),
            Block::File(..) => None,
        })
        .collect();
    assert_eq!(
        runs,
        ["ticker", "ticker-validate", "ticker-kill", "generic", "ocf"],
        "each run block is checked below"
    );
    for block in &blocks {
        match block {
            Block::File(name, text) => {
                let path = dir.join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            Block::Run(name, script) => {
                let out = run_block(&c, &dir, name, script);
                check(&c, &dir, name, &out);
            }
        }
    }
}

fn check(c: &Node, dir: &Path, block: &str, out: &Run) {
    match block {
        "ticker" => {
            assert_eq!(c.state("ticker"), "ONLINE");
            assert!(out.stdout.contains("ticker"), "{}", out.stdout);
            c.wait_status("ticker", "OK", "ticked");
        }
        "ticker-validate" => {
            assert!(
                out.stderr.contains("Tick_file must be an absolute path"),
                "{}",
                out.stderr
            );
            assert!(!c.config_text().contains("ticker2"));
        }
        "ticker-kill" => {
            wait_for("the probe's restart", PATIENCE, || {
                c.restarts("ticker") == 1
            });
            c.wait_status("ticker", "OK", "ticked");
            // Retry_count (1) is used up: the next death asks for a giveover, refused here.
            let pid = std::fs::read_to_string(dir.join("tick.pid")).unwrap();
            rgm_e2e::kill(pid.trim().parse().unwrap(), "TERM");
            let msg = c.wait_status("ticker", "FAULTED", "giveover refused");
            assert!(
                msg.contains("no other node can master resource group ticker-rg"),
                "{msg}"
            );
        }
        "generic" => {
            assert_eq!(c.state("web"), "ONLINE");
            c.wait_status("web", "OK", "answers on 8719/tcp");
        }
        "ocf" => {
            assert!(out.stdout.contains("heartbeat.Dummy:1.0"), "{}", out.stdout);
            assert_eq!(c.state("dummy"), "ONLINE");
            assert!(dir.join("dummy.state").exists());
            c.wait_status("dummy", "OK", "running");
        }
        other => panic!("no check for block {other}"),
    }
}
