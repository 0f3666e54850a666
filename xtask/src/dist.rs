//! `cargo xtask dist`: the Debian package `<target dir>/dist/rgm_<version>_<arch>.deb`, built
//! with dpkg-deb from the release binaries and the tree `cargo xtask install` writes
//! (prefix /usr), with nothing downloaded. The control file's Depends come from the
//! binaries' own needs (`objdump`: the shared libraries they link, the newest glibc symbol
//! version they use). The maintainer scripts (packaging/debian/) reload systemd after
//! installation and stop and disable rgmd on removal; they never enable or start it. There
//! is no postrm and no conffile, so `dpkg -r` leaves nothing of the package behind.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::install::{self, Layout};
use crate::util::{run, target_dir, workspace_root};

pub const PACKAGE: &str = "rgm";

/// How dpkg-deb compresses: xz for a release, none where speed matters more than size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Xz,
    None,
}

pub fn main(args: &[String]) -> Result<()> {
    let compression = match args {
        [] => Compression::Xz,
        [a] if a == "--uncompressed" => Compression::None,
        _ => bail!("dist: unknown arguments {args:?} (only --uncompressed, for a quick look)"),
    };
    let bin_dir = install::build_release()?;
    let deb = build(&bin_dir, &target_dir()?.join("dist"), compression)?;
    println!("{}", deb.display());
    Ok(())
}

/// Builds the package from the binaries in `bin_dir` into `out_dir`; returns its path.
pub fn build(bin_dir: &Path, out_dir: &Path, compression: Compression) -> Result<PathBuf> {
    let version = env!("CARGO_PKG_VERSION");
    let arch = architecture()?;
    let stage = out_dir.join(format!("{PACKAGE}_{version}_{arch}"));
    if stage.exists() {
        std::fs::remove_dir_all(&stage)
            .with_context(|| format!("cannot remove {}", stage.display()))?;
    }
    let options = install::Options {
        layout: Layout {
            prefix: PathBuf::from("/usr"),
            destdir: Some(stage.clone()),
        },
        bin_dir: bin_dir.to_path_buf(),
        strip: true,
        rtr_dirs: install::rtr_dirs(),
    };
    let files = install::install(&options)?;
    let binaries: Vec<&PathBuf> = files
        .iter()
        .filter(|f| {
            f.strip_prefix(&stage)
                .is_ok_and(|r| r.starts_with("usr/bin") || r.starts_with("usr/sbin"))
                && std::fs::symlink_metadata(f).is_ok_and(|m| m.is_file())
        })
        .collect();
    let control_dir = stage.join("DEBIAN");
    std::fs::create_dir_all(&control_dir)?;
    let control = control(version, &arch, &depends(&binaries)?, installed_kib(&files)?);
    std::fs::write(control_dir.join("control"), control)?;
    for script in ["postinst", "prerm"] {
        let to = control_dir.join(script);
        std::fs::copy(workspace_root().join("packaging/debian").join(script), &to)?;
        set_mode(&to, 0o755)?;
    }
    std::fs::write(control_dir.join("md5sums"), md5sums(&stage, &files)?)?;
    directories_0755(&stage)?;
    let deb = out_dir.join(format!("{PACKAGE}_{version}_{arch}.deb"));
    let z = match compression {
        Compression::Xz => "-Zxz",
        Compression::None => "-Znone",
    };
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", z, "--build"])
        .arg(&stage)
        .arg(&deb))?;
    Ok(deb)
}

/// dpkg's name for this machine's architecture (amd64, arm64, ...).
fn architecture() -> Result<String> {
    let out = Command::new("dpkg")
        .arg("--print-architecture")
        .output()
        .context("cannot run dpkg --print-architecture")?;
    if !out.status.success() {
        bail!("dpkg --print-architecture failed");
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn control(version: &str, arch: &str, depends: &str, kib: u64) -> String {
    format!(
        "Package: {PACKAGE}
Version: {version}
Architecture: {arch}
Maintainer: The rgm developers <rgm@rgm-project.invalid>
Installed-Size: {kib}
Depends: {depends}
Section: admin
Priority: optional
Homepage: {homepage}
Description: resource group manager (Solaris Cluster RGM on Linux)
 rgm brings resource groups online and offline on the nodes of a cluster, running
 each resource type's callback methods in dependency order, and fails them over
 when they fail. It has Solaris Cluster's administrator commands (clresourcetype,
 clresourcegroup, clresource), the scha_* commands for resource type developers,
 cllog for the cluster log, and rgmd, the daemon (rgmd.service; not enabled on
 installation).
",
        homepage = env!("CARGO_PKG_REPOSITORY"),
    )
}

/// The Debian packages the binaries need, from the libraries they link and the glibc symbol
/// versions they use.
fn depends(binaries: &[&PathBuf]) -> Result<String> {
    let mut glibc = (2u32, 17u32);
    let mut gcc = false;
    for bin in binaries {
        let dynamic = objdump(bin, "-p")?;
        for lib in dynamic
            .lines()
            .filter_map(|l| l.trim().strip_prefix("NEEDED"))
            .map(str::trim)
        {
            match lib {
                "libc.so.6" | "libm.so.6" | "libpthread.so.0" | "libdl.so.2" | "librt.so.1"
                | "libutil.so.1" => {}
                l if l.starts_with("ld-linux") => {}
                "libgcc_s.so.1" => gcc = true,
                other => bail!(
                    "{} links {other}: say which Debian package provides it in xtask/src/dist.rs",
                    bin.display()
                ),
            }
        }
        for word in objdump(bin, "-T")?.split_whitespace() {
            let Some(v) = word
                .trim_matches(|c| c == '(' || c == ')')
                .strip_prefix("GLIBC_")
            else {
                continue;
            };
            let mut parts = v.split('.').map(|p| p.parse::<u32>());
            if let (Some(Ok(major)), Some(Ok(minor))) = (parts.next(), parts.next()) {
                glibc = glibc.max((major, minor));
            }
        }
    }
    let mut deps = format!("libc6 (>= {}.{})", glibc.0, glibc.1);
    if gcc {
        deps += ", libgcc-s1";
    }
    Ok(deps)
}

fn objdump(bin: &Path, flag: &str) -> Result<String> {
    let out = Command::new("objdump")
        .arg(flag)
        .arg(bin)
        .output()
        .context("cannot run objdump (binutils)")?;
    if !out.status.success() {
        bail!("objdump {flag} {} failed", bin.display());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Installed-Size: the files' sizes in KiB, each rounded up.
fn installed_kib(files: &[PathBuf]) -> Result<u64> {
    let mut kib = 0;
    for f in files {
        let m = std::fs::symlink_metadata(f)?;
        kib += m.len().div_ceil(1024).max(1);
    }
    Ok(kib)
}

/// DEBIAN/md5sums: one line per regular file, its path relative to the root.
fn md5sums(stage: &Path, files: &[PathBuf]) -> Result<String> {
    let rel: Vec<&Path> = files
        .iter()
        .filter(|f| std::fs::symlink_metadata(f).is_ok_and(|m| m.is_file()))
        .map(|f| f.strip_prefix(stage).unwrap_or(f))
        .collect();
    let out = Command::new("md5sum")
        .args(&rel)
        .current_dir(stage)
        .output()
        .context("cannot run md5sum")?;
    if !out.status.success() {
        bail!("md5sum failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the mode of {}", path.display()))
}

/// Every directory of the package 0755, whatever the umask made them.
fn directories_0755(dir: &Path) -> Result<()> {
    set_mode(dir, 0o755)?;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            directories_0755(&e.path())?;
        }
    }
    Ok(())
}
