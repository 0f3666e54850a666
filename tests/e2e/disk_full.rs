//! Issue 10, finding 8: a store that cannot write (here a full disk)
//! never crashes rgmd, never acknowledges what it did not save, and loses nothing. The state
//! directory is a small tmpfs the test mounts (root), lazily unmounted on drop.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rgm_e2e::{Cluster, wait_for};

use crate::support::group_with;

/// A tmpfs mounted on a directory; unmounted (lazily: rgmd may still hold it) on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "rgm-test",
            ])
            .arg(dir)
            .output()
            .expect("mount");
        assert!(
            out.status.success(),
            "this test needs root to mount a tmpfs: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir.to_path_buf())
    }

    /// Fills the file system up; returns the filler file.
    fn fill(&self) -> PathBuf {
        let path = self.0.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn groups(c: &Cluster) -> Vec<String> {
    c.ok("clresourcegroup", &["list"])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_change_the_disk_cannot_hold_is_refused_with_the_reason_and_nothing_changes() {
    let mut c = Cluster::unbooted();
    let disk = Tmpfs::mount(&c.state_dir(), "4m");
    c.boot();
    group_with(&c, &[("r1", &[])]);
    let filler = disk.fill();

    let refused = c.fails("clresourcegroup", &["create", "g2"]);
    assert!(
        refused.stderr.contains("cannot save the configuration")
            && refused
                .stderr
                .contains(&c.state_dir().display().to_string())
            && refused.stderr.contains("nothing was changed"),
        "{refused:?}"
    );
    assert_eq!(groups(&c), ["rg1"], "the refused change is not applied");
    assert!(c.rgmd_running(), "rgmd keeps running");
    // The cluster log lives on the same full disk: what it holds says nothing of g2.
    let log = c.log();
    assert!(!log.contains("resource group g2 created"), "{log}");

    // Room again: the same change goes through.
    std::fs::remove_file(&filler).unwrap();
    c.ok("clresourcegroup", &["create", "g2"]);
    assert_eq!(groups(&c), ["g2", "rg1"]);
}

#[test]
fn a_runtime_state_that_cannot_be_saved_holds_answers_until_it_is_and_reads_go_on() {
    let mut c = Cluster::unbooted();
    let disk = Tmpfs::mount(&c.state_dir(), "4m");
    c.boot();
    group_with(&c, &[("r1", &[])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let filler = disk.fill();

    // A method's status report changes the runtime state only: it waits for the save.
    let bin = c.bin.clone();
    let socket = c.socket();
    let setstatus = std::thread::spawn(move || {
        Command::new(bin.join("scha_resource_setstatus"))
            .args(["-R", "r1", "-G", "rg1", "-s", "DEGRADED", "-m", "slow disk"])
            .env("RGM_SOCKET", socket)
            .output()
            .expect("scha_resource_setstatus")
    });
    // Changes are refused with the reason (the cluster log is on the full disk too).
    wait_for("changes refused", Duration::from_secs(20), || {
        c.run("clresourcegroup", &["create", "g3"])
            .stderr
            .contains("cannot save the runtime state")
    });
    assert!(!setstatus.is_finished(), "answered before it was saved");
    // Reads are answered.
    let status = c.ok("clresourcegroup", &["status"]);
    assert!(status.contains("rg1"), "{status}");

    std::fs::remove_file(&filler).unwrap();
    let out = setstatus.join().unwrap();
    assert!(out.status.success(), "{out:?}");
    wait_for("the saved-again record", Duration::from_secs(20), || {
        c.log().contains("is saved to")
    });
    let got = c.ok(
        "scha_resource_get",
        &["-O", "STATUS", "-R", "r1", "-G", "rg1"],
    );
    assert!(got.contains("DEGRADED"), "{got}");
    // The store has it: an rgmd killed and started again finds it.
    c.kill9();
    c.boot();
    let got = c.ok(
        "scha_resource_get",
        &["-O", "STATUS", "-R", "r1", "-G", "rg1"],
    );
    assert!(got.contains("DEGRADED"), "{got}");
}
