//! `cargo xtask install [--prefix DIR] [--destdir DIR]`: builds the release binaries and
//! installs rgm's tree — the tree `cargo xtask dist` packages — without a package:
//!
//! | where (under the prefix) | what |
//! |---|---|
//! | `bin/` | the commands (rgm-cli's binaries, hatimerun; an alias such as `clrg` is a link) |
//! | `sbin/` | rgmd |
//! | `share/man/man{1,5,8}/` | the man pages (`crate::man`), gzipped; aliases as links |
//! | `share/bash-completion/completions/`, `share/zsh/{vendor-completions,site-functions}/`, `share/fish/vendor_completions.d/` | completions (`crate::completions`) |
//! | `lib/systemd/system/rgmd.service` | the systemd unit (packaging/rgmd.service.in) |
//! | `lib/rgm/rt_reg/` | the RTR files of the built-in types: whatever is in rt_reg/ |
//! | `share/doc/rgm/` | README, docs/, copyright |
//!
//! What ships is listed once, in [`SHIPPED`]: a crate's binaries (found with `cargo
//! metadata`) and the directory of its RTR files.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, run, target_dir, workspace_root};

/// A crate whose binaries ship, where they go under the prefix, and where its RTR files are
/// in the repository (besides rt_reg/).
#[derive(Debug, Clone, Copy)]
pub struct Shipped {
    pub package: &'static str,
    pub dir: &'static str,
    pub rt_reg: Option<&'static str>,
}

/// Everything that ships. A new crate of commands or of resource type methods is one line.
pub const SHIPPED: &[Shipped] = &[
    Shipped {
        package: "rgm-cli",
        dir: "bin",
        rt_reg: None,
    },
    Shipped {
        package: "rgm-exec",
        dir: "bin",
        rt_reg: None,
    },
    Shipped {
        package: "rgmd",
        dir: "sbin",
        rt_reg: None,
    },
    // The built-in types' methods (not commands: no man pages); rt_reg/RGM.generic names
    // their directory @RGM_BINDIR@, which `clrt register` resolves to it.
    Shipped {
        package: "rgm-agents",
        dir: "lib/rgm/methods",
        rt_reg: None,
    },
];

/// The repository's directory of built-in types' RTR files.
pub const RT_REG_DIR: &str = "rt_reg";

/// Where things go: `destdir` + `prefix` + the tree above.
#[derive(Debug, Clone)]
pub struct Layout {
    pub prefix: PathBuf,
    pub destdir: Option<PathBuf>,
}

impl Layout {
    /// A path under the prefix, as the installed system sees it.
    pub fn installed(&self, rel: &str) -> PathBuf {
        self.prefix.join(rel)
    }

    /// A path under the prefix, as written now (below DESTDIR).
    pub fn path(&self, rel: &str) -> PathBuf {
        let installed = self.installed(rel);
        match &self.destdir {
            Some(d) => d.join(installed.strip_prefix("/").unwrap_or(&installed)),
            None => installed,
        }
    }

    /// zsh's directory for a distribution's completions under /usr, the site's elsewhere.
    fn zsh_dir(&self) -> &'static str {
        if self.prefix == Path::new("/usr") {
            "share/zsh/vendor-completions"
        } else {
            "share/zsh/site-functions"
        }
    }
}

/// How to install.
#[derive(Debug, Clone)]
pub struct Options {
    pub layout: Layout,
    /// Where the built binaries are (`<target dir>/release`).
    pub bin_dir: PathBuf,
    /// Strip the binaries' symbols (as Debian ships them).
    pub strip: bool,
    /// The directories whose RTR files ship ([`rtr_dirs`]).
    pub rtr_dirs: Vec<PathBuf>,
}

pub fn main(args: &[String]) -> Result<()> {
    let mut prefix = PathBuf::from("/usr/local");
    let mut destdir = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--prefix" => prefix = PathBuf::from(it.next().context("--prefix needs a directory")?),
            "--destdir" => {
                destdir = Some(PathBuf::from(
                    it.next().context("--destdir needs a directory")?,
                ))
            }
            other => bail!("install: unknown argument `{other}` (--prefix DIR, --destdir DIR)"),
        }
    }
    if !prefix.is_absolute() {
        bail!("--prefix {}: must be an absolute path", prefix.display());
    }
    let bin_dir = build_release()?;
    let options = Options {
        layout: Layout { prefix, destdir },
        bin_dir,
        strip: true,
        rtr_dirs: rtr_dirs(),
    };
    let files = install(&options)?;
    eprintln!(
        "xtask: installed {} files under {}",
        files.len(),
        options.layout.path("").display()
    );
    if options.layout.destdir.is_none() {
        eprintln!("xtask: run `systemctl daemon-reload` for systemd to see rgmd.service");
    }
    Ok(())
}

/// `cargo build --release` of every shipped crate; returns the directory of the binaries.
pub fn build_release() -> Result<PathBuf> {
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "--bins"]);
    for s in SHIPPED {
        build.args(["-p", s.package]);
    }
    run(&mut build)?;
    Ok(target_dir()?.join("release"))
}

/// Installs the tree; returns the files written (links included), as written.
pub fn install(options: &Options) -> Result<Vec<PathBuf>> {
    let l = &options.layout;
    let mut files = Vec::new();
    // An alias (clrg) is the same program as its command (clresourcegroup): a link to it.
    let aliases: Vec<(&str, &str)> = rgm_cli::manual::commands()
        .iter()
        .flat_map(|c| c.aliases.iter().map(move |a| (*a, c.name)))
        .collect();
    for s in SHIPPED {
        for bin in crate::util::package_binaries(s.package)? {
            if let Some((_, command)) = aliases.iter().find(|(a, _)| *a == bin) {
                let to = l.path(&format!("{}/{bin}", s.dir));
                link(command, &to)?;
                files.push(to);
                continue;
            }
            let from = options.bin_dir.join(&bin);
            if !from.is_file() {
                bail!(
                    "{} is missing: build {} first (cargo build --release -p {})",
                    from.display(),
                    s.package,
                    s.package
                );
            }
            let to = l.path(&format!("{}/{bin}", s.dir));
            copy(&from, &to, 0o755)?;
            if options.strip {
                run(Command::new("strip").arg("--strip-unneeded").arg(&to))?;
            }
            files.push(to);
        }
    }
    for page in crate::man::pages()? {
        let to = l.path(&format!(
            "share/man/man{}/{}.gz",
            page.section,
            page.file_name()
        ));
        write(&to, &gzip(page.roff.as_bytes())?, 0o644)?;
        files.push(to);
    }
    for (alias, page) in crate::man::aliases() {
        let to = l.path(&format!("share/man/man1/{alias}.gz"));
        link(&format!("{page}.gz"), &to)?;
        files.push(to);
    }
    for s in crate::completions::scripts() {
        let dir = match s.shell {
            clap_complete::Shell::Bash => "share/bash-completion/completions",
            clap_complete::Shell::Zsh => l.zsh_dir(),
            _ => "share/fish/vendor_completions.d",
        };
        let to = l.path(&format!("{dir}/{}", s.file_name));
        write(&to, s.text.as_bytes(), 0o644)?;
        files.push(to);
    }
    let unit = std::fs::read_to_string(workspace_root().join("packaging/rgmd.service.in"))?
        .replace("@SBINDIR@", &l.installed("sbin").to_string_lossy());
    let to = l.path("lib/systemd/system/rgmd.service");
    write(&to, unit.as_bytes(), 0o644)?;
    files.push(to);
    for rtr in rtr_files(&options.rtr_dirs)? {
        let name = rtr.file_name().context("an RTR file has a name")?;
        let to = l.path("lib/rgm/rt_reg").join(name);
        copy(&rtr, &to, 0o644)?;
        files.push(to);
    }
    for (from, name) in doc_files()? {
        let to = l.path("share/doc/rgm").join(name);
        copy(&from, &to, 0o644)?;
        files.push(to);
    }
    Ok(files)
}

/// The directories whose RTR files ship: rt_reg/ and each shipped crate's.
pub fn rtr_dirs() -> Vec<PathBuf> {
    let root = workspace_root();
    std::iter::once(RT_REG_DIR)
        .chain(SHIPPED.iter().filter_map(|s| s.rt_reg))
        .map(|d| root.join(d))
        .collect()
}

/// The RTR files of those directories: every file but READMEs.
pub fn rtr_files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in dirs {
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        for e in entries {
            let path = e?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_file() && !name.starts_with("README") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The documentation that ships, as (file, name in share/doc/rgm).
fn doc_files() -> Result<Vec<(PathBuf, String)>> {
    let root = workspace_root();
    let mut files = vec![
        (root.join("README.md"), "README.md".to_string()),
        (root.join("packaging/copyright"), "copyright".to_string()),
    ];
    for e in std::fs::read_dir(root.join("docs"))? {
        let path = e?.path();
        if path.extension().is_some_and(|x| x == "md") {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            files.push((path, name));
        }
    }
    files.sort();
    Ok(files)
}

fn parent(to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the mode of {}", path.display()))
}

fn copy(from: &Path, to: &Path, mode: u32) -> Result<()> {
    parent(to)?;
    // A file in use (a running rgmd) is replaced, not written over.
    let _ = std::fs::remove_file(to);
    std::fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    set_mode(to, mode)
}

fn write(to: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    parent(to)?;
    let _ = std::fs::remove_file(to);
    std::fs::write(to, bytes).with_context(|| format!("cannot write {}", to.display()))?;
    set_mode(to, mode)
}

fn link(target: &str, at: &Path) -> Result<()> {
    parent(at)?;
    let _ = std::fs::remove_file(at);
    std::os::unix::fs::symlink(target, at)
        .with_context(|| format!("cannot link {} to {target}", at.display()))
}

/// gzip -9n: no name and no time stamp, so the same page gives the same bytes.
fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut child = Command::new("gzip")
        .args(["-9n", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("cannot run gzip")?;
    child
        .stdin
        .take()
        .context("gzip's stdin")?
        .write_all(bytes)?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("gzip failed with {}", out.status);
    }
    Ok(out.stdout)
}
