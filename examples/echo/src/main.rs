//! `rgm-echo-server --port PORT [--address ADDR] [--pidfile FILE]`: the small real service
//! that rgm's example resource type (`ACME.echo`) manages. It listens on ADDR:PORT (ADDR
//! 127.0.0.1 unless given; `::` is every address of both families) and sends every line it
//! receives back, prefixed with its process id, until it is killed.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut port = None;
    let mut pidfile = None;
    let mut address = "127.0.0.1".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => port = it.next().and_then(|p| p.parse::<u16>().ok()),
            "--pidfile" => pidfile = it.next().cloned(),
            "--address" => address = it.next().cloned().unwrap_or_default(),
            _ => {
                eprintln!("usage: rgm-echo-server --port PORT [--address ADDR] [--pidfile FILE]");
                return ExitCode::from(2);
            }
        }
    }
    let Some(port) = port else {
        eprintln!("rgm-echo-server: --port PORT is required");
        return ExitCode::from(2);
    };
    let Ok(ip) = address.parse::<std::net::IpAddr>() else {
        eprintln!("rgm-echo-server: --address {address}: not an IP address");
        return ExitCode::from(2);
    };
    let listener = match TcpListener::bind((ip, port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("rgm-echo-server: cannot listen on {address} port {port}: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(f) = pidfile
        && let Err(e) = std::fs::write(&f, format!("{}\n", std::process::id()))
    {
        eprintln!("rgm-echo-server: cannot write {f}: {e}");
        return ExitCode::from(1);
    }
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || echo(stream));
    }
    ExitCode::SUCCESS
}

fn echo(stream: TcpStream) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let pid = std::process::id();
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { return };
        if writeln!(out, "{pid} {line}").is_err() {
            return;
        }
    }
}
