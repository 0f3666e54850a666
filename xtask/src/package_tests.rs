//! Tests of the package and the installed tree: its contents, an extraction into a temporary
//! root (commands that run, man pages that render without warnings, completion scripts the
//! shells accept, a unit systemd-analyze accepts), and, as root, `dpkg -i` then `dpkg -r`
//! leaving the machine as it was. The package is built once per test run (nextest runs each
//! test in a process of its own: they share it through a lock and the run's id) from the
//! binaries the run built, stripped and uncompressed; `cargo xtask dist` builds the same from
//! release binaries.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nix::fcntl::{Flock, FlockArg};

use crate::dist::{self, Compression};
use crate::install::{self, Layout, SHIPPED};

/// The package of this test run.
fn package() -> PathBuf {
    let bin_dir = rgm_e2e::bin_dir();
    let out = bin_dir.join("xtask-package-test");
    std::fs::create_dir_all(&out).unwrap();
    let lock = File::create(out.join("lock")).unwrap();
    let _lock = Flock::lock(lock, FlockArg::LockExclusive).expect("the package lock");
    let run = std::env::var("NEXTEST_RUN_ID").unwrap_or_else(|_| std::process::id().to_string());
    let stamp = out.join("run");
    let built = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"));
    if let Some(deb) = built
        && std::fs::read_to_string(&stamp).is_ok_and(|r| r == run)
    {
        return deb;
    }
    let deb = dist::build(&bin_dir, &out, Compression::None).expect("the package builds");
    std::fs::write(&stamp, &run).unwrap();
    deb
}

fn ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A rendered man page with every run of blanks made one space: man justifies its lines, so
/// the words of a phrase may be two spaces apart.
fn page_text(out: &Output) -> String {
    text(out)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The package's paths, as `dpkg-deb --contents` lists them (`./usr/bin/clrg`).
fn contents(deb: &Path) -> BTreeSet<String> {
    let out = ok(Command::new("dpkg-deb").arg("--contents").arg(deb));
    text(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| p.trim_end_matches('/').to_string())
        .collect()
}

/// The package extracted into a temporary root.
fn extracted(deb: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    ok(Command::new("dpkg-deb").arg("-x").arg(deb).arg(root.path()));
    root
}

/// The names of every command (and alias) the package must have a page and completions for.
fn command_names() -> Vec<String> {
    rgm_cli::manual::commands()
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_package_holds_the_whole_tree() {
    let deb = package();
    let paths = contents(&deb);
    let has = |p: &str| {
        assert!(paths.contains(p), "{p} is not in the package: {paths:#?}");
    };
    for s in SHIPPED {
        for bin in crate::util::package_binaries(s.package).unwrap() {
            has(&format!("./usr/{}/{bin}", s.dir));
            // Every command an administrator can run has a page (methods are not commands).
            let section = match s.dir {
                "sbin" => 8,
                "bin" => 1,
                _ => continue,
            };
            has(&format!("./usr/share/man/man{section}/{bin}.{section}.gz"));
        }
    }
    for name in command_names() {
        has(&format!("./usr/share/man/man1/{name}.1.gz"));
        has(&format!("./usr/share/bash-completion/completions/{name}"));
        has(&format!("./usr/share/zsh/vendor-completions/_{name}"));
        has(&format!(
            "./usr/share/fish/vendor_completions.d/{name}.fish"
        ));
    }
    has("./usr/share/man/man8/rgmd.8.gz");
    has("./usr/share/man/man5/rt_reg.5.gz");
    has("./usr/lib/systemd/system/rgmd.service");
    for rtr in install::rtr_files(&install::rtr_dirs()).unwrap() {
        let name = rtr.file_name().unwrap().to_string_lossy();
        has(&format!("./usr/lib/rgm/rt_reg/{name}"));
    }
    has("./usr/share/doc/rgm/copyright");
    has("./usr/share/doc/rgm/operating.md");
    has("./usr/share/doc/rgm/commands.md");
    let fields = text(&ok(Command::new("dpkg-deb").arg("--info").arg(&deb)));
    assert!(fields.contains(" Package: rgm\n"), "{fields}");
    assert!(fields.contains(&format!(" Version: {}\n", env!("CARGO_PKG_VERSION"))));
    assert!(fields.contains(" Depends: libc6 (>= 2."), "{fields}");
    for member in ["postinst", "prerm", "md5sums"] {
        let listed = fields
            .lines()
            .any(|l| l.split_whitespace().any(|w| w == member));
        assert!(listed, "no {member}: {fields}");
    }
}

#[test]
fn the_extracted_commands_run_and_their_pages_render_cleanly() {
    let root = extracted(&package());
    let r = root.path();
    let version = text(&ok(Command::new(r.join("usr/bin/clrg")).arg("--version")));
    assert_eq!(
        version.trim(),
        format!("clrg {}", env!("CARGO_PKG_VERSION"))
    );
    ok(Command::new(r.join("usr/sbin/rgmd")).arg("--help"));
    ok(Command::new(r.join("usr/bin/hatimerun")).arg("--help"));
    let pages: Vec<PathBuf> = ["man1", "man5", "man8"]
        .iter()
        .flat_map(|d| std::fs::read_dir(r.join("usr/share/man").join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    assert!(pages.len() > 15, "{pages:?}");
    for page in &pages {
        let out = ok(Command::new("man")
            .args(["--warnings=w", "-E", "UTF-8", "-l"])
            .arg(page)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "0"));
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(warnings.is_empty(), "{}: {warnings}", page.display());
        assert!(!out.stdout.is_empty(), "{} renders empty", page.display());
    }
    let clrg = page_text(&ok(Command::new("man")
        .args(["-E", "UTF-8", "-l"])
        .arg(r.join("usr/share/man/man1/clrg.1.gz"))
        .env("MANWIDTH", "100")));
    for want in [
        "clresourcegroup - Manage resource groups",
        "SUBCOMMANDS",
        "clresourcegroup online",
        "Enable every resource of the groups first",
        "EXIT STATUS",
        "10 (SCHA_ERR_METHOD)",
        "VALIDATE refused the change",
        "18 (SCHA_ERR_INTERNAL)",
        "ENVIRONMENT",
        "RGM_SOCKET",
        "FILES",
        "/run/rgm/rgmd.sock",
        "EXAMPLES",
        "clrg online -eM web-rg",
        "SEE ALSO",
    ] {
        assert!(clrg.contains(want), "man clrg lacks {want:?}:\n{clrg}");
    }
    let rgmd = page_text(&ok(Command::new("man")
        .args(["-E", "UTF-8", "-l"])
        .arg(r.join("usr/share/man/man8/rgmd.8.gz"))
        .env("MANWIDTH", "100")));
    for want in [
        "--journal",
        "SIGHUP",
        "EXIT STATUS",
        "NOTIFY_SOCKET",
        "EXAMPLES",
    ] {
        assert!(rgmd.contains(want), "man rgmd lacks {want:?}:\n{rgmd}");
    }
}

#[test]
fn the_shells_accept_the_completion_scripts() {
    let root = extracted(&package());
    let share = root.path().join("usr/share");
    for name in command_names() {
        ok(Command::new("bash")
            .arg("-n")
            .arg(share.join("bash-completion/completions").join(&name)));
        ok(Command::new("zsh").arg("-n").arg(
            share
                .join("zsh/vendor-completions")
                .join(format!("_{name}")),
        ));
        ok(Command::new("fish").arg("--no-execute").arg(
            share
                .join("fish/vendor_completions.d")
                .join(format!("{name}.fish")),
        ));
    }
}

/// systemd-analyze verify checks the unit against a root directory: the extracted package,
/// for ExecStart= to exist, plus a copy of this machine's units, for the default dependencies
/// (sysinit.target, ...). `--man=no`: it would look for Documentation= pages on this machine,
/// not in the root (the package's own pages are checked above).
#[test]
fn systemd_analyze_verify_accepts_the_unit() {
    let root = extracted(&package());
    let units = root.path().join("usr/lib/systemd/system");
    for e in std::fs::read_dir("/usr/lib/systemd/system")
        .unwrap()
        .flatten()
    {
        let to = units.join(e.file_name());
        // The dpkg test of this run may install and remove rgm's own unit meanwhile: a file
        // gone between the listing and the copy is skipped (the root has rgm's unit anyway).
        if e.file_type().is_ok_and(|t| t.is_file()) && !to.exists() {
            match std::fs::copy(e.path(), &to) {
                Ok(_) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => panic!(
                    "cannot copy {} to {}: {err}",
                    e.path().display(),
                    to.display()
                ),
            }
        }
    }
    let out = ok(Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(format!("--root={}", root.path().display()))
        .arg("rgmd.service"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.trim().is_empty(), "systemd-analyze verify: {said}");
    let unit = std::fs::read_to_string(units.join("rgmd.service")).unwrap();
    for want in [
        "Type=notify",
        "ExecStart=/usr/sbin/rgmd $RGMD_OPTIONS",
        "Delegate=yes",
        "KillMode=process",
        "Restart=on-failure",
        "SuccessExitStatus=75",
        "RestartForceExitStatus=75",
        "RuntimeDirectory=rgm",
        "TimeoutStopSec=infinity",
    ] {
        assert!(unit.lines().any(|l| l == want), "the unit lacks {want}");
    }
}

/// What a package may have touched, before and after: every path it holds (and the
/// directories above them), and the places its scripts or rgmd could write.
fn footprint(paths: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut watch: BTreeSet<PathBuf> = paths
        .iter()
        .map(|p| PathBuf::from(p.trim_start_matches('.')))
        .filter(|p| p != Path::new(""))
        .collect();
    watch.extend(
        ["/var/lib/rgm", "/run/rgm", "/etc/rgm", "/etc/default/rgmd"]
            .iter()
            .map(PathBuf::from),
    );
    watch.insert(PathBuf::from(
        "/etc/systemd/system/multi-user.target.wants/rgmd.service",
    ));
    for p in watch {
        match std::fs::symlink_metadata(&p) {
            Ok(m) => {
                use std::os::unix::fs::MetadataExt;
                out.insert(format!(
                    "{} {:o} {} {}",
                    p.display(),
                    m.mode(),
                    m.uid(),
                    if m.is_dir() { 0 } else { m.len() }
                ));
            }
            Err(_) => {
                out.insert(format!("{} absent", p.display()));
            }
        }
    }
    out
}

fn dpkg(args: &[&str]) -> Output {
    // Another dpkg (apt on this machine) may hold its lock for a while.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let out = Command::new("dpkg").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() || !err.contains("lock") || std::time::Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

#[test]
fn dpkg_install_then_remove_leaves_the_machine_as_it_was() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "installing a package needs root (cargo xtask ci runs as root)"
    );
    let deb = package();
    // One such test at a time on this machine, whichever checkout runs it.
    let lock = File::create("/run/lock/rgm-package-test.lock").unwrap();
    let _lock = Flock::lock(lock, FlockArg::LockExclusive).unwrap();
    let status = dpkg(&["-s", "rgm"]);
    assert!(
        !status.status.success(),
        "rgm is installed on this machine already; this test installs and removes it"
    );
    let paths = contents(&deb);
    let before = footprint(&paths);
    let installed = dpkg(&["-i", &deb.to_string_lossy()]);
    let remove = || dpkg(&["-r", "rgm"]);
    if !installed.status.success() {
        remove();
        panic!(
            "dpkg -i failed: {}{}",
            text(&installed),
            String::from_utf8_lossy(&installed.stderr)
        );
    }
    let checks = std::panic::catch_unwind(|| {
        let version = text(&ok(Command::new("/usr/bin/clrg").arg("--version")));
        assert!(version.contains(env!("CARGO_PKG_VERSION")));
        let page = ok(Command::new("man").args(["-w", "clrg"]));
        assert!(text(&page).contains("/usr/share/man/man1/clresourcegroup.1.gz"));
        assert!(Path::new("/usr/lib/systemd/system/rgmd.service").is_file());
        let listed = text(&ok(Command::new("dpkg").args(["-L", "rgm"])));
        assert!(listed.contains("/usr/sbin/rgmd"));
    });
    let removed = remove();
    assert!(
        removed.status.success(),
        "dpkg -r failed: {}",
        String::from_utf8_lossy(&removed.stderr)
    );
    if let Err(e) = checks {
        std::panic::resume_unwind(e);
    }
    let after = footprint(&paths);
    let changed: Vec<_> = before.symmetric_difference(&after).collect();
    assert!(changed.is_empty(), "dpkg -r left changes: {changed:#?}");
    // No trace in dpkg's database either (not even "config-files").
    let status = dpkg(&["-s", "rgm"]);
    assert!(
        !status.status.success(),
        "dpkg still knows rgm: {}",
        text(&status)
    );
}

#[test]
fn install_honours_prefix_and_destdir() {
    let dest = tempfile::tempdir().unwrap();
    let rtr = tempfile::tempdir().unwrap();
    std::fs::write(
        rtr.path().join("ACME.sample"),
        "RESOURCE_TYPE = sample; VENDOR_ID = ACME; RT_VERSION = \"1\";\n\
         RT_BASEDIR = /bin; START = true; STOP = true;\n",
    )
    .unwrap();
    std::fs::write(rtr.path().join("README.md"), "not an RTR file\n").unwrap();
    let options = install::Options {
        layout: Layout {
            prefix: PathBuf::from("/opt/rgm"),
            destdir: Some(dest.path().to_path_buf()),
        },
        bin_dir: rgm_e2e::bin_dir(),
        strip: false,
        rtr_dirs: vec![rtr.path().to_path_buf()],
    };
    let files = install::install(&options).unwrap();
    let root = dest.path().join("opt/rgm");
    assert!(files.iter().all(|f| f.starts_with(&root)), "{files:?}");
    assert!(root.join("bin/clresourcegroup").is_file());
    assert_eq!(
        std::fs::read_link(root.join("bin/clrg")).unwrap(),
        Path::new("clresourcegroup")
    );
    assert!(root.join("sbin/rgmd").is_file());
    assert_eq!(
        std::fs::read_link(root.join("share/man/man1/clrg.1.gz")).unwrap(),
        Path::new("clresourcegroup.1.gz")
    );
    assert!(root.join("share/zsh/site-functions/_clrg").is_file());
    assert!(root.join("lib/rgm/rt_reg/ACME.sample").is_file());
    assert!(!root.join("lib/rgm/rt_reg/README.md").exists());
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/rgmd.service")).unwrap();
    assert!(unit.contains("\nExecStart=/opt/rgm/sbin/rgmd $RGMD_OPTIONS\n"));
    // The installed clrt finds the type it shipped with, by name.
    let c = rgm_e2e::Cluster::start();
    ok(Command::new(root.join("bin/clrt"))
        .args(["register", "ACME.sample"])
        .env("RGM_SOCKET", c.socket())
        .env_remove("RGM_RTR_PATH"));
    assert_eq!(c.ok("clresourcetype", &["list"]).trim(), "ACME.sample:1");
}
