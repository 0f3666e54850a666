//! What the `--http` tests share: rgmd serving HTTP on a loopback port it chose (the cluster
//! log says which), and a plain HTTP/1.1 GET.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use rgm_e2e::{Cluster, wait_for};

/// A one-node rgmd with `--http 127.0.0.1:0`, and the address it serves at (`127.0.0.1:PORT`).
pub fn start() -> (Cluster, String) {
    let c = Cluster::start_with(|_| vec!["--http".into(), "127.0.0.1:0".into()]);
    let addr = address(|| c.log());
    (c, addr)
}

/// Where an rgmd serves HTTP, from its cluster log (`log` reads it), once it says.
pub fn address(log: impl Fn() -> String) -> String {
    let marker = "serving /metrics and the status page at http://";
    wait_for(
        "the HTTP address in the log",
        Duration::from_secs(30),
        || log().contains(marker),
    );
    let text = log();
    let at = text.rsplit(marker).next().unwrap();
    at.split('/').next().unwrap().to_string()
}

/// GET `path`: (status code, content type, body).
pub fn get(addr: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read the answer");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    let ctype = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (code, ctype, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
