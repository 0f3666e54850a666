//! `scha_cluster_get -O optag [args]`: CLUSTERNAME, NODENAME_LOCAL, NODEID_LOCAL,
//! ALL_NODENAMES, ALL_NODEIDS, NODESTATE_LOCAL, NODESTATE_NODE node (UP/DOWN),
//! NODENAME_NODEID id, NODEID_NODENAME name, ALL_RESOURCEGROUPS, ALL_RESOURCETYPES and
//! SYSLOG_FACILITY. "Local" is the node of the rgmd that answers.

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

use rgm_core::ErrorCode;
use rgm_proto::ClusterView;

use super::{Common, arity, line, node, unknown_tag};
use crate::failure::Failure;

const NAME: &str = "scha_cluster_get";

/// Query the cluster.
#[derive(Debug, Parser)]
#[command(name = NAME, version)]
struct Args {
    /// The optag (case-insensitive).
    #[arg(short = 'O', value_name = "OPTAG")]
    optag: String,
    #[command(flatten)]
    common: Common,
    /// Arguments of the optag (a node name or id).
    args: Vec<String>,
}

/// The command line this command parses (for its man page and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs `scha_cluster_get`; returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    super::run(args, NAME, out, err, |a: Args| {
        answer(&a.common.view(NAME)?, &a.optag, &a.args)
    })
}

fn state(view: &ClusterView, name: &str) -> Vec<String> {
    let up = view.nodes.iter().any(|n| n.name == name && n.up);
    line(if up { "UP" } else { "DOWN" })
}

fn id_of(view: &ClusterView, name: &str) -> Vec<String> {
    line(view.config.nodes.get(name).map_or(0, |n| n.id).to_string())
}

/// The answer to a cluster optag.
pub fn answer(
    view: &ClusterView,
    optag_as_given: &str,
    args: &[String],
) -> Result<Vec<String>, Failure> {
    let optag = optag_as_given.to_ascii_uppercase();
    let cfg = &view.config;
    match optag.as_str() {
        "NODESTATE_NODE" => {
            let args = arity(&optag, args, &["NODE"])?;
            return Ok(state(view, node(view, &args[0])?));
        }
        "NODEID_NODENAME" => {
            let args = arity(&optag, args, &["NODE"])?;
            return Ok(id_of(view, node(view, &args[0])?));
        }
        "NODENAME_NODEID" => {
            let args = arity(&optag, args, &["NODEID"])?;
            let id: u32 = args[0]
                .parse()
                .map_err(|_| Failure::usage(format!("`{}` is not a node id", args[0])))?;
            return cfg
                .nodes
                .values()
                .find(|n| n.id == id)
                .map(|n| line(n.name.clone()))
                .ok_or_else(|| Failure::new(ErrorCode::Node, format!("no node has id {id}")));
        }
        _ => {}
    }
    let lines = match optag.as_str() {
        "CLUSTERNAME" => line(view.cluster.clone()),
        "NODENAME_LOCAL" => line(view.node.clone()),
        "NODEID_LOCAL" => id_of(view, &view.node),
        "NODESTATE_LOCAL" => state(view, &view.node),
        "ALL_NODENAMES" => cfg.node_names(),
        "ALL_NODEIDS" => cfg
            .node_names()
            .iter()
            .map(|n| id_of(view, n).remove(0))
            .collect(),
        "ALL_RESOURCEGROUPS" => cfg.groups.keys().cloned().collect(),
        "ALL_RESOURCETYPES" => cfg.types.keys().cloned().collect(),
        "SYSLOG_FACILITY" => line("daemon"),
        _ => return Err(unknown_tag(optag_as_given)),
    };
    arity(&optag, args, &[])?;
    Ok(lines)
}
