//! The addresses this node holds for its LogicalHostname resources, recorded so that the
//! fail-fast — rgmd's, or rgm-watchdog's when rgmd cannot — can take them away when the node
//! loses its membership: the next owner must be the only one answering ARP for them.
//!
//! One file per address in `<dir of rgmd's socket>/rgm-agents/addresses/`
//! ([`dir_for_socket`]), named `<resource>@<address>` and holding `IFACE INDEX ADDRESS PREFIX`:
//! written right after the address is added, removed right after it is removed. A file
//! per address needs no lock between resources that start at once.

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::netlink::Net;

/// One address held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub resource: String,
    pub iface: String,
    pub index: u32,
    pub ip: IpAddr,
    pub prefix: u8,
}

/// The records of the rgmd whose socket is `socket`.
pub fn dir_for_socket(socket: &Path) -> PathBuf {
    socket
        .parent()
        .unwrap_or(Path::new("/run/rgm"))
        .join("rgm-agents")
        .join("addresses")
}

/// The records of the rgmd of `$RGM_SOCKET` (a method's own).
pub fn dir() -> PathBuf {
    dir_for_socket(&crate::client::socket_path())
}

fn file(dir: &Path, resource: &str, ip: IpAddr) -> PathBuf {
    dir.join(format!("{resource}@{ip}"))
}

/// Records an address as held (atomically).
pub fn record(dir: &Path, h: &Held) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = file(dir, &h.resource, h.ip);
    let tmp = path.with_extension("tmp");
    std::fs::write(
        &tmp,
        format!("{} {} {} {}\n", h.iface, h.index, h.ip, h.prefix),
    )?;
    std::fs::rename(&tmp, &path)
}

/// Forgets an address.
pub fn forget(dir: &Path, resource: &str, ip: IpAddr) -> io::Result<()> {
    match std::fs::remove_file(file(dir, resource, ip)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Every address recorded (of `resource` only, when given).
pub fn list(dir: &Path, resource: Option<&str>) -> Vec<Held> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Held> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (r, _) = name.rsplit_once('@')?;
            if resource.is_some_and(|want| want != r) {
                return None;
            }
            let text = std::fs::read_to_string(e.path()).ok()?;
            let mut w = text.split_whitespace();
            Some(Held {
                resource: r.to_string(),
                iface: w.next()?.to_string(),
                index: w.next()?.parse().ok()?,
                ip: w.next()?.parse().ok()?,
                prefix: w.next()?.parse().ok()?,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.resource, a.ip).cmp(&(&b.resource, b.ip)));
    out
}

/// Removes every recorded address from its interface and forgets it: the fail-fast's part for
/// addresses. Returns one line per address (what was done, or why it could not be). Safe to
/// call from any process of the node (rgmd, rgm-watchdog), at any time, more than once.
pub fn release_all(dir: &Path) -> Vec<String> {
    let held = list(dir, None);
    if held.is_empty() {
        return Vec::new();
    }
    let net = match Net::open() {
        Ok(n) => n,
        Err(e) => return vec![format!("cannot remove the addresses this node holds: {e}")],
    };
    held.iter()
        .map(|h| {
            let what = format!("{}/{} on {} ({})", h.ip, h.prefix, h.iface, h.resource);
            match net.remove(h.index, h.ip) {
                Ok(removed) => {
                    let _ = forget(dir, &h.resource, h.ip);
                    if removed {
                        format!("removed {what}")
                    } else {
                        format!("{what} was already gone")
                    }
                }
                Err(e) => format!("cannot remove {what}: {e}"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a network namespace of this test thread's own: addresses added and recorded are
    /// all gone after `release_all`, and so are their records.
    #[test]
    fn release_all_removes_every_recorded_address() {
        std::thread::spawn(|| {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
                .expect("a network namespace of our own (the tests run as root)");
            let d = tempfile::tempdir().unwrap();
            let dir = d.path().join("addresses");
            let net = Net::open().unwrap();
            let lo = net
                .links()
                .unwrap()
                .into_iter()
                .find(|l| l.name == "lo")
                .unwrap();
            for (ip, prefix) in [("192.0.2.77", 24), ("2001:db8::77", 64)] {
                let ip: IpAddr = ip.parse().unwrap();
                assert!(net.add(lo.index, ip, prefix).unwrap());
                assert!(!net.add(lo.index, ip, prefix).unwrap(), "added twice");
                let h = Held {
                    resource: "lh".into(),
                    iface: "lo".into(),
                    index: lo.index,
                    ip,
                    prefix,
                };
                record(&dir, &h).unwrap();
            }
            let on_lo = |net: &Net| -> Vec<String> {
                net.addresses()
                    .unwrap()
                    .iter()
                    .filter(|a| a.index == lo.index)
                    .map(|a| a.ip.to_string())
                    .collect()
            };
            assert!(on_lo(&net).contains(&"192.0.2.77".to_string()));
            let done = release_all(&dir);
            assert_eq!(
                done,
                [
                    "removed 192.0.2.77/24 on lo (lh)",
                    "removed 2001:db8::77/64 on lo (lh)"
                ]
            );
            let left = on_lo(&net);
            assert!(
                !left.iter().any(|a| a.ends_with("77")),
                "left on lo: {left:?}"
            );
            assert!(list(&dir, None).is_empty());
            assert!(release_all(&dir).is_empty());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn records_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("addresses");
        let a = Held {
            resource: "lh1".into(),
            iface: "eth0".into(),
            index: 2,
            ip: "192.0.2.10".parse().unwrap(),
            prefix: 24,
        };
        let b = Held {
            resource: "lh2".into(),
            iface: "eth1".into(),
            index: 3,
            ip: "2001:db8::10".parse().unwrap(),
            prefix: 64,
        };
        record(&dir, &a).unwrap();
        record(&dir, &b).unwrap();
        assert_eq!(list(&dir, None), [a.clone(), b.clone()]);
        assert_eq!(list(&dir, Some("lh2")), std::slice::from_ref(&b));
        forget(&dir, "lh1", a.ip).unwrap();
        forget(&dir, "lh1", a.ip).unwrap();
        assert_eq!(list(&dir, None), [b]);
        assert_eq!(
            dir_for_socket(Path::new("/run/rgm/rgmd.sock")),
            Path::new("/run/rgm/rgm-agents/addresses")
        );
    }
}
