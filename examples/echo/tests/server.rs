//! The example service answers each line with its pid and the line, and writes its pid file.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn echoes_lines_with_its_pid() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("echo.pid");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rgm-echo-server"))
        .args(["--port", &port.to_string(), "--pidfile"])
        .arg(&pidfile)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("the server never listened: {e}"),
        }
    };
    let mut out = stream.try_clone().unwrap();
    writeln!(out, "hello there").unwrap();
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).unwrap();
    assert_eq!(line, format!("{} hello there\n", child.id()));
    assert_eq!(
        std::fs::read_to_string(&pidfile).unwrap().trim(),
        child.id().to_string()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_missing_port_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_rgm-echo-server"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port PORT is required"));
}

#[test]
fn listens_on_the_address_given() {
    let port = TcpListener::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rgm-echo-server"))
        .args(["--address", "::1", "--port", &port.to_string()])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        match TcpStream::connect(("::1", port)) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("the server never listened on [::1]:{port}: {e}"),
        }
    };
    let mut out = stream.try_clone().unwrap();
    writeln!(out, "over six").unwrap();
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).unwrap();
    assert_eq!(line, format!("{} over six\n", child.id()));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "listens on ::1 only"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_rgm-echo-server"))
        .args(["--address", "nowhere", "--port", "1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--address nowhere: not an IP address"));
}
