//! The core crate's modules import each other without a cycle.
//!
//! Reads every `crates/core/src/**/*.rs`, resolves each path that names a
//! module of the crate (`crate::x`, `$crate::x`, `super::…` climbing out of a
//! top-level module, and the braces of `use crate::{x, y::z}`) to its
//! top-level module, and checks that the graph of these references between
//! top-level modules has no cycle. A found cycle is reported module by
//! module, with one file and line for each edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One reference from a file of module `from` to top-level module `to`.
#[derive(Debug, Clone)]
struct Edge {
    to: String,
    at: String,
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file below `src` (`sim.rs` → `[sim]`,
/// `mechanisms/msc_fate.rs` → `[mechanisms, msc_fate]`, `x/mod.rs` → `[x]`,
/// `lib.rs` → `[]`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("file below src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// Lines of `text` with `//` comments removed (doc comments name modules
/// in prose and links, which are not imports).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, String)> + '_ {
    text.lines().enumerate().map(|(n, l)| {
        let code = match l.find("//") {
            Some(k) => &l[..k],
            None => l,
        };
        (n + 1, code.to_string())
    })
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Top-level modules that the path starting at `rest` (just after a
/// `crate::`) names: one identifier, or each first identifier of a
/// `{a, b::c, …}` group.
fn crate_targets(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        // Top-level items of the group, split at commas outside nested braces.
        let mut out = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    out.push(ident_at(group[start..i].trim()).to_string());
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(ident_at(group[start..i].trim()).to_string());
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.retain(|s| !s.is_empty());
        out
    } else {
        vec![ident_at(rest).to_string()]
    }
}

/// All references of one file (module path `here`) to top-level modules.
fn references(here: &[String], text: &str, file: &str) -> Vec<Edge> {
    let mut out = Vec::new();
    // `use` groups may span lines: join each statement's lines first.
    let joined: Vec<(usize, String)> = {
        let mut v: Vec<(usize, String)> = Vec::new();
        let mut open: Option<(usize, String, i32)> = None;
        for (n, l) in code_lines(text) {
            if let Some((start, mut acc, mut depth)) = open.take() {
                acc.push(' ');
                acc.push_str(&l);
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                if depth <= 0 {
                    v.push((start, acc));
                } else {
                    open = Some((start, acc, depth));
                }
                continue;
            }
            let depth = l.matches('{').count() as i32 - l.matches('}').count() as i32;
            if l.contains("crate::{") && depth > 0 {
                open = Some((n, l, depth));
            } else {
                v.push((n, l));
            }
        }
        if let Some((start, acc, _)) = open {
            v.push((start, acc));
        }
        v
    };
    for (n, line) in joined {
        let at = format!("{file}:{n}");
        let bytes = line.as_bytes();
        // `crate::` and `$crate::`.
        let mut from = 0;
        while let Some(k) = line[from..].find("crate::") {
            let pos = from + k;
            let before_ok = pos == 0 || {
                let b = bytes[pos - 1];
                !(b.is_ascii_alphanumeric() || b == b'_')
            };
            if before_ok {
                for to in crate_targets(&line[pos + "crate::".len()..]) {
                    out.push(Edge { to, at: at.clone() });
                }
            }
            from = pos + "crate::".len();
        }
        // `super::` chains: climb out of `here`.
        let mut from = 0;
        while let Some(k) = line[from..].find("super::") {
            let pos = from + k;
            let before_ok = pos == 0 || {
                let b = bytes[pos - 1];
                !(b.is_ascii_alphanumeric() || b == b'_' || b == b':')
            };
            let mut rest = &line[pos..];
            let mut ups = 0;
            while let Some(r) = rest.strip_prefix("super::") {
                ups += 1;
                rest = r;
            }
            from = pos + ups * "super::".len();
            if !before_ok {
                continue;
            }
            // `super` of a file's module: the module minus `ups` levels.
            // Inside an inline `mod tests` the first `super` only leaves
            // the test module, which stays in the same top-level module.
            if ups >= here.len() {
                // Climbed to the crate root: the next name is a top-level module.
                for to in crate_targets(rest) {
                    out.push(Edge { to, at: at.clone() });
                }
            }
        }
    }
    out
}

/// Top-level modules declared in `lib.rs`.
fn top_level_modules(lib: &str) -> BTreeSet<String> {
    code_lines(lib)
        .filter_map(|(_, l)| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l.strip_prefix("pub(crate) ").unwrap_or(l);
            l.strip_prefix("mod ")
                .map(|r| r.trim_end_matches(';').trim().to_string())
        })
        .collect()
}

/// Edges between top-level modules (self references dropped), each with
/// the first place it was seen.
fn graph(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let modules = top_level_modules(&lib);
    let mut files = Vec::new();
    rs_files(src, &mut files);
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in files {
        let here = module_path(src, &f);
        let Some(top) = here.first().cloned() else {
            continue; // lib.rs: module declarations only.
        };
        let text = std::fs::read_to_string(&f).expect("source file");
        let name = f.strip_prefix(src).unwrap().display().to_string();
        let node = g.entry(top.clone()).or_default();
        for e in references(&here, &text, &name) {
            if e.to != top && modules.contains(&e.to) {
                node.entry(e.to).or_insert(e.at);
            }
        }
    }
    g
}

/// A cycle in `g` as a closed path of modules, if there is one.
fn find_cycle(g: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeMap<String, String>>,
        mark: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        mark.insert(n.to_string(), Mark::Open);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flat_map(|e| e.keys()) {
            match mark.get(m).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let k = stack.iter().position(|s| s == m).expect("on the stack");
                    let mut c = stack[k..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                Mark::New => {
                    if let Some(c) = visit(m, g, mark, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        mark.insert(n.to_string(), Mark::Done);
        None
    }
    let mut mark = BTreeMap::new();
    for n in g.keys() {
        if mark.get(n).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(c) = visit(n, g, &mut mark, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn describe(cycle: &[String], g: &BTreeMap<String, BTreeMap<String, String>>) -> String {
    cycle
        .windows(2)
        .map(|w| format!("{} → {} ({})", w[0], w[1], g[&w[0]][&w[1]]))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn core_modules_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    // The parser must see the crate's real structure, or an empty graph
    // would pass: the step imports the mechanisms and the state.
    assert!(
        g.get("sim").is_some_and(|e| e.contains_key("mechanisms")),
        "the parser found no sim → mechanisms reference: {g:?}"
    );
    if let Some(c) = find_cycle(&g) {
        panic!("import cycle between core modules: {}", describe(&c, &g));
    }
}

#[test]
fn the_cycle_finder_reports_a_cycle() {
    // A graph with a cycle a → b → c → a (and a tail d → a) is reported;
    // the parser resolves `crate::`, grouped `use` and `super::super::`.
    let here = vec!["x".to_string(), "y".to_string()];
    let refs = references(
        &here,
        "use crate::{a::B, b};\nlet z = super::super::c::f();\nuse super::same;\n// crate::d in a comment\n",
        "x/y.rs",
    );
    let to: Vec<&str> = refs.iter().map(|e| e.to.as_str()).collect();
    assert_eq!(to, ["a", "b", "c"]);
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")] {
        g.entry(a.into())
            .or_default()
            .insert(b.into(), "f:1".into());
    }
    let c = find_cycle(&g).expect("a cycle");
    assert_eq!(c.first(), c.last());
    assert_eq!(c.len(), 4, "{c:?}");
    g.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&g), None);
}
