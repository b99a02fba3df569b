//! Setup helpers shared with the criterion benches in benches/: solver cases, warmed states, added agents, timed phases.

use super::*;

// ---------------------------------------------------------------------------
// Setup helpers (shared with benches/)
// ---------------------------------------------------------------------------

/// The benchmarked field: VEGF with Dirichlet value 1 on every side.
pub(super) fn bench_field() -> FieldSpec {
    FieldSpec {
        initial: 1.0,
        far_field: 1.0,
        boundary_x_min: Boundary::Dirichlet,
        boundary_x_max: Boundary::Dirichlet,
        boundary_y_min: Boundary::Dirichlet,
        boundary_y_max: Boundary::Dirichlet,
        ..default_fields()["vegf"].clone()
    }
}

/// A field step of the solver on a square grid with `fields` copies of the
/// VEGF species (Dirichlet value 1 on every side, so values never decay into
/// subnormal numbers however many steps are taken).
pub struct SolverCase {
    /// The grid.
    pub grid: Grid,
    /// Field values.
    pub fields: Fields,
    /// Sources (zero; the solver's source stage still reads them).
    pub sources: Sources,
    /// Solver factors for a 15-min step.
    pub solver: Solver,
}

impl SolverCase {
    /// An `n × n` grid of 20-µm voxels with `fields` fields.
    pub fn new(n: usize, fields: usize) -> Self {
        let grid = Grid {
            nx: n,
            ny: n,
            nz: 1,
            dx_um: 20.0,
            dz_um: 20.0,
        };
        let base = bench_field();
        let specs: Vec<(String, FieldSpec)> = (0..fields)
            .map(|i| (format!("f{i}"), base.clone()))
            .collect();
        SolverCase {
            grid,
            fields: Fields::new(&grid, &specs),
            sources: Sources::new(&grid, fields),
            solver: Solver::new(&grid, &specs, 15.0),
        }
    }

    /// An `nx × ny × nz` grid of 20 × 20 × `dz_um` µm voxels with `fields`
    /// copies of the VEGF species, Dirichlet value 1 on every face (as
    /// [`SolverCase::new`]); the top `gel_layers` layers diffuse 3 times
    /// slower (a gel), so the factors differ from layer to layer.
    ///
    /// # Panics
    /// If a count is zero or `dz_um` is not a positive finite number.
    pub fn new_3d(
        nx: usize,
        ny: usize,
        nz: usize,
        dz_um: f64,
        fields: usize,
        gel_layers: usize,
    ) -> Self {
        let grid = Grid::new(nx, ny, nz, 20.0, dz_um).expect("a valid benchmark grid");
        let base = bench_field();
        let specs: Vec<(String, FieldSpec)> = (0..fields)
            .map(|i| (format!("f{i}"), base.clone()))
            .collect();
        let layers: Vec<FieldLayers> = specs
            .iter()
            .map(|(_, s)| {
                let mut l = FieldLayers::uniform(&grid, s);
                l.bottom = (Boundary::Dirichlet, 1.0);
                l.top = (Boundary::Dirichlet, 1.0);
                for d in l.diffusion_um2_per_min.iter_mut().rev().take(gel_layers) {
                    *d /= 3.0;
                }
                l
            })
            .collect();
        SolverCase {
            grid,
            fields: Fields::new(&grid, &specs),
            sources: Sources::new(&grid, fields),
            solver: Solver::layered(&grid, &specs, &layers, 15.0).expect("valid benchmark layers"),
        }
    }

    /// Voxel-field updates of one step.
    pub fn work(&self) -> usize {
        self.grid.len() * self.fields.len()
    }

    /// One field step (true when every value stayed finite and non-negative).
    pub fn step(&mut self) -> bool {
        self.solver.step(&mut self.fields, &mut self.sources)
    }
}

/// The built-in default scenario with `overrides` (`key=value`), validated.
pub fn default_params(overrides: &[String]) -> Result<Params> {
    let s = Scenario::builtin(overrides)?;
    Ok(Params::new(s, BUILTIN_LABEL)?)
}

/// A state of `p` (nominal patient, `seed`) advanced `steps` base steps,
/// with its workspace.
pub fn warm_state(p: &Params, seed: u64, steps: u64) -> Result<(SimState, Workspace)> {
    let mut st = SimState::new(p, seed, p.patient);
    let mut ws = Workspace::new(p, &st);
    for _ in 0..steps.min(p.steps.total) {
        sim::step(p, &mut st, &mut ws)?;
    }
    Ok((st, ws))
}

/// How many agents of each kind a benchmark state should hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentCounts {
    /// MSCs.
    pub mscs: usize,
    /// Macrophages.
    pub macrophages: usize,
    /// Endothelial tip cells.
    pub tips: usize,
    /// Neutrophils (every fourth one apoptotic, so efferocytosis is timed too).
    pub neutrophils: usize,
}

/// Top up the agent stores of `st` to at least `counts`, placing the new
/// agents uniformly at random inside the initial wound (new ids, so stores
/// stay sorted). New MSCs are live, anchored and outside any carrier; new
/// macrophages have a uniformly random polarization. Placement draws come
/// from streams of a seed derived from the run seed, so the state is
/// reproducible.
pub fn add_agents(p: &Params, st: &mut SimState, counts: AgentCounts) {
    let seed = derive_seed(st.seed, &[0xbe_5c]);
    // In the bed layer (the slice centre in 2D).
    let z = p.grid.z_center(p.depth.bed) as f32;
    let place = |id: u64| -> (f32, f32, Stream) {
        let g = &p.grid;
        let w = &p.scenario.wound;
        let (ww, wh) = crate::tissue::wound_extent_um(w);
        let (cx, cy) = (
            w.center_x_frac * g.width_um(),
            w.center_y_frac * g.height_um(),
        );
        let mut rng = Stream::new(seed, id, 0, Purpose::Setup);
        for _ in 0..64 {
            let x = cx + (rng.uniform() - 0.5) * ww;
            let y = cy + (rng.uniform() - 0.5) * wh;
            if crate::tissue::in_wound(w, g, x, y) {
                let (x, y) = g.clamp(x as f32, y as f32);
                return (x, y, rng);
            }
        }
        let (x, y) = g.clamp(cx as f32, cy as f32);
        (x, y, rng)
    };
    while st.mscs.len() < counts.mscs {
        let id = st.new_id();
        let (x, y, _) = place(id);
        st.mscs.push(id, x, y, z, false, 0.0);
    }
    while st.macs.len() < counts.macrophages {
        let id = st.new_id();
        let (x, y, mut rng) = place(id);
        st.macs.push(id, x, y, z, rng.uniform() as f32);
    }
    while st.tips.len() < counts.tips {
        let id = st.new_id();
        let (x, y, _) = place(id);
        st.tips.push(id, x, y, z);
    }
    while st.neutrophils.len() < counts.neutrophils {
        let id = st.new_id();
        let (x, y, _) = place(id);
        st.neutrophils.push(id, x, y, z);
        if id.is_multiple_of(4) {
            *st.neutrophils.state.last_mut().expect("just pushed") =
                crate::agents::neutrophil_state::APOPTOTIC;
        }
    }
}

/// The agents that give a phase of the registry `n` agents to visit, for
/// the `agents/<phase>/<n>` items (`None`: the phase visits no one kind of
/// agent; it is timed only on the warmed state, as `phases/<phase>`).
pub fn agents_for(phase: Phase, n: usize) -> Option<AgentCounts> {
    let none = AgentCounts::default();
    match phase {
        Phase::MscFate => Some(AgentCounts { mscs: n, ..none }),
        Phase::Macrophages => Some(AgentCounts {
            macrophages: n,
            ..none
        }),
        Phase::Angiogenesis => Some(AgentCounts { tips: n, ..none }),
        Phase::Neutrophils => Some(AgentCounts {
            neutrophils: n,
            ..none
        }),
        _ => None,
    }
}

/// Agent counts of the secretion item: `n` agents, half MSCs, half
/// macrophages.
pub fn secretion_agents(n: usize) -> AgentCounts {
    AgentCounts {
        mscs: n / 2,
        macrophages: n - n / 2,
        tips: 0,
        neutrophils: 0,
    }
}

/// Agents in `st`: the work of an agent item.
pub fn agent_count(st: &SimState) -> usize {
    st.mscs.len() + st.macs.len() + st.tips.len() + st.neutrophils.len()
}

/// Run `phase` of the registry ([`sim::run_phase`]) once on a copy of `st`
/// and return its wall time. Untimed preparation: the copy, the neighbour
/// bins (as in the step) and zeroed sources.
pub fn time_phase(p: &Params, st: &SimState, ws: &mut Workspace, phase: Phase) -> Result<Duration> {
    let mut st = st.clone();
    ws.sources.clear();
    ws.mac_bins.rebuild(&st.macs.x, &st.macs.y);
    ws.neu_bins.rebuild(&st.neutrophils.x, &st.neutrophils.y);
    ws.tip_bins.rebuild(&st.tips.x, &st.tips.y);
    let t0 = Instant::now();
    sim::run_phase(phase, p, &mut st, ws)?;
    let t = t0.elapsed();
    drop(st);
    Ok(t)
}

/// Time the tissue sources and uptake (`sim::systems::tissue_sources`,
/// part of the sources phase) once on `st`, with zeroed sources.
pub fn time_tissue_sources(p: &Params, st: &SimState, ws: &mut Workspace) -> Duration {
    ws.sources.clear();
    let t0 = Instant::now();
    sim::systems::tissue_sources(p, st, ws);
    t0.elapsed()
}

/// Time the MSC, macrophage and depot secretion
/// (`sim::systems::secretion`, part of the sources phase) once on `st`,
/// with zeroed sources.
pub fn time_secretion(p: &Params, st: &SimState, ws: &mut Workspace) -> Duration {
    ws.sources.clear();
    let t0 = Instant::now();
    sim::systems::secretion(p, st, ws);
    t0.elapsed()
}
