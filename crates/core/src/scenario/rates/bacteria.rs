//! Parameters of bacteria and biofilm: growth factors per tissue step, the
//! exchange between planktonic and biofilm bacteria, kill hazards per day
//! (host, cells, drugs), and the spreading step split into stable
//! sub-steps.

use super::{tissue_dt_days, MIN_PER_DAY};
use crate::scenario::patient::PatientValues;
use crate::scenario::Params;
use serde::Serialize;

/// Largest share of a voxel's planktonic bacteria that one explicit
/// spreading sub-step exchanges with each neighbour (the 5-point scheme is
/// positivity-preserving up to 1/4: every coefficient of the update,
/// 1 − 4ν and ν, stays non-negative).
pub const MAX_SPREAD_PER_SUBSTEP: f64 = 0.25;

/// Bacteria and biofilm (tissue steps).
#[derive(Debug, Clone, Serialize)]
pub struct BacteriaRates {
    /// Tissue step (days).
    pub dt_days: f64,
    /// Planktonic growth factor per tissue step without crowding, e^(r·dt).
    pub growth_factor: f32,
    /// Biofilm growth factor per tissue step without crowding, at a
    /// mature (dense) biofilm.
    pub biofilm_growth_factor: f32,
    /// Biofilm burden at half the biofilm growth rate (quorum).
    pub biofilm_quorum: f32,
    /// Planktonic growth rate r (per day; for documentation and tests).
    pub growth_per_day: f64,
    /// Attachment of planktonic bacteria into biofilm (per day).
    pub attachment_per_day: f64,
    /// Dispersal of biofilm into planktonic bacteria (per day).
    pub dispersal_per_day: f64,
    /// e^(−(attachment + dispersal)·dt): the exchange's relaxation per step.
    pub exchange_decay: f32,
    /// Planktonic share of a voxel's burden at exchange equilibrium,
    /// dispersal / (attachment + dispersal) (1 without either).
    pub planktonic_equilibrium: f32,
    /// Basal host clearance × the patient's perfusion (per day).
    pub host_clearance_per_day: f64,
    /// Kill per live neutrophil per voxel (per day per cell/voxel).
    pub neutrophil_kill_per_cell_per_day: f64,
    /// Kill per M1 macrophage per voxel (per day per cell/voxel; × the
    /// patient's efferocytosis multiplier).
    pub m1_kill_per_cell_per_day: f64,
    /// Kill per live MSC per voxel by its antimicrobial peptides (per day
    /// per cell/voxel).
    pub msc_peptide_kill_per_cell_per_day: f64,
    /// Antibiotic kill of planktonic bacteria (per day; 0 without
    /// antibiotics), × the patient's perfusion.
    pub antibiotic_kill_per_day: f64,
    /// Infection control's kill of planktonic and biofilm bacteria (per
    /// day; 0 without it).
    pub infection_control_per_day: f64,
    /// Host effectors' kill of biofilm relative to planktonic bacteria.
    pub biofilm_host_kill_mult: f64,
    /// Antibiotics' kill of biofilm relative to planktonic bacteria.
    pub biofilm_antibiotic_kill_mult: f64,
    /// Explicit spreading sub-steps per tissue step (0 without spreading).
    pub spread_substeps: u32,
    /// Share exchanged with each open neighbour per sub-step, D·dt/(n·dx²).
    pub spread_per_substep: f32,
    /// Biofilm above which a voxel counts as holding biofilm.
    pub biofilm_present_threshold: f32,
    /// Share of the biofilm a debridement removes.
    pub debridement_biofilm_removal: f32,
}

impl BacteriaRates {
    pub(super) fn new(p: &Params, patient: &PatientValues) -> Self {
        let b = &p.scenario.bacteria;
        let sc = &p.scenario.treatment.standard_care;
        let dt_d = tissue_dt_days(p);
        let r = std::f64::consts::LN_2 / (b.doubling_time_h / 24.0);
        let rb = r * b.biofilm_growth_mult;
        let (a, d) = (b.attachment_per_day, b.dispersal_per_day);
        let perf = patient.perfusion.min(1.5);
        let nu = b.spreading_um2_per_min * dt_d * MIN_PER_DAY / (p.grid.dx_um * p.grid.dx_um);
        let substeps = if nu > 0.0 {
            (nu / MAX_SPREAD_PER_SUBSTEP).ceil().max(1.0)
        } else {
            0.0
        };
        BacteriaRates {
            dt_days: dt_d,
            // At most 1e30, so bacteria × factor stays finite in f32 at any
            // tissue step.
            growth_factor: crate::math::exp(r * dt_d).min(1e30) as f32,
            biofilm_growth_factor: crate::math::exp(rb * dt_d).min(1e30) as f32,
            biofilm_quorum: b.biofilm_quorum as f32,
            growth_per_day: r,
            attachment_per_day: a,
            dispersal_per_day: d,
            exchange_decay: crate::math::exp(-(a + d) * dt_d) as f32,
            planktonic_equilibrium: if a + d > 0.0 {
                (d / (a + d)) as f32
            } else {
                1.0
            },
            host_clearance_per_day: b.host_clearance_per_day * perf,
            neutrophil_kill_per_cell_per_day: p.scenario.neutrophil.bacteria_kill_per_day
                / p.scenario.neutrophil.kill_reference_per_voxel,
            m1_kill_per_cell_per_day: p.scenario.tissue.bioburden_immune_kill_per_day / 0.05
                * patient.efferocytosis_mult,
            msc_peptide_kill_per_cell_per_day: b.msc_peptide_kill_per_cell_per_day,
            antibiotic_kill_per_day: if sc.antibiotics {
                sc.antibiotic_kill_per_day * perf
            } else {
                0.0
            },
            infection_control_per_day: if sc.infection_control {
                sc.infection_control_per_day
            } else {
                0.0
            },
            biofilm_host_kill_mult: b.biofilm_host_kill_mult,
            biofilm_antibiotic_kill_mult: b.biofilm_antibiotic_kill_mult,
            spread_substeps: substeps as u32,
            spread_per_substep: if substeps > 0.0 {
                (nu / substeps) as f32
            } else {
                0.0
            },
            biofilm_present_threshold: b.biofilm_present_threshold as f32,
            debridement_biofilm_removal: b.debridement_biofilm_removal as f32,
        }
    }
}
