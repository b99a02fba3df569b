//! Loading scenario text: TOML parsing with errors that name the key,
//! `--set` overrides (and blaming them for the errors they cause), deep
//! merging over the defaults, and deserialization with nearest-key hints.

use super::*;

/// Label of values given with `--set` on the command line, in messages.
pub const SET_LABEL: &str = "<command line --set>";

/// Parse `text` (from `label`) into a TOML table, with clear errors.
pub fn parse_table(text: &str, label: &str) -> Result<toml::Table, InputError> {
    if is_blank(text) {
        return Err(InputError::new(label, None, "the file is empty")
            .hint("a scenario needs at least one key, e.g. name = \"my-wound\"; see `woundsim scenario show`"));
    }
    parse_toml(text, label)
}

/// True when `text` holds nothing but blank lines and comments.
pub fn is_blank(text: &str) -> bool {
    text.lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

/// Parse TOML `text` (from `label`); a syntax error names the line, the key
/// on it (when there is one) and, for numbers out of range, what is allowed.
pub fn parse_toml(text: &str, label: &str) -> Result<toml::Table, InputError> {
    text.parse::<toml::Table>().map_err(|e| {
        let key = e.span().and_then(|sp| key_at(text, sp.start));
        let message = e.message();
        let mut err = InputError::new(
            label,
            key.as_deref(),
            format!("not valid TOML: {}", e.to_string().trim()),
        );
        if message.contains("too large") {
            err = err.allowed(
                "integers from -9223372036854775808 to 9223372036854775807; for a real number write a float such as 1e20",
            );
        } else if message.contains("floating-point") {
            err = err.allowed("a number such as 0.5, 2e-3 or 1e6, at most ±1.7e308 in size");
        }
        err
    })
}

/// The dotted key assigned on the line of byte `offset` of `text`, with the
/// table header above it (`[[name]]` tables are numbered: `name[2].key`).
/// An error on a line without a key (e.g. the line after an unclosed
/// array) is put on the key above when that key's value is still open.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = |at: usize| text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let key_of = |start: usize| -> Option<String> {
        let line = text[start..].lines().next().unwrap_or("");
        let (k, _) = line.split_once('=')?;
        let k = clean_key(k);
        (!k.is_empty() && !k.starts_with('[') && !k.starts_with('#')).then_some(k)
    };
    let mut start = line_start(offset);
    let k = match key_of(start) {
        Some(k) => k,
        None => {
            let mut prev = start;
            loop {
                if prev == 0 {
                    return None;
                }
                prev = line_start(prev - 1);
                let l = text[prev..].lines().next().unwrap_or("").trim();
                if !(l.is_empty() || l.starts_with('#')) {
                    break;
                }
            }
            let l = text[prev..].lines().next().unwrap_or("");
            let open = l.split_once('=').is_some_and(|(_, v)| {
                let v = v.trim_start();
                v.starts_with('[')
                    || v.starts_with('{')
                    || v.starts_with("\"\"\"")
                    || v.starts_with("'''")
            });
            if !open {
                return None;
            }
            start = prev;
            key_of(prev)?
        }
    };
    let mut table = String::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for l in text[..start].lines() {
        let l = l.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = clean_key(name);
            let n = counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{n}]");
            *n += 1;
        } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = clean_key(name);
        }
    }
    Some(if table.is_empty() {
        k
    } else {
        format!("{table}.{k}")
    })
}

fn clean_key(k: &str) -> String {
    k.split('.')
        .map(|p| p.trim().trim_matches(|c| c == '"' || c == '\''))
        .collect::<Vec<_>>()
        .join(".")
}

/// What a value of the type named in a serde "expected ..." message may be.
pub fn allowed_for_type(msg: &str) -> Option<&'static str> {
    let expected = msg.split("expected ").nth(1)?;
    let t = expected.trim();
    Some(if t.starts_with("f64") || t.starts_with("f32") {
        "a number"
    } else if t.starts_with("u64") || t.starts_with("usize") || t.starts_with("u32") {
        "a whole number >= 0 (at most 18446744073709551615)"
    } else if t.starts_with("a boolean") || t.starts_with("bool") {
        "true or false"
    } else if t.starts_with("a string") {
        "a quoted string"
    } else if t.starts_with("a sequence") || t.starts_with("an array") {
        "a list such as [1, 2]"
    } else if t.starts_with("a map") || t.starts_with("struct") {
        "a table"
    } else if t.starts_with("string only") {
        "one of the quoted names that `woundsim explain <key>` lists"
    } else {
        return None;
    })
}

/// Report `err` as coming from `--set` when its key (or a section holding
/// it) was given by one of `overrides` (`key.path=value`), or when its key
/// is an unknown section that only an override names (`--set bogus.x=1`
/// fails on the key `bogus`).
pub fn blame_overrides(err: InputError, overrides: &[String]) -> InputError {
    blame_overrides_except(err, overrides, None)
}

/// [`blame_overrides`], except that an unknown section that `file` holds
/// too stays the file's.
pub(super) fn blame_overrides_except(
    err: InputError,
    overrides: &[String],
    file: Option<&toml::Table>,
) -> InputError {
    let Some(key) = err.key.as_deref() else {
        return err;
    };
    // An unknown section that only an override names is the override's.
    let unknown_only_set = || {
        file.is_none_or(|t| value_at(t, key).is_none())
            && !all_keys()
                .iter()
                .any(|k| k == key || k.strip_prefix(key).is_some_and(|r| r.starts_with('.')))
    };
    let from_set = overrides.iter().any(|o| {
        let set = o.split_once('=').map(|(k, _)| k.trim()).unwrap_or("");
        !set.is_empty()
            && (key == set
                || key
                    .strip_prefix(set)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                || (set
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.starts_with('.'))
                    && unknown_only_set()))
    });
    if from_set {
        InputError {
            file: SET_LABEL.to_string(),
            ..err
        }
    } else {
        err
    }
}

/// Largest scenario or sweep file woundsim reads (bytes): the shipped
/// files are a few KiB, and the cap keeps a wrong path (a log, a device
/// such as `/dev/urandom`) from filling memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 20;

/// Read a scenario or sweep file as UTF-8 text, naming it in errors (feature
/// `fs`). At most [`MAX_INPUT_BYTES`] + 1 bytes are read, so a larger or
/// endless input is refused without being read whole.
#[cfg(feature = "fs")]
pub fn read_text(path: &Path) -> Result<String, Error> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("reading", path, e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::Input(
            InputError::new(
                path.display().to_string(),
                None,
                format!(
                    "larger than the {} MiB limit of an input file",
                    MAX_INPUT_BYTES >> 20
                ),
            )
            .allowed("a TOML scenario or sweep file of at most 1 MiB"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::Input(InputError::new(
            path.display().to_string(),
            None,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// Set `path` (dotted) in `table` to `value`, creating tables on the way.
pub fn set_path(
    table: &mut toml::Table,
    path: &str,
    value: toml::Value,
    label: &str,
) -> Result<(), InputError> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(InputError::new(
            label,
            Some(path),
            "empty component in a dotted key",
        ));
    }
    let mut cur = table;
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            cur.insert(part.to_string(), value);
            return Ok(());
        }
        let entry = cur
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(InputError::new(
                    label,
                    Some(path),
                    format!("'{}' is a value, not a section", parts[..=i].join(".")),
                ))
            }
        };
    }
    Ok(())
}

/// Parse an override `key.path=value`; the value is read as TOML, else as a string.
pub fn parse_override(s: &str) -> Result<(String, toml::Value), InputError> {
    let (k, v) = s.split_once('=').ok_or_else(|| {
        InputError::new(SET_LABEL, None, format!("--set '{s}' has no '='"))
            .allowed("--set key.path=value")
    })?;
    let k = k.trim().to_string();
    let v = v.trim();
    let value = match format!("v = {v}").parse::<toml::Table>() {
        Ok(mut t) => t.remove("v"),
        Err(_) => None,
    };
    if value.is_none() && looks_numeric(v) {
        return Err(InputError::new(
            SET_LABEL,
            Some(&k),
            format!("the number {v} is out of range"),
        )
        .allowed(
            "a number such as 0.5, 2e-3 or 1e6, at most ±1.7e308 in size; whole numbers from -9223372036854775808 to 9223372036854775807",
        ));
    }
    Ok((
        k,
        value.unwrap_or_else(|| toml::Value::String(v.to_string())),
    ))
}

/// True for a decimal number (`1e400`, `-12`, `3.5`, `1_000`), whatever
/// its size.
fn looks_numeric(v: &str) -> bool {
    let s = v.strip_prefix(['+', '-']).unwrap_or(v);
    s.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && s.replace('_', "").parse::<f64>().is_ok()
}

pub(super) fn deep_merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => deep_merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn value_at<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut cur = table.get(parts.next()?)?;
    for p in parts {
        cur = match cur {
            toml::Value::Table(t) => t.get(p)?,
            toml::Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Nearest candidate to `word` by edit distance, if close enough.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Deserialize a TOML table (a scenario, a sweep file, ...) into `T`,
/// mapping serde errors to [`InputError`]s for `label` that name the dotted
/// key and the value, say what is allowed, and suggest the nearest key or
/// value for a typo.
pub fn deserialize_table<T: serde::de::DeserializeOwned>(
    table: toml::Table,
    label: &str,
) -> Result<T, InputError> {
    let lookup = table.clone();
    let de = toml::Value::Table(table);
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        let msg = inner.lines().next().unwrap_or("").trim().to_string();
        let top = path == "." || path.is_empty();
        if let Some(rest) = msg.strip_prefix("unknown field ") {
            let ticks = backticked(rest);
            let bad = ticks.first().cloned().unwrap_or_default();
            let expected: Vec<&str> = ticks.iter().skip(1).map(String::as_str).collect();
            // The path may or may not already end with the unknown key.
            let prefix = match path.strip_suffix(bad.as_str()) {
                Some(p) if p.is_empty() || p.ends_with('.') => p.to_string(),
                _ if top => String::new(),
                _ => format!("{path}."),
            };
            let mut err = InputError::new(label, Some(&format!("{prefix}{bad}")), "unknown key")
                .allowed(expected.join(", "));
            if let Some(n) = nearest(&bad, expected.iter().copied()) {
                err = err.hint(format!("did you mean '{prefix}{n}'?"));
            }
            return err;
        }
        let key = (!top).then_some(path.as_str());
        if let Some(rest) = msg.strip_prefix("unknown variant ") {
            let ticks = backticked(rest);
            let bad = ticks.first().cloned().unwrap_or_default();
            let expected: Vec<&str> = ticks.iter().skip(1).map(String::as_str).collect();
            let mut err = InputError::new(label, key, format!("unknown value \"{bad}\""))
                .allowed(expected.join(", "));
            if let Some(n) = nearest(&bad, expected.iter().copied()) {
                err = err.hint(format!("did you mean \"{n}\"?"));
            }
            return err;
        }
        let value = match value_at(&lookup, &path) {
            Some(toml::Value::Float(f)) if !top => format!("value {f:?}: "),
            Some(v) if !top => format!("value {v}: "),
            _ => String::new(),
        };
        let err = InputError::new(label, key, format!("{value}{msg}"));
        match allowed_for_type(&msg) {
            Some(a) => err.allowed(a),
            None => err,
        }
    })
}
