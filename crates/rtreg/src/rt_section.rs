//! The resource-type section (reference §a.4): RT property statements checked and turned into
//! the RT fields of a [`crate::ResourceTypeSpec`], with method paths resolved against
//! RT_basedir.

use std::collections::BTreeMap;

use crate::diagnostic::{Collector, quote};
use crate::keywords::{Attr, RtKeyword};
use crate::spec::{InitNodes, Method, SysdefinedType};
use crate::syntax::{RtrFile, Statement};
use crate::{suggest, system};

/// The RT properties a file declares, with the RGM's defaults for the rest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RtSection {
    pub resource_type: Option<String>,
    pub vendor_id: Option<String>,
    pub rt_description: String,
    pub rt_version: Option<String>,
    pub api_version: i64,
    pub failover: bool,
    pub single_instance: bool,
    pub init_nodes: InitNodes,
    pub global_zone: bool,
    pub proxy: bool,
    pub rt_system: bool,
    pub sysdefined_type: Option<SysdefinedType>,
    pub rt_basedir: Option<String>,
    pub pkglist: Vec<String>,
    /// Declared methods, paths resolved.
    pub methods: BTreeMap<Method, String>,
}

/// API_version when the file gives none.
pub(crate) const DEFAULT_API_VERSION: i64 = 2;

/// Reads the RT statements. `anchor` is where "missing ..." errors point when the file has no
/// `Resource_type` statement to point at.
pub(crate) fn read(file: &RtrFile<'_>, anchor: usize, diag: &mut Collector) -> RtSection {
    let mut rt = RtSection {
        resource_type: None,
        vendor_id: None,
        rt_description: String::new(),
        rt_version: None,
        api_version: DEFAULT_API_VERSION,
        failover: false,
        single_instance: false,
        init_nodes: InitNodes::RgPrimaries,
        global_zone: false,
        proxy: false,
        rt_system: false,
        sysdefined_type: None,
        rt_basedir: None,
        pkglist: Vec::new(),
        methods: BTreeMap::new(),
    };
    check_resource_type_first(file, anchor, diag);
    let mut seen: Vec<(RtKeyword, usize)> = Vec::new();
    // Methods with their unresolved path and where they were declared.
    let mut methods: Vec<(Method, String, usize)> = Vec::new();
    let mut resource_type_at = None;
    for st in &file.statements {
        let Some(kw) = RtKeyword::lookup(st.keyword.text) else {
            unknown_keyword(st, diag);
            continue;
        };
        if let Some(&(_, first)) = seen.iter().find(|(k, _)| *k == kw) {
            let msg = format!("RT property {} is given twice", quote(st.keyword.text));
            diag.error_with_first(st.keyword.at, msg, Some(first));
            continue;
        }
        seen.push((kw, st.keyword.at));
        let Some(text) = scalar(st, kw, diag) else {
            continue;
        };
        let value_at = st.value.at;
        match kw {
            RtKeyword::ResourceType => {
                resource_type_at = Some(st.keyword.at);
                if check_name(text, "Resource_type", value_at, diag) {
                    rt.resource_type = Some(text.to_string());
                }
            }
            RtKeyword::VendorId if text.is_empty() => {}
            RtKeyword::VendorId => {
                if check_name(text, "Vendor_id", value_at, diag) {
                    rt.vendor_id = Some(text.to_string());
                }
            }
            RtKeyword::RtDescription => rt.rt_description = text.to_string(),
            RtKeyword::RtVersion => {
                if text.is_empty() {
                    diag.error(value_at, "RT_version must not be empty");
                } else if let Some(bad) = version_fault(text) {
                    diag.error(
                        value_at,
                        format!("invalid RT_version {}: {bad}", quote(text)),
                    );
                } else {
                    rt.rt_version = Some(text.to_string());
                }
            }
            RtKeyword::ApiVersion => match text.trim().parse::<i64>() {
                Ok(n) if n >= 1 => rt.api_version = n,
                Ok(_) => diag.error(
                    value_at,
                    "invalid value for API_version: it must be 1 or more",
                ),
                Err(_) => invalid(diag, st, format!("{} is not an integer", quote(text))),
            },
            RtKeyword::Failover => rt.failover = boolean(st, text, diag),
            RtKeyword::SingleInstance => rt.single_instance = boolean(st, text, diag),
            RtKeyword::GlobalZone => rt.global_zone = boolean(st, text, diag),
            RtKeyword::Proxy => rt.proxy = boolean(st, text, diag),
            RtKeyword::RtSystem => rt.rt_system = boolean(st, text, diag),
            RtKeyword::InitNodes => {
                const ALL: [(&str, InitNodes); 2] = [
                    ("RG_PRIMARIES", InitNodes::RgPrimaries),
                    ("RT_INSTALLED_NODES", InitNodes::RtInstalledNodes),
                ];
                if let Some(v) = one_of(st, text, &ALL, diag) {
                    rt.init_nodes = v;
                }
            }
            RtKeyword::SysdefinedType => {
                const ALL: [(&str, SysdefinedType); 2] = [
                    ("LOGICAL_HOSTNAME", SysdefinedType::LogicalHostname),
                    ("SHARED_ADDRESS", SysdefinedType::SharedAddress),
                ];
                rt.sysdefined_type = one_of(st, text, &ALL, diag);
            }
            RtKeyword::RtBasedir => {
                if text.is_empty() {
                    diag.error(value_at, "RT_basedir must not be empty");
                } else if let Some(msg) = control_in_path(text) {
                    diag.error(value_at, format!("RT_basedir {msg}"));
                } else {
                    if !text.starts_with('/') {
                        let msg = format!(
                            "RT_basedir {} is not an absolute path; `clresourcetype register -f` \
                             resolves it against the directory of this file",
                            quote(text)
                        );
                        diag.warning(value_at, msg);
                    }
                    rt.rt_basedir = Some(text.to_string());
                }
            }
            RtKeyword::Pkglist => rt.pkglist = st.value.elements(),
            RtKeyword::InstalledNodes => {
                let msg = "Installed_nodes cannot be declared in an RTR file: the administrator \
                           sets it when registering the type";
                diag.error(st.keyword.at, msg);
            }
            RtKeyword::QueryOnly(name) => {
                let msg = format!(
                    "{} is a query-only RT property: the RGM maintains it and an RTR file \
                     cannot declare it",
                    quote(name)
                );
                diag.error(st.keyword.at, msg);
            }
            RtKeyword::Method(m) if text.is_empty() => {
                diag.error(value_at, format!("empty path for method {m}"));
            }
            RtKeyword::Method(m) => match control_in_path(text) {
                Some(msg) => diag.error(value_at, format!("the path of method {m} {msg}")),
                None => methods.push((m, text.to_string(), value_at)),
            },
        }
    }
    resolve_methods(&mut rt, methods, diag);
    let anchor = resource_type_at.unwrap_or(anchor);
    if rt.rt_version.is_none() && !seen.iter().any(|(k, _)| *k == RtKeyword::RtVersion) {
        diag.error(
            anchor,
            "missing RT_version: declare it, e.g. `RT_version = \"1.0\";`",
        );
    }
    if !declares(&seen, Method::Start) && !declares(&seen, Method::PrenetStart) {
        diag.error(anchor, "no start method: declare START or PRENET_START");
    }
    if !declares(&seen, Method::Stop) && !declares(&seen, Method::PostnetStop) {
        diag.error(anchor, "no stop method: declare STOP or POSTNET_STOP");
    }
    rt
}

/// Why a path cannot be a path rgm runs: it holds a control character (which the message
/// shows where it is, as `?`).
fn control_in_path(path: &str) -> Option<String> {
    path.contains(char::is_control).then(|| {
        format!(
            "{} holds a control character; a path must be printable",
            quote(path)
        )
    })
}

fn declares(seen: &[(RtKeyword, usize)], m: Method) -> bool {
    seen.iter().any(|(k, _)| *k == RtKeyword::Method(m))
}

/// `Resource_type` must be the first declaration of the file.
fn check_resource_type_first(file: &RtrFile<'_>, anchor: usize, diag: &mut Collector) {
    let is_rt =
        |s: &&Statement<'_>| RtKeyword::lookup(s.keyword.text) == Some(RtKeyword::ResourceType);
    match file.statements.first() {
        Some(first) if is_rt(&first) => {}
        Some(first) if file.statements.iter().any(|s| is_rt(&s)) => {
            let msg = format!(
                "{} comes before Resource_type: Resource_type must be the first declaration",
                quote(first.keyword.text)
            );
            diag.error(first.keyword.at, msg);
        }
        Some(first) => diag.error(
            first.keyword.at,
            "missing Resource_type: the file must begin with `Resource_type = \"name\";`",
        ),
        None => diag.error(
            anchor,
            "missing Resource_type: the file must begin with `Resource_type = \"name\";`",
        ),
    }
}

fn unknown_keyword(st: &Statement<'_>, diag: &mut Collector) {
    let kw = st.keyword.text;
    let msg = if let Some(attr) = Attr::lookup(kw) {
        format!(
            "{} is a property attribute: it belongs inside a `{{ PROPERTY = name; ... }}` block",
            quote(attr.name())
        )
    } else if let Some(p) = system::lookup(kw) {
        format!(
            "{} is a resource property, not an RT property: declare it in a paramtable block \
             `{{ PROPERTY = {}; ... }}`",
            quote(kw),
            p.name
        )
    } else {
        let hint = suggest::nearest(kw, RtKeyword::declarable_names())
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default();
        format!("unknown RT property {}{hint}", quote(kw))
    };
    diag.error(st.keyword.at, msg);
}

/// The statement's value as one string; a list is an error except for Pkglist.
fn scalar<'s>(st: &'s Statement<'_>, kw: RtKeyword, diag: &mut Collector) -> Option<&'s str> {
    if kw == RtKeyword::Pkglist {
        return Some(st.value.raw);
    }
    let text = st.value.scalar();
    if text.is_none() {
        invalid(
            diag,
            st,
            "a list of values is only allowed for Pkglist".into(),
        );
    }
    text
}

fn invalid(diag: &mut Collector, st: &Statement<'_>, why: String) {
    let name = match RtKeyword::lookup(st.keyword.text) {
        Some(k) => k.name().to_string(),
        None => st.keyword.text.to_string(),
    };
    diag.error(st.value.at, format!("invalid value for {name}: {why}"));
}

fn boolean(st: &Statement<'_>, text: &str, diag: &mut Collector) -> bool {
    const ALL: [(&str, bool); 2] = [("TRUE", true), ("FALSE", false)];
    one_of(st, text, &ALL, diag).unwrap_or(false)
}

/// One of the enumerated words, case-insensitively.
fn one_of<T: Copy>(
    st: &Statement<'_>,
    text: &str,
    all: &[(&'static str, T)],
    diag: &mut Collector,
) -> Option<T> {
    if let Some(&(_, v)) = all
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(text.trim()))
    {
        return Some(v);
    }
    let words: Vec<&str> = all.iter().map(|&(w, _)| w).collect();
    if text.trim().is_empty() {
        invalid(
            diag,
            st,
            format!("the value is empty; expected {}", words.join(" or ")),
        );
        return None;
    }
    let hint = suggest::nearest(text, words.iter().copied())
        .map(|w| format!("; did you mean `{w}`?"))
        .unwrap_or_default();
    invalid(
        diag,
        st,
        format!("{} is not {}{hint}", quote(text), words.join(" or ")),
    );
    None
}

/// Resource_type and Vendor_id: a letter, then letters, digits, `-` and `_`.
fn check_name(text: &str, what: &str, at: usize, diag: &mut Collector) -> bool {
    if text.is_empty() {
        diag.error(at, format!("{what} must not be empty"));
        return false;
    }
    let ok = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        let msg = format!(
            "invalid {what} {}: it must start with a letter and have only letters, digits, `-` \
             and `_`",
            quote(text)
        );
        diag.error(at, msg);
    }
    ok
}

/// Why `version` cannot be an RT_version: the first forbidden character it contains.
pub(crate) fn version_fault(version: &str) -> Option<String> {
    let bad = version.chars().find(|c| {
        matches!(
            c,
            ' ' | '\t' | '/' | '\\' | '*' | '?' | ',' | ';' | '[' | ']'
        ) || c.is_control()
    })?;
    let which = match bad {
        ' ' => "a blank".to_string(),
        '\t' => "a tab".to_string(),
        c if c.is_control() => "a control character".to_string(),
        c => format!("`{c}`"),
    };
    Some(format!(
        "it contains {which}; a version must not contain blanks, tabs or any of / \\ * ? , ; [ ]"
    ))
}

/// Resolves relative method paths against RT_basedir (reference §d.1).
fn resolve_methods(
    rt: &mut RtSection,
    methods: Vec<(Method, String, usize)>,
    diag: &mut Collector,
) {
    for (m, path, at) in methods {
        let resolved = if path.starts_with('/') {
            path
        } else if let Some(base) = &rt.rt_basedir {
            format!("{}/{path}", base.trim_end_matches('/'))
        } else {
            let msg = format!(
                "relative path {} for method {m} needs an RT_basedir, and the file declares none",
                quote(&path)
            );
            diag.error(at, msg);
            continue;
        };
        if let Some(why) = crate::limits::too_long(resolved.len()) {
            diag.error(
                at,
                format!("the path of method {m}, under RT_basedir, {why}"),
            );
            continue;
        }
        rt.methods.insert(m, resolved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzzer (rtr_parse): `STOP = st<U+0004>op;` parsed, and registration then
    /// refused the path; the parser refuses it itself now.
    #[test]
    fn paths_with_control_characters_are_errors() {
        let parsed = crate::parse_str(
            "Resource_type = t;\nRT_version = 1;\nRT_basedir = /opt/\u{1}x;\nSTART = /s;\nSTOP = /st\u{4}op;\n",
        );
        assert!(parsed.spec.is_none());
        let messages: Vec<String> = parsed.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            messages,
            [
                "3:14: error: RT_basedir `/opt/?x` holds a control character; a path must be printable",
                "5:8: error: the path of method STOP `/st?op` holds a control character; a path must be printable",
            ]
        );
    }

    #[test]
    fn a_method_path_too_long_under_rt_basedir_is_an_error() {
        let half = "d".repeat(crate::limits::MAX_VALUE_BYTES / 2 + 1);
        let parsed = crate::parse_str(&format!(
            "Resource_type = t;\nRT_version = 1;\nRT_basedir = /{half};\nSTART = {half};\nSTOP = /t;\n"
        ));
        let messages: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(
            messages,
            [
                "the path of method START, under RT_basedir, is 65540 bytes long; the limit is 65536 bytes"
            ]
        );
    }

    #[test]
    fn version_faults_name_the_character() {
        assert_eq!(version_fault("4.5-05"), None);
        assert!(
            version_fault("1 0")
                .unwrap()
                .starts_with("it contains a blank")
        );
        assert!(
            version_fault("1\t0")
                .unwrap()
                .starts_with("it contains a tab")
        );
        for c in ['/', '\\', '*', '?', ',', ';', '[', ']'] {
            let fault = version_fault(&format!("1{c}0")).unwrap();
            assert!(fault.starts_with(&format!("it contains `{c}`")), "{fault}");
        }
    }
}
