//! Parameters of the protease balance: the `mmp` and `timp` fields'
//! conversion into nM, TIMP's inhibition constant, the growth-factor
//! cleavage per nM of free active MMP (per minute, added to the fields'
//! uptake), the matrix degradation per nM per tissue step and the
//! keratinocyte front's MMP secretion.

use super::{fg_per_day_to_rate, tissue_dt_days};
use crate::scenario::Params;
use serde::Serialize;

/// Proteases: unit conversions, inhibition and what active MMP degrades.
#[derive(Debug, Clone, Serialize)]
pub struct ProteaseRates {
    /// The `mmp` field (none: no protease mechanism).
    pub mmp: Option<usize>,
    /// The `timp` field (none: MMP is uninhibited).
    pub timp: Option<usize>,
    /// nM of activated MMP per ng/mL of the `mmp` field (activated share / kDa).
    pub active_nm_per_ng_per_ml: f32,
    /// nM of MMP (latent and active) per ng/mL of the `mmp` field (1 / kDa).
    pub mmp_nm_per_ng_per_ml: f32,
    /// nM of TIMP per ng/mL of the `timp` field (1 / kDa).
    pub timp_nm_per_ng_per_ml: f32,
    /// TIMP's inhibition constant (nM).
    pub ki_nm: f32,
    /// Share of the free active MMP's activity a protease-modulating
    /// treatment leaves (1 − `inhibition_fraction`).
    pub activity_left: f32,
    /// Growth factors cleaved by active MMP: (field, extra uptake per nM per min).
    pub cleaved: Vec<(usize, f32)>,
    /// Provisional matrix lost per nM of free active MMP per tissue step
    /// (the implicit factor's coefficient: `P ← P / (1 + k·a)`).
    pub matrix_per_nm_per_step: f32,
    /// Collagen lost per nM of free active MMP per tissue step (as above).
    pub collagen_per_nm_per_step: f32,
    /// MMP the migrating keratinocytes of one front voxel secrete into it
    /// (ng/mL/min; 0 without an `mmp` field).
    pub front_mmp_ng_per_ml_per_min: f32,
}

impl ProteaseRates {
    /// From the scenario's `[protease]` section and field list.
    pub fn new(p: &Params) -> Self {
        let r = &p.scenario.protease;
        let ids = p.ids;
        let dt_d = tissue_dt_days(p);
        let cleaved = [
            (Some(ids.vegf), r.vegf_cleavage_per_nm_per_min),
            (ids.kgf, r.kgf_cleavage_per_nm_per_min),
        ]
        .into_iter()
        .filter_map(|(f, k)| f.filter(|_| k > 0.0).map(|f| (f, k as f32)))
        .collect();
        ProteaseRates {
            mmp: ids.mmp,
            timp: ids.timp,
            active_nm_per_ng_per_ml: (r.activated_share / r.mmp_kda) as f32,
            mmp_nm_per_ng_per_ml: (1.0 / r.mmp_kda) as f32,
            timp_nm_per_ng_per_ml: (1.0 / r.timp_kda) as f32,
            ki_nm: r.timp_ki_nm as f32,
            activity_left: (1.0 - r.inhibition_fraction) as f32,
            cleaved,
            matrix_per_nm_per_step: (r.matrix_degradation_per_nm_per_day * dt_d) as f32,
            collagen_per_nm_per_step: (r.collagen_degradation_per_nm_per_day * dt_d) as f32,
            // A front voxel holds one voxel width of front.
            front_mmp_ng_per_ml_per_min: if ids.mmp.is_some() {
                (r.keratinocyte_mmp_fg_per_um_per_day
                    * p.grid.dx_um
                    * fg_per_day_to_rate(p.grid.voxel_volume_ml())) as f32
            } else {
                0.0
            },
        }
    }
}
