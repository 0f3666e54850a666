//! Small helpers shared by the tasks: the workspace root and running commands.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

/// The workspace root (the parent of the `xtask` directory).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// `cargo metadata` of the workspace (no dependencies), read once.
fn metadata() -> Result<&'static serde_json::Value> {
    static METADATA: OnceLock<serde_json::Value> = OnceLock::new();
    if let Some(m) = METADATA.get() {
        return Ok(m);
    }
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let value = serde_json::from_slice(&out.stdout).context("cargo metadata's output")?;
    Ok(METADATA.get_or_init(|| value))
}

/// The target directory, wherever `CARGO_TARGET_DIR`, `--target-dir`'s config or the default
/// put it.
pub fn target_dir() -> Result<PathBuf> {
    metadata()?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// The names of a workspace package's binaries.
pub fn package_binaries(package: &str) -> Result<Vec<String>> {
    let packages = metadata()?["packages"]
        .as_array()
        .context("cargo metadata has no packages")?;
    let p = packages
        .iter()
        .find(|p| p["name"] == package)
        .with_context(|| format!("no package {package} in the workspace"))?;
    let mut bins: Vec<String> = p["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect();
    bins.sort();
    Ok(bins)
}

/// `cargo`, as the one that runs us (falls back to the one on PATH).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root());
    cmd
}

/// Run a command to completion, echoing it first; fail with its exit status.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: $ {}", display(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start `{}`", display(cmd)))?;
    if !status.success() {
        bail!("`{}` failed with {status}", display(cmd));
    }
    Ok(())
}

/// Whether a program can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn display(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

#[cfg(test)]
mod tests {
    /// The demo, the benches, the installer and the end-to-end tests find the build through
    /// cargo's target directory ([`super::target_dir`], or the test executable's own
    /// directory), so `CARGO_TARGET_DIR` is honoured: none names `target/` by hand.
    #[test]
    fn nothing_names_the_target_directory_by_hand() {
        let root = super::workspace_root();
        let mut found = Vec::new();
        for dir in ["xtask/src", "xtask/src/chaos", "tests", "tests/e2e"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
                let path = e.path();
                if path.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for bad in ["\"target/debug", "\"target/release", "join(\"target\")"] {
                    if text.contains(bad) && !path.ends_with("util.rs") {
                        found.push(format!("{}: {bad}", path.display()));
                    }
                }
            }
        }
        assert!(found.is_empty(), "{found:?}");
    }
}
