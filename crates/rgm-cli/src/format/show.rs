//! The `show` listings (reference §g.5, marked \[M\]): `=== Registered Resource Types ===`,
//! `=== Resource Groups and Resources ===` and `=== Resources ===` sections of `Key:  value`
//! lines, indented two blanks per level. An object's own line puts its value at column 49,
//! its properties at column 52; empty values are `<NULL>`.
//!
//! Without `-v` a group shows RG_description, RG_mode, RG_state, Failback and Nodelist and a
//! resource Type, Type_version, Group, R_description, Resource_project_name and its
//! `Enabled{node}` / `Monitored{node}` switches; `-v` shows every property, `-p` chosen ones.

use rgm_core::rg_props::RG_PROPERTIES;
use rgm_core::schema::resource_schema;
use rgm_core::{RegisteredType, Resource, ResourceGroup};
use rgm_proto::ClusterView;
use rtreg::InitNodes;

use super::{NULL, show_list, show_value, true_false};
use crate::cl::select::resource_nodes;

/// Which properties a listing shows.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    /// `-v`: every property.
    pub verbose: bool,
    /// `-p`: only these (case-insensitive; `Enabled` matches every `Enabled{node}`).
    pub only: Vec<String>,
}

impl Detail {
    fn shows(&self, key: &str, basic: bool) -> bool {
        if !self.only.is_empty() {
            let base = key.split('{').next().unwrap_or(key);
            return self.only.iter().any(|p| p.eq_ignore_ascii_case(base));
        }
        basic || self.verbose
    }
}

const HEADING_WIDTH: usize = 48;
const PROPERTY_WIDTH: usize = 51;

#[derive(Default)]
struct Listing {
    text: String,
}

impl Listing {
    fn title(&mut self, title: &str) {
        self.text += &format!("=== {title} ===\n");
    }

    fn heading(&mut self, level: usize, key: &str, value: &str) {
        self.pad(level, key, value, HEADING_WIDTH);
    }

    fn property(&mut self, level: usize, key: &str, value: &str) {
        self.pad(level, key, value, PROPERTY_WIDTH);
    }

    fn pad(&mut self, level: usize, key: &str, value: &str, width: usize) {
        let key = format!("{}{key}:", "  ".repeat(level));
        let width = width.max(key.len() + 1);
        self.text += &format!("{key:<width$}{value}\n");
    }

    fn blank(&mut self) {
        self.text.push('\n');
    }
}

/// `clrt show`.
pub fn types(types: &[&RegisteredType], verbose: bool) -> String {
    let mut out = Listing::default();
    out.title("Registered Resource Types");
    for t in types {
        out.blank();
        let s = &t.spec;
        out.heading(0, "Resource Type", t.name());
        let text = |v: &str| {
            if v.is_empty() {
                NULL.to_string()
            } else {
                v.to_string()
            }
        };
        out.property(1, "RT_description", &text(&s.rt_description));
        out.property(1, "RT_version", &s.rt_version);
        out.property(1, "API_version", &s.api_version.to_string());
        out.property(1, "RT_basedir", s.rt_basedir.as_deref().unwrap_or(NULL));
        out.property(1, "Single_instance", true_false(s.single_instance));
        out.property(1, "Proxy", true_false(s.proxy));
        let init = match s.init_nodes {
            InitNodes::RgPrimaries => "All potential masters",
            InitNodes::RtInstalledNodes => "All nodes where the type is installed",
        };
        out.property(1, "Init_nodes", init);
        let installed = t
            .installed_nodes
            .as_ref()
            .map_or("<All>".to_string(), |n| show_list(n));
        out.property(1, "Installed_nodes", &installed);
        out.property(1, "Failover", true_false(s.failover));
        out.property(1, "Pkglist", &show_list(&s.pkglist));
        out.property(1, "RT_system", true_false(t.rt_system));
        out.property(1, "Global_zone", true_false(s.global_zone));
        if verbose {
            out.blank();
            out.text += "  --- Methods ---\n";
            for (method, path) in &s.methods {
                out.property(1, method.keyword(), path);
            }
        }
    }
    out.text
}

/// `clrg show`: each group, then its resources.
pub fn groups(view: &ClusterView, groups: &[&ResourceGroup], detail: &Detail) -> String {
    let mut out = Listing::default();
    out.title("Resource Groups and Resources");
    for g in groups {
        out.blank();
        out.heading(0, "Resource Group", &g.name);
        for (key, value, basic) in group_lines(g) {
            if detail.shows(&key, basic) {
                out.property(1, &key, &value);
            }
        }
        if g.resources.is_empty() {
            continue;
        }
        out.blank();
        out.text += &format!("  --- Resources for Group {} ---\n", g.name);
        for r in g
            .resources
            .iter()
            .filter_map(|r| view.config.resources.get(r))
        {
            out.blank();
            resource(&mut out, view, r, 1, detail);
        }
    }
    out.text
}

/// `clrs show`.
pub fn resources(view: &ClusterView, resources: &[&Resource], detail: &Detail) -> String {
    let mut out = Listing::default();
    out.title("Resources");
    for r in resources {
        out.blank();
        resource(&mut out, view, r, 0, detail);
    }
    out.text
}

fn resource(out: &mut Listing, view: &ClusterView, r: &Resource, level: usize, detail: &Detail) {
    out.heading(level, "Resource", &r.name);
    for (key, value, basic) in resource_lines(view, r) {
        if detail.shows(&key, basic) {
            out.property(level + 1, &key, &value);
        }
    }
}

/// A group's lines: (key, value, shown without `-v`).
fn group_lines(g: &ResourceGroup) -> Vec<(String, String, bool)> {
    let state = if g.managed { "Managed" } else { "Unmanaged" };
    let mut lines = vec![
        line(
            "RG_description",
            show_value(g.property("RG_description").as_ref()),
            true,
        ),
        line("RG_mode", show_value(g.property("RG_mode").as_ref()), true),
        line("RG_state", state.to_string(), true),
        line(
            "Failback",
            show_value(g.property("Failback").as_ref()),
            true,
        ),
        line("Nodelist", show_list(&g.nodelist()), true),
    ];
    for p in RG_PROPERTIES {
        if lines.iter().any(|(k, _, _)| k == p.name) {
            continue;
        }
        let value = match p.name {
            "Resource_list" => show_list(&g.resources),
            "Suspend_automatic_recovery" => true_false(g.suspended()).to_string(),
            _ if p.query_only => continue,
            _ => show_value(g.property(p.name).as_ref()),
        };
        lines.push(line(p.name, value, false));
    }
    lines
}

/// A resource's lines: (key, value, shown without `-v`).
fn resource_lines(view: &ClusterView, r: &Resource) -> Vec<(String, String, bool)> {
    let cfg = &view.config;
    let nodes = resource_nodes(view, r, &[]);
    let prop =
        |name: &str, node: Option<&str>| show_value(cfg.resource_property(r, name, node).as_ref());
    let mut lines = vec![
        line("Type", r.type_name.clone(), true),
        line("Type_version", prop("Type_version", None), true),
        line("Group", r.group.clone(), true),
        line("R_description", prop("R_description", None), true),
        line(
            "Resource_project_name",
            prop("Resource_project_name", None),
            true,
        ),
    ];
    for n in &nodes {
        lines.push(line(
            &format!("Enabled{{{n}}}"),
            true_false(r.enabled.on(n)).into(),
            true,
        ));
    }
    for n in &nodes {
        let on = true_false(r.monitored.on(n));
        lines.push(line(&format!("Monitored{{{n}}}"), on.into(), true));
    }
    let Some(rtype) = cfg.types.get(&r.type_name) else {
        return lines;
    };
    for p in resource_schema(&rtype.spec) {
        if lines.iter().any(|(k, _, _)| *k == p.name) {
            continue;
        }
        if p.per_node {
            for n in &nodes {
                lines.push(line(
                    &format!("{}{{{n}}}", p.name),
                    prop(&p.name, Some(n)),
                    false,
                ));
            }
        } else {
            lines.push(line(&p.name, prop(&p.name, None), false));
        }
    }
    lines
}

fn line(key: &str, value: String, basic: bool) -> (String, String, bool) {
    (key.to_string(), value, basic)
}
