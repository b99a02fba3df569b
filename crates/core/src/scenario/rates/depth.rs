//! Where agents and the 2D tissue maps sit in depth, and the O₂ supply of
//! the layers of a 3D run (see [`crate::scenario::depth`]).

use super::super::depth::LayerKind;
use super::super::patient::PatientValues;
use super::super::Params;
use serde::Serialize;

/// The vertical geometry every agent mechanism reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Vertical {
    /// True in 3D: agents random-walk along z as well.
    pub walk: bool,
    /// Highest z an agent may take (µm): just under the dressing.
    pub z_max_um: f32,
    /// Height of the bed layer's centre (µm): where recruited macrophages
    /// and tip cells are placed (the slice centre in 2D).
    pub bed_z_um: f32,
    /// The bed layer (0 in 2D).
    pub bed: usize,
    /// Flat offset of the bed layer in a field (`bed·nx·ny`; 0 in 2D).
    pub bed_offset: usize,
}

impl Vertical {
    /// From the validated depth structure.
    pub fn new(p: &Params) -> Self {
        let d = &p.depth;
        Vertical {
            walk: d.is_3d(),
            z_max_um: d.agent_top_um(),
            bed_z_um: p.grid.z_center(d.bed) as f32,
            bed: d.bed,
            bed_offset: d.bed * p.grid.layer_len(),
        }
    }

    /// Clamp a height into the tissue (0 to [`Vertical::z_max_um`]).
    #[inline]
    pub fn clamp(&self, z: f32) -> f32 {
        z.clamp(0.0, self.z_max_um)
    }
}

/// The O₂ supply of the layers of a 3D run besides the bed's vessel map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepthSupply {
    /// What each layer holds, bottom first.
    pub kinds: Vec<LayerKind>,
    /// O₂ exchange of intact dermis (1/min): its capillaries at the intact
    /// vessel density (`tissue.vessel_density × vessel_density_mult ×
    /// vessel_o2_exchange_per_min`), × perfusion and oedema.
    pub dermis_exchange_per_min: f32,
}

impl DepthSupply {
    /// For a 3D run (`None` in 2D).
    pub fn new(p: &Params, patient: &PatientValues, perfusion: f32) -> Option<Self> {
        if !p.depth.is_3d() {
            return None;
        }
        let t = &p.scenario.tissue;
        let k = t.vessel_o2_exchange_per_min * t.vessel_density * patient.vessel_density_mult;
        Some(DepthSupply {
            kinds: p.depth.kinds.clone(),
            dermis_exchange_per_min: k as f32 * perfusion,
        })
    }
}

/// The pO₂ (mmHg) held at the bottom face of a 3D run: the plexus value
/// at normal perfusion times the patient's perfusion, at most arterial.
pub fn plexus_po2_mmhg(p: &Params, patient: &PatientValues) -> f64 {
    let t = &p.scenario.tissue;
    (t.plexus_po2_mmhg * patient.perfusion).min(t.blood_po2_mmhg)
}

/// The pO₂ (mmHg) above the dressing of a 3D run: oxygen therapy's surface
/// pO₂ when given (its device replaces the dressing), else air through a
/// permeable dressing; `None` under an occlusive dressing.
pub fn surface_po2_mmhg(p: &Params) -> Option<f64> {
    let sc = &p.scenario.treatment.standard_care;
    if sc.oxygen_therapy_mmhg > 0.0 {
        Some(sc.oxygen_therapy_mmhg)
    } else if sc.dressing_o2_permeability > 0.0 {
        Some(p.scenario.tissue.air_po2_mmhg)
    } else {
        None
    }
}
