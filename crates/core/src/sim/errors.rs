//! The errors a step returns: a bad field value (named by field, voxel,
//! step and likely cause) and a broken run-time invariant.

use crate::error::Error;
use crate::fields::solver::{BadValue, Stage};
use crate::mechanisms::angiogenesis::CapViolation;
use crate::mechanisms::tissue_sources::{o2_bound_mmhg, o2_supply_max_mmhg};
use crate::scenario::Params;
use crate::state::SimState;

pub(super) fn numerical_error(p: &Params, st: &SimState, bad: BadValue) -> Error {
    let BadValue {
        field: f,
        index: i,
        value: v,
        stage,
    } = bad;
    let name = st.fields.names[f].clone();
    let spec = &p.fields[f].1;
    if f == p.ids.oxygen && v.is_finite() && v > 0.0 {
        return o2_bound_error(p, st, i, v, stage);
    }
    let cause = match stage {
        Stage::Reaction if v.is_nan() => format!(
            "a NaN appeared where sources, uptake and decay are applied; a rate in fields.{name}, \
             a secretion rate into '{name}' or a tissue source of '{name}' is not finite, \
             or the state was already corrupt"
        ),
        Stage::Reaction if v.is_infinite() => format!(
            "the source term of '{name}' overflowed; a secretion rate or tissue source into '{name}' \
             (or fields.{name}.initial) is far too large"
        ),
        Stage::Reaction => format!(
            "a negative value appeared where sources, uptake and decay are applied; check \
             fields.{name}.initial ({:?}) and the uptake rates of '{name}'",
            spec.initial
        ),
        Stage::Diffusion if v.is_finite() => format!(
            "diffusion produced a negative value; check fields.{name}.far_field ({:?}) and \
             fields.{name}.diffusion_um2_per_min ({:?})",
            spec.far_field, spec.diffusion_um2_per_min
        ),
        Stage::Diffusion => format!(
            "diffusion overflowed; fields.{name}.far_field ({:?}), \
             fields.{name}.diffusion_um2_per_min ({:?}) or the values of '{name}' are far too large",
            spec.far_field, spec.diffusion_um2_per_min
        ),
    };
    Error::Numerical {
        field: name.clone(),
        ix: i % p.grid.nx,
        iy: (i / p.grid.nx) % p.grid.ny,
        step: st.step,
        day: st.day(p),
        value: v as f64,
        cause: in_layer(p, i, cause),
    }
}

/// The error for a tissue pO₂ above the highest supplying pO₂.
fn o2_bound_error(p: &Params, st: &SimState, i: usize, v: f32, stage: Stage) -> Error {
    let supply = o2_supply_max_mmhg(p);
    let cause = match stage {
        Stage::Reaction => format!(
            "the O₂ exchange terms relax the tissue toward more than the highest supplying pO₂ \
             ({supply} mmHg: tissue.blood_po2_mmhg, treatment.standard_care.oxygen_therapy_mmhg, \
             fields.oxygen.far_field on Dirichlet sides, fields.oxygen.initial, in 3D tissue.air_po2_mmhg); \
             a source of oxygen other than these exchanges, or a negative uptake or consumption rate, \
             was added"
        ),
        Stage::Diffusion => format!(
            "diffusion raised the tissue above the highest supplying pO₂ ({supply} mmHg); \
             the diffusion step is no longer a weighted mean (check fields.oxygen.diffusion_um2_per_min \
             and the oxygen field's boundaries), or the state was already corrupt"
        ),
    };
    Error::Invariant {
        quantity: "tissue pO₂ (field 'oxygen')".into(),
        ix: i % p.grid.nx,
        iy: (i / p.grid.nx) % p.grid.ny,
        step: st.step,
        day: st.day(p),
        value: v as f64,
        bound: o2_bound_mmhg(p) as f32 as f64,
        unit: "mmHg",
        cause: in_layer(p, i, cause),
    }
}

/// The error for a 100 µm bin holding more perfused vessels than the cap.
pub(super) fn cap_error(p: &Params, st: &SimState, bad: CapViolation) -> Error {
    let (i, count, bound) = bad;
    Error::Invariant {
        quantity: "perfused vessel density (100 µm bin)".into(),
        ix: i % p.grid.nx,
        iy: i / p.grid.nx,
        step: st.step,
        day: st.day(p),
        value: count as f64,
        bound: bound as f64,
        unit: "perfused voxels per bin",
        cause: format!(
            "new vessels were perfused in a bin already holding the capillary cap \
             (angiogenesis.max_vessel_density_rel = {} × tissue.vessel_density = {} of its voxels); \
             a step that perfuses vessels (anastomosis) bypassed the cap",
            p.scenario.angiogenesis.max_vessel_density_rel, p.scenario.tissue.vessel_density
        ),
    }
}

/// `cause`, naming the voxel's layer in 3D (the error's (ix, iy) are
/// within the layer).
fn in_layer(p: &Params, i: usize, cause: String) -> String {
    if p.grid.is_2d() {
        cause
    } else {
        let iz = i / p.grid.layer_len();
        format!(
            "{cause} (layer {iz} of {}: {})",
            p.grid.nz,
            p.depth.kinds[iz].name()
        )
    }
}
