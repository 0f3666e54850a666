//! The administrator's commands `clresourcetype`, `clresourcegroup` and `clresource`
//! (aliases `clrt`, `clrg`, `clrs`), and `clnode`, in Solaris syntax: `cmd subcommand
//! [options] operands`.
//!
//! Shared here: parsing (clap, with `-p`/`-x`/`-y` edits kept in command-line order) and the
//! options several commands take alike, the context a subcommand runs in (output streams, the
//! daemon's socket), sending a change and printing its outcome or what a read subcommand
//! found, and the mapping of every failure to an exit status.

pub mod clnode;
pub mod clnode_event;
pub mod clrg;
pub mod clrs;
pub mod clrt;
pub mod rtr;
pub mod select;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{ArgMatches, CommandFactory, FromArgMatches, ValueEnum};

use rgm_core::PropertyEdit;
use rgm_core::engine::AdminRequest;
use rgm_proto::{ClusterView, Hello, Request};

use crate::client::{Client, socket_path};
use crate::failure::{EXIT_USAGE, Failure};
use crate::format;

/// `-o`: how read subcommands print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Output {
    /// Tables and listings for people.
    #[default]
    Text,
    /// JSON for scripts (docs/commands.md lists the keys).
    Json,
}

/// `-n node[,node...]`.
#[derive(Debug, clap::Args)]
pub struct Nodes {
    /// Nodes (comma-separated; the option may repeat).
    #[arg(short = 'n', long = "node", value_delimiter = ',', value_name = "NODE")]
    pub nodes: Vec<String>,
}

/// `-v` and `-p name[,name...]` of `show`.
#[derive(Debug, clap::Args)]
pub struct ShowOptions {
    /// Every property, not only the usual ones.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Only these properties.
    #[arg(
        short = 'p',
        long = "property",
        value_delimiter = ',',
        value_name = "NAME"
    )]
    property: Vec<String>,
}

impl ShowOptions {
    /// Which properties the listing shows.
    pub fn detail(self) -> format::show::Detail {
        format::show::Detail {
            verbose: self.verbose,
            only: self.property,
        }
    }
}

/// What a subcommand runs with.
pub struct Ctx<'a> {
    /// The name the command was run as, for messages (`clrg: ...`).
    pub program: String,
    /// The command's long name, for the daemon's log.
    pub client: &'static str,
    pub socket: PathBuf,
    /// `--dry-run`: changes are planned, not made.
    pub dry_run: bool,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// Show what a change is doing while it waits, on `err` (it is a terminal).
    pub progress: bool,
    /// `--async`: changes return as soon as rgmd has accepted them.
    pub detach: bool,
}

impl Ctx<'_> {
    pub fn connect(&self) -> Result<Client, Failure> {
        Client::connect(&self.socket, self.client)
    }

    /// The cluster view, on a connection of its own.
    pub fn view(&self) -> Result<ClusterView, Failure> {
        self.connect()?.view()
    }

    /// The view of the objects `scope` names, or the whole view for `None`.
    pub fn view_for(&self, scope: Option<rgm_proto::ViewScope>) -> Result<ClusterView, Failure> {
        match scope {
            Some(scope) => self.connect()?.view_scoped(scope),
            None => self.view(),
        }
    }

    /// Sends a change and prints the daemon's notes (VALIDATE's output, ...) on stdout; on a
    /// terminal, what it is doing meanwhile on stderr, a line per method run that begins or
    /// ends. With `--async`, returns once rgmd has accepted it. With `--dry-run`, prints what
    /// the change would do instead, and fails as it would.
    pub fn admin(&mut self, request: AdminRequest) -> Result<(), Failure> {
        if self.dry_run {
            let plan = self.connect()?.plan(request)?;
            self.print(&format::plan::text(&plan))?;
            return match (plan.accepted, plan.code) {
                (false, Some(code)) => Err(Failure {
                    code,
                    lines: plan.messages,
                }),
                _ => Ok(()),
            };
        }
        let request = match self.detach {
            true => Request::AdminAsync(request),
            false => Request::Admin(request),
        };
        let hello = match self.progress && !self.detach {
            true => Hello::with_progress(self.client),
            false => Hello::new(self.client),
        };
        let mut client = Client::connect_with(&self.socket, hello)?;
        let err = &mut *self.err;
        let notes = client.change_with(&request, &mut |report| {
            for line in report.lines() {
                let _ = writeln!(err, "{line}");
            }
            let _ = err.flush();
        })?;
        self.print_lines(&notes)
    }

    /// Sends several changes in order, stopping at the first refusal.
    pub fn admin_all(&mut self, requests: Vec<AdminRequest>) -> Result<(), Failure> {
        for r in requests {
            self.admin(r)?;
        }
        Ok(())
    }

    pub fn print_lines(&mut self, lines: &[String]) -> Result<(), Failure> {
        for line in lines {
            writeln!(self.out, "{line}").map_err(write_failed)?;
        }
        Ok(())
    }

    /// Prints text, control characters of names and values escaped.
    pub fn print(&mut self, text: &str) -> Result<(), Failure> {
        let text = rgm_proto::text::escape_lines(text);
        self.out.write_all(text.as_bytes()).map_err(write_failed)
    }

    /// Prints what a read subcommand found: with `-o json` an array of each item's `json`,
    /// else `text`.
    pub fn print_each<T>(
        &mut self,
        output: Output,
        items: &[T],
        json: impl Fn(&T) -> serde_json::Value,
        text: impl FnOnce() -> String,
    ) -> Result<(), Failure> {
        if output == Output::Json {
            let doc: Vec<_> = items.iter().map(json).collect();
            return self.print_json(&doc.into());
        }
        self.print(&text())
    }

    /// Prints what a `list` subcommand found: the names (a JSON array with `-o json`), or
    /// with `-v` a table under `headers`, one `row` per item.
    pub fn print_list<T>(
        &mut self,
        output: Output,
        verbose: bool,
        items: &[T],
        name: impl Fn(&T) -> &str,
        headers: &[&str],
        row: impl Fn(&T) -> Vec<String>,
    ) -> Result<(), Failure> {
        if output == Output::Json {
            let names: Vec<&str> = items.iter().map(&name).collect();
            return self.print_json(&serde_json::json!(names));
        }
        if !verbose {
            return self.print(&format::list::names(items.iter().map(name)));
        }
        let rows: Vec<Vec<String>> = items.iter().map(row).collect();
        self.print(&format::list::table(headers, &rows))
    }

    /// Prints a value as pretty JSON.
    pub fn print_json(&mut self, value: &serde_json::Value) -> Result<(), Failure> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Failure::internal(format!("cannot write JSON: {e}")))?;
        writeln!(self.out, "{text}").map_err(write_failed)
    }
}

fn write_failed(e: std::io::Error) -> Failure {
    Failure::internal(format!("cannot write the output: {e}"))
}

/// A parsed command line of one of the cl* commands.
pub trait ClCommand: CommandFactory + FromArgMatches {
    /// The long name (`clresourcegroup`).
    const NAME: &'static str;
    /// The `--socket` option.
    fn socket(&self) -> Option<&std::path::Path>;
    /// The `--dry-run` option.
    fn dry_run(&self) -> bool;
    /// `--async`: changes return as soon as they are accepted (commands that have it).
    fn detach(&self) -> bool {
        false
    }
    /// Runs the subcommand; `matches` are the subcommand's own (for edit order).
    fn execute(self, matches: &ArgMatches, ctx: &mut Ctx<'_>) -> Result<(), Failure>;
}

/// Parses and runs a cl* command line (program name first); returns the exit status.
pub fn run<C: ClCommand, I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if crate::complete::asked(&args) {
        return crate::complete::run(&args, out);
    }
    let program = crate::failure::program_name(args.first().map(OsString::as_os_str), C::NAME);
    // clap keeps names for the life of the process; one short string per run.
    let name: &'static str = Box::leak(program.clone().into_boxed_str());
    let command = C::command().name(name).bin_name(name);
    let parsed = command
        .try_get_matches_from(&args)
        .and_then(|m| C::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(x) => x,
        Err(e) => return clap_error(&program, &e, out, err),
    };
    let sub = matches
        .subcommand()
        .map(|(_, m)| m.clone())
        .unwrap_or_default();
    let mut ctx = Ctx {
        program: program.clone(),
        client: C::NAME,
        socket: socket_path(cli.socket()),
        dry_run: cli.dry_run(),
        out,
        err,
        progress: std::io::stderr().is_terminal(),
        detach: cli.detach(),
    };
    match cli.execute(&sub, &mut ctx) {
        Ok(()) => 0,
        Err(f) => {
            f.report(&program, ctx.err);
            f.exit_status()
        }
    }
}

/// Help and version go to stdout with status 0; a usage error is one line on stderr.
pub fn clap_error(program: &str, e: &clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || matches!(
            e.kind(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        let _ = if e.use_stderr() {
            err.write_all(text.as_bytes())
        } else {
            out.write_all(text.as_bytes())
        };
        return if e.use_stderr() { EXIT_USAGE } else { 0 };
    }
    let _ = writeln!(err, "{program}: {}", one_line(&text));
    EXIT_USAGE
}

/// clap's message without its usage block, on one line.
fn one_line(rendered: &str) -> String {
    let first = rendered.split("\n\n").next().unwrap_or(rendered);
    let first = first.trim().strip_prefix("error: ").unwrap_or(first.trim());
    let words: Vec<&str> = first.split_whitespace().collect();
    words.join(" ")
}

/// The `-p`, `-x` and `-y` values of a subcommand, parsed, in command-line order.
pub fn ordered_edits(matches: &ArgMatches, ids: &[&str]) -> Result<Vec<PropertyEdit>, Failure> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for id in ids {
        let (Ok(Some(values)), Some(indices)) =
            (matches.try_get_many::<String>(id), matches.indices_of(id))
        else {
            continue;
        };
        found.extend(indices.zip(values.cloned()));
    }
    found.sort_by_key(|(i, _)| *i);
    found
        .into_iter()
        .map(|(_, text)| text.parse::<PropertyEdit>().map_err(Failure::usage))
        .collect()
}

/// `-n a,b -n c` as one list, or `None` when the option was not given.
pub fn node_list(nodes: &[String]) -> Option<Vec<String>> {
    (!nodes.is_empty()).then(|| nodes.to_vec())
}
