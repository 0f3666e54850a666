//! OCF resource agents run unmodified: `clrt register ocf:PROVIDER:AGENT` registers the type
//! [`rtr`] makes of the agent's [`metadata`], whose methods are this adapter:
//!
//! | rgm | agent |
//! |---|---|
//! | START | `start` |
//! | STOP | `stop` (OCF_NOT_RUNNING counts as stopped) |
//! | VALIDATE, MONITOR_CHECK | `validate-all`, with OCF_CHECK_LEVEL=10 (this node's checks) |
//! | MONITOR_START | a fault monitor calling `monitor` every Thorough_probe_interval |
//! | UPDATE | `reload-agent` (OCF 1.1), else `reload` |
//!
//! The environment is Pacemaker's (see [`environment`]); exit codes are read as the OCF
//! specification says ([`exit::Rc`]), and an `ocf-exit-reason:` line becomes the Status message.

pub mod adapter;
pub mod exit;
pub mod metadata;
pub mod rtr;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use adapter::environment;
use metadata::MetaData;

/// Where OCF agents live when `$OCF_ROOT` does not say otherwise.
pub const DEFAULT_OCF_ROOT: &str = "/usr/lib/ocf";

/// The OCF root `clrt register` uses: `$OCF_ROOT`, else [`DEFAULT_OCF_ROOT`].
pub fn ocf_root() -> PathBuf {
    std::env::var_os("OCF_ROOT")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_OCF_ROOT), PathBuf::from)
}

/// `ocf:PROVIDER:AGENT` → `(PROVIDER, AGENT)`; `None` for any other operand.
pub fn parse_operand(operand: &str) -> Option<(&str, &str)> {
    let rest = operand.strip_prefix("ocf:")?;
    rest.split_once(':')
}

fn check_name(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphabetic());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {name:?}: must start with a letter and hold only letters, digits, - and _"
        ))
    }
}

/// Runs the agent's `meta-data` action (through rgm-exec) and parses it.
pub fn read_meta_data(agent_path: &Path, provider: &str, agent: &str) -> Result<MetaData, String> {
    let root = agent_path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .unwrap_or(Path::new(DEFAULT_OCF_ROOT));
    let mut cmd = crate::run::Command::new(
        "meta-data",
        vec![agent_path.display().to_string(), "meta-data".into()],
        Duration::from_secs(30),
    );
    cmd.env = vec![
        ("OCF_ROOT".into(), root.display().to_string()),
        ("OCF_RA_VERSION_MAJOR".into(), "1".into()),
        ("OCF_RA_VERSION_MINOR".into(), "1".into()),
        ("OCF_RESOURCE_TYPE".into(), agent.into()),
        ("OCF_RESOURCE_PROVIDER".into(), provider.into()),
    ];
    let f = crate::run::run(&cmd);
    if !f.ok() {
        return Err(format!(
            "{} meta-data {}: {}",
            agent_path.display(),
            f.how,
            f.output.trim()
        ));
    }
    // The captured output interleaves stderr; meta-data is the XML document in it.
    let xml = match (
        f.output
            .find("<?xml")
            .or_else(|| f.output.find("<resource-agent")),
        f.output.rfind("</resource-agent>"),
    ) {
        (Some(a), Some(b)) if a < b => &f.output[a..b + "</resource-agent>".len()],
        _ => f.output.as_str(),
    };
    MetaData::parse(xml).map_err(|e| format!("{} meta-data: {e}", agent_path.display()))
}

/// The type `clrt register ocf:PROVIDER:AGENT` registers, and the RTR text it was made from.
/// `methods_dir` is where the adapter's programs are (beside the `clrt` that runs this).
pub fn type_spec(
    provider: &str,
    agent: &str,
    ocf_root: &Path,
    methods_dir: &Path,
) -> Result<(rtreg::ResourceTypeSpec, String), String> {
    check_name("OCF provider", provider)?;
    check_name("OCF agent", agent)?;
    let provider_dir = ocf_root.join("resource.d").join(provider);
    let path = provider_dir.join(agent);
    if !path.is_file() {
        return Err(format!(
            "ocf:{provider}:{agent}: no agent {} (OCF_ROOT is {})",
            path.display(),
            ocf_root.display()
        ));
    }
    let meta = read_meta_data(&path, provider, agent)?;
    let text = rtr::rtr_text(provider, agent, &meta, &provider_dir, methods_dir)?;
    let parsed = rtreg::parse(text.as_bytes());
    let name = format!("ocf:{provider}:{agent}");
    match parsed.spec {
        Some(spec) => Ok((spec, text)),
        None => Err(format!(
            "{name}: its meta-data does not make a valid type:\n{}",
            parsed.diagnostics.render(&name, text.as_bytes())
        )),
    }
}
