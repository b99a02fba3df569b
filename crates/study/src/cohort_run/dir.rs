//! Cohort directories: the manifest, running, resuming and failing in a directory.

use super::*;

/// The manifest of a cohort (or comparison) directory: a run manifest of
/// the (first) scenario, with its master seed as `seed`, plus the number of
/// replicates and every scenario's source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CohortManifest {
    /// The run-manifest fields (of the first scenario).
    #[serde(flatten)]
    pub run: Manifest,
    /// Replicates per scenario.
    pub replicates: u64,
    /// Sources of all scenarios (one for a cohort).
    pub scenario_sources: Vec<String>,
    /// The resolved scenarios as TOML, in the order of `scenario_sources`
    /// (what `woundsim resume` runs).
    #[serde(default)]
    pub scenarios_toml: Vec<String>,
    /// Plots are drawn.
    #[serde(default)]
    pub plots: bool,
    /// The replicates whose run reached `limits.max_agents` (births or a
    /// dose were cut short), in scenario and replicate order; absent when
    /// none did. `agent_cap_hit_day` is then the earliest of their days.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agent_cap_hits: Vec<CapHit>,
}

/// A replicate of a cohort that reached the agent cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapHit {
    /// Source of its scenario (as in `scenario_sources`).
    pub scenario_source: String,
    /// Replicate index (0-based).
    pub replicate: u64,
    /// Its run seed.
    pub seed: u64,
    /// First day on which the cap cut births or a dose short.
    pub day: f64,
}

/// The replicates of `cohorts` that reached the agent cap.
pub fn cap_hits(cohorts: &[Cohort]) -> Vec<CapHit> {
    cohorts
        .iter()
        .flat_map(|c| {
            c.replicates.iter().filter_map(|r| {
                r.output.summary.agent_cap_hit_day.map(|day| CapHit {
                    scenario_source: c.source.clone(),
                    replicate: r.index,
                    seed: r.seed,
                    day,
                })
            })
        })
        .collect()
}

impl CohortManifest {
    /// Read `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<CohortManifest> {
        let path = dir.join("manifest.json");
        let bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::Input(crate::error::InputError::new(
                path.display().to_string(),
                None,
                format!("unreadable cohort manifest: {e}"),
            ))
        })
    }

    /// The scenarios of the manifest, validated again.
    pub fn params(&self) -> Result<Vec<Params>> {
        if self.scenarios_toml.len() != self.scenario_sources.len()
            || self.scenarios_toml.is_empty()
        {
            return Err(Error::Input(crate::error::InputError::new(
                "manifest.json",
                Some("scenarios_toml"),
                "the manifest does not hold every resolved scenario (written by an older woundsim?); \
                 the directory cannot be resumed",
            )));
        }
        self.scenarios_toml
            .iter()
            .zip(&self.scenario_sources)
            .map(|(toml, label)| {
                let s = crate::scenario::Scenario::from_toml_str(toml, label, &[])?;
                Ok(Params::new(s, label)?)
            })
            .collect()
    }
}

/// Write `manifest.json` of a cohort-like directory for the scenarios
/// `params` (at least one). On a full disk the manifest is rewritten in
/// place as a last resort, so that a stopped cohort is still marked.
pub fn write_manifest(
    dir: &Path,
    params: &[Params],
    replicates: u64,
    status: Status,
    wall_s: f64,
    error: Option<String>,
) -> Result<()> {
    let stage = match status {
        Status::Running => Stage::Running,
        Status::Complete => Stage::Complete(&[]),
        status => Stage::Stopped {
            status,
            error: error.unwrap_or_default(),
        },
    };
    write_manifest_with(dir, params, replicates, stage, wall_s, true)
}

/// Where a cohort-like directory stands, as its manifest records it.
pub(crate) enum Stage<'a> {
    /// Started, not finished.
    Running,
    /// Finished with these cohorts (their agent-cap hits are listed).
    Complete(&'a [Cohort]),
    /// Interrupted or failed, with the reason.
    Stopped {
        /// `Interrupted` or `Failed`.
        status: Status,
        /// What stopped it.
        error: String,
    },
}

pub(crate) fn write_manifest_with(
    dir: &Path,
    params: &[Params],
    replicates: u64,
    stage: Stage,
    wall_s: f64,
    plots: bool,
) -> Result<()> {
    let p = params
        .first()
        .ok_or_else(|| Error::Other("a manifest needs a scenario".into()))?;
    let (status, error, cohorts, day) = match stage {
        Stage::Running => (Status::Running, None, &[][..], 0.0),
        Stage::Complete(c) => (Status::Complete, None, c, p.scenario.time.days),
        Stage::Stopped { status, error } => (status, Some(error), &[][..], 0.0),
    };
    let agent_cap_hits = cap_hits(cohorts);
    let mut run = run::manifest(p, p.scenario.seed, status, wall_s, day, error, dir);
    run.agent_cap_hit_day = agent_cap_hits.iter().map(|h| h.day).reduce(f64::min);
    let m = CohortManifest {
        run,
        replicates,
        scenario_sources: params.iter().map(|p| p.label.clone()).collect(),
        scenarios_toml: params.iter().map(|p| p.scenario.to_toml()).collect(),
        plots,
        agent_cap_hits,
    };
    let path = dir.join("manifest.json");
    match output::write_json(&path, &m) {
        Err(e) if status != Status::Running => {
            output::overwrite_json_in_place(&path, &m).map_err(|_| e)
        }
        r => r,
    }
}

/// Options of [`run_in_dir`].
#[derive(Default, Clone)]
pub struct DirOptions<'a> {
    /// Overwrite a non-empty directory.
    pub force: bool,
    /// Draw `plots/cohort.png`.
    pub plots: bool,
    /// Interruption and progress.
    pub run: Options<'a>,
}

/// The manifest status of a cohort that stopped with an error: interrupted
/// when its interrupt flag was raised, failed otherwise.
pub(crate) fn failure_status(interrupt: Option<&std::sync::atomic::AtomicBool>) -> Status {
    if interrupt.is_some_and(|f| f.load(Ordering::SeqCst)) {
        Status::Interrupted
    } else {
        Status::Failed
    }
}

/// An interruption error names the directory to resume.
pub(crate) fn with_dir(e: Error, dir: &Path) -> Error {
    match e {
        Error::InterruptedReplicates { done, total, .. } => Error::InterruptedReplicates {
            done,
            total,
            dir: Some(dir.to_path_buf()),
        },
        other => other,
    }
}

/// Run `p` as a cohort of `replicates` into `dir` (locked; `manifest.json`
/// says `running` until every file is written, then `complete`; `failed`
/// or `interrupted` otherwise). Each replicate is stored as soon as it
/// finishes, so an interrupted or failed cohort continues with
/// [`resume_in_dir`].
pub fn run_in_dir(p: &Params, replicates: u64, dir: &Path, opts: &DirOptions) -> Result<Cohort> {
    check_replicates(replicates)?;
    check_cohort_size(
        std::slice::from_ref(p),
        replicates,
        run::available_memory_mib(),
    )?;
    let _lock = output::prepare_dir(dir, opts.force, &output::OutputKind::cohort())?;
    drive(p, replicates, dir, opts.plots, &opts.run, 0.0)
}

/// Continue an interrupted or failed cohort in `dir`: the replicates stored
/// there are kept, the missing ones run, and the cohort files written; the
/// result equals an uninterrupted cohort's byte for byte.
pub fn resume_in_dir(dir: &Path, opts: &Options) -> Result<Cohort> {
    let m = open_resumable(dir, "cohort")?;
    let params = m.params()?;
    let _lock = output::DirLock::acquire(dir)?;
    drive(
        &params[0],
        m.replicates,
        dir,
        m.plots,
        opts,
        m.run.wall_time_s,
    )
}

/// Read the manifest of a cohort-like directory of `kind` to resume.
pub(crate) fn open_resumable(dir: &Path, kind: &str) -> Result<CohortManifest> {
    let bad = |msg: String| {
        Error::Input(crate::error::InputError::new(
            dir.display().to_string(),
            None,
            msg,
        ))
    };
    match output::read_marker(dir) {
        Ok(Some(mk)) if mk.kind == kind => {}
        Ok(Some(mk)) => return Err(bad(format!("holds a {}, not a {kind}", mk.kind))),
        Ok(None) => {
            return Err(bad(format!(
                "not a woundsim {kind} directory (no {})",
                output::MARKER
            )))
        }
        Err(e) => return Err(bad(e)),
    }
    let m = CohortManifest::read(dir)?;
    if m.run.status == Status::Complete {
        return Err(bad(format!(
            "the {kind} is already complete; nothing to resume"
        )));
    }
    Ok(m)
}

pub(super) fn drive(
    p: &Params,
    replicates: u64,
    dir: &Path,
    plots: bool,
    opts: &Options,
    wall0: f64,
) -> Result<Cohort> {
    let t0 = Instant::now();
    let params = std::slice::from_ref(p);
    write_manifest_with(dir, params, replicates, Stage::Running, wall0, plots)?;
    let store = [dir.to_path_buf()];
    let result = run_cohorts(params, replicates, opts, Some(&store))
        .and_then(|mut v| {
            v.pop()
                .ok_or_else(|| Error::Other("no cohort was produced".into()))
        })
        .and_then(|c| write_files(&c, dir, plots).map(|_| c))
        .and_then(|c| {
            write_manifest_with(
                dir,
                params,
                replicates,
                Stage::Complete(std::slice::from_ref(&c)),
                wall0 + t0.elapsed().as_secs_f64(),
                plots,
            )
            .map(|()| c)
        });
    result.map_err(|e| {
        remove_cohort_files(dir);
        let status = failure_status(opts.interrupt.as_deref());
        let e = with_dir(e, dir);
        let wall = wall0 + t0.elapsed().as_secs_f64();
        let _ = write_manifest_with(
            dir,
            params,
            replicates,
            Stage::Stopped {
                status,
                error: e.to_string(),
            },
            wall,
            plots,
        );
        e
    })
}

/// Default output directory of a cohort.
pub fn default_out_dir(p: &Params, replicates: u64) -> PathBuf {
    PathBuf::from("results").join(format!(
        "{}-cohort{replicates}-{}",
        p.scenario.name, p.scenario.seed
    ))
}
