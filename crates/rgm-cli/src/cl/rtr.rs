//! How `clrt register` gets the type to register: the RTR file from `-f` or found by name,
//! parsed here (a bad file never reaches the daemon), with relative paths anchored.
//!
//! Where the file is found when `-f` is not given:
//! The directories, in order: each of `$RGM_RTR_PATH` (colon-separated), `/etc/rgm/rt_reg`,
//! `/usr/lib/rgm/rt_reg`, `<directory of the running binary>/../lib/rgm/rt_reg` (`cargo xtask
//! install --prefix /opt/rgm`), and `<directory of the running binary>/../../rt_reg` (so that
//! `target/release/clrt` of a checkout finds the repository's `rt_reg/`). In each directory
//! the file names tried are the operand as written (`ACME.rec:1`) and then, for a versioned
//! operand, the operand without its `:version` (`ACME.rec`, Solaris's convention). The first
//! regular file that parses and registers the named type wins: its full name, its name
//! without version, or its bare Resource_type equals the operand. Files that register another
//! type (another version, say) are passed over and named if nothing matches.
//!
//! `ocf:PROVIDER:AGENT` registers an OCF resource agent instead: the type is made from the
//! agent's meta-data (`rgm_agents::ocf`), the agent looked for under `$OCF_ROOT` (default
//! `/usr/lib/ocf`). In an RTR file, `@RGM_BINDIR@` stands for the directory of the built-in
//! types' methods (`<prefix>/lib/rgm/methods` when installed, else where this command is), so
//! the built-in types' files in `rt_reg/` find their methods.

use std::path::{Path, PathBuf};

use rgm_core::ErrorCode;
use rtreg::ResourceTypeSpec;

use super::Ctx;
use crate::failure::Failure;

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
        dirs.push(bin_dir.join("../lib/rgm/rt_reg")); // an install under another prefix
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

/// The spec to register: from `-f FILE`, else searched for (see the module doc). Diagnostics of a
/// bad file go to stderr as the rtreg crate renders them; the daemon is not contacted.
pub fn load_spec(
    file: Option<&Path>,
    operands: &[String],
    ctx: &mut Ctx<'_>,
) -> Result<ResourceTypeSpec, Failure> {
    if operands.iter().any(|o| o == "+") {
        return Err(Failure::usage(
            "register names one type; `+` is not accepted",
        ));
    }
    if let Some(path) = file {
        if operands.len() > 1 {
            return Err(Failure::usage(
                "with -f, register takes at most one type operand",
            ));
        }
        let spec = parse_file(path, ctx)?;
        if let Some(op) = operands.first()
            && !names_type(&spec, op)
        {
            return Err(Failure::usage(format!(
                "{} registers {}, not {op}",
                path.display(),
                spec.name
            )));
        }
        return Ok(spec);
    }
    let [operand] = operands else {
        return Err(Failure::usage(
            "register needs -f FILE or exactly one type to search for",
        ));
    };
    if let Some((provider, agent)) = rgm_agents::ocf::parse_operand(operand) {
        let methods = rgm_agents::run::bin_dir().unwrap_or_default();
        let root = rgm_agents::ocf::ocf_root();
        return rgm_agents::ocf::type_spec(provider, agent, &root, &methods)
            .map(|(spec, _)| spec)
            .map_err(|e| Failure::new(ErrorCode::Rt, e));
    }
    let dirs = directories();
    let mut others = Vec::new();
    for path in candidates(&dirs, operand) {
        let spec = parse_file(&path, ctx)?;
        if names_type(&spec, operand) {
            return Ok(spec);
        }
        others.push(format!("{} registers {}", path.display(), spec.name));
    }
    let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let mut line = format!(
        "resource type {operand}: no RTR file for it in {}",
        searched.join(":")
    );
    if !others.is_empty() {
        line += &format!(" ({})", others.join("; "));
    }
    Err(Failure::new(ErrorCode::Rt, line))
}

fn parse_file(path: &Path, ctx: &mut Ctx<'_>) -> Result<ResourceTypeSpec, Failure> {
    let bytes = crate::rtreg_cmd::read_file(path)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    let bytes = substitute_bindir(bytes);
    let parsed = rtreg::parse(&bytes);
    let rendered = parsed
        .diagnostics
        .render(&path.display().to_string(), &bytes);
    let _ = ctx.err.write_all(rendered.as_bytes());
    let mut spec = parsed.spec.ok_or_else(|| {
        Failure::usage(format!(
            "{}: not a valid RTR file; nothing registered",
            path.display()
        ))
    })?;
    if let Some(note) = anchor_relative_paths(&mut spec, path) {
        let _ = writeln!(ctx.err, "{}: {note}", ctx.program);
    }
    Ok(spec)
}

/// Replaces `@RGM_BINDIR@` with the directory of the built-in types' methods.
fn substitute_bindir(bytes: Vec<u8>) -> Vec<u8> {
    const TOKEN: &str = "@RGM_BINDIR@";
    let Ok(text) = String::from_utf8(bytes.clone()) else {
        return bytes;
    };
    match rgm_agents::run::methods_dir() {
        Some(dir) if text.contains(TOKEN) => {
            text.replace(TOKEN, &dir.to_string_lossy()).into_bytes()
        }
        _ => bytes,
    }
}

/// A relative RT_basedir (and so every method path under it) is taken as relative to the RTR
/// file's directory, so a type shipped beside its callbacks registers wherever it is
/// installed; the daemon only ever sees absolute paths. Returns a note saying so.
fn anchor_relative_paths(spec: &mut ResourceTypeSpec, path: &Path) -> Option<String> {
    let relative = |p: &str| !p.starts_with('/');
    let any = spec.rt_basedir.as_deref().is_some_and(relative)
        || spec.methods.values().any(|m| relative(m));
    if !any {
        return None;
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    let anchor = |p: &str| {
        let joined = dir.join(p.trim_start_matches("./"));
        joined.to_string_lossy().into_owned()
    };
    for m in spec.methods.values_mut() {
        if relative(m) {
            *m = anchor(m);
        }
    }
    let base = spec.rt_basedir.as_mut().filter(|b| relative(b))?;
    *base = anchor(base);
    Some(format!("RT_basedir is relative: methods are under {base}"))
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
