//! `clresourcegroup` (`clrg`): create, delete, manage, unmanage, online, offline, switch,
//! restart, suspend, resume, quiesce, evacuate, remaster, set, show, list, status, add-node
//! and remove-node resource groups (reference §g.3, docs/commands.md).

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Parser, Subcommand};

use rgm_core::engine::{AdminRequest, Operands};
use rgm_core::{EditOp, PropertyEdit};

use super::{ClCommand, Ctx, Nodes, Output, ShowOptions, node_list, ordered_edits, select};
use crate::failure::Failure;
use crate::format;

/// Manage resource groups.
#[derive(Debug, Parser)]
#[command(name = "clresourcegroup", version)]
pub struct Clrg {
    /// The rgmd socket (default: $RGM_SOCKET, else /run/rgm/rgmd.sock).
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Say what a change would do — the methods rgmd would run, per node, in order and in
    /// parallel waves, and the states that would result — without running or changing
    /// anything (docs/observing.md).
    #[arg(long = "dry-run", global = true)]
    dry_run: bool,
    /// Return as soon as rgmd has accepted the change (checked and saved), without waiting
    /// for it to be carried out; the status subcommands and cllog show how it goes.
    #[arg(long = "async", global = true)]
    asynchronous: bool,
    #[command(subcommand)]
    command: Sub,
}

/// Groups named, or `+` for all.
#[derive(Debug, clap::Args)]
struct Groups {
    /// The groups, or + for every group.
    #[arg(required = true, value_name = "+|GROUP")]
    operands: Vec<String>,
}

impl Groups {
    fn all(self) -> Operands {
        Operands::from_args(self.operands)
    }
}

/// `-e -m -M` of online and switch.
#[derive(Debug, clap::Args)]
struct Bring {
    /// Enable every resource of the groups first.
    #[arg(short = 'e', long = "enable")]
    enable: bool,
    /// Enable monitoring of every resource first.
    #[arg(short = 'm', long = "monitor")]
    monitor: bool,
    /// Manage the groups first.
    #[arg(short = 'M', long = "manage")]
    manage: bool,
}

/// Options of the read subcommands.
#[derive(Debug, clap::Args)]
struct Read {
    /// How to print: text (tables and listings) or json.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Output,
    /// The groups (default: every group).
    #[arg(value_name = "+|GROUP")]
    operands: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Create groups (unmanaged).
    Create {
        /// Scalable: Maximum_primaries and Desired_primaries = the number of nodes.
        #[arg(short = 'S', long = "scalable")]
        scalable: bool,
        /// The Nodelist.
        #[command(flatten)]
        nodes: Nodes,
        /// A group property to set (name=value; repeats).
        #[arg(short = 'p', long = "property", value_name = "NAME=VALUE")]
        property: Vec<String>,
        /// The new groups.
        #[arg(required = true, value_name = "GROUP")]
        operands: Vec<String>,
    },
    /// Delete groups (-F: with their resources).
    Delete {
        /// Delete the groups' resources too.
        #[arg(short = 'F', long = "force")]
        force: bool,
        #[command(flatten)]
        groups: Groups,
    },
    /// Bring groups under the RGM's control (runs INIT).
    Manage(Groups),
    /// Take groups out of the RGM's control (runs FINI).
    Unmanage(Groups),
    /// Bring groups online (on -n nodes).
    Online {
        #[command(flatten)]
        bring: Bring,
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        groups: Groups,
    },
    /// Take groups offline (on -n nodes).
    Offline {
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        groups: Groups,
    },
    /// Switch groups to exactly the -n nodes.
    Switch {
        #[command(flatten)]
        bring: Bring,
        /// The nodes that become the groups' primaries.
        #[arg(short = 'n', long = "node", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        #[command(flatten)]
        groups: Groups,
    },
    /// Restart groups (on -n nodes).
    Restart {
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        groups: Groups,
    },
    /// Suspend automatic recovery (-k: kill running methods).
    Suspend {
        /// Kill the groups' running methods.
        #[arg(short = 'k', long = "kill")]
        kill: bool,
        #[command(flatten)]
        groups: Groups,
    },
    /// Resume automatic recovery.
    Resume(Groups),
    /// Stop recovery churn and wait until quiescent (-k: kill running methods).
    Quiesce {
        /// Kill the groups' running methods instead of waiting for them.
        #[arg(short = 'k', long = "kill")]
        kill: bool,
        #[command(flatten)]
        groups: Groups,
    },
    /// Move every group off -n nodes and keep them off for -T seconds.
    Evacuate {
        /// The nodes to empty.
        #[arg(short = 'n', long = "node", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        /// Keep the groups off the nodes this long.
        #[arg(
            short = 'T',
            long = "time",
            default_value_t = 60,
            value_name = "SECONDS"
        )]
        seconds: i64,
        /// `+` (evacuate applies to every group).
        #[arg(value_name = "+")]
        operands: Vec<String>,
    },
    /// Bring groups to their most preferred nodes.
    Remaster(Groups),
    /// Set group properties.
    Set {
        /// A group property to set (name=value, name+=value, name-=value; repeats).
        #[arg(
            short = 'p',
            long = "property",
            value_name = "NAME=VALUE",
            required = true
        )]
        property: Vec<String>,
        #[command(flatten)]
        groups: Groups,
    },
    /// Show groups and their resources.
    Show {
        #[command(flatten)]
        show: ShowOptions,
        #[command(flatten)]
        read: Read,
    },
    /// List groups.
    List {
        /// Show each group's Nodelist too.
        #[arg(short = 'v', long)]
        verbose: bool,
        /// Only groups whose Nodelist has these nodes.
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        read: Read,
    },
    /// The status table of groups.
    Status {
        /// Only rows of these nodes.
        #[command(flatten)]
        nodes: Nodes,
        /// Also say, for every group not where it should be, why not on each node (the
        /// engine's own reason; docs/observing.md).
        #[arg(short = 'v', long)]
        verbose: bool,
        #[command(flatten)]
        read: Read,
    },
    /// Add nodes to Nodelists.
    AddNode {
        /// The nodes to add to the Nodelists.
        #[arg(short = 'n', long = "node", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        #[command(flatten)]
        groups: Groups,
    },
    /// Remove nodes from Nodelists.
    RemoveNode {
        /// The nodes to remove from the Nodelists.
        #[arg(short = 'n', long = "node", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        #[command(flatten)]
        groups: Groups,
    },
}

impl ClCommand for Clrg {
    const NAME: &'static str = "clresourcegroup";

    fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    fn dry_run(&self) -> bool {
        self.dry_run
    }

    fn detach(&self) -> bool {
        self.asynchronous
    }

    fn execute(self, m: &ArgMatches, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
        use AdminRequest as A;
        let request = match self.command {
            Sub::Create {
                scalable,
                nodes,
                operands,
                ..
            } => {
                let mut edits = Vec::new();
                if !nodes.nodes.is_empty() {
                    edits.push(PropertyEdit::set("Nodelist", &nodes.nodes.join(",")));
                }
                edits.extend(ordered_edits(m, &["property"])?);
                if operands.iter().any(|o| o == "+") {
                    return Err(Failure::usage(
                        "create names the groups to create; `+` is not accepted",
                    ));
                }
                // One request for every group: all are created, or none.
                A::CreateGroup {
                    names: operands,
                    scalable,
                    edits,
                }
            }
            Sub::Delete { force, groups } => A::DeleteGroup {
                groups: groups.all(),
                force,
            },
            Sub::Manage(g) => A::Manage { groups: g.all() },
            Sub::Unmanage(g) => A::Unmanage { groups: g.all() },
            Sub::Online {
                bring,
                nodes,
                groups,
            } => A::Online {
                groups: groups.all(),
                nodes: node_list(&nodes.nodes),
                enable: bring.enable,
                monitor: bring.monitor,
                manage: bring.manage,
            },
            Sub::Offline { nodes, groups } => A::Offline {
                groups: groups.all(),
                nodes: node_list(&nodes.nodes),
            },
            Sub::Switch {
                bring,
                nodes,
                groups,
            } => A::Switch {
                groups: groups.all(),
                nodes,
                enable: bring.enable,
                monitor: bring.monitor,
                manage: bring.manage,
            },
            Sub::Restart { nodes, groups } => A::Restart {
                groups: groups.all(),
                nodes: node_list(&nodes.nodes),
            },
            Sub::Suspend { kill, groups } => A::Suspend {
                groups: groups.all(),
                kill,
            },
            Sub::Resume(g) => A::Resume { groups: g.all() },
            Sub::Quiesce { kill, groups } => A::Quiesce {
                groups: groups.all(),
                kill,
            },
            Sub::Evacuate {
                nodes,
                seconds,
                operands,
            } => {
                if operands.iter().any(|o| o != "+") {
                    return Err(Failure::usage(
                        "evacuate moves every group off the nodes; its only operand is +",
                    ));
                }
                if seconds < 0 {
                    return Err(Failure::usage(format!(
                        "-T {seconds}: the time must not be negative"
                    )));
                }
                let requests = nodes
                    .into_iter()
                    .map(|node| A::Evacuate { node, seconds })
                    .collect();
                return ctx.admin_all(requests);
            }
            Sub::Remaster(g) => A::Remaster { groups: g.all() },
            Sub::Set { groups, .. } => A::UpdateGroup {
                groups: groups.all(),
                edits: ordered_edits(m, &["property"])?,
            },
            Sub::AddNode { nodes, groups } => A::UpdateGroup {
                groups: groups.all(),
                edits: vec![nodelist_edit(EditOp::Add, &nodes)],
            },
            Sub::RemoveNode { nodes, groups } => A::UpdateGroup {
                groups: groups.all(),
                edits: vec![nodelist_edit(EditOp::Remove, &nodes)],
            },
            Sub::Show {
                show: options,
                read,
            } => return show(ctx, options, read),
            Sub::List {
                verbose,
                nodes,
                read,
            } => return list(ctx, verbose, &nodes.nodes, read),
            Sub::Status {
                nodes,
                verbose,
                read,
            } => return status(ctx, &nodes.nodes, verbose, read),
        };
        ctx.admin(request)
    }
}

fn nodelist_edit(op: EditOp, nodes: &[String]) -> PropertyEdit {
    PropertyEdit {
        name: "Nodelist".to_string(),
        nodes: None,
        op,
        value: nodes.join(","),
    }
}

fn show(ctx: &mut Ctx<'_>, options: ShowOptions, read: Read) -> Result<(), Failure> {
    let view = ctx.view_for(select::group_scope(&read.operands))?;
    let groups = select::groups(&view, &read.operands)?;
    let detail = options.detail();
    ctx.print_each(
        read.output,
        &groups,
        |g| format::json::group(&view, g),
        || format::show::groups(&view, &groups, &detail),
    )
}

fn list(ctx: &mut Ctx<'_>, verbose: bool, nodes: &[String], read: Read) -> Result<(), Failure> {
    let view = ctx.view_for(select::group_scope(&read.operands))?;
    select::check_nodes(&view, nodes)?;
    let groups: Vec<_> = select::groups(&view, &read.operands)?
        .into_iter()
        .filter(|g| nodes.iter().all(|n| g.nodelist().contains(n)))
        .collect();
    ctx.print_list(
        read.output,
        verbose,
        &groups,
        |g| g.name.as_str(),
        &["Group Name", "Nodelist"],
        |g| vec![g.name.clone(), g.nodelist().join(" ")],
    )
}

fn status(ctx: &mut Ctx<'_>, nodes: &[String], verbose: bool, read: Read) -> Result<(), Failure> {
    let view = ctx.view_for(select::group_scope(&read.operands))?;
    select::check_nodes(&view, nodes)?;
    let groups = select::groups(&view, &read.operands)?;
    if !verbose {
        return ctx.print_each(
            read.output,
            &groups,
            |g| format::json::group_status(&view, g, nodes),
            || format::status::groups(&view, &groups, nodes),
        );
    }
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    let mut report = ctx.connect()?.why_not(names)?;
    // Only the rows of the nodes asked about.
    if !nodes.is_empty() {
        for g in &mut report {
            g.nodes.retain(|n| nodes.contains(&n.node));
        }
    }
    ctx.print_each(
        read.output,
        &groups,
        |g| {
            let mut doc = format::json::group_status(&view, g, nodes);
            let why = report.iter().find(|w| w.group == g.name);
            doc["why_not"] = why
                .map(format::why_not::json)
                .unwrap_or(serde_json::Value::Null);
            doc
        },
        || format::status::groups(&view, &groups, nodes) + &format::why_not::text(&report),
    )
}
