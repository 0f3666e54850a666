//! Where `clrt register` finds an RTR file when `-f` is not given.
//!
//! The directories, in order: each of `$RGM_RTR_PATH` (colon-separated), `/etc/rgm/rt_reg`,
//! `/usr/lib/rgm/rt_reg`, and `<directory of the running binary>/../../rt_reg` (so that
//! `target/release/clrt` of a checkout finds the repository's `rt_reg/`). In each directory
//! the file names tried are the operand as written (`ACME.rec:1`) and then, for a versioned
//! operand, the operand without its `:version` (`ACME.rec`, Solaris's convention). The first
//! regular file that parses and registers the named type wins: its full name, its name
//! without version, or its bare Resource_type equals the operand. Files that register another
//! type (another version, say) are passed over and named if nothing matches.

use std::path::{Path, PathBuf};

use rtreg::ResourceTypeSpec;

/// The environment variable with extra RTR directories, searched first.
pub const RTR_PATH_ENV: &str = "RGM_RTR_PATH";

/// The directories searched, in order.
pub fn directories() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os(RTR_PATH_ENV)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    dirs.push(PathBuf::from("/etc/rgm/rt_reg"));
    dirs.push(PathBuf::from("/usr/lib/rgm/rt_reg"));
    if let Some(bin_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        dirs.push(bin_dir.join("../../rt_reg"));
    }
    dirs
}

/// The file names tried for an operand, in order.
pub fn file_names(operand: &str) -> Vec<String> {
    let mut names = vec![operand.to_string()];
    if let Some((base, _version)) = operand.rsplit_once(':')
        && !base.is_empty()
    {
        names.push(base.to_string());
    }
    names
}

/// Whether a spec registers the type an operand names.
pub fn names_type(spec: &ResourceTypeSpec, operand: &str) -> bool {
    let without_version = match &spec.vendor_id {
        Some(v) if !v.is_empty() => format!("{v}.{}", spec.resource_type),
        _ => spec.resource_type.clone(),
    };
    operand == spec.name
        || operand == without_version
        || operand == spec.resource_type
        || operand == format!("{}:{}", spec.resource_type, spec.rt_version)
}

/// The candidate files for an operand that exist, in search order.
pub fn candidates(dirs: &[PathBuf], operand: &str) -> Vec<PathBuf> {
    let names = file_names(operand);
    let mut out = Vec::new();
    for dir in dirs {
        for name in &names {
            let path = dir.join(name);
            if path.is_file() && !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tried_drop_the_version() {
        assert_eq!(file_names("ACME.rec:1"), ["ACME.rec:1", "ACME.rec"]);
        assert_eq!(file_names("ACME.rec"), ["ACME.rec"]);
    }

    #[test]
    fn candidates_follow_directory_order() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(b.path().join("ACME.rec"), "x").unwrap();
        std::fs::write(a.path().join("ACME.rec:1"), "x").unwrap();
        std::fs::create_dir(a.path().join("ACME.rec")).unwrap();
        let dirs = [a.path().to_path_buf(), b.path().to_path_buf()];
        assert_eq!(
            candidates(&dirs, "ACME.rec:1"),
            [a.path().join("ACME.rec:1"), b.path().join("ACME.rec")]
        );
    }
}
