//! The events directory: which files are scripts, in which order they run, and whether each
//! is enabled.
//!
//! A script is named `NN.name` (two digits, a dot, a name); a `.script` suffix is accepted and
//! dropped from the name shown, so a CTDB ≥ 4.9 `events/legacy` directory (`NN.name.script`)
//! works unchanged. Ignored: names that do not start with `NN.`, names ending in `~` (editors'
//! backups) and package managers' leftovers (`.dpkg-old`, `.dpkg-dist`, `.dpkg-new`,
//! `.dpkg-tmp`, `.dpkg-bak`, `.rpmnew`, `.rpmsave`, `.rpmorig`). Scripts run in the byte
//! order of their file names — by `NN`, and alphabetically among scripts that share one, as
//! ctdb-eventd's `alphasort` does; a shared `NN` is a warning (the seed calls it undefined).
//!
//! A script is enabled when its file — the target, for a symbolic link — has the owner's
//! execute bit (ctdb-eventd's test). A symbolic link whose target is missing, or an entry that
//! is not a regular file, is listed as not enabled but *stops every event* with
//! `CANNOT RUN`, as in ctdb-eventd: it was enabled once, and a check that silently stopped
//! running is worse than a node that says it is broken.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use rgm_proto::events::{ScriptEntry, ScriptList};

/// Suffixes of files that package managers leave beside a configuration file they replace.
pub const LEFTOVER_SUFFIXES: &[&str] = &[
    ".dpkg-old",
    ".dpkg-dist",
    ".dpkg-new",
    ".dpkg-tmp",
    ".dpkg-bak",
    ".rpmnew",
    ".rpmsave",
    ".rpmorig",
];

/// The suffix CTDB ≥ 4.9 requires of its scripts; rgm accepts it and drops it from names.
pub const SCRIPT_SUFFIX: &str = ".script";

/// Whether a script runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptState {
    /// Executable: it runs.
    Enabled,
    /// Not executable: skipped (`DISABLED`).
    Disabled,
    /// Cannot be run (a dangling link, not a regular file): the event stops at it with
    /// `CANNOT RUN`, and this reason.
    Broken(String),
}

/// One script of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// `NN.name`, without `.script`.
    pub name: String,
    /// The file's name in the directory.
    pub file: String,
    /// The file's path.
    pub path: PathBuf,
    /// Where a symbolic link points.
    pub link: Option<PathBuf>,
    pub state: ScriptState,
}

impl Script {
    /// The entry `clnode event script list` shows.
    pub fn entry(&self) -> ScriptEntry {
        ScriptEntry {
            name: self.name.clone(),
            file: self.file.clone(),
            enabled: self.state == ScriptState::Enabled,
            link: self.link.as_ref().map(|l| l.display().to_string()),
            problem: match &self.state {
                ScriptState::Broken(why) => Some(why.clone()),
                _ => None,
            },
        }
    }
}

/// The directory as an event will run it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    pub dir: PathBuf,
    /// In the order they run.
    pub scripts: Vec<Script>,
    /// Shared `NN`s, clashing names, entries that could not be read.
    pub warnings: Vec<String>,
}

impl Scan {
    /// The script named `name` (`NN.name`, or its file name).
    pub fn find(&self, name: &str) -> Option<&Script> {
        self.scripts
            .iter()
            .find(|s| s.name == name)
            .or_else(|| self.scripts.iter().find(|s| s.file == name))
    }

    /// What `clnode event script list` shows.
    pub fn list(&self, node: &str) -> ScriptList {
        ScriptList {
            node: node.to_string(),
            dir: self.dir.display().to_string(),
            scripts: self.scripts.iter().map(Script::entry).collect(),
            warnings: self.warnings.clone(),
        }
    }
}

/// Whether a file name is a script's, and the name it is shown by.
pub fn script_name(file: &str) -> Option<String> {
    let bytes = file.as_bytes();
    let numbered = bytes.len() > 3
        && bytes[0].is_ascii_digit()
        && bytes[1].is_ascii_digit()
        && bytes[2] == b'.';
    if !numbered || file.ends_with('~') || LEFTOVER_SUFFIXES.iter().any(|s| file.ends_with(s)) {
        return None;
    }
    match file.strip_suffix(SCRIPT_SUFFIX) {
        Some(stem) if stem.len() > 3 => Some(stem.to_string()),
        _ => Some(file.to_string()),
    }
}

/// Reads the directory. A directory that does not exist has no scripts (and no warning: it is
/// how a node without event scripts looks); one that cannot be read gives a warning.
pub fn scan(dir: &Path) -> Scan {
    let mut out = Scan {
        dir: dir.to_path_buf(),
        ..Scan::default()
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            out.warnings.push(format!(
                "cannot read the events directory {}: {e}",
                dir.display()
            ));
            return out;
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => match e.file_name().into_string() {
                Ok(name) => files.push(name),
                Err(raw) => out.warnings.push(format!(
                    "{}: the name {raw:?} is not UTF-8; ignored",
                    dir.display()
                )),
            },
            Err(e) => out.warnings.push(format!(
                "cannot read the events directory {}: {e}",
                dir.display()
            )),
        }
    }
    files.sort();
    let mut by_nn: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let Some(name) = script_name(&file) else {
            continue;
        };
        by_nn
            .entry(file[..2].to_string())
            .or_default()
            .push(file.clone());
        let path = dir.join(&file);
        let (link, state) = examine(&path);
        out.scripts.push(Script {
            name,
            file,
            path,
            link,
            state,
        });
    }
    for (nn, files) in by_nn.into_iter().filter(|(_, f)| f.len() > 1) {
        out.warnings.push(format!(
            "scripts {} share the number {nn}: each number should be unique; they run in alphabetical order",
            files.join(", ")
        ));
    }
    disambiguate(&mut out);
    out
}

/// `10.a` and `10.a.script` would both be shown as `10.a`: the second is shown by its file
/// name, with a warning.
fn disambiguate(out: &mut Scan) {
    let mut seen = std::collections::BTreeSet::new();
    for script in &mut out.scripts {
        if !seen.insert(script.name.clone()) {
            out.warnings.push(format!(
                "{} and another script have the same name {}; it is shown as {}",
                script.file, script.name, script.file
            ));
            script.name = script.file.clone();
        }
    }
}

fn examine(path: &Path) -> (Option<PathBuf>, ScriptState) {
    let link = std::fs::read_link(path).ok();
    let state = match std::fs::metadata(path) {
        Err(e) => ScriptState::Broken(os_reason(&e)),
        Ok(m) if !m.is_file() => ScriptState::Broken("not a regular file".to_string()),
        Ok(m) if m.permissions().mode() & 0o100 != 0 => ScriptState::Enabled,
        Ok(_) => ScriptState::Disabled,
    };
    (link, state)
}

/// The system's words for an I/O error, without Rust's ` (os error N)`.
pub(crate) fn os_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Enables (`chmod +x`: the execute bits of owner, group and others) or disables (`chmod -x`)
/// a script, as `ctdb event script enable|disable` does for a script of its own directory. A
/// symbolic link is refused: its target is outside rgm's directory (a packaged script), and
/// changing that file would change it for everyone; remove or make the link instead.
pub fn set_enabled(scan: &Scan, name: &str, enabled: bool) -> Result<Script, String> {
    let Some(script) = scan.find(name) else {
        let known: Vec<&str> = scan.scripts.iter().map(|s| s.name.as_str()).collect();
        return Err(format!(
            "no event script {name} in {} (scripts: {})",
            scan.dir.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ));
    };
    if let Some(target) = &script.link {
        return Err(format!(
            "{} is a symbolic link to {}: rgm enables and disables scripts by their execute bit and does not change files outside {}; {} the link instead",
            script.path.display(),
            target.display(),
            scan.dir.display(),
            if enabled { "make" } else { "remove" }
        ));
    }
    let meta = std::fs::metadata(&script.path)
        .map_err(|e| format!("{}: {}", script.path.display(), os_reason(&e)))?;
    let mode = meta.permissions().mode();
    let new = if enabled { mode | 0o111 } else { mode & !0o111 };
    if new != mode {
        std::fs::set_permissions(&script.path, std::fs::Permissions::from_mode(new))
            .map_err(|e| format!("{}: {}", script.path.display(), os_reason(&e)))?;
    }
    let (link, state) = examine(&script.path);
    Ok(Script {
        link,
        state,
        ..script.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, mode: u32) {
        let path = dir.join(file);
        std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn names() {
        assert_eq!(script_name("10.interface"), Some("10.interface".into()));
        assert_eq!(
            script_name("10.interface.script"),
            Some("10.interface".into())
        );
        assert_eq!(script_name("10.a.b"), Some("10.a.b".into()));
        assert_eq!(script_name("10.script"), Some("10.script".into()));
        for ignored in [
            "10.interface~",
            "10.interface.script~",
            "10.interface.dpkg-old",
            "10.x.script.dpkg-dist",
            "10.x.dpkg-new",
            "10.x.rpmnew",
            "10.x.rpmsave",
            "README",
            "1.x",
            "100.x",
            "ab.x",
            "10.",
            "10x",
            ".10.x",
        ] {
            assert_eq!(script_name(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn order_states_and_warnings() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        write(dir, "50.last", 0o755);
        write(dir, "10.zeta.script", 0o755);
        write(dir, "10.alpha", 0o700);
        write(dir, "20.off.script", 0o644);
        write(dir, "20.off.script~", 0o755);
        write(dir, "30.old.dpkg-old", 0o755);
        write(dir, "README", 0o755);
        std::os::unix::fs::symlink("/nonexistent/rgm-events-test", dir.join("40.dangling"))
            .unwrap();
        std::os::unix::fs::symlink(dir.join("50.last"), dir.join("45.link.script")).unwrap();
        std::fs::create_dir(dir.join("60.dir")).unwrap();
        let s = scan(dir);
        let got: Vec<(&str, &ScriptState)> = s
            .scripts
            .iter()
            .map(|x| (x.name.as_str(), &x.state))
            .collect();
        assert_eq!(
            got,
            [
                ("10.alpha", &ScriptState::Enabled),
                ("10.zeta", &ScriptState::Enabled),
                ("20.off", &ScriptState::Disabled),
                (
                    "40.dangling",
                    &ScriptState::Broken("No such file or directory".into())
                ),
                ("45.link", &ScriptState::Enabled),
                ("50.last", &ScriptState::Enabled),
                ("60.dir", &ScriptState::Broken("not a regular file".into())),
            ]
        );
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(s.warnings[0].contains("10.alpha, 10.zeta.script share the number 10"));
        assert_eq!(
            s.find("45.link").unwrap().link.as_deref(),
            Some(dir.join("50.last").as_path())
        );
    }

    #[test]
    fn a_missing_directory_has_no_scripts_and_a_clash_of_names_is_told() {
        let s = scan(Path::new("/nonexistent/rgm-events"));
        assert!(s.scripts.is_empty() && s.warnings.is_empty());
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "10.a", 0o755);
        write(d.path(), "10.a.script", 0o755);
        let s = scan(d.path());
        let names: Vec<&str> = s.scripts.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["10.a", "10.a.script"]);
        assert!(s.warnings.iter().any(|w| w.contains("same name 10.a")));
    }

    #[test]
    fn enable_and_disable_by_the_execute_bit() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "10.a.script", 0o750);
        std::os::unix::fs::symlink(d.path().join("10.a.script"), d.path().join("20.l")).unwrap();
        let s = scan(d.path());
        let off = set_enabled(&s, "10.a", false).unwrap();
        assert_eq!(off.state, ScriptState::Disabled);
        let mode = std::fs::metadata(d.path().join("10.a.script"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
        let on = set_enabled(&scan(d.path()), "10.a.script", true).unwrap();
        assert_eq!(on.state, ScriptState::Enabled);
        let mode = std::fs::metadata(d.path().join("10.a.script"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o751);
        let err = set_enabled(&s, "20.l", false).unwrap_err();
        assert!(err.contains("is a symbolic link"), "{err}");
        let err = set_enabled(&s, "99.none", true).unwrap_err();
        assert!(
            err.contains("no event script 99.none") && err.contains("10.a, 20.l"),
            "{err}"
        );
    }
}
