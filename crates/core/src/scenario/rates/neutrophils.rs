//! Parameters of the neutrophils: recruitment per minute, the injury
//! signal's time scale, apoptosis and efferocytosis per cell step,
//! secretion per cell resolved to field indices.

use super::{cell_dt_min, fg_per_day_to_rate, MIN_PER_DAY};
use crate::rng::hazard_prob;
use crate::scenario::patient::PatientValues;
use crate::scenario::Params;
use serde::Serialize;

/// Neutrophils: probabilities per cell step, recruitment per minute.
#[derive(Debug, Clone, Serialize)]
pub struct NeutrophilRates {
    /// Cell step (min).
    pub dt_min: f32,
    /// Recruitment per perfused vessel voxel at the injury signal's peak (per min).
    pub recruit_injury_per_vessel_per_min: f64,
    /// Time of the injury signal's peak after wounding (min, × the
    /// patient's `neutrophil_influx_time_mult`).
    pub influx_peak_min: f64,
    /// Recruitment per unit debris plus bioburden (per vessel voxel per min).
    pub recruit_damage_per_vessel_per_min: f64,
    /// Recruitment at TNF-α saturation (per vessel voxel per min).
    pub recruit_tnf_per_vessel_per_min: f64,
    /// TNF-α half-maximum of recruitment (ng/mL).
    pub tnf_half_ng_per_ml: f32,
    /// Most neutrophils per voxel before crowding stops recruitment.
    pub max_per_voxel: f64,
    /// The patient's perfusion, at most 1.5 (as for macrophages).
    pub perfusion: f64,
    /// Capillary density of intact tissue (perfused share of voxels).
    pub vessel_density: f64,
    /// The patient's vessel-density multiplier.
    pub vessel_density_mult: f64,
    /// Perfused vessels per footprint voxel in the tissue under the bed
    /// (`tissue.vessel_density × vessel_density_mult ×
    /// wound_base_vessel_frac`): recruitment sites beneath the bed.
    pub base_site_density: f64,
    /// Probability per cell step that a live neutrophil turns apoptotic.
    pub apoptosis_prob: f64,
    /// Speed (µm/min).
    pub speed_um_per_min: f32,
    /// Chemotactic bias toward TNF-α, 0–1.
    pub chemotaxis_bias: f32,
    /// Efferocytosis hazard per nearby macrophage (per min; × the patient's
    /// efferocytosis multiplier).
    pub efferocytosis_per_macrophage_per_min: f64,
    /// Step toward M2 of a macrophage per apoptotic neutrophil eaten.
    pub efferocytosis_m2_push: f32,
    /// An apoptotic cell left this long becomes debris (min).
    pub secondary_necrosis_min: f32,
    /// Debris one necrotic neutrophil adds to its voxel.
    pub necrosis_debris: f32,
    /// Secretion of a live neutrophil: (field index, ng/mL/min per cell).
    pub secretion: Vec<(usize, f32)>,
    /// TIMP inactivation by a live neutrophil's elastase: (the `timp`
    /// field, first-order loss it adds to one voxel, summed over the
    /// voxels of its 100 µm box, 1/min per cell); none without a `timp`
    /// field or at a zero rate.
    pub timp_inactivation: Option<(usize, f32)>,
    /// Half-width of that box in voxels: the box is the odd number of
    /// voxels nearest 100 µm across, at least 3 (2 at 20 µm voxels).
    pub timp_inactivation_reach: usize,
}

impl NeutrophilRates {
    pub(super) fn new(p: &Params, patient: &PatientValues) -> Self {
        let n = &p.scenario.neutrophil;
        let dt = cell_dt_min(p);
        let conv = fg_per_day_to_rate(p.grid.voxel_volume_ml());
        let secretion = n
            .secretion_fg_per_cell_per_day
            .iter()
            .filter_map(|(name, &r)| {
                p.fields
                    .iter()
                    .position(|(m, _)| m == name)
                    .map(|i| (i, (r * conv) as f32))
            })
            .collect();
        NeutrophilRates {
            dt_min: dt,
            recruit_injury_per_vessel_per_min: n.recruit_injury_per_vessel_per_day / MIN_PER_DAY,
            influx_peak_min: n.influx_peak_h * 60.0 * patient.neutrophil_influx_time_mult,
            recruit_damage_per_vessel_per_min: n.recruit_damage_per_vessel_per_day / MIN_PER_DAY,
            recruit_tnf_per_vessel_per_min: n.recruit_tnf_per_vessel_per_day / MIN_PER_DAY,
            tnf_half_ng_per_ml: n.tnf_half_ng_per_ml as f32,
            max_per_voxel: n.max_per_voxel,
            perfusion: patient.perfusion.min(1.5),
            vessel_density: p.scenario.tissue.vessel_density,
            vessel_density_mult: patient.vessel_density_mult,
            base_site_density: super::base_site_density(p, patient),
            apoptosis_prob: hazard_prob(1.0 / (n.lifespan_h * 60.0), dt as f64),
            speed_um_per_min: n.speed_um_per_min as f32,
            chemotaxis_bias: n.chemotaxis_bias as f32,
            efferocytosis_per_macrophage_per_min: n.efferocytosis_per_macrophage_per_day
                * patient.efferocytosis_mult
                / MIN_PER_DAY,
            efferocytosis_m2_push: n.efferocytosis_m2_push as f32,
            secondary_necrosis_min: (n.secondary_necrosis_h * 60.0) as f32,
            necrosis_debris: n.necrosis_debris as f32,
            secretion,
            timp_inactivation_reach: ((100.0 / p.grid.dx_um - 1.0) / 2.0).round().max(1.0) as usize,
            timp_inactivation: p
                .ids
                .timp
                .filter(|_| n.timp_inactivation_ml_per_cell_per_day > 0.0)
                .map(|t| {
                    let per_min = n.timp_inactivation_ml_per_cell_per_day
                        / p.grid.voxel_volume_ml()
                        / MIN_PER_DAY;
                    (t, per_min as f32)
                }),
        }
    }

    /// The injury signal, 0–1, `t_min` minutes after wounding:
    /// `(t/τ)·e^(1 − t/τ)`, 1 at τ = [`NeutrophilRates::influx_peak_min`].
    #[inline]
    pub fn injury_signal(&self, t_min: f64) -> f64 {
        let u = t_min / self.influx_peak_min;
        u * crate::math::exp(1.0 - u)
    }
}
