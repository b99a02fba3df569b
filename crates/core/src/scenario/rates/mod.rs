//! The second stage of configuration: one parameter struct per mechanism,
//! with every rate and cadence converted once per run into the units the
//! mechanism computes in (per minute, per cell step, per tissue step,
//! probabilities per step), from the validated [`Params`] and the run's
//! patient ([`PatientValues`]).
//!
//! Mechanisms read only these structs, never the raw scenario. Each value
//! is computed with the same operations, in the same order, as the
//! mechanisms used to apply at run time, so results are unchanged bit for
//! bit; a per-day rate that is a sum of terms depending on the local state
//! is converted term by term (a per-minute coefficient per term).

mod bacteria;
mod depth;
mod fibroblasts;
mod msc_state;
mod neutrophils;
mod proteases;
mod secretion;
mod spheroid;
mod tissue;

pub use bacteria::*;
pub use depth::*;
pub use fibroblasts::*;
pub use msc_state::*;
pub use neutrophils::*;
pub use proteases::*;
pub use secretion::*;
pub use spheroid::*;
pub use tissue::*;

use super::patient::PatientValues;
use super::Params;
use crate::rng::hazard_prob;
use serde::Serialize;

/// Minutes per day.
pub const MIN_PER_DAY: f64 = 1440.0;

/// Convert secretion in fg/cell/day into a concentration rate (ng/mL/min)
/// in a voxel of `voxel_ml` mL.
#[inline]
pub fn fg_per_day_to_rate(voxel_ml: f64) -> f64 {
    1e-6 / voxel_ml / 1440.0
}

/// Every mechanism's parameters for one run.
#[derive(Debug, Clone, Serialize)]
pub struct Rates {
    /// MSC fate.
    pub msc_fate: MscFateRates,
    /// The per-cell MSC state.
    pub msc_state: MscStateRates,
    /// Macrophages.
    pub macrophages: MacrophageRates,
    /// Neutrophils.
    pub neutrophils: NeutrophilRates,
    /// Fibroblasts and the bed's matrix.
    pub fibroblasts: FibroblastRates,
    /// Proteases and their inhibitors.
    pub proteases: ProteaseRates,
    /// Angiogenesis and vessel remodelling.
    pub angiogenesis: AngiogenesisRates,
    /// Re-epithelialisation.
    pub closure: ClosureRates,
    /// Standard care and wound-level damage.
    pub care: CareRates,
    /// Bacteria and biofilm.
    pub bacteria: BacteriaRates,
    /// Dosing and the cell-free depot.
    pub dosing: DosingRates,
    /// Paracrine secretion.
    pub secretion: SecretionRates,
    /// Tissue sources and sinks.
    pub tissue_sources: TissueSourceRates,
    /// Where agents and the 2D tissue maps sit in depth.
    pub vertical: Vertical,
}

impl Rates {
    /// Convert `p` for a run of `patient`.
    pub fn new(p: &Params, patient: &PatientValues) -> Self {
        Rates {
            msc_fate: MscFateRates::new(p, patient),
            msc_state: MscStateRates::new(p),
            macrophages: MacrophageRates::new(p, patient),
            neutrophils: NeutrophilRates::new(p, patient),
            fibroblasts: FibroblastRates::new(p, patient),
            proteases: ProteaseRates::new(p),
            angiogenesis: AngiogenesisRates::new(p, patient),
            closure: ClosureRates::new(p, patient),
            care: CareRates::new(p, patient),
            bacteria: BacteriaRates::new(p, patient),
            dosing: DosingRates::new(p, patient),
            secretion: SecretionRates::new(p, patient),
            tissue_sources: TissueSourceRates::new(p, patient),
            vertical: Vertical::new(p),
        }
    }
}

/// Length of one cell step (min).
pub(super) fn cell_dt_min(p: &Params) -> f32 {
    (p.steps.dt_min * p.steps.cell_every as f64) as f32
}

/// Length of one tissue step (days).
pub(super) fn tissue_dt_days(p: &Params) -> f64 {
    p.steps.dt_min * p.steps.tissue_every as f64 / 1440.0
}

/// HIF-1α thresholds (mmHg).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Hypoxia {
    /// HIF-1α starts below this pO₂.
    pub onset_mmhg: f32,
    /// HIF-1α is fully active below this pO₂.
    pub saturation_mmhg: f32,
}

impl Hypoxia {
    pub(super) fn new(p: &Params) -> Self {
        let t = &p.scenario.tissue;
        Hypoxia {
            onset_mmhg: t.hypoxia_onset_mmhg as f32,
            saturation_mmhg: t.hypoxia_saturation_mmhg as f32,
        }
    }
}

/// The product's multipliers and how its primed boost wears off.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProductAging {
    /// Hazard multiplier when freshly primed.
    pub hazard: f64,
    /// VEGF multiplier when freshly primed.
    pub vegf: f64,
    /// Immunomodulation multiplier when freshly primed.
    pub immunomod: f64,
    /// Hazard multiplier without priming.
    pub hazard0: f64,
    /// VEGF multiplier without priming.
    pub vegf0: f64,
    /// Immunomodulation multiplier without priming.
    pub immunomod0: f64,
    /// Share of the boost that is priming.
    pub primed_fraction: f64,
    /// Half-life of the priming effect (min).
    pub half_life_min: f64,
}

impl ProductAging {
    pub(super) fn new(p: &Params) -> Self {
        let e = &p.product;
        ProductAging {
            hazard: e.hazard,
            vegf: e.vegf,
            immunomod: e.immunomod,
            hazard0: e.hazard0,
            vegf0: e.vegf0,
            immunomod0: e.immunomod0,
            primed_fraction: e.primed_fraction,
            half_life_min: p.scenario.treatment.preconditioning.effect_half_life_days * 1440.0,
        }
    }

    /// (hazard, VEGF, immunomodulation) multipliers at `age_min` minutes
    /// after delivery (the primed boost wears off).
    #[inline]
    pub fn mults(&self, age_min: f32) -> (f32, f32, f32) {
        let w = crate::math::exp(-(age_min as f64) * std::f64::consts::LN_2 / self.half_life_min)
            * self.primed_fraction;
        let mix = |now: f64, base: f64| (base + (now - base) * w) as f32;
        (
            mix(self.hazard, self.hazard0),
            mix(self.vegf, self.vegf0),
            mix(self.immunomod, self.immunomod0),
        )
    }
}

/// MSC fate: hazards per minute, probabilities per cell step.
#[derive(Debug, Clone, Serialize)]
pub struct MscFateRates {
    /// Cell step (min).
    pub dt_min: f32,
    /// HIF-1α thresholds.
    pub hypoxia: Hypoxia,
    /// Death hazard terms (per min): base, × HIF-1α, × TNF-α response,
    /// × ROS response, and anoikis (× the product's anoikis multiplier).
    pub base_death_per_min: f64,
    /// Hypoxic death hazard at full HIF-1α (per min).
    pub hypoxia_death_per_min: f64,
    /// TNF-α death hazard at saturation (per min).
    pub tnf_death_per_min: f64,
    /// ROS death hazard at saturation (per min).
    pub ros_death_per_min: f64,
    /// Anoikis hazard of an unanchored cell outside a carrier (per min).
    pub anoikis_death_per_min: f64,
    /// Death hazard at stress 1 (per min): the hypoxia, ROS and anoikis
    /// hazards together, which a cell's stress (0–1) stands for.
    pub stress_death_per_min: f64,
    /// Share of the hypoxic insult a fully HIF-adapted cell is spared.
    pub hif_survival_protection: f32,
    /// TNF-α half-maximum of death and senescence (ng/mL).
    pub tnf_half_max_ng_per_ml: f32,
    /// IFN-γ half-maximum of the co-signal the TNF-α death term needs
    /// (ng/mL; Liu 2011).
    pub ifng_half_ng_per_ml: f32,
    /// ROS half-maximum (a.u.).
    pub ros_half_max_au: f32,
    /// Hazard multiplier inside a carrier.
    pub carrier_protection: f64,
    /// Senescence hazard at TNF-α saturation (per min).
    pub senescence_per_min: f64,
    /// Division hazard (per min).
    pub proliferation_per_min: f64,
    /// Release hazard of a cell from its carrier without MMP (per min;
    /// infinite for a route without a carrier half-life: released at once).
    pub release_per_min: f64,
    /// The release hazard's gain per nM of free active MMP at the cell
    /// (`protease.carrier_degradation_per_nm`; 0 without an `mmp` field).
    pub release_gain_per_nm: f64,
    /// Efferocytosis hazard per nearby macrophage (per min; patient's multiplier).
    pub efferocytosis_per_macrophage_per_min: f64,
    /// A dead cell left this long becomes debris (min).
    pub secondary_necrosis_min: f32,
    /// Migration speed (µm/min, × the product's motility).
    pub speed_um_per_min: f32,
    /// Chemotactic bias toward TNF-α, 0–1.
    pub chemotaxis_bias: f32,
    /// Product multipliers and their wearing off.
    pub product: ProductAging,
    /// Aggregates (spheroids).
    pub aggregate: AggregateRates,
}

impl MscFateRates {
    fn new(p: &Params, patient: &PatientValues) -> Self {
        let m = &p.scenario.msc;
        let dt = cell_dt_min(p);
        let release_h = p.scenario.treatment.release_half_life_h();
        let release_per_min = if release_h > 0.0 {
            std::f64::consts::LN_2 / (release_h * 60.0)
        } else {
            f64::INFINITY
        };
        MscFateRates {
            dt_min: dt,
            hypoxia: Hypoxia::new(p),
            base_death_per_min: m.base_death_per_day / MIN_PER_DAY,
            hypoxia_death_per_min: m.hypoxia_death_per_day / MIN_PER_DAY,
            tnf_death_per_min: m.tnf_death_per_day / MIN_PER_DAY,
            ros_death_per_min: m.ros_death_per_day / MIN_PER_DAY,
            anoikis_death_per_min: m.anoikis_death_per_day * p.product.anoikis / MIN_PER_DAY,
            stress_death_per_min: msc_state::stress_death_per_min(p),
            hif_survival_protection: m.hif_survival_protection as f32,
            tnf_half_max_ng_per_ml: m.tnf_half_max_ng_per_ml as f32,
            ifng_half_ng_per_ml: m.ifng_half_ng_per_ml as f32,
            ros_half_max_au: m.ros_half_max_au as f32,
            carrier_protection: p.scenario.treatment.carrier_protection(),
            senescence_per_min: m.senescence_per_day / MIN_PER_DAY,
            proliferation_per_min: m.proliferation_per_day / 1440.0,
            release_per_min,
            release_gain_per_nm: if p.ids.mmp.is_some() {
                p.scenario.protease.carrier_degradation_per_nm
            } else {
                0.0
            },
            efferocytosis_per_macrophage_per_min: m.efferocytosis_per_macrophage_per_day
                * patient.efferocytosis_mult
                / 1440.0,
            secondary_necrosis_min: (m.secondary_necrosis_days * 1440.0) as f32,
            speed_um_per_min: (m.speed_um_per_min * p.product.motility) as f32,
            chemotaxis_bias: m.chemotaxis_bias as f32,
            product: ProductAging::new(p),
            aggregate: AggregateRates::new(p),
        }
    }
}

/// Macrophage polarization drives (per day) and half-maxima.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Polarization {
    /// Switching rate (per day) before the patient's multiplier.
    pub switch_per_day: f64,
    /// Intrinsic M2 drive.
    pub intrinsic_m2_drive: f32,
    /// IL-10 M2 drive and half-maximum (ng/mL).
    pub il10_m2_drive: f32,
    /// IL-10 half-maximum (ng/mL).
    pub il10_half_ng_per_ml: f32,
    /// TGF-β M2 drive.
    pub tgfb_m2_drive: f32,
    /// TGF-β half-maximum (ng/mL).
    pub tgfb_half_ng_per_ml: f32,
    /// PGE2 M2 drive.
    pub pge2_m2_drive: f32,
    /// PGE2 half-maximum (ng/mL).
    pub pge2_half_ng_per_ml: f32,
    /// Vesicle-cargo M2 drive.
    pub ev_m2_drive: f32,
    /// Fluid one macrophage clears of vesicles (µL/min): its uptake is this
    /// × the local `ev` (cell-eq/µL).
    pub ev_clearance_ul_per_min: f32,
    /// Cargo held at half-maximal vesicle M2 drive (cell-eq).
    pub ev_half_cell_eq: f32,
    /// Share of a macrophage's vesicle cargo kept over one cell step.
    pub ev_cargo_keep: f32,
    /// Cargo gained over one cell step per unit of constant uptake
    /// (cell-eq per cell-eq/min): `(1 − keep)/k`, the exact solution of
    /// `dQ/dt = U − kQ` over the step.
    pub ev_cargo_gain_min: f32,
    /// TNF-α M1 drive.
    pub tnf_m1_drive: f32,
    /// TNF-α half-maximum (ng/mL).
    pub tnf_half_ng_per_ml: f32,
    /// Hypoxia M1 drive.
    pub hypoxia_m1_drive: f32,
    /// Damage (debris, bioburden) M1 drive.
    pub damage_m1_drive: f32,
    /// HIF-1α thresholds.
    pub hypoxia: Hypoxia,
}

/// Macrophages: probabilities per cell step, recruitment per minute.
#[derive(Debug, Clone, Serialize)]
pub struct MacrophageRates {
    /// Cell step (min).
    pub dt_min: f32,
    /// Probability of death per cell step.
    pub death_prob: f64,
    /// Speed (µm/min).
    pub speed_um_per_min: f32,
    /// Chemotactic bias toward TNF-α, 0–1.
    pub chemotaxis_bias: f32,
    /// Polarization dynamics.
    pub polarization: Polarization,
    /// The patient's polarization switching multiplier.
    pub switch_mult: f64,
    /// Share of the debris a cell clears from its voxel per cell step.
    pub debris_clear_prob: f32,
    /// Step toward M2 per dead MSC eaten.
    pub efferocytosis_m2_push: f32,
    /// Recruitment per perfused vessel voxel (per min): base, at TNF-α
    /// saturation, per unit debris.
    pub recruit_base_per_vessel_per_min: f64,
    /// Recruitment at TNF-α saturation (per vessel voxel per min).
    pub recruit_tnf_per_vessel_per_min: f64,
    /// Recruitment per unit debris (per vessel voxel per min).
    pub recruit_debris_per_vessel_per_min: f64,
    /// Most macrophages per voxel before crowding stops recruitment.
    pub max_per_voxel: f64,
    /// The patient's perfusion, at most 1.5.
    pub perfusion: f64,
    /// Capillary density of intact tissue (perfused share of voxels).
    pub vessel_density: f64,
    /// The patient's vessel-density multiplier.
    pub vessel_density_mult: f64,
    /// Perfused vessels per footprint voxel in the tissue under the bed
    /// (recruitment sites beneath the bed; see [`base_site_density`]).
    pub base_site_density: f64,
    /// Polarization of a recruited cell.
    pub initial_polarization: f32,
    /// The optional systemic term of an intravenous dose.
    pub systemic: SystemicDrive,
}

/// The optional systemic (endocrine) term of an intravenous cell dose: the
/// cells trapped in the lungs, `L(t) = Σ_doses N·(1 − homing)·2^(−(t − t_d)/t½)`
/// (whole body), add `w · L/(L + K)` to every macrophage's M2 drive, for a
/// mediator such as TSG-6 that they secrete into the blood (Lee 2009).
/// Off (`w` = 0) by default, and without an intravenous cell dose.
#[derive(Debug, Clone, Serialize)]
pub struct SystemicDrive {
    /// Base steps of the doses that trap cells in the lungs (empty when the
    /// term is off).
    pub dose_steps: Vec<u64>,
    /// Cells trapped in the lungs by one dose (whole body).
    pub lung_cells_per_dose: f64,
    /// Clearance of the lung-trapped cells (per base step): ln 2 / t½.
    pub lung_clearance_per_step: f64,
    /// M2 drive at saturating lung-trapped cells (`w`).
    pub m2_drive: f32,
    /// Lung-trapped cells at half the drive (`K`).
    pub half_lung_cells: f64,
}

impl SystemicDrive {
    fn new(p: &Params) -> Self {
        let tr = &p.scenario.treatment;
        let d = &tr.delivery;
        let on = d.route == crate::scenario::treatment::Route::Intravenous
            && !tr.cell_free()
            && d.systemic_m2_drive > 0.0;
        SystemicDrive {
            dose_steps: if on {
                p.steps.doses.clone()
            } else {
                Vec::new()
            },
            lung_cells_per_dose: tissue::whole_dose_cells(p) * (1.0 - d.homing_fraction),
            lung_clearance_per_step: std::f64::consts::LN_2 * p.steps.dt_min
                / (d.lung_half_life_h * 60.0),
            m2_drive: d.systemic_m2_drive as f32,
            half_lung_cells: d.systemic_half_lung_cells,
        }
    }

    /// Cells trapped in the lungs at base step `step` (whole body), after
    /// the doses given up to and including it.
    pub fn lung_cells(&self, step: u64) -> f64 {
        self.dose_steps
            .iter()
            .filter(|&&d| d <= step)
            .map(|&d| {
                self.lung_cells_per_dose
                    * crate::math::exp(-self.lung_clearance_per_step * (step - d) as f64)
            })
            .sum()
    }

    /// The M2 drive the term adds at base step `step`.
    pub fn m2_drive_at(&self, step: u64) -> f32 {
        if self.dose_steps.is_empty() {
            return 0.0;
        }
        let l = self.lung_cells(step);
        self.m2_drive * (l / (l + self.half_lung_cells)) as f32
    }
}

impl MacrophageRates {
    fn new(p: &Params, patient: &PatientValues) -> Self {
        let m = &p.scenario.macrophage;
        let dt = cell_dt_min(p);
        // The vesicle cargo over one cell step: dQ/dt = U − kQ, exactly.
        let k = std::f64::consts::LN_2 / (m.ev_cargo_half_life_h * 60.0);
        let keep = crate::math::exp(-k * dt as f64);
        let (ev_cargo_keep, ev_cargo_gain_min) = (keep as f32, ((1.0 - keep) / k) as f32);
        MacrophageRates {
            dt_min: dt,
            death_prob: hazard_prob(1.0 / (m.lifespan_days * 1440.0), dt as f64),
            speed_um_per_min: m.speed_um_per_min as f32,
            chemotaxis_bias: m.chemotaxis_bias as f32,
            polarization: Polarization {
                switch_per_day: m.switch_per_day,
                intrinsic_m2_drive: m.intrinsic_m2_drive as f32,
                il10_m2_drive: m.il10_m2_drive as f32,
                il10_half_ng_per_ml: m.il10_half_ng_per_ml as f32,
                tgfb_m2_drive: m.tgfb_m2_drive as f32,
                tgfb_half_ng_per_ml: m.tgfb_half_ng_per_ml as f32,
                pge2_m2_drive: m.pge2_m2_drive as f32,
                pge2_half_ng_per_ml: m.pge2_half_ng_per_ml as f32,
                ev_m2_drive: m.ev_m2_drive as f32,
                ev_clearance_ul_per_min: nl_per_h_to_ul_per_min(m.ev_clearance_nl_per_h),
                ev_half_cell_eq: m.ev_half_cell_eq as f32,
                ev_cargo_keep,
                ev_cargo_gain_min,
                tnf_m1_drive: m.tnf_m1_drive as f32,
                tnf_half_ng_per_ml: m.tnf_half_ng_per_ml as f32,
                hypoxia_m1_drive: m.hypoxia_m1_drive as f32,
                damage_m1_drive: m.damage_m1_drive as f32,
                hypoxia: Hypoxia::new(p),
            },
            switch_mult: patient.switch_mult,
            debris_clear_prob: hazard_prob(
                m.debris_clearance_per_day * patient.efferocytosis_mult / 1440.0,
                dt as f64,
            ) as f32,
            efferocytosis_m2_push: p.scenario.msc.efferocytosis_m2_push as f32,
            recruit_base_per_vessel_per_min: m.recruit_base_per_vessel_per_day / MIN_PER_DAY,
            recruit_tnf_per_vessel_per_min: m.recruit_tnf_per_vessel_per_day / MIN_PER_DAY,
            recruit_debris_per_vessel_per_min: m.recruit_debris_per_vessel_per_day / MIN_PER_DAY,
            max_per_voxel: m.max_per_voxel,
            perfusion: patient.perfusion.min(1.5),
            vessel_density: p.scenario.tissue.vessel_density,
            vessel_density_mult: patient.vessel_density_mult,
            base_site_density: base_site_density(p, patient),
            initial_polarization: m.initial_polarization as f32,
            systemic: SystemicDrive::new(p),
        }
    }
}

/// Angiogenesis (cell steps) and remodelling (tissue steps).
#[derive(Debug, Clone, Serialize)]
pub struct AngiogenesisRates {
    /// Cell step (min).
    pub dt_min: f32,
    /// Tip speed at low VEGF (µm/min, × the patient's angiogenesis multiplier).
    pub tip_speed_um_per_min: f32,
    /// Speed gain at VEGF saturation.
    pub tip_vegf_speed_gain: f32,
    /// VEGF half-maximum of the speed gain (ng/mL).
    pub tip_vegf_half_ng_per_ml: f32,
    /// VEGF above which vessels sprout (ng/mL); tips retract below half of it.
    pub sprout_vegf_threshold_ng_per_ml: f32,
    /// Oldest a tip gets (min).
    pub tip_max_age_min: f32,
    /// Weight of the VEGF gradient in a tip's direction, 0–1.
    pub gradient_bias: f32,
    /// Trails formed above this VEGF become abnormal vessels (ng/mL).
    pub abnormal_vegf_ng_per_ml: f32,
    /// Probability per cell step that an eligible vessel voxel sprouts.
    pub sprout_prob: f64,
    /// Tissue step (days).
    pub tissue_dt_days: f32,
    /// VEGF that keeps a new vessel (ng/mL).
    pub maintenance_vegf_ng_per_ml: f32,
    /// Probability per tissue step that an unsupported new vessel regresses.
    pub regression_prob: f64,
    /// Days of VEGF support after which a vessel matures.
    pub maturation_days: f32,
    /// Dense collagen (fibrosis) at a vessel voxel: its sprouting
    /// probability is × (1 − `dense_sprout_slowing` · the dense share).
    pub dense: DenseCollagen,
    /// Slowing of sprouting in fully dense collagen, 0–1.
    pub dense_sprout_slowing: f32,
    /// Fluid one eligible vessel voxel clears of vesicles (µL/min).
    pub ev_clearance_ul_per_min: f32,
    /// Extra sprouting at saturating vesicle uptake.
    pub ev_sprout_gain: f32,
    /// Uptake at half of the extra sprouting (cell-eq/min).
    pub ev_half_cell_eq_per_min: f32,
}

/// A clearance volume rate in nL/h as µL/min.
pub fn nl_per_h_to_ul_per_min(nl_per_h: f64) -> f32 {
    (nl_per_h * 1e-3 / 60.0) as f32
}

impl AngiogenesisRates {
    fn new(p: &Params, patient: &PatientValues) -> Self {
        let a = &p.scenario.angiogenesis;
        let dt = cell_dt_min(p);
        let npwt = if p.scenario.treatment.standard_care.negative_pressure {
            1.3
        } else {
            1.0
        };
        let sprout = a.sprout_per_vessel_per_day * patient.angiogenesis_mult * npwt / 1440.0;
        let dt_d = (p.steps.dt_min * p.steps.tissue_every as f64 / 1440.0) as f32;
        let regress = a.regression_per_day
            * if p.scenario.treatment.has_product() {
                p.product.regression
            } else {
                1.0
            };
        AngiogenesisRates {
            dt_min: dt,
            tip_speed_um_per_min: (a.tip_speed_um_per_h * patient.angiogenesis_mult / 60.0) as f32,
            tip_vegf_speed_gain: a.tip_vegf_speed_gain as f32,
            tip_vegf_half_ng_per_ml: a.tip_vegf_half_ng_per_ml as f32,
            sprout_vegf_threshold_ng_per_ml: a.sprout_vegf_threshold_ng_per_ml as f32,
            tip_max_age_min: (a.tip_max_age_days * 1440.0) as f32,
            gradient_bias: a.gradient_bias as f32,
            abnormal_vegf_ng_per_ml: a.abnormal_vegf_ng_per_ml as f32,
            sprout_prob: hazard_prob(sprout, dt as f64),
            tissue_dt_days: dt_d,
            maintenance_vegf_ng_per_ml: a.maintenance_vegf_ng_per_ml as f32,
            regression_prob: hazard_prob(regress, dt_d as f64),
            maturation_days: a.maturation_days as f32,
            dense: DenseCollagen::new(p),
            dense_sprout_slowing: p.scenario.fibroblast.dense_sprout_slowing as f32,
            ev_clearance_ul_per_min: nl_per_h_to_ul_per_min(a.ev_clearance_nl_per_h),
            ev_sprout_gain: a.ev_sprout_gain as f32,
            ev_half_cell_eq_per_min: (a.ev_half_cell_eq_per_h / 60.0) as f32,
        }
    }
}

/// The highest pO₂ (mmHg) that supplies oxygen to the tissue of a run with
/// parameters `p`: arterial blood, the surface pO₂ of oxygen therapy where
/// applied, the far-field value of any Dirichlet side of the oxygen field,
/// and its initial value (a state that starts higher only relaxes down).
/// Tissue pO₂ can never exceed it.
pub fn o2_supply_max_mmhg(p: &Params) -> f64 {
    let spec = &p.fields[p.ids.oxygen].1;
    let dirichlet = [
        spec.boundary_x_min,
        spec.boundary_x_max,
        spec.boundary_y_min,
        spec.boundary_y_max,
    ]
    .contains(&super::Boundary::Dirichlet);
    let far = if dirichlet { spec.far_field } else { 0.0 };
    // In 3D also the air above a permeable dressing (the plexus is at most
    // arterial).
    let surface = if p.depth.is_3d() {
        surface_po2_mmhg(p).unwrap_or(0.0)
    } else {
        0.0
    };
    p.scenario
        .tissue
        .blood_po2_mmhg
        .max(p.scenario.treatment.standard_care.oxygen_therapy_mmhg)
        .max(far)
        .max(spec.initial)
        .max(surface)
}

/// The most perfused vessel a region may hold, as a share of its voxels
/// (`angiogenesis.max_vessel_density_rel × tissue.vessel_density`).
pub fn capillary_density(p: &Params) -> f64 {
    p.scenario.angiogenesis.max_vessel_density_rel * p.scenario.tissue.vessel_density
}

/// Perfused vessels per footprint voxel in the tissue the bed lies on:
/// `tissue.vessel_density × vessel_density_mult × wound_base_vessel_frac`
/// (the patient's capillary density, as in intact tissue).
pub fn base_site_density(p: &Params, patient: &PatientValues) -> f64 {
    let t = &p.scenario.tissue;
    t.vessel_density * patient.vessel_density_mult * t.wound_base_vessel_frac
}
