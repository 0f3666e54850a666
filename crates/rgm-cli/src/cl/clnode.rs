//! `clnode`: cluster nodes. For now the administrator's confirmation that a node that left the
//! cluster is down (`confirm-down`), which counts as its fence when the fence cannot be done
//! (docs/commands.md, docs/engine.md).

use std::path::{Path, PathBuf};

use clap::{ArgMatches, Parser, Subcommand};

use rgm_core::engine::AdminRequest;

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
    /// Confirm that nodes which left the cluster are down (powered off or cut off), so that
    /// their resource groups may start elsewhere although they could not be fenced. Only after
    /// making sure: a node that still runs its services would then run them twice.
    #[command(name = "confirm-down")]
    ConfirmDown {
        /// The nodes confirmed down.
        #[arg(required = true, value_name = "NODE")]
        nodes: Vec<String>,
    },
}

impl ClCommand for Clnode {
    const NAME: &'static str = "clnode";

    fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    fn execute(self, _: &ArgMatches, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
        match self.command {
            Sub::ConfirmDown { nodes } => ctx.admin_all(
                nodes
                    .into_iter()
                    .map(|node| AdminRequest::ConfirmNodeDown { node })
                    .collect(),
            ),
        }
    }
}
