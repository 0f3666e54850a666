//! `scha_resourcegroup_get -O optag -G group [args]`: every group property by upper-cased name
//! (effective value), RG_STATE for the local node, RG_STATE_NODE node, RESOURCE_LIST,
//! NODELIST, RG_NAME, SUSPEND_AUTOMATIC_RECOVERY and RG_IS_FROZEN (always FALSE).

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

use rgm_core::ResourceGroup;
use rgm_core::rg_props;
use rgm_proto::ClusterView;

use super::{arity, bool_line, finish, line, lines, node, unknown_tag};
use crate::failure::Failure;

/// Query a resource group.
#[derive(Debug, Parser)]
#[command(name = "scha_resourcegroup_get", version)]
struct Args {
    /// The optag (case-insensitive).
    #[arg(short = 'O', value_name = "OPTAG")]
    optag: String,
    #[arg(short = 'G', value_name = "GROUP")]
    group: String,
    /// Zone (accepted for compatibility; rgm has only the global zone).
    #[arg(short = 'Z', value_name = "ZONE")]
    zone: Option<String>,
    /// The rgmd socket (default: $RGM_SOCKET, else /run/rgm/rgmd.sock).
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Arguments of the optag (a node).
    args: Vec<String>,
}

/// Runs `scha_resourcegroup_get`; returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let (program, a) = match super::parse::<Args>(
        args.into_iter().collect(),
        "scha_resourcegroup_get",
        err,
        out,
    ) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let answer = super::view(a.socket.as_deref(), "scha_resourcegroup_get").and_then(|view| {
        let g = view.config.group(&a.group)?;
        answer(&view, g, &a.optag, &a.args)
    });
    finish(&program, answer, out, err)
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
