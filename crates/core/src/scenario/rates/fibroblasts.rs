//! Parameters of the fibroblasts and the wound bed's matrix: hazards and
//! probabilities per tissue step, deposition per cell per tissue step,
//! secretion per agent resolved to field indices, and the dense-collagen
//! rule that closure and sprouting read.

use super::{fg_per_day_to_rate, tissue_dt_days, MIN_PER_DAY};
use crate::rng::hazard_prob;
use crate::scenario::patient::PatientValues;
use crate::scenario::Params;
use serde::Serialize;

/// Dense (fibrotic) collagen: the share of a voxel's collagen above
/// `onset`, rising from 0 at `onset` to 1 at collagen 1.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DenseCollagen {
    /// Collagen above which it counts as dense (0–1).
    pub onset: f32,
}

impl DenseCollagen {
    /// From `fibroblast.dense_collagen_onset`.
    pub fn new(p: &Params) -> Self {
        DenseCollagen {
            onset: p.scenario.fibroblast.dense_collagen_onset as f32,
        }
    }

    /// The fibrotic share of collagen `c`, 0–1.
    #[inline]
    pub fn share(&self, c: f32) -> f32 {
        ((c - self.onset) / (1.0 - self.onset)).clamp(0.0, 1.0)
    }
}

/// Fibroblasts and matrix (tissue steps).
#[derive(Debug, Clone, Serialize)]
pub struct FibroblastRates {
    /// Tissue step (min).
    pub dt_min: f32,
    /// Tissue step (days).
    pub dt_days: f32,
    /// Cells one agent stands for.
    pub cells_per_agent: f64,
    /// Cells per voxel at which recruitment and division stop.
    pub max_cells_per_voxel: f64,
    /// Agents arriving per recruitment-site voxel per minute at full
    /// activation (`recruit_cells_per_voxel_per_day / cells_per_agent`).
    pub recruit_agents_per_voxel_per_min: f64,
    /// Recruitment starts this long after wounding (min).
    pub onset_min: f64,
    /// ... and ramps to full over this long (min).
    pub ramp_min: f64,
    /// Gain of recruitment, division and collagen synthesis at saturating TGF-β.
    pub tgfb_gain: f32,
    /// TGF-β half-maximum of every response (ng/mL).
    pub tgfb_half_ng_per_ml: f32,
    /// Migration speed of a fibroblast (µm/min).
    pub speed_um_per_min: f32,
    /// Chemotactic bias toward TGF-β, 0–1.
    pub chemotaxis_bias: f32,
    /// Division hazard at full O₂, below crowding (per min; × (1 −
    /// `fibrosis_proliferation_loss` · the patient's fibrosis)).
    pub proliferation_per_min: f64,
    /// pO₂ below which cells do not divide (mmHg).
    pub proliferation_o2_low_mmhg: f32,
    /// pO₂ at which division is at full rate (mmHg).
    pub proliferation_o2_high_mmhg: f32,
    /// Base apoptosis hazard (per min).
    pub apoptosis_per_min: f64,
    /// Extra apoptosis hazard of a closed wound (per min; × the closed
    /// share of the cell's 100 µm bin, × (1 − the patient's fibrosis)).
    pub resolution_apoptosis_per_min: f64,
    /// Differentiation hazard into a myofibroblast at saturating TGF-β (per min).
    pub myofibroblast_per_min: f64,
    /// Provisional matrix per cell per voxel per tissue step (× room left).
    pub provisional_per_cell_step: f32,
    /// Collagen per fibroblast cell per voxel per tissue step (× room left).
    pub collagen_per_cell_step: f32,
    /// Collagen synthesis of a myofibroblast relative to a fibroblast.
    pub myofibroblast_collagen_mult: f32,
    /// Share of the provisional matrix kept over one tissue step.
    pub provisional_keep: f32,
    /// Share of the collagen kept over one tissue step (turnover × (1 −
    /// `fibrosis_turnover_loss` · the patient's fibrosis)).
    pub collagen_keep: f32,
    /// The dense-collagen rule.
    pub dense: DenseCollagen,
    /// Secretion of one agent (`cells_per_agent` cells, × (1 +
    /// `fibrosis_tgfb_gain` · the patient's fibrosis; TIMP × the patient's
    /// `timp_secretion_mult`): (field index, ng/mL/min).
    pub secretion: Vec<(usize, f32)>,
}

impl FibroblastRates {
    pub(super) fn new(p: &Params, patient: &PatientValues) -> Self {
        let f = &p.scenario.fibroblast;
        let dt_d = tissue_dt_days(p);
        let dt = (dt_d * MIN_PER_DAY) as f32;
        let conv = fg_per_day_to_rate(p.grid.voxel_volume_ml());
        let fib_mult = 1.0 + f.fibrosis_tgfb_gain * patient.fibrosis;
        let secretion = f
            .secretion_fg_per_cell_per_day
            .iter()
            .filter_map(|(name, &r)| {
                let timp = if name == "timp" {
                    patient.timp_secretion_mult
                } else {
                    1.0
                };
                p.fields
                    .iter()
                    .position(|(m, _)| m == name)
                    .map(|i| (i, (r * f.cells_per_agent * fib_mult * timp * conv) as f32))
            })
            .collect();
        FibroblastRates {
            dt_min: dt,
            dt_days: dt_d as f32,
            cells_per_agent: f.cells_per_agent,
            max_cells_per_voxel: f.max_cells_per_voxel,
            recruit_agents_per_voxel_per_min: f.recruit_cells_per_voxel_per_day
                / f.cells_per_agent
                / MIN_PER_DAY,
            onset_min: f.onset_days * MIN_PER_DAY,
            ramp_min: f.onset_ramp_days * MIN_PER_DAY,
            tgfb_gain: f.tgfb_gain as f32,
            tgfb_half_ng_per_ml: f.tgfb_half_ng_per_ml as f32,
            speed_um_per_min: f.speed_um_per_min as f32,
            chemotaxis_bias: f.chemotaxis_bias as f32,
            proliferation_per_min: f.proliferation_per_day
                * (1.0 - f.fibrosis_proliferation_loss * patient.fibrosis).max(0.0)
                / MIN_PER_DAY,
            proliferation_o2_low_mmhg: f.proliferation_o2_low_mmhg as f32,
            proliferation_o2_high_mmhg: f.proliferation_o2_high_mmhg as f32,
            apoptosis_per_min: f.apoptosis_per_day / MIN_PER_DAY,
            resolution_apoptosis_per_min: f.resolution_apoptosis_per_day * (1.0 - patient.fibrosis)
                / MIN_PER_DAY,
            myofibroblast_per_min: f.myofibroblast_per_day / MIN_PER_DAY,
            provisional_per_cell_step: (f.provisional_per_cell_per_day * dt_d) as f32,
            collagen_per_cell_step: (f.collagen_per_cell_per_day * dt_d) as f32,
            myofibroblast_collagen_mult: f.myofibroblast_collagen_mult as f32,
            provisional_keep: crate::math::exp(
                -std::f64::consts::LN_2 / f.provisional_half_life_days * dt_d,
            ) as f32,
            collagen_keep: crate::math::exp(
                -f.collagen_turnover_per_day
                    * (1.0 - f.fibrosis_turnover_loss * patient.fibrosis).max(0.0)
                    * dt_d,
            ) as f32,
            dense: DenseCollagen::new(p),
            secretion,
        }
    }

    /// Probability per tissue step of apoptosis when `closed_share` of
    /// the footprint around the cell (its bin's) has closed.
    #[inline]
    pub fn apoptosis_prob(&self, closed_share: f64) -> f64 {
        let rate = self.apoptosis_per_min + self.resolution_apoptosis_per_min * closed_share;
        hazard_prob(rate, self.dt_min as f64)
    }

    /// Recruitment activation, 0–1, `t_min` minutes after wounding: 0
    /// before [`FibroblastRates::onset_min`], then a linear ramp to 1.
    #[inline]
    pub fn activation(&self, t_min: f64) -> f64 {
        ((t_min - self.onset_min) / self.ramp_min).clamp(0.0, 1.0)
    }
}
