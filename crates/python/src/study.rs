//! Cohorts and design sweeps in thread pools of their own, with Python's
//! signals checked while they run.

use super::*;

/// A thread pool of `threads` workers (none or 0: RAYON_NUM_THREADS or all
/// cores).
fn own_pool(threads: Option<usize>) -> PyResult<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| WoundsimError::new_err(format!("thread pool: {e}")))
}

/// Run `f` in `pool` with the GIL released, looking at Python's signal
/// flags every 20 ms from this (the calling) thread. On a signal that
/// raises (Ctrl-C: KeyboardInterrupt) `stop` is set, so `f` starts no
/// further run; the runs under way finish, then the exception is raised.
fn run_with_signals<R: Send>(
    py: Python<'_>,
    pool: &rayon::ThreadPool,
    stop: &AtomicBool,
    f: impl FnOnce() -> R + Send,
) -> PyResult<R> {
    let mut signal: Option<PyErr> = None;
    let joined = py.detach(|| {
        std::thread::scope(|s| {
            let h = s.spawn(|| pool.install(f));
            while !h.is_finished() {
                std::thread::sleep(Duration::from_millis(20));
                if signal.is_none() {
                    if let Err(e) = Python::attach(|py| py.check_signals()) {
                        stop.store(true, Ordering::SeqCst);
                        signal = Some(e);
                    }
                }
            }
            h.join()
        })
    });
    if let Some(e) = signal {
        return Err(e);
    }
    joined.map_err(|_| WoundsimError::new_err("internal: a worker thread panicked"))
}

/// Run the scenario as a cohort of `replicates` virtual patients, as
/// `woundsim run --replicates N` does (same seeds, same files' contents),
/// in a thread pool of its own. Returns the texts of `cohort.csv`,
/// `cohort_timeseries.csv` and `cohort_summary.json` and, per replicate,
/// (index, seed, timeseries CSV, summary JSON).
#[pyfunction]
#[pyo3(signature = (kind, source, sets, seed, replicates, threads=None))]
#[allow(clippy::type_complexity)]
pub(crate) fn cohort(
    py: Python<'_>,
    kind: &str,
    source: Option<&str>,
    sets: Vec<String>,
    seed: Option<u64>,
    replicates: u64,
    threads: Option<usize>,
) -> PyResult<(String, String, String, Vec<(u64, u64, String, String)>)> {
    let params = load_params(py, kind, source, &sets, seed)?;
    let pool = own_pool(threads)?;
    let stop = Arc::new(AtomicBool::new(false));
    let opts = woundsim_study::cohort_run::Options {
        interrupt: Some(stop.clone()),
        progress: None,
    };
    let c = run_with_signals(py, &pool, &stop, || {
        woundsim_study::cohort_run::simulate_cohort(&params, replicates, &opts)
    })?
    .map_err(|e| to_py(py, e))?;
    let text = |b: woundsim_core::error::Result<Vec<u8>>| -> PyResult<String> {
        let b = b.map_err(|e| to_py(py, e))?;
        String::from_utf8(b).map_err(|e| WoundsimError::new_err(e.to_string()))
    };
    let table = text(woundsim_study::cohort_run::cohort_csv(&c))?;
    let ts = text(woundsim_study::cohort_run::cohort_timeseries_csv(&c))?;
    let summary = to_json(&c.summary())?;
    let mut reps = Vec::with_capacity(c.replicates.len());
    for r in &c.replicates {
        let csv = text(woundsim_io::output::timeseries_csv(
            &r.output.columns,
            &r.output.rows,
        ))?;
        reps.push((r.index, r.seed, csv, to_json(&r.output.summary)?));
    }
    Ok((table, ts, summary, reps))
}

/// The seeds of replicates `0..n` of a cohort with master seed `master`
/// (as `woundsim run --replicates N` uses them).
#[pyfunction]
pub(crate) fn replicate_seeds(master: u64, n: u64) -> Vec<u64> {
    (0..n)
        .map(|i| woundsim_study::cohort_run::replicate_seed(master, i))
        .collect()
}

/// `v` as compact JSON.
fn to_json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| WoundsimError::new_err(e.to_string()))
}

/// Run every design point (a list of `key=value` overrides on top of the
/// scenario and `sets`) with every seed of `seeds`, in a thread pool of its
/// own; each run is `woundsim.run(scenario, seed=seed, overrides=point)`.
/// Every point is validated before any run starts (an error names the point
/// and the key). Returns one summary JSON per (point, seed), point-major.
#[pyfunction]
#[pyo3(signature = (kind, source, sets, points, seeds, threads=None))]
pub(crate) fn sweep_points(
    py: Python<'_>,
    kind: &str,
    source: Option<&str>,
    sets: Vec<String>,
    points: Vec<Vec<String>>,
    seeds: Vec<u64>,
    threads: Option<usize>,
) -> PyResult<Vec<String>> {
    use rayon::prelude::*;
    let mut all = Vec::with_capacity(points.len() * seeds.len());
    for (i, point) in points.iter().enumerate() {
        let mut s = sets.clone();
        s.extend(point.iter().cloned());
        for &seed in &seeds {
            let p = load_params(py, kind, source, &s, Some(seed)).map_err(|e| {
                let msg = format!("design point {i}: {}", e.value(py));
                let new = InputError::new_err(msg);
                for attr in ["key", "file"] {
                    if let Ok(v) = e.value(py).getattr(attr) {
                        let _ = new.value(py).setattr(attr, v);
                    }
                }
                new
            })?;
            all.push(p);
        }
    }
    if let Some(p) = all.first() {
        woundsim_io::run::check_memory(p, woundsim_io::run::total_memory_mib())
            .map_err(|e| to_py(py, e))?;
    }
    let pool = own_pool(threads)?;
    let stop = AtomicBool::new(false);
    let results = run_with_signals(py, &pool, &stop, || {
        all.par_iter()
            .map(|p| {
                if stop.load(Ordering::SeqCst) {
                    return Err(Error::Other("interrupted".into()));
                }
                woundsim_io::run::simulate(p, p.scenario.seed)
            })
            .collect::<Vec<_>>()
    })?;
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        let o = r.map_err(|e| to_py(py, e))?;
        out.push(to_json(&o.summary)?);
    }
    Ok(out)
}
