//! An OCF agent's meta-data as an rgm resource type: the RTR text `clrt register
//! ocf:PROVIDER:AGENT` registers (parsed and checked by rtreg like any RTR file).
//!
//! - The type is `PROVIDER.AGENT:VERSION` (VERSION: the agent's `version`, else 1.0); its
//!   RT_basedir is the provider's directory, so the agent is `RT_basedir/AGENT`.
//! - Each parameter becomes an extension property of the same name (a parameter whose name is
//!   a system property's, such as `type`, becomes `OCF_type`): `integer`, `boolean` and
//!   `select` parameters become INT, BOOLEAN and ENUM properties when their default fits, every
//!   other one STRING; a `required` one has no default, so it must be given at creation; the
//!   short description becomes the DESCRIPTION. A parameter the agent can reload (`reloadable`,
//!   or not `unique` for an agent with a `reload` action) is tunable at any time (UPDATE runs
//!   `reload-agent` or `reload`); any other only while the resource is disabled.
//! - The actions' timeouts become the methods' timeouts (start → Start_timeout, stop →
//!   Stop_timeout, validate-all → Validate_timeout and Monitor_check_timeout, reload →
//!   Update_timeout); the monitor's interval becomes Thorough_probe_interval, its timeout the
//!   extension property Probe_timeout and its depth the extension property OCF_CHECK_LEVEL.

use std::fmt::Write as _;
use std::path::Path;

use super::metadata::{MetaData, Parameter};

/// A Pacemaker operation's timeout when the meta-data gives none.
pub const DEFAULT_ACTION_TIMEOUT: u64 = 20;
/// The monitor interval when the meta-data gives none.
pub const DEFAULT_MONITOR_INTERVAL: u64 = 10;

/// The rgm name of an OCF parameter.
pub fn property_name(parameter: &str) -> String {
    if rtreg::system::lookup(parameter).is_some() || is_own(parameter) {
        format!("OCF_{parameter}")
    } else {
        parameter.to_string()
    }
}

/// The OCF parameter an rgm extension property stands for (`None`: one of the adapter's own).
pub fn parameter_name(property: &str) -> Option<String> {
    if is_own(property) {
        return None;
    }
    match property.strip_prefix("OCF_") {
        Some(rest) if rtreg::system::lookup(rest).is_some() || is_own(rest) => {
            Some(rest.to_string())
        }
        _ => Some(property.to_string()),
    }
}

/// The adapter's own extension properties.
pub const OWN: [&str; 2] = ["Probe_timeout", "OCF_CHECK_LEVEL"];

fn is_own(name: &str) -> bool {
    OWN.iter().any(|o| o.eq_ignore_ascii_case(name))
}

/// Text fit for a quoted RTR string: one line, no `"`, at most 300 characters.
fn quoted(text: &str) -> String {
    let one: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('"', "'");
    let cut: String = one.chars().take(300).collect();
    format!("\"{cut}\"")
}

fn version(meta: &MetaData) -> String {
    let v = meta.version.as_deref().unwrap_or("1.0").trim();
    let clean: String = v
        .chars()
        .map(|c| {
            if c.is_whitespace() || "/\\*?,;[]\"".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    if clean.is_empty() {
        "1.0".into()
    } else {
        clean
    }
}

fn ocf_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" => Some(true),
        "0" | "false" | "no" | "off" | "n" => Some(false),
        _ => None,
    }
}

fn is_word(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn distinct_ignoring_case(options: &[String]) -> bool {
    let mut seen: Vec<String> = options.iter().map(|o| o.to_ascii_lowercase()).collect();
    seen.sort();
    seen.dedup();
    seen.len() == options.len()
}

/// The paramtable entry of one parameter.
fn parameter_entry(p: &Parameter, reload: bool) -> String {
    let name = property_name(&p.name);
    let default = if p.required {
        None
    } else {
        p.default.as_deref()
    };
    let tunable = if p.reloadable || (reload && !p.unique) {
        "ANYTIME"
    } else {
        "WHEN_DISABLED"
    };
    let (ty, default_text) = match p.ty.as_str() {
        "integer" | "nonnegative_integer" | "port" => match default {
            Some(d) if d.trim().parse::<i64>().is_ok() => {
                ("INT".to_string(), Some(d.trim().to_string()))
            }
            None if p.required => ("INT".to_string(), None),
            _ => ("STRING".to_string(), Some(quoted(default.unwrap_or("")))),
        },
        "boolean" => match default.map(ocf_bool) {
            Some(Some(b)) => (
                "BOOLEAN".to_string(),
                Some(if b { "TRUE" } else { "FALSE" }.to_string()),
            ),
            None if p.required => ("BOOLEAN".to_string(), None),
            _ => ("STRING".to_string(), Some(quoted(default.unwrap_or("")))),
        },
        "select"
            if !p.options.is_empty()
                && p.options.iter().all(|o| is_word(o))
                && distinct_ignoring_case(&p.options)
                && (p.required || default.is_some_and(|d| p.options.iter().any(|o| o == d))) =>
        {
            (
                format!("ENUM {{ {} }}", p.options.join(", ")),
                default.map(quoted),
            )
        }
        _ => (
            "STRING".to_string(),
            if p.required {
                None
            } else {
                Some(quoted(default.unwrap_or("")))
            },
        ),
    };
    let desc = if p.shortdesc.is_empty() {
        &p.longdesc
    } else {
        &p.shortdesc
    };
    let mut e = format!("{{ PROPERTY = {name}; EXTENSION; {ty}; ");
    if let Some(d) = default_text {
        let _ = write!(e, "DEFAULT = {d}; ");
    }
    let _ = write!(e, "TUNABLE = {tunable}; DESCRIPTION = {}; }}", quoted(desc));
    e
}

/// The RTR text of the type for an agent. `methods_dir` holds the adapter's programs
/// (`ocf_svc_start`, ...); `provider_dir` is `$OCF_ROOT/resource.d/PROVIDER`.
pub fn rtr_text(
    provider: &str,
    agent: &str,
    meta: &MetaData,
    provider_dir: &Path,
    methods_dir: &Path,
) -> Result<String, String> {
    for needed in ["start", "stop"] {
        if !meta.has(needed) {
            return Err(format!(
                "ocf:{provider}:{agent}: its meta-data advertises no {needed} action"
            ));
        }
    }
    let timeout = |action: &str| {
        meta.action(action)
            .and_then(|a| a.timeout)
            .unwrap_or(DEFAULT_ACTION_TIMEOUT)
            .max(1)
    };
    let m = |prog: &str| methods_dir.join(prog).display().to_string();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# The type rgm registers for the OCF resource agent ocf:{provider}:{agent},\n# made from its meta-data (docs/developing-resource-types.md).\n"
    );
    let _ = writeln!(t, "Resource_type = {};", quoted(agent));
    let _ = writeln!(t, "Vendor_id = {provider};");
    let desc = if meta.shortdesc.is_empty() {
        format!("OCF resource agent ocf:{provider}:{agent}")
    } else {
        format!(
            "{} (OCF resource agent ocf:{provider}:{agent})",
            meta.shortdesc
        )
    };
    let _ = writeln!(t, "RT_description = {};", quoted(&desc));
    let _ = writeln!(t, "RT_version = {};", quoted(&version(meta)));
    let _ = writeln!(t, "Failover = FALSE;");
    let _ = writeln!(t, "RT_basedir = {};\n", provider_dir.display());
    let _ = writeln!(t, "Start = {};", m("ocf_svc_start"));
    let _ = writeln!(t, "Stop = {};", m("ocf_svc_stop"));
    let validate = meta.has("validate-all");
    let reload = meta.has("reload-agent") || meta.has("reload");
    let monitor = meta.has("monitor");
    if validate {
        let _ = writeln!(t, "Validate = {};", m("ocf_validate"));
        let _ = writeln!(t, "Monitor_check = {};", m("ocf_validate"));
    }
    if monitor {
        let _ = writeln!(t, "Monitor_start = {};", m("ocf_monitor_start"));
        let _ = writeln!(t, "Monitor_stop = {};", m("ocf_monitor_stop"));
    }
    if reload {
        let _ = writeln!(t, "Update = {};", m("ocf_update"));
    }
    t.push('\n');
    let mut sys = |name: &str, secs: u64| {
        let _ = writeln!(t, "{{ PROPERTY = {name}; MIN = 1; DEFAULT = {secs}; }}");
    };
    sys("Start_timeout", timeout("start"));
    sys("Stop_timeout", timeout("stop"));
    if validate {
        sys("Validate_timeout", timeout("validate-all"));
        sys("Monitor_check_timeout", timeout("validate-all"));
    }
    if monitor {
        sys("Monitor_start_timeout", 30);
        sys("Monitor_stop_timeout", 30);
    }
    if reload {
        let action = if meta.has("reload-agent") {
            "reload-agent"
        } else {
            "reload"
        };
        sys("Update_timeout", timeout(action));
    }
    let _ = writeln!(
        t,
        "{{ PROPERTY = Failover_mode; DEFAULT = SOFT; TUNABLE = ANYTIME; }}"
    );
    let _ = writeln!(
        t,
        "{{ PROPERTY = Retry_count; MIN = -1; MAX = 1000; DEFAULT = 2; TUNABLE = ANYTIME; }}"
    );
    let _ = writeln!(
        t,
        "{{ PROPERTY = Retry_interval; MIN = 0; MAX = 86400; DEFAULT = 300; TUNABLE = ANYTIME; }}"
    );
    if let Some(mon) = meta.action("monitor") {
        let interval = mon
            .interval
            .filter(|i| *i > 0)
            .unwrap_or(DEFAULT_MONITOR_INTERVAL);
        let _ = writeln!(
            t,
            "{{ PROPERTY = Thorough_probe_interval; MIN = 1; MAX = 86400; DEFAULT = {interval}; TUNABLE = ANYTIME; }}"
        );
        let _ = writeln!(
            t,
            "{{ PROPERTY = Probe_timeout; EXTENSION; INT; MIN = 1; DEFAULT = {}; TUNABLE = ANYTIME; DESCRIPTION = \"Timeout of the agent's monitor action, in seconds\"; }}",
            timeout("monitor")
        );
        let _ = writeln!(
            t,
            "{{ PROPERTY = OCF_CHECK_LEVEL; EXTENSION; INT; MIN = 0; DEFAULT = {}; TUNABLE = ANYTIME; DESCRIPTION = \"OCF_CHECK_LEVEL of the monitor action (its depth)\"; }}",
            mon.depth.unwrap_or(0)
        );
    }
    t.push('\n');
    // OCF 1.1 agents mark reloadable parameters; for older ones, `reload` reloads every
    // parameter that is not unique.
    let ocf_1_1 = meta.has("reload-agent") || meta.parameters.iter().any(|p| p.reloadable);
    let reload_old = meta.has("reload") && !ocf_1_1;
    for p in &meta.parameters {
        let _ = writeln!(t, "{}", parameter_entry(p, reload_old));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_that_are_system_properties_get_a_prefix() {
        assert_eq!(property_name("type"), "OCF_type");
        assert_eq!(parameter_name("OCF_type").as_deref(), Some("type"));
        assert_eq!(property_name("state"), "state");
        assert_eq!(parameter_name("state").as_deref(), Some("state"));
        assert_eq!(parameter_name("Probe_timeout"), None);
        assert_eq!(parameter_name("OCF_CHECK_LEVEL"), None);
    }

    #[test]
    fn quoting_keeps_one_line_without_quotes() {
        assert_eq!(quoted("a \"b\"\n c"), "\"a 'b' c\"");
    }
}
