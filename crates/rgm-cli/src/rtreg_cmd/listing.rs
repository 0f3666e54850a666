//! The human listing of `rtreg show`, in the spirit of Solaris `clrt show -v`: a
//! `Resource Type:` header, `Key:  value` lines indented two spaces per level, `<NULL>` for an
//! empty or absent value, then the methods, upgrade directives and every property.

use std::fmt::Write as _;

use rtreg::{InitNodes, PropertySpec, PropertyType, ResourceTypeSpec, Value};

/// The column where values start.
const VALUE_COLUMN: usize = 50;

const NULL: &str = "<NULL>";

/// The listing of one type.
pub fn render(spec: &ResourceTypeSpec) -> String {
    let mut out = Listing::default();
    out.line(0, "Resource Type", &spec.name);
    out.line(1, "RT_description", text(&spec.rt_description));
    out.line(1, "Vendor_id", spec.vendor_id.as_deref().unwrap_or(NULL));
    out.line(1, "Resource_type", &spec.resource_type);
    out.line(1, "RT_version", &spec.rt_version);
    out.line(1, "API_version", &spec.api_version.to_string());
    out.line(1, "RT_basedir", spec.rt_basedir.as_deref().unwrap_or(NULL));
    out.line(1, "Single_instance", yes_no(spec.single_instance));
    out.line(1, "Proxy", yes_no(spec.proxy));
    let init_nodes = match spec.init_nodes {
        InitNodes::RgPrimaries => "All potential masters",
        InitNodes::RtInstalledNodes => "All nodes where the type is installed",
    };
    out.line(1, "Init_nodes", init_nodes);
    out.line(1, "Installed_nodes", "<All>");
    out.line(1, "Failover", yes_no(spec.failover));
    out.line(1, "Pkglist", &list(&spec.pkglist));
    out.line(1, "RT_system", yes_no(spec.rt_system));
    out.line(1, "Global_zone", yes_no(spec.global_zone));
    let sysdefined = spec.sysdefined_type.map(|t| match t {
        rtreg::SysdefinedType::LogicalHostname => "LOGICAL_HOSTNAME",
        rtreg::SysdefinedType::SharedAddress => "SHARED_ADDRESS",
    });
    out.line(1, "Sysdefined_type", sysdefined.unwrap_or(NULL));
    out.line(1, "Upgrade_aware", yes_no(spec.upgrade));

    out.heading("Methods");
    for (method, path) in &spec.methods {
        out.line(1, method.keyword(), path);
    }

    if !spec.upgrade_from.is_empty() {
        out.heading("Upgrade from");
        for u in &spec.upgrade_from {
            out.line(
                1,
                &format!("RT_version \"{}\"", u.version),
                u.tunability.keyword(),
            );
        }
    }

    out.heading("Standard and extension properties");
    for p in &spec.properties {
        property(&mut out, p);
    }
    out.text
}

fn property(out: &mut Listing, p: &PropertySpec) {
    out.blank();
    out.line(1, "Property Name", &p.name);
    out.line(
        2,
        "Class",
        if p.extension { "extension" } else { "standard" },
    );
    out.line(
        2,
        "Description",
        p.description.as_deref().map_or(NULL, text),
    );
    out.line(2, "Type", &p.ty.keyword().to_ascii_lowercase());
    out.line(2, "Per_node", yes_no(p.per_node));
    out.line(2, "Tunable", p.tunable.keyword());
    out.line(
        2,
        "Default",
        &p.default.as_ref().map_or(NULL.to_string(), value),
    );
    let number = |n: Option<i64>| n.map_or(NULL.to_string(), |n| n.to_string());
    match p.ty {
        PropertyType::Int => {
            out.line(2, "Min", &number(p.min));
            out.line(2, "Max", &number(p.max));
        }
        PropertyType::String => {
            out.line(2, "Minlength", &number(p.minlength));
            out.line(2, "Maxlength", &number(p.maxlength));
        }
        PropertyType::StringArray => {
            out.line(2, "Minlength", &number(p.minlength));
            out.line(2, "Maxlength", &number(p.maxlength));
            out.line(2, "Array_minsize", &number(p.array_minsize));
            out.line(2, "Array_maxsize", &number(p.array_maxsize));
        }
        PropertyType::Enum => {
            out.line(
                2,
                "Enum_values",
                &list(p.enum_values.as_deref().unwrap_or(&[])),
            );
        }
        PropertyType::Boolean => {}
    }
}

#[derive(Default)]
struct Listing {
    text: String,
}

impl Listing {
    fn line(&mut self, level: usize, key: &str, value: &str) {
        let indent = "  ".repeat(level);
        let key = format!("{indent}{key}:");
        let _ = writeln!(self.text, "{key:<width$} {value}", width = VALUE_COLUMN - 1);
    }

    fn heading(&mut self, title: &str) {
        self.blank();
        let _ = writeln!(self.text, "  --- {title} ---");
    }

    fn blank(&mut self) {
        self.text.push('\n');
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

fn text(s: &str) -> &str {
    if s.is_empty() { NULL } else { s }
}

/// A list as `clrt show` prints one: blank-separated, `<NULL>` when empty.
fn list(items: &[String]) -> String {
    if items.is_empty() {
        NULL.to_string()
    } else {
        items.join(" ")
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::Array(items) => list(items),
        Value::Bool(b) => yes_no(*b).to_string(),
        Value::Str(s) => text(s).to_string(),
        Value::Int(n) => n.to_string(),
    }
}
