//! `clnode`: the cluster's nodes — list them, see their status (up or down, which one is
//! president, healthy or not), add one to the configuration ahead of its first start, remove
//! one, evacuate one, and confirm by hand that a node that left the cluster is down (its
//! fence could not be done), so its groups may start elsewhere (docs/commands.md,
//! docs/cluster.md). `clnode event …` works on the event scripts of the node whose rgmd the
//! command talks to (`clnode_event`; docs/events.md).

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Parser, Subcommand};

use rgm_core::engine::AdminRequest;
use rgm_proto::{ClusterView, NodeView};

use super::clnode_event::{self, EventSub};
use super::{ClCommand, Ctx, Output, select};
use crate::failure::Failure;
use crate::format;

/// Manage the cluster's nodes.
#[derive(Debug, Parser)]
#[command(name = "clnode", version)]
pub struct Clnode {
    /// The rgmd socket (default: $RGM_SOCKET, else /run/rgm/rgmd.sock).
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Say what a change would do — the methods rgmd would run, per node, in order and in
    /// parallel waves, and the states that would result — without running or changing
    /// anything (docs/observing.md).
    #[arg(long = "dry-run", global = true)]
    dry_run: bool,
    #[command(subcommand)]
    command: Sub,
}

/// Options of the read subcommands.
#[derive(Debug, clap::Args)]
struct Read {
    /// How to print: text (tables and listings) or json.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Output,
    /// The nodes (default: every node).
    #[arg(value_name = "+|NODE")]
    operands: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// This node's event scripts: run an event, show its last status, list, enable and
    /// disable scripts.
    Event {
        #[command(subcommand)]
        command: EventSub,
    },
    /// List the nodes of the cluster's configuration.
    List {
        /// Show each node's id, status and role too.
        #[arg(short = 'v', long)]
        verbose: bool,
        #[command(flatten)]
        read: Read,
    },
    /// The status table of nodes: up or down, president, health.
    Status {
        #[command(flatten)]
        read: Read,
    },
    /// Add a node to the configuration before it first starts (a node also joins by
    /// starting).
    Add {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
    },
    /// Remove nodes from the configuration (refused while one is up, hosts a group, or is
    /// named in a Nodelist or another setting).
    Remove {
        /// The nodes.
        #[arg(required = true, value_name = "NODE")]
        nodes: Vec<String>,
    },
    /// Move every resource group off nodes and keep them off for -T seconds.
    Evacuate {
        /// Keep the groups off the nodes this long.
        #[arg(
            short = 'T',
            long = "time",
            default_value_t = 60,
            value_name = "SECONDS"
        )]
        seconds: i64,
        /// The nodes to empty.
        #[arg(required = true, value_name = "NODE")]
        nodes: Vec<String>,
    },
    /// Confirm that a node which left the cluster is down (its fence could not be done): it
    /// counts as fenced, and its groups may start elsewhere. Make sure first: if it still
    /// runs them, they run twice.
    ConfirmDown {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
    },
}

impl ClCommand for Clnode {
    const NAME: &'static str = "clnode";

    fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    fn dry_run(&self) -> bool {
        self.dry_run
    }

    fn execute(self, _m: &ArgMatches, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
        match self.command {
            Sub::Event { .. } if ctx.dry_run => Err(Failure::usage(
                "--dry-run plans changes of the cluster's configuration and groups; \
                 clnode event runs or changes this node's event scripts and has no dry run",
            )),
            Sub::Event { command } => clnode_event::execute(command, ctx),
            Sub::List { verbose, read } => {
                let view = ctx.view_for(Some(rgm_proto::ViewScope::default()))?;
                let nodes = picked(&view, &read.operands)?;
                ctx.print_list(
                    read.output,
                    verbose,
                    &nodes,
                    |n| n.name.as_str(),
                    &["Node Name", "Node Id", "Status", "Role"],
                    |n| {
                        vec![
                            n.name.clone(),
                            n.id.to_string(),
                            status(n).to_string(),
                            role(&view, n).to_string(),
                        ]
                    },
                )
            }
            Sub::Status { read } => {
                let view = ctx.view_for(Some(rgm_proto::ViewScope::default()))?;
                let nodes = picked(&view, &read.operands)?;
                ctx.print_each(
                    read.output,
                    &nodes,
                    |n| json(&view, n),
                    || table(&view, &nodes),
                )
            }
            Sub::Add { node } => ctx.admin(AdminRequest::AddNode { name: node }),
            Sub::Remove { nodes } => {
                for name in nodes {
                    ctx.admin(AdminRequest::RemoveNode { name })?;
                }
                Ok(())
            }
            Sub::Evacuate { seconds, nodes } => {
                for node in nodes {
                    ctx.admin(AdminRequest::Evacuate { node, seconds })?;
                }
                Ok(())
            }
            Sub::ConfirmDown { node } => ctx.admin(AdminRequest::ConfirmNodeDown { node }),
        }
    }
}

/// The nodes named (checked), or every node.
fn picked<'v>(view: &'v ClusterView, operands: &[String]) -> Result<Vec<&'v NodeView>, Failure> {
    if select::is_all(operands) {
        return Ok(view.nodes.iter().collect());
    }
    select::check_nodes(view, operands)?;
    Ok(operands
        .iter()
        .filter_map(|o| view.nodes.iter().find(|n| n.name == *o))
        .collect())
}

fn status(n: &NodeView) -> &'static str {
    if n.up { "Online" } else { "Offline" }
}

fn role(view: &ClusterView, n: &NodeView) -> &'static str {
    if view.president.as_deref() == Some(n.name.as_str()) {
        "President"
    } else {
        ""
    }
}

fn health(n: &NodeView) -> &'static str {
    if !n.up {
        "-"
    } else if n.healthy {
        "Healthy"
    } else {
        "Unhealthy"
    }
}

/// `clnode status`: as Solaris' `=== Cluster Nodes ===` table, with the role and health.
fn table(view: &ClusterView, nodes: &[&NodeView]) -> String {
    let rows: Vec<Vec<String>> = nodes
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                status(n).to_string(),
                role(view, n).to_string(),
                health(n).to_string(),
            ]
        })
        .collect();
    format!(
        "=== Cluster Nodes ===\n\n--- Node Status ---\n\n{}",
        format::list::table(&["Node Name", "Status", "Role", "Health"], &rows)
    )
}

/// A node in `-o json`: `name`, `id`, `up`, `president`, `healthy`.
fn json(view: &ClusterView, n: &NodeView) -> serde_json::Value {
    serde_json::json!({
        "name": n.name,
        "id": n.id,
        "up": n.up,
        "president": view.president.as_deref() == Some(n.name.as_str()),
        "healthy": n.up && n.healthy,
    })
}
