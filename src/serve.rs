//! `woundsim serve`: serve the built web app (`scripts/build-site.sh`) on
//! 127.0.0.1, for a classroom without internet.
//!
//! Only files inside the site folder are served (no `..`, no symbolic link
//! out of it), with the MIME types a browser needs for ES modules and
//! WebAssembly (`application/wasm`, so that `instantiateStreaming` works).

use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The command that builds the site, named in errors.
pub const BUILD_COMMAND: &str = "scripts/build-site.sh";

/// The site folder `woundsim serve` uses without `--dir`.
pub const DEFAULT_DIR: &str = "target/site";

/// Why the server cannot start or a request fails.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The site folder has no `index.html` (not built, or the wrong folder).
    #[error("the web app is not built in '{}' (no index.html there); build it with `{BUILD_COMMAND}` (from the repository's top folder), or give the folder with --dir", .0.display())]
    NotBuilt(PathBuf),
    /// The port could not be opened.
    #[error("cannot listen on 127.0.0.1:{port}: {message} (allowed: a free port 1-65535, or 0 for any free port)")]
    Listen {
        /// The port asked for.
        port: u16,
        /// The system's reason.
        message: String,
    },
}

/// What answering a request path comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Serve this file.
    File(PathBuf),
    /// 404: nothing there.
    NotFound,
    /// 403: the path leaves the site folder or is malformed.
    Forbidden,
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::File(p) => write!(f, "{}", p.display()),
            Lookup::NotFound => write!(f, "404 not found"),
            Lookup::Forbidden => write!(f, "403 forbidden"),
        }
    }
}

/// Decode `%XX` escapes; `None` for a malformed escape or non-UTF-8 result.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file of site folder `root` (canonical) that request `url` names:
/// the query is ignored, a folder means its `index.html`, and any path that
/// leaves `root` (by `..`, an absolute part, a NUL or a symbolic link) is
/// [`Lookup::Forbidden`].
pub fn resolve(root: &Path, url: &str) -> Lookup {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let Some(path) = percent_decode(path) else {
        return Lookup::Forbidden;
    };
    if path.contains('\0') || path.contains('\\') {
        return Lookup::Forbidden;
    }
    let rel = Path::new(path.trim_start_matches('/'));
    let mut target = root.to_path_buf();
    for c in rel.components() {
        match c {
            Component::Normal(p) => target.push(p),
            Component::CurDir => {}
            _ => return Lookup::Forbidden,
        }
    }
    if target.is_dir() {
        target.push("index.html");
    }
    match target.canonicalize() {
        Ok(t) if t.starts_with(root) && t.is_file() => Lookup::File(t),
        Ok(t) if !t.starts_with(root) => Lookup::Forbidden,
        _ => Lookup::NotFound,
    }
}

/// The Content-Type of a file by its extension.
pub fn mime_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "toml" | "txt" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The site folder: `dir` if given, else [`DEFAULT_DIR`] under the current
/// folder, else `site/` beside the folder of the running executable
/// (`target/release/woundsim` finds `target/site`). Errors when it has no
/// `index.html`.
pub fn site_dir(dir: Option<&Path>) -> Result<PathBuf, ServeError> {
    let candidates: Vec<PathBuf> = match dir {
        Some(d) => vec![d.to_path_buf()],
        None => {
            let mut v = vec![PathBuf::from(DEFAULT_DIR)];
            if let Some(up) = std::env::current_exe()
                .ok()
                .and_then(|e| e.parent().and_then(|p| p.parent()).map(|p| p.join("site")))
            {
                v.push(up);
            }
            v
        }
    };
    for c in &candidates {
        if c.join("index.html").is_file() {
            if let Ok(canon) = c.canonicalize() {
                return Ok(canon);
            }
        }
    }
    Err(ServeError::NotBuilt(candidates[0].clone()))
}

/// A running server of one site folder on 127.0.0.1.
pub struct Server {
    inner: tiny_http::Server,
    root: PathBuf,
}

impl Server {
    /// Listen on 127.0.0.1:`port` (0: any free port) for site folder
    /// `root` (see [`site_dir`]).
    pub fn bind(root: PathBuf, port: u16) -> Result<Server, ServeError> {
        let inner =
            tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| ServeError::Listen {
                port,
                message: e.to_string(),
            })?;
        Ok(Server { inner, root })
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.inner
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .unwrap_or(0)
    }

    /// Answer requests until the process ends (or, with `max`, after that
    /// many requests).
    pub fn run(&self, max: Option<usize>) {
        for (n, req) in self.inner.incoming_requests().enumerate() {
            // A client that hangs up early is its own problem, not the server's.
            let _ = self.answer(req);
            if max.is_some_and(|m| n + 1 >= m) {
                break;
            }
        }
    }

    fn answer(&self, req: tiny_http::Request) -> io::Result<()> {
        use tiny_http::{Header, Method, Response};
        let header = |k: &str, v: &str| Header::from_bytes(k.as_bytes(), v.as_bytes()).ok();
        if !matches!(req.method(), Method::Get | Method::Head) {
            let r = Response::from_string("405 method not allowed: only GET and HEAD")
                .with_status_code(405);
            return req.respond(r);
        }
        match resolve(&self.root, req.url()) {
            Lookup::File(path) => {
                let file = std::fs::File::open(&path)?;
                let mut r = Response::from_file(file);
                for h in [
                    header("Content-Type", mime_type(&path)),
                    header("Cache-Control", "no-cache"),
                    header("X-Content-Type-Options", "nosniff"),
                ]
                .into_iter()
                .flatten()
                {
                    r.add_header(h);
                }
                req.respond(r)
            }
            other => {
                let code = if other == Lookup::Forbidden { 403 } else { 404 };
                req.respond(Response::from_string(other.to_string()).with_status_code(code))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("site");
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::write(root.join("index.html"), "<html></html>").unwrap();
        std::fs::write(root.join("pkg/a b.wasm"), b"\0asm").unwrap();
        std::fs::write(d.path().join("secret.txt"), "no").unwrap();
        let root = root.canonicalize().unwrap();
        (d, root)
    }

    #[test]
    fn files_inside_the_site_are_found() {
        let (_d, root) = site();
        assert_eq!(resolve(&root, "/"), Lookup::File(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/index.html?x=1"),
            Lookup::File(root.join("index.html"))
        );
        assert_eq!(
            resolve(&root, "/pkg/a%20b.wasm"),
            Lookup::File(root.join("pkg/a b.wasm"))
        );
        assert_eq!(resolve(&root, "/pkg/"), Lookup::NotFound);
        assert_eq!(resolve(&root, "/nope.js"), Lookup::NotFound);
    }

    #[test]
    fn nothing_outside_the_site_is_served() {
        let (_d, root) = site();
        for url in [
            "/../secret.txt",
            "/pkg/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/%zz",
            "/a%00b",
            "/..\\secret.txt",
        ] {
            assert_eq!(resolve(&root, url), Lookup::Forbidden, "{url}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                root.parent().unwrap().join("secret.txt"),
                root.join("link"),
            )
            .unwrap();
            assert_eq!(resolve(&root, "/link"), Lookup::Forbidden);
        }
    }

    #[test]
    fn mime_types_for_modules_and_wasm() {
        assert_eq!(mime_type(Path::new("x.wasm")), "application/wasm");
        assert!(mime_type(Path::new("x.js")).starts_with("text/javascript"));
        assert!(mime_type(Path::new("x.HTML")).starts_with("text/html"));
        assert!(mime_type(Path::new("x.css")).starts_with("text/css"));
    }

    #[test]
    fn an_unbuilt_site_names_the_build_command() {
        let d = tempfile::tempdir().unwrap();
        let e = site_dir(Some(d.path())).unwrap_err().to_string();
        assert!(e.contains(BUILD_COMMAND) && e.contains("not built"), "{e}");
    }
}
