//! [`NativeSimulation`]: one simulation held in memory, stepped from Python.

use super::*;

/// Little-endian-or-native bytes of a slice of plain numbers.
fn bytes_of<'py, T: Copy, const N: usize>(
    py: Python<'py>,
    it: impl Iterator<Item = T>,
    len: usize,
    to: impl Fn(T) -> [u8; N],
) -> Bound<'py, PyBytes> {
    let mut buf = Vec::with_capacity(len * N);
    for v in it {
        buf.extend_from_slice(&to(v));
    }
    PyBytes::new(py, &buf)
}

/// Scenario sections whose keys [`NativeSimulation::set`] may change
/// between steps: rates and responses of the mechanisms. The others shape
/// the grid, the clock, the outputs or the patient drawn at the start.
const SETTABLE: [&str; 6] = [
    "tissue",
    "msc",
    "macrophage",
    "angiogenesis",
    "closure",
    "fields",
];

/// One simulation held in memory: validated parameters, the state and its
/// workspace, stepped by [`NativeSimulation::step`].
#[pyclass(module = "woundsim._native")]
pub struct NativeSimulation {
    params: Params,
    state: SimState,
    workspace: Workspace,
    times: PhaseTimes,
    pool: Option<rayon::ThreadPool>,
}

impl NativeSimulation {
    /// A thread pool of `threads` workers (none: the global pool), the
    /// state made by `make` inside it, and its workspace.
    fn build(
        py: Python<'_>,
        params: Params,
        threads: Option<usize>,
        make: impl FnOnce(&Params) -> SimState + Send,
    ) -> PyResult<Self> {
        woundsim_io::run::check_memory(&params, woundsim_io::run::total_memory_mib())
            .map_err(|e| to_py(py, e))?;
        let pool = match threads {
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n.max(1))
                    .build()
                    .map_err(|e| WoundsimError::new_err(format!("thread pool: {e}")))?,
            ),
            None => None,
        };
        let p = &params;
        let build = move || {
            let state = make(p);
            let workspace = Workspace::new(p, &state);
            (state, workspace)
        };
        let (state, workspace) = py.detach(|| match &pool {
            Some(pool) => pool.install(build),
            None => build(),
        });
        Ok(NativeSimulation {
            params,
            state,
            workspace,
            times: PhaseTimes::default(),
            pool,
        })
    }
}

#[pymethods]
impl NativeSimulation {
    /// `kind` is "builtin", "shipped" (source = name), "file" (source =
    /// path) or "json" (source = a scenario table as JSON); `sets` are
    /// `key.path=value` overrides as on the CLI; `threads` builds a pool of
    /// its own (default: the global pool, RAYON_NUM_THREADS or all cores);
    /// `seed` replaces the scenario's seed after the overrides.
    #[new]
    #[pyo3(signature = (kind, source, sets, threads=None, seed=None))]
    fn new(
        py: Python<'_>,
        kind: &str,
        source: Option<&str>,
        sets: Vec<String>,
        threads: Option<usize>,
        seed: Option<u64>,
    ) -> PyResult<Self> {
        let params = load_params(py, kind, source, &sets, seed)?;
        let seed = params.scenario.seed;
        NativeSimulation::build(py, params, threads, |p| {
            let patient = woundsim_core::cohort::patient_for(p, seed);
            SimState::new(p, seed, patient)
        })
    }

    /// A simulation continued from checkpoint bytes (those of
    /// [`NativeSimulation::checkpoint`] or a run directory's
    /// `checkpoint.bin`; `origin` names them in errors).
    #[staticmethod]
    #[pyo3(signature = (data, origin, threads=None))]
    fn restore(
        py: Python<'_>,
        data: &[u8],
        origin: &str,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let (params, state) =
            woundsim_io::run::restore_bytes(data, origin).map_err(|e| to_py(py, e))?;
        let mut state = Some(state);
        NativeSimulation::build(py, params, threads, move |_| {
            state.take().expect("built once")
        })
    }

    /// The whole state as checkpoint bytes (the container of a run's
    /// `checkpoint.bin`); [`NativeSimulation::restore`] continues it bit for bit.
    fn checkpoint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = woundsim_io::run::checkpoint_bytes(&self.params, &self.state)
            .map_err(|e| to_py(py, e))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Change scenario keys between steps: `sets` are `key.path=value`
    /// overrides applied to the resolved scenario. Only keys of the
    /// sections in [`SETTABLE`] may change (not the grid, time, output,
    /// patient or the set of fields); the parameters are validated as at
    /// start-up and the workspace rebuilt from the state (as on resuming a
    /// checkpoint). On an error nothing changes.
    fn set(&mut self, py: Python<'_>, sets: Vec<String>) -> PyResult<()> {
        for s in &sets {
            let key = s.split_once('=').map_or(s.as_str(), |(k, _)| k).trim();
            let section = key.split('.').next().unwrap_or("");
            if !SETTABLE.contains(&section) || !key.contains('.') {
                return Err(input_err(
                    py,
                    format!(
                        "key '{key}' cannot change during a run (allowed between steps: {}; \
                         start a new Simulation for the others)",
                        SETTABLE.map(|s| format!("{s}.*")).join(", ")
                    ),
                    Some(key),
                    None,
                ));
            }
        }
        let label = self.params.label.clone();
        let scenario = Scenario::from_toml_str(&self.params.scenario.to_toml(), &label, &sets)
            .map_err(|e| core_input(py, &e))?;
        let params = Params::new(scenario, &label)
            .map_err(|e| scenario::blame_overrides(e, &sets))
            .map_err(|e| core_input(py, &e))?;
        if let Err(why) = self.state.validate(&params) {
            return Err(input_err(
                py,
                format!("{}: cannot change during a run: {why}", sets.join(" ")),
                None,
                None,
            ));
        }
        let old = &self.params;
        if params.grid != old.grid || params.steps != old.steps {
            return Err(input_err(
                py,
                format!(
                    "{}: would change the grid or the time steps",
                    sets.join(" ")
                ),
                None,
                None,
            ));
        }
        let NativeSimulation {
            state,
            pool,
            workspace,
            ..
        } = self;
        let state = &*state;
        let rebuild = || Workspace::new(&params, state);
        *workspace = py.detach(|| match pool {
            Some(pool) => pool.install(rebuild),
            None => rebuild(),
        });
        self.params = params;
        Ok(())
    }

    /// Advance up to `n` base steps (never past the scenario's end) with the
    /// GIL released, looking at Python's signal flags at least every 0.1 s
    /// of stepping (between steps), so Ctrl-C raises KeyboardInterrupt
    /// promptly and leaves the simulation at a whole step. Returns the steps
    /// done.
    fn step(&mut self, py: Python<'_>, n: u64) -> PyResult<u64> {
        let start = self.state.step;
        let target = start.saturating_add(n).min(self.params.steps.total);
        let NativeSimulation {
            params,
            state,
            workspace,
            times,
            pool,
        } = self;
        while state.step < target {
            let mut chunk = || {
                sim::with_polling_workers(|| {
                    let t0 = Instant::now();
                    while state.step < target {
                        sim::step_timed(params, state, workspace, times)?;
                        if t0.elapsed() >= SIGNAL_POLL {
                            break;
                        }
                    }
                    Ok::<(), Error>(())
                })
            };
            let r = py.detach(|| match pool {
                Some(pool) => pool.install(chunk),
                None => chunk(),
            });
            r.map_err(|e| to_py(py, e))?;
            py.check_signals()?;
        }
        Ok(state.step - start)
    }

    /// Base steps done so far.
    #[getter]
    fn step_count(&self) -> u64 {
        self.state.step
    }

    /// Base steps of the whole scenario (`time.days`).
    #[getter]
    fn total_steps(&self) -> u64 {
        self.params.steps.total
    }

    /// Simulated day reached.
    #[getter]
    fn day(&self) -> f64 {
        self.state.day(&self.params)
    }

    /// Worker threads stepping this simulation.
    #[getter]
    fn threads(&self) -> usize {
        match &self.pool {
            Some(p) => p.current_num_threads(),
            None => rayon::current_num_threads(),
        }
    }

    /// Voxels along x.
    #[getter]
    fn nx(&self) -> usize {
        self.params.grid.nx
    }

    /// Voxels along y.
    #[getter]
    fn ny(&self) -> usize {
        self.params.grid.ny
    }

    /// Base steps at which the CLI writes field snapshots
    /// (`output.snapshot_days` / `output.snapshot_every_days` and the last
    /// step), sorted.
    #[getter]
    fn snapshot_steps(&self) -> Vec<u64> {
        self.params.steps.snapshots.clone()
    }

    /// Layer thickness along z (µm; equals `dx_um` in 2D).
    #[getter]
    fn dz_um(&self) -> f64 {
        self.params.grid.dz_um
    }

    /// Voxels along z (1 in 2D).
    #[getter]
    fn nz(&self) -> usize {
        self.params.grid.nz
    }

    /// Voxel size (µm).
    #[getter]
    fn dx_um(&self) -> f64 {
        self.params.grid.dx_um
    }

    /// The scenario's label (file path, shipped name or built-in).
    #[getter]
    fn label(&self) -> &str {
        &self.params.label
    }

    /// The time series so far, as the CSV text `timeseries.csv` holds.
    fn timeseries_csv(&self, py: Python<'_>) -> PyResult<String> {
        let cols = observe::columns(&self.params);
        let bytes = woundsim_io::output::timeseries_csv(&cols, &self.state.rows)
            .map_err(|e| to_py(py, e))?;
        String::from_utf8(bytes).map_err(|e| WoundsimError::new_err(e.to_string()))
    }

    /// The summary of the rows so far, as the JSON `summary.json` holds.
    fn summary_json(&self) -> PyResult<String> {
        let cols = observe::columns(&self.params);
        let mut s = Summary::from_rows(&self.params, self.state.seed, &cols, &self.state.rows);
        s.agent_cap_hit_day = self
            .state
            .agent_cap_hit_step
            .map(|st| self.params.steps.day(st));
        serde_json::to_string(&s).map_err(|e| WoundsimError::new_err(e.to_string()))
    }

    /// The fully resolved scenario as TOML (as in the manifest).
    fn scenario_toml(&self) -> String {
        self.params.scenario.to_toml()
    }

    /// Field names and units, in field order.
    fn fields(&self) -> Vec<(String, String)> {
        let f = &self.state.fields;
        f.names
            .iter()
            .cloned()
            .zip(f.units.iter().cloned())
            .collect()
    }

    /// Where field `name` lives: (address, number of f32 values) of its
    /// `(nz·ny, nx)` array in the state. The array is allocated once with
    /// the state and updated in place by every step (never moved or
    /// resized), so the address stays valid for the life of this object;
    /// the Python layer wraps it as a read-only numpy view that keeps this
    /// object alive.
    fn field_address(&self, py: Python<'_>, name: &str) -> PyResult<(usize, usize)> {
        let f = &self.state.fields;
        let Some(i) = f.names.iter().position(|n| n == name) else {
            return Err(input_err(
                py,
                format!("unknown field '{name}' (allowed: {})", f.names.join(", ")),
                None,
                None,
            ));
        };
        let a = &f.data[i];
        let s = a
            .as_slice()
            .ok_or_else(|| WoundsimError::new_err("internal: field not contiguous"))?;
        Ok((s.as_ptr() as usize, s.len()))
    }

    /// Field `name` as native-endian f32 bytes in (ny, nx) row-major order
    /// (one copy of the field).
    fn field_bytes<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyBytes>> {
        let f = &self.state.fields;
        let Some(i) = f.names.iter().position(|n| n == name) else {
            return Err(input_err(
                py,
                format!("unknown field '{name}' (allowed: {})", f.names.join(", ")),
                None,
                None,
            ));
        };
        let a = &f.data[i];
        Ok(bytes_of(py, a.iter().copied(), a.len(), f32::to_ne_bytes))
    }

    /// The open-wound mask (u8, 1 = open) or the vessel map (u8: 0 none,
    /// 1 sprout, 2 perfused, 3 abnormal, 4 mature) as bytes in (ny, nx)
    /// order; `which` is "wound" or "vessels".
    fn mask_bytes<'py>(&self, py: Python<'py>, which: &str) -> PyResult<Bound<'py, PyBytes>> {
        let t = &self.state.tissue;
        let a = match which {
            "wound" => &t.open,
            "vessels" => &t.vessel,
            _ => {
                return Err(input_err(
                    py,
                    format!("unknown map '{which}' (allowed: wound, vessels)"),
                    None,
                    None,
                ))
            }
        };
        Ok(PyBytes::new(py, &a.iter().copied().collect::<Vec<u8>>()))
    }

    /// The agents of `kind` ("msc", "macrophage", "neutrophil", "fibroblast"
    /// or "tip") as columns
    /// (name → list; the u8 column `state_code` as bytes), in id order;
    /// in 3D also `z_um`, the height above the bottom face.
    fn agents<'py>(&self, py: Python<'py>, kind: &str) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        match kind {
            "msc" => {
                let m = &self.state.mscs;
                d.set_item("id", &m.id)?;
                d.set_item("x_um", &m.x)?;
                d.set_item("y_um", &m.y)?;
                d.set_item("state_code", &m.state)?;
                d.set_item("in_carrier", &m.in_carrier)?;
                d.set_item("age_min", &m.age_min)?;
            }
            "macrophage" => {
                let m = &self.state.macs;
                d.set_item("id", &m.id)?;
                d.set_item("x_um", &m.x)?;
                d.set_item("y_um", &m.y)?;
                d.set_item("polarization", &m.pol)?;
            }
            "neutrophil" => {
                let n = &self.state.neutrophils;
                d.set_item("id", &n.id)?;
                d.set_item("x_um", &n.x)?;
                d.set_item("y_um", &n.y)?;
                d.set_item("state_code", &n.state)?;
                d.set_item("apoptotic_min", &n.apoptotic_min)?;
            }
            "fibroblast" => {
                let f = &self.state.fibroblasts;
                d.set_item("id", &f.id)?;
                d.set_item("x_um", &f.x)?;
                d.set_item("y_um", &f.y)?;
                d.set_item("state_code", &f.state)?;
            }
            "tip" => {
                let t = &self.state.tips;
                d.set_item("id", &t.id)?;
                d.set_item("x_um", &t.x)?;
                d.set_item("y_um", &t.y)?;
                d.set_item("age_min", &t.age_min)?;
            }
            _ => {
                return Err(input_err(
                    py,
                    format!(
                        "unknown agent kind '{kind}' (allowed: msc, macrophage, neutrophil, fibroblast, tip)"
                    ),
                    None,
                    None,
                ))
            }
        }
        // Heights in 3D (a snapshot's agents.csv has them there too).
        if self.params.grid.nz > 1 {
            let z = match kind {
                "msc" => &self.state.mscs.z,
                "macrophage" => &self.state.macs.z,
                "neutrophil" => &self.state.neutrophils.z,
                _ => &self.state.tips.z,
            };
            d.set_item("z_um", z)?;
        }
        Ok(d)
    }
}
