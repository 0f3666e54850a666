//! `scha_resourcegroup_get -O optag -G group [args]`: every group property by upper-cased name
//! (effective value), RG_STATE for the local node, RG_STATE_NODE node, RESOURCE_LIST,
//! NODELIST, RG_NAME, SUSPEND_AUTOMATIC_RECOVERY and RG_IS_FROZEN (always FALSE).

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

use rgm_core::ResourceGroup;
use rgm_core::rg_props;
use rgm_proto::ClusterView;

use super::{Common, arity, bool_line, line, lines, node, unknown_tag};
use crate::failure::Failure;

const NAME: &str = "scha_resourcegroup_get";

/// Query a resource group.
#[derive(Debug, Parser)]
#[command(name = NAME, version)]
struct Args {
    /// The optag (case-insensitive).
    #[arg(short = 'O', value_name = "OPTAG")]
    optag: String,
    /// The resource group.
    #[arg(short = 'G', value_name = "GROUP")]
    group: String,
    #[command(flatten)]
    common: Common,
    /// Arguments of the optag (a node).
    args: Vec<String>,
}

/// The command line this command parses (for its man page and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs `scha_resourcegroup_get`; returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    super::run(args, NAME, out, err, |a: Args| {
        let view = a
            .common
            .view_for(NAME, Some(rgm_proto::ViewScope::group(&a.group)))?;
        let g = view.config.group(&a.group)?;
        answer(&view, g, &a.optag, &a.args)
    })
}

/// The answer to an optag about `g`.
pub fn answer(
    view: &ClusterView,
    g: &ResourceGroup,
    optag_as_given: &str,
    args: &[String],
) -> Result<Vec<String>, Failure> {
    let optag = optag_as_given.to_ascii_uppercase();
    if optag == "RG_STATE_NODE" {
        let args = arity(&optag, args, &["NODE"])?;
        let n = node(view, &args[0])?;
        return Ok(line(view.group_state(&g.name, n).public_name()));
    }
    let Some(p) = rg_props::lookup(&optag) else {
        return Err(unknown_tag(optag_as_given));
    };
    arity(&optag, args, &[])?;
    Ok(match p.name {
        "RG_state" => line(view.group_state(&g.name, &view.node).public_name()),
        "Resource_list" => g.resources.clone(),
        "RG_name" => line(g.name.clone()),
        "Suspend_automatic_recovery" => bool_line(g.suspended()),
        "RG_is_frozen" => bool_line(false),
        name => lines(g.property(name)),
    })
}
