//! RGM.generic's check of its service: START waits for it, the fault monitor repeats it.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use crate::pmf::Files;
use crate::probe::{Check, Health};
use crate::props::ResourceProps;
use crate::run::{Command, run};

/// The probe exit status that asks for a failover at once (SUNW.gds).
pub const IMMEDIATE_FAILOVER: i32 = 201;

/// Checks the service of one resource.
#[derive(Debug, Clone)]
pub struct GenericCheck {
    files: Files,
}

impl GenericCheck {
    /// The check of the resource whose state directory is `dir`.
    pub fn new(dir: PathBuf) -> GenericCheck {
        GenericCheck {
            files: Files::new(&dir, super::SERVICE_TAG),
        }
    }
}

impl Check for GenericCheck {
    fn check(&mut self, props: &ResourceProps) -> Health {
        let Some(pmf) = self.files.running() else {
            let state = self.files.state();
            return Health::Failed(match state.strip_prefix("gave up: ") {
                Some(why) => {
                    format!("the service is not running: its process monitor gave up ({why})")
                }
                None => "the service is not running".to_string(),
            });
        };
        match self.files.state().as_str() {
            "up" => {}
            "restarting" => return Health::Busy,
            other => return Health::Failed(format!("the service is {other}")),
        }
        let timeout = Duration::from_secs(props.int("Probe_timeout").unwrap_or(30).max(1) as u64);
        let probe = props.array("Probe_command");
        if !probe.is_empty() {
            let mut cmd = Command::new("Probe_command", probe, timeout);
            cmd.grace = Duration::from_secs(2);
            let f = run(&cmd);
            let last = f.output.lines().last().unwrap_or("").trim().to_string();
            let detail = if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            };
            return match f.code {
                Some(0) => Health::Ok(if last.is_empty() {
                    "Probe_command succeeded".into()
                } else {
                    last
                }),
                Some(IMMEDIATE_FAILOVER) => Health::Hard(format!(
                    "Probe_command exited with status 201 (fail over){detail}"
                )),
                _ => Health::Failed(format!("Probe_command {}{detail}", f.how)),
            };
        }
        let ports = props.array("Port_list");
        if props.bool("Network_aware").unwrap_or(true) && !ports.is_empty() {
            for entry in &ports {
                match connect(entry, timeout) {
                    Ok(()) => {}
                    Err(why) => return Health::Failed(why),
                }
            }
            return Health::Ok(format!("answers on {}", ports.join(", ")));
        }
        let n = rgm_exec::tree::descendants(pmf.pid)
            .iter()
            .filter(|m| m.alive)
            .count();
        if n == 0 {
            return Health::Busy;
        }
        Health::Ok(format!("running ({n} process(es))"))
    }

    fn failover_allowed(&self, props: &ResourceProps) -> bool {
        props.bool("Failover_enabled").unwrap_or(true)
    }
}

/// Connects to one `Port_list` entry (`port/tcp` or `port/tcp6`) on the loopback address.
fn connect(entry: &str, timeout: Duration) -> Result<(), String> {
    let (port, proto) = entry.split_once('/').unwrap_or((entry, "tcp"));
    let port: u16 = port
        .parse()
        .map_err(|_| format!("Port_list entry {entry}: not a port"))?;
    let addr: SocketAddr = match proto {
        "tcp" => ([127, 0, 0, 1], port).into(),
        "tcp6" => (std::net::Ipv6Addr::LOCALHOST, port).into(),
        // UDP cannot be probed by connecting.
        _ => return Ok(()),
    };
    TcpStream::connect_timeout(&addr, timeout)
        .map(|_| ())
        .map_err(|e| format!("no connection to {addr} ({entry}): {e}"))
}
