//! Reading a finished sweep: every run's outcomes, checked against the manifest.

use super::*;

pub(super) fn cell(x: f64) -> String {
    if x.is_finite() {
        output::format_value(x)
    } else {
        String::new()
    }
}

pub(super) fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::Other(format!("'{}': {e}", path.display()))
}

/// Outcome values per point and outcome (`values[point][outcome]`), failed
/// runs per point, and the number of runs read.
pub(super) type RunValues = (Vec<Vec<Vec<f64>>>, Vec<u64>, u64);

/// Read `runs.csv` into per-point outcome values (ignoring a trailing
/// partial record).
pub(super) fn read_runs(dir: &Path, m: &Manifest) -> Result<RunValues> {
    let path = dir.join(RUNS_CSV);
    let mut bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
    let end = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    bytes.truncate(end);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let header = r.headers().map_err(|e| csv_err(&path, e))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Other(format!("'{}' has no column '{name}'", path.display())))
    };
    check_outcome_names(dir, m)?;
    let (c_run, c_point, c_status) = (col("run")?, col("point")?, col("status")?);
    let (c_rep, c_seed) = (col("replicate")?, col("seed")?);
    let c_out: Vec<usize> = m.outcomes.iter().map(|o| col(o)).collect::<Result<_>>()?;
    let np = m.points.len();
    let mut values = vec![vec![Vec::new(); m.outcomes.len()]; np];
    let mut failed = vec![0u64; np];
    let mut runs = 0u64;
    // Line of each run seen so far, to refuse a run listed twice.
    let mut seen: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    let bad_row = |line: u64, msg: String| {
        Error::Input(crate::error::InputError::new(
            path.display().to_string(),
            None,
            format!("line {line}: {msg}"),
        )
        .hint("the file was edited or mixed with another sweep's; restore it, or rerun with `woundsim sweep FILE --out DIR --resume`"))
    };
    for rec in r.records() {
        let rec = rec.map_err(|e| csv_err(&path, e))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let num = |c: usize| rec.get(c).and_then(|s| s.parse::<u64>().ok());
        let run = num(c_run)
            .filter(|r| *r < m.n_runs && m.shard.is_none_or(|s| s.contains(*r)))
            .ok_or_else(|| {
                bad_row(
                    line,
                    format!(
                        "run '{}' is not a run of this sweep{}",
                        rec.get(c_run).unwrap_or(""),
                        match m.shard {
                            Some(s) => format!(" (shard {s} of {} runs)", m.n_runs),
                            None => format!(" (runs 0 to {})", m.n_runs.saturating_sub(1)),
                        }
                    ),
                )
            })?;
        if let Some(first) = seen.insert(run, line) {
            return Err(bad_row(
                line,
                format!("run {run} appears twice (first on line {first})"),
            ));
        }
        let reps = m.replicates.max(1);
        let (want_point, want_rep) = (run / reps, run % reps);
        let want_seed = crate::rng::derive_seed(m.seed, &[want_point, want_rep]);
        if num(c_point) != Some(want_point)
            || num(c_rep) != Some(want_rep)
            || num(c_seed) != Some(want_seed)
        {
            return Err(bad_row(
                line,
                format!(
                    "run {run} should be point {want_point}, replicate {want_rep}, seed {want_seed}"
                ),
            ));
        }
        let point = want_point as usize;
        if point >= np {
            return Err(bad_row(line, format!("point {point} is not in sweep.json")));
        }
        runs += 1;
        if rec.get(c_status) != Some("ok") {
            failed[point] += 1;
            continue;
        }
        for (k, &c) in c_out.iter().enumerate() {
            if let Some(x) = rec
                .get(c)
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|x| x.is_finite())
            {
                values[point][k].push(x);
            }
        }
    }
    Ok((values, failed, runs))
}

/// Every outcome that `sweep.json` lists must be one woundsim computes, so
/// that none is silently reported as undefined everywhere.
pub(super) fn check_outcome_names(dir: &Path, m: &Manifest) -> Result<()> {
    use crate::sweep::file::EXTRA_OUTCOMES;
    let known: Vec<&str> = crate::observe::OUTCOMES
        .iter()
        .chain(EXTRA_OUTCOMES.iter())
        .copied()
        .collect();
    for o in &m.outcomes {
        if known.contains(&o.as_str()) || o.strip_prefix("final.").is_some_and(|c| !c.is_empty()) {
            continue;
        }
        let mut e = crate::error::InputError::new(
            dir.join(crate::sweep::store::SWEEP_JSON)
                .display()
                .to_string(),
            Some("outcomes"),
            format!("unknown outcome '{o}'"),
        )
        .allowed(format!(
            "{} or final.<time-series column>",
            known.join(", ")
        ));
        if let Some(n) = crate::scenario::nearest(o, known.iter().copied()) {
            e = e.hint(format!("did you mean '{n}'?"));
        }
        return Err(Error::Input(e));
    }
    Ok(())
}

pub(super) fn design_points(m: &Manifest) -> Vec<DesignPoint> {
    m.points
        .iter()
        .map(|p| DesignPoint {
            index: p.point as usize,
            unit: p.unit.clone(),
            levels: vec![],
            saltelli: p.saltelli,
        })
        .collect()
}
