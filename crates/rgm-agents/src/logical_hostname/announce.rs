//! Telling the LAN that an address is here now, so that neighbours whose caches still point at
//! the node that held it before follow at once:
//!
//! - IPv4: a gratuitous ARP request *and* a gratuitous ARP reply (sender = target = the
//!   address, from this interface's MAC, to the broadcast address), as CTDB sends them: some
//!   hosts and switches heed only one of the two. Linux updates an existing entry on either
//!   (`arp_accept=0` still lets a gratuitous ARP override an entry).
//! - IPv6: an unsolicited Neighbour Advertisement to all nodes (`ff02::1`) with the Override
//!   flag and the target link-layer address option, hop limit 255. The address is added with
//!   `IFA_F_NODAD`, so the kernel sends none of its own (measured: ../shared/peers/etcd.md §5).
//!
//! One round is sent for every address, then again every `interval`, `count` rounds in all
//! (LogicalHostname's Announce_count and Announce_interval: 3 rounds 200 ms apart by
//! default — between IPaddr2's 5 × 200 ms and CTDB's 3 rounds a second apart: the first round
//! moves every neighbour that hears it, the others cover a lost frame without holding PRENET_START
//! for long).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV6};
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, SockAddrStorage, Socket, Type};

use super::netlink::Link;

const ETH_P_ARP: u16 = 0x0806;
const BROADCAST: [u8; 6] = [0xff; 6];
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Sends `count` rounds of announcements for each `(interface, address)`, `interval` apart.
pub fn announce(targets: &[(Link, IpAddr)], count: u32, interval: Duration) -> Result<(), String> {
    for round in 0..count.max(1) {
        if round > 0 {
            std::thread::sleep(interval);
        }
        for (link, ip) in targets {
            match ip {
                IpAddr::V4(v4) => gratuitous_arp(link, *v4)?,
                IpAddr::V6(v6) => neighbour_advertisement(link, *v6)?,
            }
        }
    }
    Ok(())
}

fn mac_of(link: &Link) -> Result<[u8; 6], String> {
    link.mac.ok_or_else(|| {
        format!(
            "interface {} has no Ethernet address to announce from",
            link.name
        )
    })
}

/// A gratuitous ARP request and reply for `ip` on `link`.
pub fn gratuitous_arp(link: &Link, ip: Ipv4Addr) -> Result<(), String> {
    let mac = mac_of(link)?;
    let socket = Socket::new(
        Domain::PACKET,
        Type::DGRAM,
        Some(Protocol::from(i32::from(ETH_P_ARP.to_be()))),
    )
    .map_err(|e| format!("cannot open a packet socket on {}: {e}", link.name))?;
    let to = packet_address(link.index, ETH_P_ARP, BROADCAST);
    for (op, target_mac) in [(1u16, [0u8; 6]), (2u16, mac)] {
        let frame = arp_payload(op, mac, ip, target_mac);
        socket.send_to(&frame, &to).map_err(|e| {
            format!(
                "cannot send a gratuitous ARP for {ip} on {}: {e}",
                link.name
            )
        })?;
    }
    Ok(())
}

/// The ARP payload (the kernel adds the Ethernet header): `op` 1 request, 2 reply; sender and
/// target protocol address both `ip`.
pub fn arp_payload(op: u16, mac: [u8; 6], ip: Ipv4Addr, target_mac: [u8; 6]) -> [u8; 28] {
    let mut p = [0u8; 28];
    p[0..2].copy_from_slice(&1u16.to_be_bytes()); // Ethernet
    p[2..4].copy_from_slice(&0x0800u16.to_be_bytes()); // IPv4
    p[4] = 6;
    p[5] = 4;
    p[6..8].copy_from_slice(&op.to_be_bytes());
    p[8..14].copy_from_slice(&mac);
    p[14..18].copy_from_slice(&ip.octets());
    p[18..24].copy_from_slice(&target_mac);
    p[24..28].copy_from_slice(&ip.octets());
    p
}

/// An unsolicited Neighbour Advertisement for `ip` from `link` to all nodes.
pub fn neighbour_advertisement(link: &Link, ip: Ipv6Addr) -> Result<(), String> {
    let mac = mac_of(link)?;
    let fail = |what: &str, e: std::io::Error| {
        format!(
            "cannot {what} for the advertisement of {ip} on {}: {e}",
            link.name
        )
    };
    let socket = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::ICMPV6))
        .map_err(|e| fail("open an ICMPv6 socket", e))?;
    socket
        .bind_device(Some(link.name.as_bytes()))
        .map_err(|e| fail("bind to the interface", e))?;
    socket
        .set_multicast_hops_v6(255)
        .map_err(|e| fail("set the hop limit", e))?;
    socket
        .set_multicast_if_v6(link.index)
        .map_err(|e| fail("choose the interface", e))?;
    let scope = if is_link_local(ip) { link.index } else { 0 };
    socket
        .bind(&SocketAddrV6::new(ip, 0, 0, scope).into())
        .map_err(|e| fail("send from the address", e))?;
    let to = SocketAddrV6::new(ALL_NODES, 0, 0, link.index);
    socket
        .send_to(&na_message(ip, mac), &to.into())
        .map_err(|e| fail("send", e))?;
    Ok(())
}

fn is_link_local(ip: Ipv6Addr) -> bool {
    ip.segments()[0] & 0xffc0 == 0xfe80
}

/// The ICMPv6 message (the kernel fills in the checksum): type 136, Override set, Solicited
/// and Router clear, the target, and the target link-layer address option.
pub fn na_message(ip: Ipv6Addr, mac: [u8; 6]) -> [u8; 32] {
    let mut m = [0u8; 32];
    m[0] = 136;
    m[4] = 0x20; // O
    m[8..24].copy_from_slice(&ip.octets());
    m[24] = 2; // target link-layer address
    m[25] = 1; // in units of 8 bytes
    m[26..32].copy_from_slice(&mac);
    m
}

/// A `sockaddr_ll` for sending to `dest` on interface `index`.
#[allow(unsafe_code)]
fn packet_address(index: u32, protocol: u16, dest: [u8; 6]) -> SockAddr {
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: a `sockaddr_storage` is large enough and aligned for a `sockaddr_ll`; every byte
    // of it is initialised (zeroed), so viewing it as a plain-data `sockaddr_ll` is sound.
    let ll: &mut libc::sockaddr_ll = unsafe { storage.view_as() };
    ll.sll_family = libc::AF_PACKET as libc::c_ushort;
    ll.sll_protocol = protocol.to_be();
    ll.sll_ifindex = index as libc::c_int;
    ll.sll_halen = 6;
    ll.sll_addr[..6].copy_from_slice(&dest);
    let len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: the storage holds a `sockaddr_ll` of family AF_PACKET, initialised above, and
    // `len` is that structure's size.
    unsafe { SockAddr::new(storage, len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let mac = [2, 0, 0, 0, 0, 1];
        let ip: Ipv4Addr = "192.0.2.10".parse().unwrap();
        let req = arp_payload(1, mac, ip, [0; 6]);
        assert_eq!(&req[..8], &[0, 1, 8, 0, 6, 4, 0, 1]);
        assert_eq!(&req[8..14], &mac);
        assert_eq!(&req[14..18], &[192, 0, 2, 10]);
        assert_eq!(&req[24..28], &[192, 0, 2, 10]);
        let reply = arp_payload(2, mac, ip, mac);
        assert_eq!(&reply[6..8], &[0, 2]);
        assert_eq!(
            &reply[18..24],
            &mac,
            "a gratuitous reply names its own MAC as target"
        );
        let v6: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let na = na_message(v6, mac);
        assert_eq!(na[0], 136);
        assert_eq!(na[4], 0x20, "Override only");
        assert_eq!(&na[8..24], &v6.octets());
        assert_eq!(&na[24..32], &[2, 1, 2, 0, 0, 0, 0, 1]);
    }
}
