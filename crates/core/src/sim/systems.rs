//! The registration of every mechanism in the step: one function per phase
//! part that builds the mechanism's view from the state and workspace by
//! split borrows (so the view names exactly what it reads and writes) and
//! runs it. [`super::run_phase`] calls these in the order of the phase
//! registry; tests and benches may call one on its own.

use super::{SimState, Workspace};
use crate::mechanisms::angiogenesis::{self, Remodel, SproutStep, TipStep};
use crate::mechanisms::closure::{self, Closure};
use crate::mechanisms::fibroblasts::{self, FibroblastSecretion, FibroblastStep};
use crate::mechanisms::macrophages::{self, MacrophageStep};
use crate::mechanisms::msc_fate::{self, MscFate};
use crate::mechanisms::neutrophils::{self, NeutrophilSecretion, NeutrophilStep};
use crate::mechanisms::{bacteria, care, dosing, msc_state, proteases, secretion, tissue_sources};
use crate::scenario::Params;
use crate::state::births_from;

/// Dose `k` of the schedule, given at the current step.
pub fn dose(p: &Params, st: &mut SimState, ws: &Workspace, k: usize) {
    let others = st.macs.len() + st.neutrophils.len() + st.tips.len() + st.fibroblasts.len();
    dosing::apply(dosing::Dose {
        rates: &ws.rates.dosing,
        grid: &p.grid,
        seed: st.seed,
        step: st.step,
        dose: k,
        tissue: &mut st.tissue,
        vessel_list: &ws.vessel_list,
        tnf_bed: st.fields.layer(&p.grid, p.ids.tnf, p.depth.bed),
        mscs: &mut st.mscs,
        births: births_from(
            &mut st.next_id,
            &mut st.agent_cap_hit_step,
            st.step,
            p,
            others,
        ),
        depot_active: &mut st.depot_active,
        doses_given: &mut st.doses_given,
    });
}

/// Tissue sources and uptake into the workspace's source buffers.
pub fn tissue_sources(p: &Params, st: &SimState, ws: &mut Workspace) {
    tissue_sources::apply(tissue_sources::TissueSources {
        rates: &ws.rates.tissue_sources,
        vertical: &ws.rates.vertical,
        ids: p.ids,
        oxygen: &st.fields.data[p.ids.oxygen],
        exchange: &ws.o2_exchange,
        tissue: &st.tissue,
        sources: &mut ws.sources,
    });
}

/// MSC, macrophage and depot secretion into the workspace's source buffers.
pub fn secretion(p: &Params, st: &SimState, ws: &mut Workspace) {
    secretion::apply(secretion::Secretion {
        rates: &ws.rates.secretion,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        ids: p.ids,
        fields: &st.fields,
        mscs: &st.mscs,
        macs: &st.macs,
        depot: st.depot_active.then_some(&st.tissue.depot),
        vessel_list: &ws.vessel_list,
        sources: &mut ws.sources,
    });
}

/// Live neutrophils' secretion into the workspace's source buffers.
pub fn neutrophil_secretion(p: &Params, st: &SimState, ws: &mut Workspace) {
    let k = st.step / p.steps.field_every;
    let timp_due = ws
        .rates
        .neutrophils
        .timp_inactivation
        .is_some_and(|(t, _)| ws.solver.due(t, k));
    neutrophils::secrete(NeutrophilSecretion {
        rates: &ws.rates.neutrophils,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        neutrophils: &st.neutrophils,
        timp_due,
        sources: &mut ws.sources,
    });
}

/// Fibroblast and myofibroblast secretion into the workspace's source
/// buffers.
pub fn fibroblast_secretion(p: &Params, st: &SimState, ws: &mut Workspace) {
    fibroblasts::secrete(FibroblastSecretion {
        rates: &ws.rates.fibroblasts,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        fibroblasts: &st.fibroblasts,
        sources: &mut ws.sources,
    });
}

/// The growth factors' cleavage by free active MMP for one field step,
/// after bringing the free active MMP up to date with the last solve of
/// the `mmp` and `timp` fields.
pub fn protease_cleavage(p: &Params, st: &SimState, ws: &mut Workspace) {
    let r = &ws.rates.proteases;
    let Some(mmp) = r.mmp else {
        return;
    };
    // The solver step at which each field was last solved (none before the
    // first step): the free active MMP changes only then.
    let k = st.step / p.steps.field_every;
    let last = |f: usize| {
        let every = ws.solver.every(f);
        (k > 0).then(|| (k - 1) / every * every)
    };
    let at = (last(mmp), r.timp.and_then(last));
    if ws.protease_active_at != Some(at) {
        proteases::update_active(proteases::ActiveMmp {
            rates: r,
            fields: &st.fields,
            active: &mut ws.protease_active,
        });
        ws.protease_active_at = Some(at);
    }
    proteases::cleave(proteases::Cleavage {
        rates: &ws.rates.proteases,
        active: &ws.protease_active,
        sources: &mut ws.sources,
    });
}

/// The keratinocyte front's MMP secretion, at the field steps where the
/// `mmp` field is solved (the solver discards the others' sources).
pub fn keratinocyte_mmp(p: &Params, st: &SimState, ws: &mut Workspace) {
    let r = &ws.rates.proteases;
    let Some(mmp) = r.mmp else {
        return;
    };
    if !ws.solver.due(mmp, st.step / p.steps.field_every) {
        return;
    }
    proteases::secrete_front(proteases::FrontSecretion {
        rates: &ws.rates.proteases,
        vertical: &ws.rates.vertical,
        open: &st.tissue.open,
        sources: &mut ws.sources,
    });
}

/// One tissue step of matrix degradation by free active MMP.
pub fn protease_matrix(p: &Params, st: &mut SimState, ws: &Workspace) {
    proteases::degrade_matrix(proteases::MatrixDegradation {
        rates: &ws.rates.proteases,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        active: &ws.protease_active,
        tissue: &mut st.tissue,
    });
}

/// Decay of the cell-free depot over one field step.
pub fn decay_depot(st: &mut SimState, ws: &Workspace) {
    dosing::decay_depot(&ws.rates.dosing, st.depot_active, &mut st.tissue);
}

/// One cell step of the per-cell MSC state (HIF-1α, licensing, stress).
pub fn msc_state(p: &Params, st: &mut SimState, ws: &Workspace) {
    msc_state::update(msc_state::MscStateStep {
        rates: &ws.rates.msc_state,
        grid: &p.grid,
        ids: p.ids,
        fields: &st.fields,
        mscs: &mut st.mscs,
    });
}

/// One cell step of MSC fate (its efferocytosis events land in
/// `ws.efferocytosis`; [`efferocytose`] applies them).
pub fn msc_fate(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    let others = st.macs.len() + st.neutrophils.len() + st.tips.len() + st.fibroblasts.len();
    msc_fate::update(MscFate {
        rates: &ws.rates.msc_fate,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        ids: p.ids,
        seed: st.seed,
        step: st.step,
        fields: &st.fields,
        protease_active: &ws.protease_active,
        mac_bins: &ws.mac_bins,
        mscs: &mut st.mscs,
        debris: &mut st.tissue.debris,
        births: births_from(
            &mut st.next_id,
            &mut st.agent_cap_hit_step,
            st.step,
            p,
            others,
        ),
        deaths: &mut st.msc_deaths,
        efferocytosed: &mut st.efferocytosed,
        efferocytosis: &mut ws.efferocytosis,
        scratch: &mut ws.msc_scratch,
    });
}

/// MSC fate's efferocytosis events, applied to the eating macrophages'
/// polarization.
pub fn efferocytose(st: &mut SimState, ws: &Workspace) {
    macrophages::efferocytose(&ws.rates.macrophages, &mut st.macs.pol, &ws.efferocytosis);
}

/// One cell step of the neutrophils (apoptosis, motility, efferocytosis
/// and secondary necrosis, recruitment; its efferocytosis events land in
/// `ws.neutrophil_efferocytosis`, and [`efferocytose_neutrophils`] applies
/// them). The bins are rebuilt first if they do not hold the current cells
/// (when called outside the step).
pub fn neutrophils(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    if ws.mac_bins.items.len() != st.macs.len() {
        ws.mac_bins.rebuild(&st.macs.x, &st.macs.y);
    }
    if ws.neu_bins.items.len() != st.neutrophils.len() {
        ws.neu_bins.rebuild(&st.neutrophils.x, &st.neutrophils.y);
    }
    let others = st.mscs.len() + st.macs.len() + st.tips.len() + st.fibroblasts.len();
    neutrophils::update(NeutrophilStep {
        rates: &ws.rates.neutrophils,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        ids: p.ids,
        seed: st.seed,
        step: st.step,
        dt_base_min: p.steps.dt_min,
        fields: &st.fields,
        tissue: &mut st.tissue,
        mac_bins: &ws.mac_bins,
        neu_bins: &ws.neu_bins,
        region_len: ws.region.len(),
        vessel_list: &ws.vessel_list,
        base_sites: &ws.base_sites,
        base_open: &ws.base_open,
        neutrophils: &mut st.neutrophils,
        births: births_from(
            &mut st.next_id,
            &mut st.agent_cap_hit_step,
            st.step,
            p,
            others,
        ),
        efferocytosed: &mut st.neutrophils_efferocytosed,
        efferocytosis: &mut ws.neutrophil_efferocytosis,
        scratch: &mut ws.neu_scratch,
    });
}

/// The neutrophils' efferocytosis events, applied to the eating
/// macrophages' polarization.
pub fn efferocytose_neutrophils(st: &mut SimState, ws: &Workspace) {
    macrophages::push_toward_m2(
        &mut st.macs.pol,
        &ws.neutrophil_efferocytosis,
        ws.rates.neutrophils.efferocytosis_m2_push,
    );
}

/// One cell step of the macrophages (move, polarize, die, clear debris,
/// recruitment). The bins are rebuilt first if they do not hold the current
/// cells (when called outside the step).
pub fn macrophages(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    if ws.mac_bins.items.len() != st.macs.len() {
        ws.mac_bins.rebuild(&st.macs.x, &st.macs.y);
    }
    let others = st.mscs.len() + st.neutrophils.len() + st.tips.len() + st.fibroblasts.len();
    macrophages::update(MacrophageStep {
        rates: &ws.rates.macrophages,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        ids: p.ids,
        seed: st.seed,
        step: st.step,
        fields: &st.fields,
        tissue: &mut st.tissue,
        mac_bins: &ws.mac_bins,
        region_len: ws.region.len(),
        vessel_list: &ws.vessel_list,
        base_sites: &ws.base_sites,
        base_open: &ws.base_open,
        macs: &mut st.macs,
        births: births_from(
            &mut st.next_id,
            &mut st.agent_cap_hit_step,
            st.step,
            p,
            others,
        ),
        scratch: &mut ws.mac_scratch,
    });
}

/// One cell step of angiogenesis: tip cells, the vessel lists brought up to
/// date, then sprouting.
pub fn angiogenesis(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    let cap = angiogenesis::capillary_cap(p, &ws.tip_bins);
    angiogenesis::update(TipStep {
        rates: &ws.rates.angiogenesis,
        vertical: &ws.rates.vertical,
        cap,
        grid: &p.grid,
        vegf: p.ids.vegf,
        seed: st.seed,
        step: st.step,
        fields: &st.fields,
        vessel: &mut st.tissue.vessel,
        vessel_age_d: &mut st.tissue.vessel_age_d,
        tip_bins: &ws.tip_bins,
        vessel_bins: &ws.vessel_bins,
        vessel_changes: &mut ws.vessel_changes,
        tips: &mut st.tips,
        anastomoses: &mut st.anastomoses,
        scratch: &mut ws.tip_scratch,
    });
    ws.apply_vessel_changes(&st.tissue);
    let others = st.mscs.len() + st.macs.len() + st.neutrophils.len() + st.fibroblasts.len();
    angiogenesis::sprout(SproutStep {
        rates: &ws.rates.angiogenesis,
        vertical: &ws.rates.vertical,
        cap,
        grid: &p.grid,
        seed: st.seed,
        step: st.step,
        vegf: st.fields.layer(&p.grid, p.ids.vegf, ws.rates.vertical.bed),
        vesicles: p
            .ids
            .ev
            .map(|f| st.fields.layer(&p.grid, f, ws.rates.vertical.bed)),
        tip_bins: &ws.tip_bins,
        vessel_bins: &ws.vessel_bins,
        vessel_list: &ws.vessel_list,
        collagen: st.tissue.collagen.as_slice().expect("standard layout"),
        tips: &mut st.tips,
        births: births_from(
            &mut st.next_id,
            &mut st.agent_cap_hit_step,
            st.step,
            p,
            others,
        ),
        scratch: &mut ws.tip_scratch,
    });
}

/// One tissue step of vessel remodelling, then the vessel lists brought up
/// to date.
pub fn remodel(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    angiogenesis::remodel(Remodel {
        rates: &ws.rates.angiogenesis,
        grid: &p.grid,
        seed: st.seed,
        step: st.step,
        vegf: st.fields.layer(&p.grid, p.ids.vegf, ws.rates.vertical.bed),
        vessel: &mut st.tissue.vessel,
        vessel_age_d: &mut st.tissue.vessel_age_d,
        vessel_changes: &mut ws.vessel_changes,
    });
    ws.apply_vessel_changes(&st.tissue);
}

/// One tissue step of the fibroblasts (apoptosis, differentiation,
/// division, migration, arrivals) and the bed's matrix.
pub fn fibroblasts(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    let others = st.mscs.len() + st.macs.len() + st.neutrophils.len() + st.tips.len();
    fibroblasts::update(FibroblastStep {
        rates: &ws.rates.fibroblasts,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        ids: p.ids,
        seed: st.seed,
        step: st.step,
        dt_base_min: p.steps.dt_min,
        fields: &st.fields,
        tissue: &mut st.tissue,
        sites: &ws.fib_sites,
        open: &ws.fib_open,
        fibroblasts: &mut st.fibroblasts,
        births: births_from(
            &mut st.next_id,
            &mut st.agent_cap_hit_step,
            st.step,
            p,
            others,
        ),
        scratch: &mut ws.fib_scratch,
    });
}

/// One tissue step of closure: the next open-wound mask, swapped in.
pub fn closure(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    closure::update(Closure {
        rates: &ws.rates.closure,
        vertical: &ws.rates.vertical,
        grid: &p.grid,
        ids: p.ids,
        seed: st.seed,
        step: st.step,
        fields: &st.fields,
        tissue: &st.tissue,
        open_next: &mut ws.open_next,
    });
    std::mem::swap(&mut st.tissue.open, &mut ws.open_next);
    ws.refresh_open_shares(&st.tissue);
}

/// One tissue step of standard care and damage.
pub fn care(st: &mut SimState, ws: &Workspace) {
    care::update(care::Care {
        rates: &ws.rates.care,
        step: st.step,
        tissue: &mut st.tissue,
        mscs: &mut st.mscs,
        debridements: &mut st.debridements,
    });
}

/// One tissue step of the bacteria and biofilm.
pub fn bacteria(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    bacteria::update(bacteria::BacteriaStep {
        rates: &ws.rates.bacteria,
        grid: &p.grid,
        neutrophils: &st.neutrophils,
        macs: &st.macs,
        mscs: &st.mscs,
        tissue: &mut st.tissue,
        scratch: &mut ws.bac_scratch,
    });
}
