//! The step: [`step`] runs the phases of the registry ([`crate::phase`]) in
//! the order of [`Phase::ALL`], each on the base steps its [`Cadence`]
//! names: dosing, sources, fields (with the neighbour bins), MSC fate,
//! neutrophils, macrophages, angiogenesis, remodelling, fibroblasts, closure,
//! standard care, bacteria, observe.
//!
//! Each phase's mechanism receives a view of the parts of the state and
//! workspace it reads and writes, built by split borrows in [`systems`].
//! The state ([`SimState`]) and workspace ([`Workspace`]) live in their own
//! modules and are re-exported here.

mod errors;
mod polling;
pub mod systems;

use crate::error::Result;
use crate::mechanisms;
pub use crate::mechanisms::tissue_sources::{o2_bound_mmhg, O2_BOUND_REL_TOL};
use crate::observe;
pub use crate::phase::{Cadence, Phase, PhaseTimes, Stopwatch};
use crate::scenario::Params;
pub use crate::state::SimState;
pub use crate::workspace::{voxel_bin, Workspace, BIN_UM};
pub use polling::with_polling_workers;

/// Advance one base step. Returns an error on a numerical failure.
///
/// The step runs on a worker of the current rayon pool (inline when called
/// from one), so its many parallel loops start from a worker thread: a loop
/// then needs no hand-over from an outside thread that sleeps until it ends.
pub fn step(p: &Params, st: &mut SimState, ws: &mut Workspace) -> Result<()> {
    step_timed(p, st, ws, &mut PhaseTimes::default())
}

/// [`step`], adding each phase's wall time to `times` (with the core's
/// `clock` feature; without it the times stay zero).
pub fn step_timed(
    p: &Params,
    st: &mut SimState,
    ws: &mut Workspace,
    times: &mut PhaseTimes,
) -> Result<()> {
    rayon::scope(|_| step_on_worker(p, st, ws, times))
}

/// The phases of [`Phase::ALL`] in order, each where its cadence says.
fn step_on_worker(
    p: &Params,
    st: &mut SimState,
    ws: &mut Workspace,
    times: &mut PhaseTimes,
) -> Result<()> {
    let k = st.step;
    if k == 0 && st.rows.is_empty() {
        let row = observe::observe(p, st);
        st.rows.push(row);
    }
    for phase in Phase::ALL {
        if phase == Phase::Observe {
            // Observation sees the state after the step.
            st.step += 1;
        }
        if !phase.info().cadence.due(&p.steps, k) {
            continue;
        }
        let clock = Stopwatch::start();
        run_phase(phase, p, st, ws)?;
        times.add(phase, clock.secs());
    }
    Ok(())
}

/// Run one phase of base step `st.step` (of the next step for
/// [`Phase::Observe`], which runs after the step counter moved on), whether
/// or not its cadence is due (that is [`step`]'s check); the bench suite
/// times the phases one by one with it.
pub fn run_phase(phase: Phase, p: &Params, st: &mut SimState, ws: &mut Workspace) -> Result<()> {
    match phase {
        Phase::Dosing => {
            let k = st.step;
            for i in 0..p.steps.doses.len() {
                if p.steps.doses[i] == k {
                    systems::dose(p, st, ws, i);
                }
            }
        }
        Phase::Sources => {
            systems::tissue_sources(p, st, ws);
            systems::secretion(p, st, ws);
            systems::neutrophil_secretion(p, st, ws);
            systems::fibroblast_secretion(p, st, ws);
            systems::keratinocyte_mmp(p, st, ws);
            systems::protease_cleavage(p, st, ws);
            systems::decay_depot(st, ws);
        }
        Phase::Fields => {
            // The neighbour bins of the cell processes are rebuilt alongside
            // the solve (no agent moves while the fields are solved).
            let field_step = Cadence::FieldStep.due(&p.steps, st.step);
            let cell_step = Cadence::CellStep.due(&p.steps, st.step);
            let (checked, ()) = rayon::join(
                || {
                    if field_step {
                        ws.solver.step_checked_at(
                            &mut st.fields,
                            &mut ws.sources,
                            st.step / p.steps.field_every,
                        )
                    } else {
                        Ok(())
                    }
                },
                || {
                    if cell_step {
                        ws.mac_bins.rebuild(&st.macs.x, &st.macs.y);
                        ws.neu_bins.rebuild(&st.neutrophils.x, &st.neutrophils.y);
                        ws.tip_bins.rebuild(&st.tips.x, &st.tips.y);
                    }
                },
            );
            if let Err(bad) = checked {
                return Err(errors::numerical_error(p, st, bad));
            }
        }
        Phase::MscState => systems::msc_state(p, st, ws),
        Phase::MscFate => {
            systems::msc_fate(p, st, ws);
            // Its events for the macrophages, applied before they move.
            systems::efferocytose(st, ws);
        }
        Phase::Neutrophils => {
            systems::neutrophils(p, st, ws);
            // Its events for the macrophages, applied before they move.
            systems::efferocytose_neutrophils(st, ws);
        }
        Phase::Macrophages => systems::macrophages(p, st, ws),
        Phase::Angiogenesis => systems::angiogenesis(p, st, ws),
        Phase::Remodelling => systems::remodel(p, st, ws),
        Phase::Fibroblasts => systems::fibroblasts(p, st, ws),
        Phase::Proteases => systems::protease_matrix(p, st, ws),
        Phase::Closure => systems::closure(p, st, ws),
        Phase::Care => systems::care(st, ws),
        Phase::Bacteria => systems::bacteria(p, st, ws),
        Phase::Observe => {
            // Check the capillary cap once per output step (a count over
            // the vessel map, cheap at that cadence).
            if let Some(bad) =
                mechanisms::angiogenesis::check_capillary_cap(p, &st.tissue, &ws.tip_bins)
            {
                return Err(errors::cap_error(p, st, bad));
            }
            let row = observe::observe(p, st);
            if st.rows.last().map(|r| r.step) != Some(st.step) {
                st.rows.push(row);
            }
        }
    }
    Ok(())
}
