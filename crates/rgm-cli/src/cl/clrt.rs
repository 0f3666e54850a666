//! `clresourcetype` (`clrt`): register, unregister, list, list-props, show, set, add-node and
//! remove-node resource types (reference §g.2, docs/commands.md).

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Parser, Subcommand};

use rgm_core::engine::{AdminRequest, Operands};
use rgm_core::{EditOp, ErrorCode, InstalledNodesEdit, PropertyEdit};
use rtreg::ResourceTypeSpec;

use super::{ClCommand, Ctx, Output, ordered_edits, rtr_search, select};
use crate::failure::Failure;
use crate::format::{self, props};

/// Manage resource types.
#[derive(Debug, Parser)]
#[command(name = "clresourcetype", version)]
pub struct Clrt {
    /// The rgmd socket (default: $RGM_SOCKET, else /run/rgm/rgmd.sock).
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Register a type from its RTR file (-f, else searched for by name).
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
        /// The type (optional with -f).
        #[arg(value_name = "TYPE")]
        operands: Vec<String>,
    },
    /// Unregister types (refused while resources of the type exist).
    Unregister {
        #[arg(required = true, value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// List registered types by full name.
    List {
        #[arg(short = 'v', long)]
        verbose: bool,
        /// Only types installed on these nodes.
        #[arg(short = 'n', long = "node", value_delimiter = ',', value_name = "NODE")]
        nodes: Vec<String>,
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Output,
        #[arg(value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// List the properties of a type's resources.
    ListProps {
        #[arg(short = 'v', long)]
        verbose: bool,
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Output,
        #[arg(value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// Show registered types.
    Show {
        #[arg(short = 'v', long)]
        verbose: bool,
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Output,
        #[arg(value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// Set Installed_nodes (-n, -N, -p Installed_nodes[+-]=...) or RT_system (-p).
    Set {
        #[arg(short = 'n', long = "node", value_delimiter = ',', value_name = "NODE")]
        nodes: Vec<String>,
        #[arg(short = 'N', long = "allnodes", conflicts_with = "nodes")]
        all_nodes: bool,
        #[arg(short = 'p', long = "property", value_name = "NAME=VALUE")]
        property: Vec<String>,
        #[arg(required = true, value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// Add nodes to Installed_nodes.
    AddNode {
        #[arg(short = 'n', long = "node", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        #[arg(required = true, value_name = "+|TYPE")]
        operands: Vec<String>,
    },
    /// Remove nodes from Installed_nodes.
    RemoveNode {
        #[arg(short = 'n', long = "node", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        #[arg(required = true, value_name = "+|TYPE")]
        operands: Vec<String>,
    },
}

impl ClCommand for Clrt {
    const NAME: &'static str = "clresourcetype";

    fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
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
                let spec = load_spec(file.as_deref(), &operands, ctx)?;
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
                let view = ctx.view()?;
                let types = select::types(&view, &operands)?;
                if output == Output::Json {
                    let doc: Vec<_> = types
                        .iter()
                        .map(|t| serde_json::json!({"type": t.name(), "properties": props::json(&props::schema(&t.spec))}))
                        .collect();
                    return ctx.print_json(&doc.into());
                }
                let mut text = String::new();
                for (i, t) in types.iter().enumerate() {
                    let listing = props::listing(&props::schema(&t.spec), verbose);
                    if types.len() == 1 {
                        text += &listing;
                        continue;
                    }
                    if i > 0 {
                        text.push('\n');
                    }
                    text += &format!("Resource Type: {}\n", t.name());
                    text += &listing;
                }
                ctx.print(&text)
            }
            Sub::Show {
                verbose,
                output,
                operands,
            } => {
                let view = ctx.view()?;
                let types = select::types(&view, &operands)?;
                if output == Output::Json {
                    let doc: Vec<_> = types
                        .iter()
                        .map(|t| format::json::rtype(&view, t))
                        .collect();
                    return ctx.print_json(&doc.into());
                }
                ctx.print(&format::show::types(&types, verbose))
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
    let view = ctx.view()?;
    select::check_nodes(&view, nodes)?;
    let types: Vec<_> = select::types(&view, operands)?
        .into_iter()
        .filter(|t| nodes.iter().all(|n| t.installed_on(n)))
        .collect();
    if output == Output::Json {
        let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
        return ctx.print_json(&serde_json::json!(names));
    }
    if !verbose {
        let text: String = types.iter().map(|t| format!("{}\n", t.name())).collect();
        return ctx.print(&text);
    }
    let width = types
        .iter()
        .map(|t| t.name().len())
        .max()
        .unwrap_or(0)
        .max(13)
        + 3;
    let mut text = format!(
        "{:<width$}{}\n{:<width$}{}\n",
        "Resource Type", "Node List", "-------------", "---------"
    );
    for t in &types {
        let installed = t
            .installed_nodes
            .as_ref()
            .map_or("<All>".to_string(), |n| n.join(" "));
        text += &format!("{:<width$}{installed}\n", t.name());
    }
    ctx.print(&text)
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

/// The spec to register: from `-f FILE`, else searched for (rtr_search). Diagnostics of a
/// bad file go to stderr as the rtreg crate renders them; the daemon is not contacted.
fn load_spec(
    file: Option<&Path>,
    operands: &[String],
    ctx: &mut Ctx<'_>,
) -> Result<ResourceTypeSpec, Failure> {
    if operands.iter().any(|o| o == "+") {
        return Err(Failure::usage(
            "register names one type; `+` is not accepted",
        ));
    }
    if let Some(path) = file {
        if operands.len() > 1 {
            return Err(Failure::usage(
                "with -f, register takes at most one type operand",
            ));
        }
        let spec = parse_file(path, ctx)?;
        if let Some(op) = operands.first()
            && !rtr_search::names_type(&spec, op)
        {
            return Err(Failure::usage(format!(
                "{} registers {}, not {op}",
                path.display(),
                spec.name
            )));
        }
        return Ok(spec);
    }
    let [operand] = operands else {
        return Err(Failure::usage(
            "register needs -f FILE or exactly one type to search for",
        ));
    };
    let dirs = rtr_search::directories();
    let mut others = Vec::new();
    for path in rtr_search::candidates(&dirs, operand) {
        let spec = parse_file(&path, ctx)?;
        if rtr_search::names_type(&spec, operand) {
            return Ok(spec);
        }
        others.push(format!("{} registers {}", path.display(), spec.name));
    }
    let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let mut line = format!(
        "resource type {operand}: no RTR file for it in {}",
        searched.join(":")
    );
    if !others.is_empty() {
        line += &format!(" ({})", others.join("; "));
    }
    Err(Failure::new(ErrorCode::Rt, line))
}

fn parse_file(path: &Path, ctx: &mut Ctx<'_>) -> Result<ResourceTypeSpec, Failure> {
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::usage(format!(
            "{}: {}",
            path.display(),
            crate::client::io_reason(&e)
        ))
    })?;
    let parsed = rtreg::parse(&bytes);
    let rendered = parsed
        .diagnostics
        .render(&path.display().to_string(), &bytes);
    let _ = ctx.err.write_all(rendered.as_bytes());
    let mut spec = parsed.spec.ok_or_else(|| {
        Failure::usage(format!(
            "{}: not a valid RTR file; nothing registered",
            path.display()
        ))
    })?;
    if let Some(note) = anchor_relative_paths(&mut spec, path) {
        let _ = writeln!(ctx.err, "{}: {note}", ctx.program);
    }
    Ok(spec)
}

/// A relative RT_basedir (and so every method path under it) is taken as relative to the RTR
/// file's directory, so a type shipped beside its callbacks registers wherever it is
/// installed; the daemon only ever sees absolute paths. Returns a note saying so.
fn anchor_relative_paths(spec: &mut ResourceTypeSpec, path: &Path) -> Option<String> {
    let relative = |p: &str| !p.starts_with('/');
    let any = spec.rt_basedir.as_deref().is_some_and(relative)
        || spec.methods.values().any(|m| relative(m));
    if !any {
        return None;
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    let anchor = |p: &str| {
        let joined = dir.join(p.trim_start_matches("./"));
        joined.to_string_lossy().into_owned()
    };
    for m in spec.methods.values_mut() {
        if relative(m) {
            *m = anchor(m);
        }
    }
    let base = spec.rt_basedir.as_mut().filter(|b| relative(b))?;
    *base = anchor(base);
    Some(format!("RT_basedir is relative: methods are under {base}"))
}
