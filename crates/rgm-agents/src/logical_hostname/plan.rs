//! Which addresses a LogicalHostname puts on which interface of this node.
//!
//! - `HostnameList`: entries `HOST[/PREFIX]`, HOST an IPv4 or IPv6 address or a name, which
//!   stands for every address it resolves to (`/etc/hosts`, DNS: the system's resolver).
//! - `NetIfList`: entries `IFACE@NODE` (NODE a node's name or id) or `IFACE` (any node): the
//!   interface of this node that carries the addresses. Without one for this node, the
//!   interface is the one holding an address whose subnet holds the address (as Solaris finds
//!   the IPMP group on the address's subnet).
//! - The prefix length is PREFIX, else that of the subnet found on the interface.

use std::net::{IpAddr, ToSocketAddrs as _};

use super::netlink::{Addr, Link};

/// One address of a HostnameList entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub ip: IpAddr,
    pub prefix: Option<u8>,
    /// The entry it comes from.
    pub entry: String,
}

/// An address to hold, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub link: Link,
    pub ip: IpAddr,
    pub prefix: u8,
}

/// The addresses of HostnameList, names resolved.
pub fn hostnames(list: &[String]) -> Result<Vec<Wanted>, String> {
    let entries: Vec<&str> = list
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if entries.is_empty() {
        return Err("HostnameList is empty: name at least one address or host name".into());
    }
    let mut out: Vec<Wanted> = Vec::new();
    for entry in entries {
        let (host, prefix) = match entry.rsplit_once('/') {
            Some((h, p)) => {
                let p: u8 = p
                    .parse()
                    .map_err(|_| format!("HostnameList: {entry}: {p} is not a prefix length"))?;
                (h, Some(p))
            }
            None => (entry, None),
        };
        let ips: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => (host, 0)
                .to_socket_addrs()
                .map_err(|e| format!("HostnameList: {host} does not resolve: {e}"))?
                .map(|a| a.ip())
                .collect(),
        };
        if ips.is_empty() {
            return Err(format!("HostnameList: {host} resolves to no address"));
        }
        for ip in ips {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            if prefix.is_some_and(|p| p > max) {
                return Err(format!(
                    "HostnameList: {entry}: a prefix length of {ip} is at most {max}"
                ));
            }
            if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() {
                return Err(format!(
                    "HostnameList: {entry}: {ip} cannot be a logical host's address"
                ));
            }
            if !out.iter().any(|w| w.ip == ip) {
                out.push(Wanted {
                    ip,
                    prefix,
                    entry: entry.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// The interface NetIfList names for this node, if any; an error for a malformed entry.
pub fn interface(
    netifs: &[String],
    node: &str,
    node_id: Option<u32>,
) -> Result<Option<String>, String> {
    let mut any = None;
    for entry in netifs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match entry.split_once('@') {
            Some((iface, n)) if !iface.is_empty() && !n.is_empty() => {
                let matches = n == node || node_id.is_some_and(|id| n == id.to_string());
                if matches {
                    return Ok(Some(iface.to_string()));
                }
            }
            Some(_) => return Err(format!("NetIfList: {entry} is not IFACE@NODE or IFACE")),
            None => any = any.or(Some(entry.to_string())),
        }
    }
    Ok(any)
}

/// Where each wanted address goes on this node.
pub fn plan(
    wanted: &[Wanted],
    iface: Option<&str>,
    node: &str,
    links: &[Link],
    addrs: &[Addr],
) -> Result<Vec<Planned>, String> {
    let named = match iface {
        Some(name) => Some(
            links
                .iter()
                .find(|l| l.name == name)
                .ok_or_else(|| format!("NetIfList: node {node} has no interface {name}"))?,
        ),
        None => None,
    };
    let mut out = Vec::new();
    for w in wanted {
        // An address of this node whose subnet holds the wanted one (not itself: it may be
        // held already).
        let subnet = |on: Option<u32>| {
            addrs.iter().find(|a| {
                a.ip != w.ip && a.prefix > 0 && a.holds(w.ip) && on.is_none_or(|i| a.index == i)
            })
        };
        let (link, found) = match named {
            Some(l) => (l, subnet(Some(l.index))),
            None => {
                let a = subnet(None).ok_or_else(|| {
                    format!(
                        "no interface of node {node} is on a subnet that holds {}; name one in NetIfList",
                        w.ip
                    )
                })?;
                let l = links
                    .iter()
                    .find(|l| l.index == a.index)
                    .ok_or_else(|| format!("the interface of {} vanished", a.ip))?;
                (l, Some(a))
            }
        };
        let prefix = w.prefix.or(found.map(|a| a.prefix)).ok_or_else(|| {
            format!(
                "{}: interface {} of node {node} has no subnet holding it; give a prefix length (HostnameList {}/PREFIX)",
                w.ip, link.name, w.entry
            )
        })?;
        out.push(Planned {
            link: link.clone(),
            ip: w.ip,
            prefix,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(index: u32, name: &str) -> Link {
        Link {
            index,
            name: name.into(),
            mac: Some([2, 0, 0, 0, 0, index as u8]),
            up: true,
            lower_up: true,
        }
    }

    fn addr(index: u32, ip: &str, prefix: u8) -> Addr {
        Addr {
            index,
            ip: ip.parse().unwrap(),
            prefix,
        }
    }

    fn list(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn hostname_entries() {
        let w = hostnames(&list(&["192.0.2.10", "2001:db8::10/64", "localhost/8"]));
        assert!(
            w.unwrap_err()
                .contains("cannot be a logical host's address")
        );
        let w = hostnames(&list(&["192.0.2.10", "2001:db8::10/64"])).unwrap();
        assert_eq!(w[0].prefix, None);
        assert_eq!(w[1].prefix, Some(64));
        assert!(hostnames(&[]).unwrap_err().contains("empty"));
        assert!(
            hostnames(&list(&["192.0.2.10/33"]))
                .unwrap_err()
                .contains("at most 32")
        );
        assert!(
            hostnames(&list(&["192.0.2.10/x"]))
                .unwrap_err()
                .contains("not a prefix")
        );
        assert!(
            hostnames(&list(&["no-such-host.invalid"]))
                .unwrap_err()
                .contains("does not resolve")
        );
    }

    #[test]
    fn interfaces_per_node() {
        let l = list(&["eth1@n2", "eth0@1", "bond0"]);
        assert_eq!(
            interface(&l, "n1", Some(1)).unwrap().as_deref(),
            Some("eth0")
        );
        assert_eq!(
            interface(&l, "n2", Some(2)).unwrap().as_deref(),
            Some("eth1")
        );
        assert_eq!(
            interface(&l, "n3", Some(3)).unwrap().as_deref(),
            Some("bond0")
        );
        assert_eq!(interface(&[], "n3", None).unwrap(), None);
        assert!(interface(&list(&["@n1"]), "n1", None).is_err());
    }

    #[test]
    fn found_from_the_subnet_or_named() {
        let links = [link(1, "lo"), link(2, "eth0"), link(3, "eth1")];
        let addrs = [
            addr(1, "127.0.0.1", 8),
            addr(2, "192.0.2.1", 24),
            addr(3, "198.51.100.1", 24),
            addr(3, "2001:db8::1", 64),
        ];
        let w = hostnames(&list(&["198.51.100.10", "2001:db8::10", "192.0.2.10/25"])).unwrap();
        let p = plan(&w, None, "n1", &links, &addrs).unwrap();
        let got: Vec<(&str, String, u8)> = p
            .iter()
            .map(|p| (p.link.name.as_str(), p.ip.to_string(), p.prefix))
            .collect();
        assert_eq!(
            got,
            [
                ("eth1", "198.51.100.10".into(), 24),
                ("eth1", "2001:db8::10".into(), 64),
                ("eth0", "192.0.2.10".into(), 25),
            ]
        );
        let w = hostnames(&list(&["203.0.113.5"])).unwrap();
        let e = plan(&w, None, "n1", &links, &addrs).unwrap_err();
        assert!(e.contains("name one in NetIfList"), "{e}");
        let e = plan(&w, Some("eth0"), "n1", &links, &addrs).unwrap_err();
        assert!(e.contains("give a prefix length"), "{e}");
        let w = hostnames(&list(&["203.0.113.5/24"])).unwrap();
        let p = plan(&w, Some("eth0"), "n1", &links, &addrs).unwrap();
        assert_eq!(p[0].link.name, "eth0");
        let e = plan(&w, Some("eth9"), "n1", &links, &addrs).unwrap_err();
        assert!(e.contains("has no interface eth9"), "{e}");
    }
}
