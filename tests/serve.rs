//! `woundsim serve` over real HTTP on 127.0.0.1: MIME types, the site
//! folder as the only thing served, and the error for an unbuilt site.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_woundsim")
}

struct Serving {
    child: Child,
    port: u16,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &std::path::Path) -> Serving {
    let mut child = Command::new(bin())
        .args(["serve", "--port", "0", "--dir"])
        .arg(dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Serving { child, port }
}

/// A raw GET (the path is sent as given, not normalised by a client).
fn get(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header");
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    (code, head, buf[split + 4..].to_vec())
}

fn site() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("site");
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(root.join("index.html"), "<!doctype html><title>t</title>").unwrap();
    std::fs::write(root.join("app.js"), "export {};").unwrap();
    std::fs::write(root.join("pkg/m_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(d.path().join("secret.txt"), "private").unwrap();
    d
}

#[test]
fn serves_the_site_with_module_and_wasm_types() {
    let d = site();
    let s = serve(&d.path().join("site"));
    let (code, head, body) = get(s.port, "/");
    assert_eq!(code, 200, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html"),
        "{head}"
    );
    assert!(String::from_utf8_lossy(&body).contains("<title>t</title>"));
    let (code, head, _) = get(s.port, "/app.js");
    assert_eq!(code, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/javascript"),
        "{head}"
    );
    let (code, head, body) = get(s.port, "/pkg/m_bg.wasm");
    assert_eq!(code, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/wasm"),
        "{head}"
    );
    assert_eq!(&body[..4], b"\0asm");
    let (code, _, _) = get(s.port, "/missing.js");
    assert_eq!(code, 404);
}

#[test]
fn nothing_outside_the_site_folder_is_served() {
    let d = site();
    let s = serve(&d.path().join("site"));
    for path in [
        "/../secret.txt",
        "/pkg/../../secret.txt",
        "/%2e%2e/secret.txt",
    ] {
        let (code, head, body) = get(s.port, path);
        assert!(code == 403 || code == 404, "{path}: {head}");
        assert!(
            !String::from_utf8_lossy(&body).contains("private"),
            "{path}"
        );
    }
}

#[test]
fn an_unbuilt_site_is_a_clear_error_naming_the_build_command() {
    let d = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["serve", "--port", "0", "--dir"])
        .arg(d.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not built") && err.contains("scripts/build-site.sh"),
        "{err}"
    );
}
