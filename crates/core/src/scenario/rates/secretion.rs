//! Parameters of paracrine secretion: per-cell rates resolved to field
//! indices, the VEGF environment response, product multipliers.

use super::{fg_per_day_to_rate, Hypoxia, ProductAging};
use crate::scenario::patient::PatientValues;
use crate::scenario::Params;
use serde::Serialize;

/// Which product multiplier applies to a secreted field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SecretionKind {
    /// VEGF: hypoxia and TNF-α responses, VEGF multiplier.
    Vegf,
    /// IL-10 and TGF-β: immunomodulation multiplier.
    Immuno,
    /// Keratinocyte growth factors.
    Kgf,
    /// PGE2: × the cell's licensing (none from a cell-free depot).
    Licensed,
    /// Any other field.
    Other,
}

/// Secretion rates resolved to field indices and ng/mL/min per cell.
#[derive(Debug, Clone, Serialize)]
pub struct SecretionTable {
    /// MSC base rates.
    pub msc: Vec<(usize, f32, SecretionKind)>,
    /// Fully M1 macrophage rates (TNF already × patient multiplier).
    pub m1: Vec<(usize, f32)>,
    /// Fully M2 macrophage rates (TIMP already × patient multiplier).
    pub m2: Vec<(usize, f32)>,
    /// Senescent MSC TNF-α rate.
    pub senescent_tnf: f32,
}

impl SecretionTable {
    /// Resolve from parameters, with the patient's TNF-α and TIMP secretion
    /// multipliers (host macrophages only; an MSC's rates are the product's).
    pub fn new(p: &Params, tnf_mult: f64, timp_mult: f64) -> Self {
        let conv = fg_per_day_to_rate(p.grid.voxel_volume_ml());
        let idx = |n: &str| p.fields.iter().position(|(m, _)| m == n);
        let kind = |n: &str| match n {
            "vegf" => SecretionKind::Vegf,
            "il10" | "tgfb" => SecretionKind::Immuno,
            "kgf" => SecretionKind::Kgf,
            "pge2" => SecretionKind::Licensed,
            _ => SecretionKind::Other,
        };
        let s = &p.scenario;
        let msc = s
            .msc
            .secretion_fg_per_cell_per_day
            .iter()
            .filter_map(|(n, &r)| idx(n).map(|i| (i, (r * conv) as f32, kind(n))))
            .collect();
        let m1 = s
            .macrophage
            .m1_secretion_fg_per_cell_per_day
            .iter()
            .filter_map(|(n, &r)| {
                let m = if n == "tnf" { tnf_mult } else { 1.0 };
                idx(n).map(|i| (i, (r * conv * m) as f32))
            })
            .collect();
        let m2 = s
            .macrophage
            .m2_secretion_fg_per_cell_per_day
            .iter()
            .filter_map(|(n, &r)| {
                let m = if n == "timp" { timp_mult } else { 1.0 };
                idx(n).map(|i| (i, (r * conv * m) as f32))
            })
            .collect();
        SecretionTable {
            msc,
            m1,
            m2,
            senescent_tnf: (s.msc.senescent_tnf_fg_per_cell_per_day * conv * tnf_mult.sqrt())
                as f32,
        }
    }
}

/// How an MSC's VEGF output responds to hypoxia and TNF-α.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct VegfEnvironment {
    /// HIF-1α thresholds.
    pub hypoxia: Hypoxia,
    /// VEGF gain at full HIF-1α.
    pub hypoxia_vegf_gain: f32,
    /// Gain at low TNF-α.
    pub tnf_vegf_low_gain: f32,
    /// Half-maximum of the low-TNF-α gain (ng/mL).
    pub tnf_vegf_low_half_ng_per_ml: f32,
    /// TNF-α above which VEGF output falls (ng/mL).
    pub tnf_vegf_high_ng_per_ml: f32,
}

impl VegfEnvironment {
    /// From the validated parameters (patient-independent).
    pub fn new(p: &Params) -> Self {
        let m = &p.scenario.msc;
        VegfEnvironment {
            hypoxia: Hypoxia::new(p),
            hypoxia_vegf_gain: m.hypoxia_vegf_gain as f32,
            tnf_vegf_low_gain: m.tnf_vegf_low_gain as f32,
            tnf_vegf_low_half_ng_per_ml: m.tnf_vegf_low_half_ng_per_ml as f32,
            tnf_vegf_high_ng_per_ml: m.tnf_vegf_high_ng_per_ml as f32,
        }
    }
}

/// Paracrine secretion (field steps).
#[derive(Debug, Clone, Serialize)]
pub struct SecretionRates {
    /// Per-cell rates.
    pub table: SecretionTable,
    /// VEGF environment response of MSCs.
    pub vegf_environment: VegfEnvironment,
    /// Output multiplier of senescent MSCs.
    pub senescent_secretion_mult: f32,
    /// The product's KGF multiplier.
    pub kgf_mult: f32,
    /// The product's VEGF multiplier (depot).
    pub vegf_mult: f32,
    /// The product's immunomodulation multiplier (depot).
    pub immunomod_mult: f32,
    /// Potency of a cell-free depot per cell equivalent (conditioned
    /// medium; a vesicle depot releases vesicles instead, [`Self::vesicles`]).
    pub cell_free_potency: f32,
    /// A vesicle product: how its depot feeds the `ev` field.
    pub vesicles: Option<VesicleRelease>,
    /// The `ev` sink one macrophage adds at its voxel (1/min): its clearance
    /// volume over the voxel's.
    pub mac_ev_sink_per_min: f32,
    /// The `ev` sink one eligible perfused vessel voxel adds (1/min).
    pub vessel_ev_sink_per_min: f32,
    /// Whether a cell secretion map (MSC, M1 or M2) names the `ev` field:
    /// then free vesicles may be present without a vesicle dose.
    pub ev_secreted_by_cells: bool,
    /// Product multipliers and their wearing off.
    pub product: ProductAging,
    /// O₂ uptake rate an aggregate adds to its voxel per cell (1/min).
    pub aggregate_o2_uptake_per_cell_per_min: f32,
}

/// How a vesicle depot releases free vesicles into the `ev` field.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct VesicleRelease {
    /// Share of the depot released per minute over a field step (what the
    /// depot's decay removes in the step, over the step's length).
    pub share_per_min: f32,
    /// Cell equivalents in a voxel as a concentration (cell-eq/µL per
    /// cell-eq): one over the voxel volume in µL.
    pub per_voxel_to_per_ul: f32,
}

impl SecretionRates {
    pub(super) fn new(p: &Params, patient: &PatientValues) -> Self {
        let table = SecretionTable::new(p, patient.tnf_secretion_mult, patient.timp_secretion_mult);
        let ev_secreted_by_cells = p.ids.ev.is_some_and(|e| {
            table.msc.iter().any(|&(f, _, _)| f == e)
                || table.m1.iter().chain(&table.m2).any(|&(f, _)| f == e)
        });
        SecretionRates {
            table,
            vegf_environment: VegfEnvironment::new(p),
            senescent_secretion_mult: p.scenario.msc.senescent_secretion_mult as f32,
            kgf_mult: p.product.kgf as f32,
            vegf_mult: p.product.vegf as f32,
            immunomod_mult: p.product.immunomod as f32,
            cell_free_potency: p.scenario.treatment.cell_free_potency() as f32,
            vesicles: p.scenario.treatment.vesicles().then(|| {
                let dt = p.steps.dt_min * p.steps.field_every as f64;
                let keep = super::tissue::depot_keep_per_field_step(p);
                VesicleRelease {
                    share_per_min: ((1.0 - keep as f64) / dt) as f32,
                    per_voxel_to_per_ul: (1.0 / (p.grid.voxel_volume_ml() * 1e3)) as f32,
                }
            }),
            mac_ev_sink_per_min: ev_sink_per_min(p, p.scenario.macrophage.ev_clearance_nl_per_h),
            vessel_ev_sink_per_min: ev_sink_per_min(
                p,
                p.scenario.angiogenesis.ev_clearance_nl_per_h,
            ),
            ev_secreted_by_cells,
            product: ProductAging::new(p),
            aggregate_o2_uptake_per_cell_per_min: super::AggregateRates::new(p)
                .o2_uptake_per_cell_per_min,
        }
    }
}

/// The first-order `ev` sink (1/min) at its voxel of a cell that clears
/// `nl_per_h` of fluid of vesicles per hour.
fn ev_sink_per_min(p: &Params, nl_per_h: f64) -> f32 {
    (super::nl_per_h_to_ul_per_min(nl_per_h) as f64 / (p.grid.voxel_volume_ml() * 1e3)) as f32
}
