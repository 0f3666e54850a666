//! `scha_resourcetype_get -O optag -T type`: the resource type properties (rt_properties(5))
//! by upper-cased name, RESOURCE_LIST, INSTALLED_NODES (every cluster node when installed on
//! all), IS_LOGICAL_HOSTNAME and IS_SHARED_ADDRESS. `scha_resource_get` answers the same
//! optags for a resource's type.

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

use rgm_core::RegisteredType;
use rgm_proto::ClusterView;
use rtreg::{InitNodes, Method, SysdefinedType};

use super::{Common, arity, bool_line, line, unknown_tag};
use crate::failure::Failure;

const NAME: &str = "scha_resourcetype_get";

/// Query a resource type.
#[derive(Debug, Parser)]
#[command(name = NAME, version)]
struct Args {
    /// The optag (case-insensitive).
    #[arg(short = 'O', value_name = "OPTAG")]
    optag: String,
    /// The type: full name, or without version or vendor where unambiguous.
    #[arg(short = 'T', value_name = "TYPE")]
    rtype: String,
    #[command(flatten)]
    common: Common,
    /// Arguments of the optag.
    args: Vec<String>,
}

/// The command line this command parses (for its man page and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs `scha_resourcetype_get`; returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    super::run(args, NAME, out, err, |a: Args| {
        // Only RESOURCE_LIST needs the type's resources; every view has every type.
        let scope = if a.optag.eq_ignore_ascii_case("RESOURCE_LIST") {
            rgm_proto::ViewScope::rtype(&a.rtype)
        } else {
            rgm_proto::ViewScope::default()
        };
        let view = a.common.view_for(NAME, Some(scope))?;
        let t = view.config.resolve_type(&a.rtype)?;
        let optag = a.optag.to_ascii_uppercase();
        answer(&view, t, &optag, &a.args)?.ok_or_else(|| unknown_tag(&a.optag))
    })
}

/// The answer to an RT optag (upper case), or `None` when it is not one.
pub fn answer(
    view: &ClusterView,
    t: &RegisteredType,
    optag: &str,
    args: &[String],
) -> Result<Option<Vec<String>>, Failure> {
    let s = &t.spec;
    if let Some(m) = Method::from_keyword(optag) {
        arity(optag, args, &[])?;
        return Ok(Some(s.method(m).map(line).unwrap_or_default()));
    }
    let lines = match optag {
        "API_VERSION" => line(s.api_version.to_string()),
        "FAILOVER" => bool_line(s.failover),
        "GLOBAL_ZONE" => bool_line(s.global_zone),
        "INIT_NODES" => line(match s.init_nodes {
            InitNodes::RgPrimaries => "RG_PRIMARIES",
            InitNodes::RtInstalledNodes => "RT_INSTALLED_NODES",
        }),
        "INSTALLED_NODES" => t
            .installed_nodes
            .clone()
            .unwrap_or_else(|| view.config.node_names()),
        "IS_LOGICAL_HOSTNAME" => {
            bool_line(s.sysdefined_type == Some(SysdefinedType::LogicalHostname))
        }
        "IS_SHARED_ADDRESS" => bool_line(s.sysdefined_type == Some(SysdefinedType::SharedAddress)),
        "PKGLIST" => s.pkglist.clone(),
        "PROXY" => bool_line(s.proxy),
        "RESOURCE_LIST" => view
            .config
            .resources
            .values()
            .filter(|r| r.type_name == t.name())
            .map(|r| r.name.clone())
            .collect(),
        "RESOURCE_TYPE" => line(t.name()),
        "RT_BASEDIR" => s.rt_basedir.clone().map(line).unwrap_or_default(),
        "RT_DESCRIPTION" => line(s.rt_description.clone()),
        "RT_SYSTEM" => bool_line(t.rt_system),
        "RT_VERSION" => line(s.rt_version.clone()),
        "SINGLE_INSTANCE" => bool_line(s.single_instance),
        "VENDOR_ID" => s.vendor_id.clone().map(line).unwrap_or_default(),
        _ => return Ok(None),
    };
    arity(optag, args, &[])?;
    Ok(Some(lines))
}
