//! Parameters of the tissue-level mechanisms: closure, standard care,
//! dosing and the depot, tissue sources and sinks.

use super::{tissue_dt_days, DepthSupply, Hypoxia};
use crate::scenario::depth::{strip_ring_arc, PERILESIONAL_RING_OFFSET_UM};
use crate::scenario::patient::PatientValues;
use crate::scenario::treatment::Route;
use crate::scenario::{wound_extent_um, Params, Wound, WoundShape};
use serde::Serialize;

/// Re-epithelialisation (tissue steps).
#[derive(Debug, Clone, Serialize)]
pub struct ClosureRates {
    /// Tissue step (days).
    pub dt_days: f64,
    /// Front speed at best conditions (µm/day).
    pub max_speed_um_per_day: f64,
    /// pO₂ below which the front stops (mmHg).
    pub o2_low_mmhg: f32,
    /// pO₂ above which the front runs at full speed (mmHg).
    pub o2_high_mmhg: f32,
    /// TNF-α half-inhibition (ng/mL).
    pub tnf_half_ng_per_ml: f32,
    /// Speed gain at KGF saturation.
    pub kgf_gain: f32,
    /// KGF half-maximum (ng/mL).
    pub kgf_half_ng_per_ml: f32,
    /// Slowing per unit local bacterial burden (planktonic + biofilm).
    pub bioburden_slowing: f32,
    /// The patient's closure-speed multiplier.
    pub speed_mult: f64,
    /// Matrix (provisional + collagen) at or below which the front does
    /// not advance over a voxel.
    pub matrix_low: f32,
    /// Matrix at or above which the bed does not hold the front back.
    pub matrix_high: f32,
    /// Dense collagen (fibrosis) under a margin voxel.
    pub dense: super::DenseCollagen,
    /// Slowing of the front over fully dense collagen, 0–1.
    pub dense_slowing: f32,
}

impl ClosureRates {
    pub(super) fn new(p: &Params, patient: &PatientValues) -> Self {
        let c = &p.scenario.closure;
        ClosureRates {
            dt_days: tissue_dt_days(p),
            max_speed_um_per_day: c.max_speed_um_per_day,
            o2_low_mmhg: c.o2_low_mmhg as f32,
            o2_high_mmhg: c.o2_high_mmhg as f32,
            tnf_half_ng_per_ml: c.tnf_half_ng_per_ml as f32,
            kgf_gain: c.kgf_gain as f32,
            kgf_half_ng_per_ml: c.kgf_half_ng_per_ml as f32,
            bioburden_slowing: c.bioburden_slowing as f32,
            speed_mult: patient.closure_speed_mult,
            matrix_low: p.scenario.fibroblast.closure_matrix_low as f32,
            matrix_high: p.scenario.fibroblast.closure_matrix_high as f32,
            dense: super::DenseCollagen::new(p),
            dense_slowing: p.scenario.fibroblast.dense_closure_slowing as f32,
        }
    }
}

/// Standard care and wound-level damage (tissue steps).
#[derive(Debug, Clone, Serialize)]
pub struct CareRates {
    /// Tissue step (days).
    pub dt_days: f64,
    /// Debris added per tissue step in the open wound by
    /// ischaemia–reperfusion.
    pub reperfusion_debris_per_step: f32,
    /// Sharp debridement every N base steps.
    pub debridement_every: Option<u64>,
    /// Share of the biofilm a debridement removes.
    pub debridement_biofilm_removal: f32,
}

impl CareRates {
    pub(super) fn new(p: &Params, patient: &PatientValues) -> Self {
        let dt_d = tissue_dt_days(p);
        CareRates {
            dt_days: dt_d,
            reperfusion_debris_per_step: (patient.reperfusion_damage_per_day * dt_d) as f32,
            debridement_every: p.steps.debridement_every,
            debridement_biofilm_removal: p.scenario.bacteria.debridement_biofilm_removal as f32,
        }
    }
}

/// Dosing: the number of agents a dose places and where.
#[derive(Debug, Clone, Serialize)]
pub struct DosingRates {
    /// Agents (cells, aggregates, or cell equivalents) a dose puts in the slice.
    pub agents_per_dose: f64,
    /// Cells each placed agent carries (1; `msc.aggregate_cells` for a dose
    /// in aggregate form).
    pub cells_per_agent: u32,
    /// Delivery route.
    pub route: Route,
    /// Injection sites of an intralesional dose.
    pub injection_sites: u64,
    /// The wound's geometry (where doses land).
    pub wound: Wound,
    /// Wound width and height (µm).
    pub wound_extent_um: (f64, f64),
    /// Wound centre (µm).
    pub wound_center_um: (f64, f64),
    /// Minutes until a cell placed outside a carrier is anchored.
    pub anchorage_min: f32,
    /// The (HIF-1α, licensing, stress) state a dosed cell starts in (its
    /// preconditioning).
    pub initial_state: [f32; 3],
    /// True when the route holds cells in a carrier.
    pub carrier: bool,
    /// True for a cell-free product (a depot instead of cells).
    pub cell_free: bool,
    /// Depot decay factor per field step.
    pub depot_decay_per_field_step: f32,
    /// Where a dose lands in depth.
    pub placement: Placement,
    /// Intravenous: TNF-α at which half the cells passing a vessel voxel
    /// adhere (ng/mL).
    pub homing_tnf_half_ng_per_ml: f32,
    /// Intravenous: the patient's perfusion (at most 1), the share of the
    /// circulating cells that passes the wound's vessels.
    pub homing_perfusion: f32,
}

/// Where a dose lands in depth (heights above the bottom face, µm).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Placement {
    /// True in 3D (otherwise every cell is placed at `bed_z_um`).
    pub three_d: bool,
    /// Centre of the bed layer (the slice centre in 2D).
    pub bed_z_um: f32,
    /// Upper face of the bed layer: topical cells lie just under it.
    pub bed_surface_um: f32,
    /// The tissue surface (the dressing's lower face).
    pub surface_um: f32,
    /// Lower and upper face of the carrier layer.
    pub carrier_um: (f32, f32),
    /// Injection depth (intralesional below the bed surface, perilesional
    /// below the skin surface).
    pub injection_depth_um: f32,
    /// Layer thickness.
    pub dz_um: f32,
}

/// Share of the cell-free depot kept over one field step (its decay): also
/// what a vesicle depot releases from, so release equals removal.
pub(super) fn depot_keep_per_field_step(p: &Params) -> f32 {
    let dt = p.steps.dt_min * p.steps.field_every as f64;
    crate::math::exp(
        -(dt * std::f64::consts::LN_2 / (p.scenario.treatment.depot_half_life_h() * 60.0)),
    ) as f32
}

impl DosingRates {
    pub(super) fn new(p: &Params, patient: &PatientValues) -> Self {
        let s = &p.scenario;
        let tr = &s.treatment;
        let g = p.grid;
        DosingRates {
            agents_per_dose: agents_per_dose(p) / cells_per_agent(p) as f64,
            cells_per_agent: cells_per_agent(p),
            route: tr.delivery.route,
            injection_sites: tr.delivery.injection_sites,
            wound: s.wound.clone(),
            wound_extent_um: wound_extent_um(&s.wound),
            wound_center_um: (
                s.wound.center_x_frac * g.width_um(),
                s.wound.center_y_frac * g.height_um(),
            ),
            anchorage_min: (s.msc.anchorage_h * 60.0) as f32,
            initial_state: {
                let (hif, licensing) = s.treatment.initial_msc_state();
                [hif as f32, licensing as f32, 0.0]
            },
            carrier: tr.has_carrier(),
            cell_free: tr.cell_free(),
            depot_decay_per_field_step: depot_keep_per_field_step(p),
            placement: Placement {
                three_d: p.depth.is_3d(),
                bed_z_um: g.z_center(p.depth.bed) as f32,
                bed_surface_um: p.depth.bed_surface_um as f32,
                surface_um: p.depth.surface_um as f32,
                carrier_um: (
                    (p.depth.carrier.0 as f64 * g.dz_um) as f32,
                    (p.depth.carrier.1 as f64 * g.dz_um) as f32,
                ),
                injection_depth_um: tr.delivery.injection_depth_um as f32,
                dz_um: g.dz_um as f32,
            },
            homing_tnf_half_ng_per_ml: tr.delivery.homing_tnf_half_ng_per_ml as f32,
            homing_perfusion: patient.perfusion.clamp(0.0, 1.0) as f32,
        }
    }
}

/// Tissue sources and sinks (field steps).
#[derive(Debug, Clone, Serialize)]
pub struct TissueSourceRates {
    /// Blood-tissue exchange multiplier from perfusion and oedema.
    pub perfusion: f32,
    /// Arterial pO₂ (mmHg).
    pub blood_po2_mmhg: f32,
    /// Background bed exchange (1/min, × perfusion).
    pub bed_exchange_per_min: f32,
    /// The other layers' O₂ supply in 3D (`None` in 2D).
    pub depth: Option<DepthSupply>,
    /// Surface pO₂ of oxygen therapy (mmHg; 0 without it).
    pub oxygen_therapy_mmhg: f32,
    /// Exchange rate of the open wound surface with oxygen therapy (1/min; 0 without it).
    pub oxygen_therapy_exchange_per_min: f32,
    /// HIF-1α thresholds.
    pub hypoxia: Hypoxia,
    /// VEGF made at full HIF-1α (ng/mL/min).
    pub hypoxic_vegf_ng_per_ml_per_min: f32,
    /// TNF-α made at full HIF-1α (ng/mL/min).
    pub hypoxic_tnf_ng_per_ml_per_min: f32,
    /// TNF-α made per unit damage (ng/mL/min).
    pub damage_tnf_ng_per_ml_per_min: f32,
    /// ROS made per unit damage (a.u./min).
    pub damage_ros_au_per_min: f32,
    /// The damage the patient's reperfusion injury adds to the ROS drive.
    pub reperfusion_ros_damage: f32,
}

/// Exchange rate of the open wound surface with oxygen therapy (1/min).
pub const OXYGEN_THERAPY_EXCHANGE_PER_MIN: f32 = 0.02;

impl TissueSourceRates {
    pub(super) fn new(p: &Params, patient: &PatientValues) -> Self {
        let t = &p.scenario.tissue;
        // Perfusion (blood flow, fraction of normal) and oedema (a longer
        // diffusion path) set how fast the blood exchanges O₂ with the
        // tissue, not the blood's pO₂.
        let perf = (patient.perfusion * (1.0 - 0.5 * patient.oedema)) as f32;
        let therapy = p.scenario.treatment.standard_care.oxygen_therapy_mmhg as f32;
        // In 3D the plexus and the dermis are modelled (no background
        // supply) and oxygen therapy is the top face's pO₂.
        let flat = !p.depth.is_3d();
        TissueSourceRates {
            perfusion: perf,
            blood_po2_mmhg: t.blood_po2_mmhg as f32,
            bed_exchange_per_min: if flat {
                t.bed_o2_exchange_per_min as f32 * perf
            } else {
                0.0
            },
            depth: DepthSupply::new(p, patient, perf),
            oxygen_therapy_mmhg: therapy,
            oxygen_therapy_exchange_per_min: if therapy > 0.0 && flat {
                OXYGEN_THERAPY_EXCHANGE_PER_MIN
            } else {
                0.0
            },
            hypoxia: Hypoxia::new(p),
            hypoxic_vegf_ng_per_ml_per_min: t.hypoxic_vegf_ng_per_ml_per_min as f32,
            hypoxic_tnf_ng_per_ml_per_min: t.hypoxic_tnf_ng_per_ml_per_min as f32,
            damage_tnf_ng_per_ml_per_min: t.damage_tnf_ng_per_ml_per_min as f32,
            damage_ros_au_per_min: t.damage_ros_au_per_min as f32,
            reperfusion_ros_damage: 10.0 * patient.reperfusion_damage_per_day as f32,
        }
    }
}

/// Number of agents (cells, or cell equivalents) a dose puts in the slice:
/// the dose (per cm² of the wound when so given) less the route's losses,
/// times the slice's share of the wound's depth.
/// Cells per placed MSC agent: `msc.aggregate_cells` for a product in
/// aggregate form, else 1.
pub fn cells_per_agent(p: &Params) -> u32 {
    if p.scenario.treatment.product.form == crate::scenario::treatment::Form::Aggregates {
        p.scenario.msc.aggregate_cells as u32
    } else {
        1
    }
}

/// Cells (or cell equivalents) of one whole dose: `dose_cells`, times the
/// wound's area in cm² when the dose is given per cm².
pub(super) fn whole_dose_cells(p: &Params) -> f64 {
    let s = &p.scenario;
    let cells = s.treatment.dose.dose_cells;
    if s.treatment.dose.per_cm2 {
        cells * s.wound.area_mm2.max(0.0).max(open_area_mm2(p)) / 100.0
    } else {
        cells
    }
}

fn agents_per_dose(p: &Params) -> f64 {
    let s = &p.scenario;
    let tr = &s.treatment;
    let cells = whole_dose_cells(p);
    let route = match tr.delivery.route {
        Route::Topical => 1.0 - tr.delivery.topical_loss_fraction,
        Route::Intravenous => tr.delivery.homing_fraction,
        _ => 1.0,
    };
    let (ww, wh) = wound_extent_um(&s.wound);
    let height = p.grid.height_um();
    if p.depth.is_3d() && tr.delivery.route == Route::Perilesional && wh > height {
        // A strip holds the share of the perilesional ring that crosses it
        // (at the ring's mean distance from the margin), not the share of
        // the wound's area: about half of it.
        let f = 1.0 + PERILESIONAL_RING_OFFSET_UM / (ww.min(wh) / 2.0);
        let (lo, hi) = strip_ring_arc(s.wound.center_y_frac * height, wh / 2.0 * f, height);
        let ring = (hi - lo) / std::f64::consts::PI;
        cells * route * ring * p.depth.cavity_depth_share(&p.grid, s.wound.depth_um)
    } else if p.depth.is_3d() {
        // The share of the whole wound's volume inside the domain.
        let foot = super::super::footprint_voxels(&s.wound, &p.grid);
        let share = p
            .depth
            .wound_volume_share(&p.grid, foot, open_area_mm2(p), s.wound.depth_um);
        cells * route * share
    } else {
        cells * route * p.grid.dx_um / s.wound.depth_um
    }
}

/// Area of the wound opening (mm²) from its extent and shape.
fn open_area_mm2(p: &Params) -> f64 {
    let (w, h) = wound_extent_um(&p.scenario.wound);
    let a = w * h * 1e-6;
    match p.scenario.wound.shape {
        WoundShape::Square => a,
        _ => a * std::f64::consts::PI / 4.0,
    }
}
