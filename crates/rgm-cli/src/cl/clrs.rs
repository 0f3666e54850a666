//! `clresource` (`clrs`): create, delete, enable, disable, monitor, unmonitor, set, show,
//! list, list-props, status and clear resources (reference §g.4, docs/commands.md).
//!
//! `-g` and `-t` narrow the operands (`+` included) to resources of those groups and types;
//! when either is given the names are chosen from the cluster view before the request.

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Parser, Subcommand};

use rgm_core::ErrorCode;
use rgm_core::engine::{AdminRequest, Operands};

use super::{ClCommand, Ctx, Nodes, Output, ShowOptions, node_list, ordered_edits, select};
use crate::failure::Failure;
use crate::format::{self, props};

/// Manage resources.
#[derive(Debug, Parser)]
#[command(name = "clresource", version)]
pub struct Clrs {
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

/// The resources: operands (`+` = all), narrowed by `-g` and `-t`.
#[derive(Debug, clap::Args)]
struct Which {
    /// Only resources of these groups.
    #[arg(
        short = 'g',
        long = "resourcegroup",
        value_delimiter = ',',
        value_name = "GROUP"
    )]
    groups: Vec<String>,
    /// Only resources of these types.
    #[arg(short = 't', long = "type", value_delimiter = ',', value_name = "TYPE")]
    types: Vec<String>,
    /// The resources, or + for every resource (of -g and -t).
    #[arg(value_name = "+|RESOURCE")]
    operands: Vec<String>,
}

/// Options of the read subcommands.
#[derive(Debug, clap::Args)]
struct Read {
    /// How to print: text (tables and listings) or json.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Output,
    #[command(flatten)]
    which: Which,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Create a resource (enabled unless -d).
    Create {
        /// The group the resources go in.
        #[arg(
            short = 'g',
            long = "resourcegroup",
            required = true,
            value_name = "GROUP"
        )]
        group: String,
        /// The resources' type (full or short name).
        #[arg(short = 't', long = "type", required = true, value_name = "TYPE")]
        rtype: String,
        /// Any property: name=value or "name{node,..}"=value.
        #[arg(short = 'p', long = "property", value_name = "NAME=VALUE")]
        property: Vec<String>,
        /// An extension property.
        #[arg(short = 'x', long = "extension-property", value_name = "NAME=VALUE")]
        extension: Vec<String>,
        /// A standard property.
        #[arg(short = 'y', long = "standard-property", value_name = "NAME=VALUE")]
        standard: Vec<String>,
        /// Create it disabled.
        #[arg(short = 'd', long = "disable")]
        disabled: bool,
        /// The new resources.
        #[arg(required = true, value_name = "RESOURCE")]
        operands: Vec<String>,
    },
    /// Delete resources (-F: disable them first).
    Delete {
        /// Disable the resources first.
        #[arg(short = 'F', long = "force")]
        force: bool,
        #[command(flatten)]
        which: Which,
    },
    /// Enable resources (on -n nodes; -r: and what they depend on).
    Enable {
        /// Also enable the resources they depend on.
        #[arg(short = 'r', long = "recursive")]
        recursive: bool,
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        which: Which,
    },
    /// Disable resources (on -n nodes; -r: and their dependents).
    Disable {
        /// Also disable the resources that depend on them.
        #[arg(short = 'r', long = "recursive")]
        recursive: bool,
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        which: Which,
    },
    /// Turn monitoring on (on -n nodes).
    Monitor {
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        which: Which,
    },
    /// Turn monitoring off (on -n nodes).
    Unmonitor {
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        which: Which,
    },
    /// Set properties.
    Set {
        /// Any property: name=value, name+=value, name-=value or "name{node,..}"=value (repeats).
        #[arg(short = 'p', long = "property", value_name = "NAME=VALUE")]
        property: Vec<String>,
        /// An extension property (as -p).
        #[arg(short = 'x', long = "extension-property", value_name = "NAME=VALUE")]
        extension: Vec<String>,
        /// A standard property (as -p).
        #[arg(short = 'y', long = "standard-property", value_name = "NAME=VALUE")]
        standard: Vec<String>,
        #[command(flatten)]
        which: Which,
    },
    /// Show resources.
    Show {
        #[command(flatten)]
        show: ShowOptions,
        #[command(flatten)]
        read: Read,
    },
    /// List resources.
    List {
        /// Show each resource's type and group too.
        #[arg(short = 'v', long)]
        verbose: bool,
        #[command(flatten)]
        read: Read,
    },
    /// List the properties of resources.
    ListProps {
        /// Show each property's class, type, tunability and default.
        #[arg(short = 'v', long)]
        verbose: bool,
        #[command(flatten)]
        read: Read,
    },
    /// The status table of resources.
    Status {
        /// Only rows of these nodes.
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        read: Read,
    },
    /// Clear an error flag (STOP_FAILED) on -n nodes (default: every node).
    Clear {
        /// The error flag to clear: STOP_FAILED.
        #[arg(
            short = 'f',
            long = "flag",
            default_value = "STOP_FAILED",
            value_name = "ERRORFLAG"
        )]
        flag: String,
        #[command(flatten)]
        nodes: Nodes,
        #[command(flatten)]
        which: Which,
    },
}

impl ClCommand for Clrs {
    const NAME: &'static str = "clresource";

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
        const EDITS: [&str; 3] = ["property", "extension", "standard"];
        let request = match self.command {
            Sub::Create {
                group,
                rtype,
                disabled,
                operands,
                ..
            } => {
                if operands.iter().any(|o| o == "+") {
                    return Err(Failure::usage(
                        "create names the resources to create; `+` is not accepted",
                    ));
                }
                // One request for every resource: all are created, or none.
                A::CreateResource {
                    names: operands,
                    group,
                    type_name: rtype,
                    edits: ordered_edits(m, &EDITS)?,
                    enabled: !disabled,
                }
            }
            Sub::Delete { force, which } => A::DeleteResource {
                resources: chosen(ctx, which)?,
                force,
            },
            Sub::Enable {
                recursive,
                nodes,
                which,
            } => A::Enable {
                resources: chosen(ctx, which)?,
                nodes: node_list(&nodes.nodes),
                recursive,
            },
            Sub::Disable {
                recursive,
                nodes,
                which,
            } => A::Disable {
                resources: chosen(ctx, which)?,
                nodes: node_list(&nodes.nodes),
                recursive,
            },
            Sub::Monitor { nodes, which } => A::Monitor {
                resources: chosen(ctx, which)?,
                nodes: node_list(&nodes.nodes),
            },
            Sub::Unmonitor { nodes, which } => A::Unmonitor {
                resources: chosen(ctx, which)?,
                nodes: node_list(&nodes.nodes),
            },
            Sub::Set { which, .. } => {
                let edits = ordered_edits(m, &EDITS)?;
                if edits.is_empty() {
                    return Err(Failure::usage("set needs at least one -p, -x or -y"));
                }
                A::UpdateResource {
                    resources: chosen(ctx, which)?,
                    edits,
                }
            }
            Sub::Clear { flag, nodes, which } => {
                if !flag.eq_ignore_ascii_case("STOP_FAILED") {
                    return Err(Failure::usage(format!(
                        "-f {flag}: the only error flag is STOP_FAILED"
                    )));
                }
                let nodes = match node_list(&nodes.nodes) {
                    Some(n) => n,
                    None => ctx.view()?.config.node_names(),
                };
                A::ClearStopFailed {
                    resources: chosen(ctx, which)?,
                    nodes,
                }
            }
            Sub::Show {
                show: options,
                read,
            } => return show(ctx, options, read),
            Sub::List { verbose, read } => return list(ctx, verbose, read),
            Sub::ListProps { verbose, read } => return list_props(ctx, verbose, read),
            Sub::Status { nodes, read } => return status(ctx, &nodes.nodes, read),
        };
        ctx.admin(request)
    }
}

/// The resources a change is for. Without `-g`/`-t` the operands go to the daemon as they
/// are; with them, the names are chosen from the view (none matching is an error).
fn chosen(ctx: &Ctx<'_>, which: Which) -> Result<Operands, Failure> {
    if which.operands.is_empty() {
        return Err(Failure::usage("name the resources, or + for all"));
    }
    if which.groups.is_empty() && which.types.is_empty() {
        return Ok(Operands::from_args(which.operands));
    }
    let view = ctx.view()?;
    let names: Vec<String> = pick(&view, &which)?
        .iter()
        .map(|r| r.name.clone())
        .collect();
    if names.is_empty() {
        return Err(Failure::new(
            ErrorCode::Rsrc,
            "no resource matches the operands, -g and -t",
        ));
    }
    Ok(Operands::Named(names))
}

fn scope(which: &Which) -> Option<rgm_proto::ViewScope> {
    select::resource_scope(&which.operands, &which.groups, &which.types)
}

fn pick<'v>(
    view: &'v rgm_proto::ClusterView,
    which: &Which,
) -> Result<Vec<&'v rgm_core::Resource>, Failure> {
    select::resources(view, &which.operands, &which.groups, &which.types)
}

fn show(ctx: &mut Ctx<'_>, options: ShowOptions, read: Read) -> Result<(), Failure> {
    let view = ctx.view_for(scope(&read.which))?;
    let rs = pick(&view, &read.which)?;
    let detail = options.detail();
    ctx.print_each(
        read.output,
        &rs,
        |r| format::json::resource(&view, r),
        || format::show::resources(&view, &rs, &detail),
    )
}

fn list(ctx: &mut Ctx<'_>, verbose: bool, read: Read) -> Result<(), Failure> {
    let view = ctx.view_for(scope(&read.which))?;
    let rs = pick(&view, &read.which)?;
    ctx.print_list(
        read.output,
        verbose,
        &rs,
        |r| r.name.as_str(),
        &["Resource Name", "Resource Type", "Resource Group"],
        |r| vec![r.name.clone(), r.type_name.clone(), r.group.clone()],
    )
}

fn list_props(ctx: &mut Ctx<'_>, verbose: bool, read: Read) -> Result<(), Failure> {
    let view = ctx.view_for(scope(&read.which))?;
    let rs = pick(&view, &read.which)?;
    let schema_of = |r: &rgm_core::Resource| {
        view.config
            .types
            .get(&r.type_name)
            .map(|t| props::schema(&t.spec))
            .unwrap_or_default()
    };
    ctx.print_each(
        read.output,
        &rs,
        |r| serde_json::json!({"resource": r.name, "properties": props::json(&schema_of(r))}),
        || {
            let parts: Vec<_> = rs
                .iter()
                .map(|r| (r.name.clone(), props::listing(&schema_of(r), verbose)))
                .collect();
            format::list::sections("Resource", &parts)
        },
    )
}

fn status(ctx: &mut Ctx<'_>, nodes: &[String], read: Read) -> Result<(), Failure> {
    let view = ctx.view_for(scope(&read.which))?;
    select::check_nodes(&view, nodes)?;
    let rs = pick(&view, &read.which)?;
    ctx.print_each(
        read.output,
        &rs,
        |r| format::json::resource_status(&view, r, nodes),
        || format::status::resources(&view, &rs, nodes),
    )
}
