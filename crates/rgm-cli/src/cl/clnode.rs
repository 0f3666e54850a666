//! `clnode`: cluster nodes. `clnode event …` works on the event scripts of the node whose rgmd
//! the command talks to (`clnode_event`; docs/events.md).

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Parser, Subcommand};

use super::clnode_event::{self, EventSub};
use super::{ClCommand, Ctx};
use crate::failure::Failure;

/// Manage cluster nodes.
#[derive(Debug, Parser)]
#[command(name = "clnode", version)]
pub struct Clnode {
    /// The rgmd socket (default: $RGM_SOCKET, else /run/rgm/rgmd.sock).
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// This node's event scripts: run an event, show its last status, list, enable and
    /// disable scripts.
    Event {
        #[command(subcommand)]
        command: EventSub,
    },
}

impl ClCommand for Clnode {
    const NAME: &'static str = "clnode";

    fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    fn execute(self, _: &ArgMatches, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
        match self.command {
            Sub::Event { command } => clnode_event::execute(command, ctx),
        }
    }
}
