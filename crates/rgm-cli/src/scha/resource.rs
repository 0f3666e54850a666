//! `scha_resource_get -O optag -R resource [-G group] [args]`.
//!
//! Optags: every system resource property by upper-cased name (its effective value; the
//! dependency lists in their plain form for the local node, `RESOURCE_DEPENDENCIES_Q*` as
//! written; NETWORK_RESOURCES_USED as derived), RESOURCE_STATE, STATUS (keyword line, then
//! message line), NUM_RESOURCE_RESTARTS, NUM_RG_RESTARTS, ON_OFF_SWITCH and MONITORED_SWITCH
//! (ENABLED/DISABLED) for the local node or, with `_NODE`, a node argument; EXTENSION name
//! (type line, then value lines), EXTENSION_NODE name node, ALL_EXTENSIONS, TYPE,
//! TYPE_VERSION, GROUP, RESOURCE_NAME, and every optag of `scha_resourcetype_get` for the
//! resource's type. "The local node" is the node of the rgmd that answers.

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

use rgm_core::derived::{dependency_forms, network_resources_used};
use rgm_core::schema::resource_property;
use rgm_core::{DependencyKind, ErrorCode, Resource};
use rgm_proto::{ClusterView, ViewScope};

use super::{Common, arity, line, lines, node, split_node, unknown_tag};
use crate::cl::select::resource_on;
use crate::failure::Failure;

const NAME: &str = "scha_resource_get";

/// Query a resource.
#[derive(Debug, Parser)]
#[command(name = NAME, version)]
struct Args {
    /// The optag (case-insensitive).
    #[arg(short = 'O', value_name = "OPTAG")]
    optag: String,
    /// The resource.
    #[arg(short = 'R', value_name = "RESOURCE")]
    resource: String,
    /// The resource's group (checked when given).
    #[arg(short = 'G', value_name = "GROUP")]
    group: Option<String>,
    #[command(flatten)]
    common: Common,
    /// Arguments of the optag (a property name, a node).
    args: Vec<String>,
}

/// The command line this command parses (for its man page and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs `scha_resource_get`; returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    super::run(args, NAME, out, err, |a: Args| {
        // RESOURCE_LIST (of the resource's type) needs every resource: the whole view.
        let scope = (!a.optag.eq_ignore_ascii_case("RESOURCE_LIST")).then(|| ViewScope {
            resources: vec![a.resource.clone()],
            groups: a.group.iter().cloned().collect(),
            ..ViewScope::default()
        });
        let view = a.common.view_for(NAME, scope)?;
        let r = find(&view, &a.resource, a.group.as_deref())?;
        answer(&view, r, &a.optag, &a.args)
    })
}

/// The resource, checked against `-G` when given.
pub fn find<'v>(
    view: &'v ClusterView,
    name: &str,
    group: Option<&str>,
) -> Result<&'v Resource, Failure> {
    if let Some(g) = group {
        view.config.group(g)?;
    }
    let r = view.config.resource(name)?;
    match group {
        Some(g) if g != r.group => Err(Failure::new(
            ErrorCode::Rsrc,
            format!("resource {name}: is in resource group {}, not {g}", r.group),
        )),
        _ => Ok(r),
    }
}

/// The answer to an optag about `r`.
pub fn answer(
    view: &ClusterView,
    r: &Resource,
    optag_as_given: &str,
    args: &[String],
) -> Result<Vec<String>, Failure> {
    let optag = optag_as_given.to_ascii_uppercase();
    let cfg = &view.config;
    let rtype = cfg.type_of(r)?;
    let (base, per_node) = split_node(&optag);
    // The node-dependent optags: the local node, or with `_NODE` the last argument.
    let node_dependent = [
        "RESOURCE_STATE",
        "STATUS",
        "NUM_RESOURCE_RESTARTS",
        "NUM_RG_RESTARTS",
        "ON_OFF_SWITCH",
        "MONITORED_SWITCH",
        "EXTENSION",
    ];
    if node_dependent.contains(&base) {
        let mut names: Vec<&str> = if base == "EXTENSION" {
            vec!["PROPERTY"]
        } else {
            vec![]
        };
        if per_node {
            names.push("NODE");
        }
        let args = arity(&optag, args, &names)?;
        let on = if per_node {
            node(view, &args[args.len() - 1])?
        } else {
            view.node.as_str()
        };
        return per_node_answer(view, r, base, on, args.first().map(String::as_str));
    }
    let simple = match optag.as_str() {
        "ALL_EXTENSIONS" => Some(
            rtype
                .spec
                .properties
                .iter()
                .filter(|p| p.extension)
                .map(|p| p.name.clone())
                .collect(),
        ),
        "TYPE" => Some(line(r.type_name.clone())),
        "GROUP" => Some(line(r.group.clone())),
        "RESOURCE_NAME" => Some(line(r.name.clone())),
        "NETWORK_RESOURCES_USED" => Some(network_resources_used(cfg, r, &view.node)),
        _ => None,
    };
    if let Some(lines) = simple {
        arity(&optag, args, &[])?;
        return Ok(lines);
    }
    for kind in DependencyKind::ALL {
        let (plain, qualified) = (kind.property(), kind.qualified_property());
        if optag.eq_ignore_ascii_case(plain) || optag.eq_ignore_ascii_case(qualified) {
            arity(&optag, args, &[])?;
            let (p, q) = dependency_forms(r, kind, &view.node);
            return Ok(if optag.eq_ignore_ascii_case(plain) {
                p
            } else {
                q
            });
        }
    }
    if let Some(p) = resource_property(&rtype.spec, &optag).filter(|p| !p.extension) {
        arity(&optag, args, &[])?;
        return Ok(lines(cfg.resource_property(r, &p.name, None)));
    }
    if let Some(lines) = super::rtype::answer(view, rtype, &optag, args)? {
        return Ok(lines);
    }
    let declarable = rtreg::system::lookup(&optag).is_some_and(|p| p.declarable());
    if declarable {
        return Err(Failure::new(
            ErrorCode::Prop,
            format!(
                "resource {}: its type {} has no property {optag_as_given}",
                r.name, r.type_name
            ),
        ));
    }
    Err(unknown_tag(optag_as_given))
}

fn per_node_answer(
    view: &ClusterView,
    r: &Resource,
    base: &str,
    on: &str,
    property: Option<&str>,
) -> Result<Vec<String>, Failure> {
    let x = resource_on(view, &r.name, on);
    let switch = |on: bool| line(if on { "ENABLED" } else { "DISABLED" });
    Ok(match base {
        "RESOURCE_STATE" => line(x.state.public_name()),
        "STATUS" => vec![x.status.public_name().to_string(), x.status_msg],
        "NUM_RESOURCE_RESTARTS" => line(x.restarts.to_string()),
        "NUM_RG_RESTARTS" => line(x.rg_restarts.to_string()),
        "ON_OFF_SWITCH" => switch(r.enabled.on(on)),
        "MONITORED_SWITCH" => switch(r.monitored.on(on)),
        _ => {
            let name = property.unwrap_or_default();
            let cfg = &view.config;
            let spec = &cfg.type_of(r)?.spec;
            let Some(p) = spec.property(name).filter(|p| p.extension) else {
                return Err(Failure::new(
                    ErrorCode::Prop,
                    format!("resource {}: no extension property {name}", r.name),
                ));
            };
            let mut out = line(p.ty.keyword());
            out.extend(lines(cfg.resource_property(r, &p.name, Some(on))));
            out
        }
    })
}
