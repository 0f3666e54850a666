//! The node's interfaces and addresses through rtnetlink (no `ip` command): listing them,
//! adding an address (IPv6 with `IFA_F_NODAD`, so it is usable at once and rgm announces it
//! itself), removing one.

use std::net::IpAddr;

use futures_util::TryStreamExt as _;
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressHeaderFlags};
use netlink_packet_route::link::{LinkAttribute, LinkFlags};

/// An interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// Its hardware address, when it has a 6-byte one (Ethernet).
    pub mac: Option<[u8; 6]>,
    /// Administratively up (`IFF_UP`).
    pub up: bool,
    /// Carrier (`IFF_LOWER_UP`).
    pub lower_up: bool,
}

impl Link {
    /// Up with a carrier: addresses on it are reachable.
    pub fn usable(&self) -> bool {
        self.up && self.lower_up
    }
}

/// An address on an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr {
    pub index: u32,
    pub ip: IpAddr,
    pub prefix: u8,
}

impl Addr {
    /// Whether `ip` is in this address's subnet.
    pub fn holds(&self, ip: IpAddr) -> bool {
        same_subnet(self.ip, ip, self.prefix)
    }
}

/// Whether `a` and `b` share their first `prefix` bits (and their family).
pub fn same_subnet(a: IpAddr, b: IpAddr, prefix: u8) -> bool {
    let bits = |x: &[u8], y: &[u8]| {
        let full = usize::from(prefix / 8);
        let rest = prefix % 8;
        if full > x.len() || x[..full] != y[..full] {
            return false;
        }
        rest == 0 || {
            let mask = 0xffu8 << (8 - rest);
            x[full] & mask == y[full] & mask
        }
    };
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => prefix <= 32 && bits(&a.octets(), &b.octets()),
        (IpAddr::V6(a), IpAddr::V6(b)) => prefix <= 128 && bits(&a.octets(), &b.octets()),
        _ => false,
    }
}

/// A netlink connection, on a runtime of its own (methods are plain programs).
#[derive(Debug)]
pub struct Net {
    rt: tokio::runtime::Runtime,
    handle: rtnetlink::Handle,
}

impl Net {
    pub fn open() -> Result<Net, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime: {e}"))?;
        let handle = rt.block_on(async {
            let (connection, handle, _) = rtnetlink::new_connection()
                .map_err(|e| format!("cannot open a netlink socket: {e}"))?;
            tokio::spawn(connection);
            Ok::<_, String>(handle)
        })?;
        Ok(Net { rt, handle })
    }

    /// Every interface.
    pub fn links(&self) -> Result<Vec<Link>, String> {
        self.rt.block_on(async {
            let messages: Vec<_> = self
                .handle
                .link()
                .get()
                .execute()
                .try_collect()
                .await
                .map_err(|e| format!("cannot list the interfaces: {e}"))?;
            Ok(messages
                .into_iter()
                .map(|m| {
                    let mut link = Link {
                        index: m.header.index,
                        name: String::new(),
                        mac: None,
                        up: m.header.flags.contains(LinkFlags::Up),
                        lower_up: m.header.flags.contains(LinkFlags::LowerUp),
                    };
                    for a in m.attributes {
                        match a {
                            LinkAttribute::IfName(n) => link.name = n,
                            LinkAttribute::Address(bytes) => {
                                link.mac = <[u8; 6]>::try_from(bytes.as_slice()).ok();
                            }
                            _ => {}
                        }
                    }
                    link
                })
                .collect())
        })
    }

    /// Every address of every interface.
    pub fn addresses(&self) -> Result<Vec<Addr>, String> {
        self.rt.block_on(async {
            let messages: Vec<_> = self
                .handle
                .address()
                .get()
                .execute()
                .try_collect()
                .await
                .map_err(|e| format!("cannot list the addresses: {e}"))?;
            Ok(messages
                .into_iter()
                .filter_map(|m| {
                    let ip = m.attributes.iter().find_map(|a| match a {
                        AddressAttribute::Local(ip) => Some(*ip),
                        _ => None,
                    });
                    let ip = ip.or_else(|| {
                        m.attributes.iter().find_map(|a| match a {
                            AddressAttribute::Address(ip) => Some(*ip),
                            _ => None,
                        })
                    })?;
                    Some(Addr {
                        index: m.header.index,
                        ip,
                        prefix: m.header.prefix_len,
                    })
                })
                .collect())
        })
    }

    /// Adds `ip/prefix` to interface `index`; false when it was there already.
    pub fn add(&self, index: u32, ip: IpAddr, prefix: u8) -> Result<bool, String> {
        self.rt.block_on(async {
            let mut req = self.handle.address().add(index, ip, prefix);
            if ip.is_ipv6() {
                let m = req.message_mut();
                m.header.flags |= AddressHeaderFlags::Nodad;
                m.attributes
                    .push(AddressAttribute::Flags(AddressFlags::Nodad));
            }
            match req.execute().await {
                Ok(()) => Ok(true),
                Err(e) if errno(&e) == Some(libc::EEXIST) => Ok(false),
                Err(e) => Err(format!("cannot add {ip}/{prefix}: {e}")),
            }
        })
    }

    /// Removes `ip` from interface `index`; false when it was not there.
    pub fn remove(&self, index: u32, ip: IpAddr) -> Result<bool, String> {
        self.rt.block_on(async {
            let found: Vec<_> = self
                .handle
                .address()
                .get()
                .set_link_index_filter(index)
                .set_address_filter(ip)
                .execute()
                .try_collect()
                .await
                .map_err(|e| format!("cannot list the addresses: {e}"))?;
            let mut removed = false;
            for m in found {
                match self.handle.address().del(m).execute().await {
                    Ok(()) => removed = true,
                    Err(e) if errno(&e) == Some(libc::EADDRNOTAVAIL) => {}
                    Err(e) => return Err(format!("cannot remove {ip}: {e}")),
                }
            }
            Ok(removed)
        })
    }
}

fn errno(e: &rtnetlink::Error) -> Option<i32> {
    match e {
        rtnetlink::Error::NetlinkError(m) => m.code.map(|c| -c.get()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(same_subnet(ip("192.0.2.1"), ip("192.0.2.200"), 24));
        assert!(!same_subnet(ip("192.0.2.1"), ip("192.0.3.1"), 24));
        assert!(same_subnet(ip("192.0.2.1"), ip("192.0.3.1"), 22));
        assert!(same_subnet(ip("10.1.2.3"), ip("99.9.9.9"), 0));
        assert!(same_subnet(ip("2001:db8::1"), ip("2001:db8::ff"), 64));
        assert!(!same_subnet(ip("2001:db8::1"), ip("2001:db9::1"), 64));
        assert!(!same_subnet(ip("192.0.2.1"), ip("2001:db8::1"), 0));
        assert!(!same_subnet(ip("192.0.2.1"), ip("192.0.2.1"), 33));
    }
}
