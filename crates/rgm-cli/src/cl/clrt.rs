//! `clresourcetype` (`clrt`): register, unregister, list, list-props, show, set, add-node and
//! remove-node resource types (reference §g.2, docs/commands.md).

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Parser, Subcommand};

use rgm_core::engine::{AdminRequest, Operands};
use rgm_core::{EditOp, ErrorCode, InstalledNodesEdit, PropertyEdit};

use super::{ClCommand, Ctx, Output, ordered_edits, rtr, select};
use crate::failure::Failure;
use crate::format::{self, props};

/// Manage resource types.
#[derive(Debug, Parser)]
#[command(name = "clresourcetype", version)]
pub struct Clrt {
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

#[derive(Debug, Subcommand)]
enum Sub {
    /// Register a type from its RTR file (-f, else searched for by name), or an OCF
    /// resource agent as `ocf:PROVIDER:AGENT`.
    Register {
        /// The RTR file.
        #[arg(short = 'f', long = "rtrfile", value_name = "FILE")]
        file: Option<PathBuf>,
        /// Installed_nodes (default: all nodes).
        #[arg(short = 'n', long = "node", value_delimiter = ',', value_name = "NODE")]
        nodes: Vec<String>,
        /// Installed on all nodes, present and future.
        #[arg(short = 'N', long = "allnodes", conflicts_with = "nodes")]
        all_nodes: bool,
        /// RT_system=TRUE|FALSE or Installed_nodes=n1,n2.
        #[arg(short = 'p', long = "property", value_name = "NAME=VALUE")]
        property: Vec<String>,
        /// The type (optional with -f), or ocf:PROVIDER:AGENT.
        #[arg(value_name = "TYPE")]
        operands: Vec<String>,
    },
    /// Unregister types (refused while resources of the type exist).
    Unregister {
        /// The types, or + for every type.
        #[arg(required = true, value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// List registered types by full name.
    List {
        /// Show the nodes each type is installed on too.
        #[arg(short = 'v', long)]
        verbose: bool,
        /// Only types installed on these nodes.
        #[arg(short = 'n', long = "node", value_delimiter = ',', value_name = "NODE")]
        nodes: Vec<String>,
        /// How to print: text or json.
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Output,
        /// The types (default: every type).
        #[arg(value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// List the properties of a type's resources.
    ListProps {
        /// Show each property's class, type, tunability and default.
        #[arg(short = 'v', long)]
        verbose: bool,
        /// How to print: text or json.
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Output,
        /// The types (default: every type).
        #[arg(value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// Show registered types.
    Show {
        /// Show the methods too.
        #[arg(short = 'v', long)]
        verbose: bool,
        /// How to print: text or json.
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Output,
        /// The types (default: every type).
        #[arg(value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// Set Installed_nodes (-n, -N, -p Installed_nodes[+-]=...) or RT_system (-p).
    Set {
        /// Installed_nodes: exactly these nodes.
        #[arg(short = 'n', long = "node", value_delimiter = ',', value_name = "NODE")]
        nodes: Vec<String>,
        /// Installed on all nodes, present and future.
        #[arg(short = 'N', long = "allnodes", conflicts_with = "nodes")]
        all_nodes: bool,
        /// Installed_nodes[+-]=n1,n2 or RT_system=TRUE|FALSE (repeats).
        #[arg(short = 'p', long = "property", value_name = "NAME=VALUE")]
        property: Vec<String>,
        /// The types, or + for every type.
        #[arg(required = true, value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// Add nodes to Installed_nodes.
    AddNode {
        /// The nodes to add to Installed_nodes.
        #[arg(short = 'n', long = "node", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        /// The types, or + for every type.
        #[arg(required = true, value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// Remove nodes from Installed_nodes.
    RemoveNode {
        /// The nodes to remove from Installed_nodes.
        #[arg(short = 'n', long = "node", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        /// The types, or + for every type.
        #[arg(required = true, value_name = "+|TYPE")]
        operands: Vec<String>,
    },
}

impl ClCommand for Clrt {
    const NAME: &'static str = "clresourcetype";

    fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    fn dry_run(&self) -> bool {
        self.dry_run
    }

    fn execute(self, m: &ArgMatches, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
        match self.command {
            Sub::Register {
                file,
                nodes,
                all_nodes,
                operands,
                ..
            } => {
                let (installed, rt_system) = rt_settings(&ordered_edits(m, &["property"])?)?;
                let installed = match installed {
                    Some(InstalledNodesEdit::Set(n)) => Some(n),
                    Some(_) => {
                        return Err(Failure::usage(
                            "register takes Installed_nodes=..., not += or -=",
                        ));
                    }
                    None if all_nodes || nodes.is_empty() => None,
                    None => Some(nodes),
                };
                let spec = rtr::load_spec(file.as_deref(), &operands, ctx)?;
                ctx.admin(AdminRequest::RegisterType {
                    spec: Box::new(spec),
                    installed_nodes: installed,
                    rt_system,
                })
            }
            Sub::Unregister { operands } => ctx.admin(AdminRequest::UnregisterType {
                names: Operands::from_args(operands),
            }),
            Sub::List {
                verbose,
                nodes,
                output,
                operands,
            } => list(ctx, &operands, &nodes, verbose, output),
            Sub::ListProps {
                verbose,
                output,
                operands,
            } => {
                // Every type is in every view; list-props needs no group or resource.
                let view = ctx.view_for(Some(rgm_proto::ViewScope::default()))?;
                let types = select::types(&view, &operands)?;
                let schemas: Vec<_> = types
                    .iter()
                    .map(|t| (t.name(), props::schema(&t.spec)))
                    .collect();
                ctx.print_each(
                    output,
                    &schemas,
                    |(t, s)| serde_json::json!({"type": t, "properties": props::json(s)}),
                    || {
                        let parts: Vec<_> = schemas
                            .iter()
                            .map(|(t, s)| (t.to_string(), props::listing(s, verbose)))
                            .collect();
                        format::list::sections("Resource Type", &parts)
                    },
                )
            }
            Sub::Show {
                verbose,
                output,
                operands,
            } => {
                let view = ctx.view_for(select::type_scope(&operands))?;
                let types = select::types(&view, &operands)?;
                ctx.print_each(
                    output,
                    &types,
                    |t| format::json::rtype(&view, t),
                    || format::show::types(&types, verbose),
                )
            }
            Sub::Set {
                nodes,
                all_nodes,
                operands,
                ..
            } => {
                let (mut installed, rt_system) = rt_settings(&ordered_edits(m, &["property"])?)?;
                if all_nodes {
                    installed = Some(InstalledNodesEdit::All);
                } else if !nodes.is_empty() {
                    installed = Some(InstalledNodesEdit::Set(nodes));
                }
                if installed.is_none() && rt_system.is_none() {
                    return Err(Failure::usage(
                        "set needs -n, -N or -p Installed_nodes=... / RT_system=...",
                    ));
                }
                update(ctx, &operands, installed, rt_system)
            }
            Sub::AddNode { nodes, operands } => {
                update(ctx, &operands, Some(InstalledNodesEdit::Add(nodes)), None)
            }
            Sub::RemoveNode { nodes, operands } => update(
                ctx,
                &operands,
                Some(InstalledNodesEdit::Remove(nodes)),
                None,
            ),
        }
    }
}

fn list(
    ctx: &mut Ctx<'_>,
    operands: &[String],
    nodes: &[String],
    verbose: bool,
    output: Output,
) -> Result<(), Failure> {
    let view = ctx.view_for(Some(rgm_proto::ViewScope::default()))?;
    select::check_nodes(&view, nodes)?;
    let types: Vec<_> = select::types(&view, operands)?
        .into_iter()
        .filter(|t| nodes.iter().all(|n| t.installed_on(n)))
        .collect();
    ctx.print_list(
        output,
        verbose,
        &types,
        |t| t.name(),
        &["Resource Type", "Node List"],
        |t| {
            let nodes = t
                .installed_nodes
                .as_ref()
                .map_or("<All>".into(), |n| n.join(" "));
            vec![t.name().to_string(), nodes]
        },
    )
}

/// One UpdateType per type; `+` means every registered type.
fn update(
    ctx: &mut Ctx<'_>,
    operands: &[String],
    installed: Option<InstalledNodesEdit>,
    rt_system: Option<bool>,
) -> Result<(), Failure> {
    let names: Vec<String> = if select::is_all(operands) {
        ctx.view()?.config.types.keys().cloned().collect()
    } else {
        operands.to_vec()
    };
    let requests = names
        .into_iter()
        .map(|name| AdminRequest::UpdateType {
            name,
            installed_nodes: installed.clone(),
            rt_system,
        })
        .collect();
    ctx.admin_all(requests)
}

/// The type-level settings `-p` may carry: Installed_nodes and RT_system.
fn rt_settings(
    edits: &[PropertyEdit],
) -> Result<(Option<InstalledNodesEdit>, Option<bool>), Failure> {
    let mut installed = None;
    let mut rt_system = None;
    for e in edits {
        let nodes = || rtreg::value::split_array(&e.value);
        if e.name.eq_ignore_ascii_case("Installed_nodes") {
            installed = Some(match e.op {
                EditOp::Set => InstalledNodesEdit::Set(nodes()),
                EditOp::Add => InstalledNodesEdit::Add(nodes()),
                EditOp::Remove => InstalledNodesEdit::Remove(nodes()),
            });
        } else if e.name.eq_ignore_ascii_case("RT_system") && e.op == EditOp::Set {
            rt_system = Some(match e.value.to_ascii_uppercase().as_str() {
                "TRUE" => true,
                "FALSE" => false,
                _ => {
                    return Err(Failure::new(
                        ErrorCode::Prop,
                        format!(
                            "property RT_system: `{}` is not a boolean (TRUE or FALSE)",
                            e.value
                        ),
                    ));
                }
            });
        } else {
            return Err(Failure::new(
                ErrorCode::Prop,
                format!(
                    "property {}: a resource type's only settable properties are Installed_nodes and RT_system",
                    e.name
                ),
            ));
        }
    }
    Ok((installed, rt_system))
}
