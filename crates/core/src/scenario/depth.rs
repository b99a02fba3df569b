//! The depth structure of a 3D run: which z layer is which part of the
//! wound, validated from the scenario's `domain.layers`, `domain.dz_um`,
//! `wound.depth_um` and the carrier's thickness.
//!
//! In 3D (`domain.layers ≥ 3`) the domain is a block of tissue seen from
//! the side, z growing upwards. From the top:
//! - the **dressing** (the top layer): its O₂ diffusivity is the oxygen
//!   field's times `treatment.standard_care.dressing_o2_permeability`, it
//!   consumes nothing, and above it the top face holds air
//!   (`tissue.air_po2_mmhg`) or, under oxygen therapy, the therapy's surface
//!   pO₂; an occlusive dressing (permeability 0) closes the top face;
//! - the **wound cavity** of `wound.depth_um` (rounded to whole layers, at
//!   least one): inside the wound's footprint exudate, or the carrier
//!   (fibrin, hydrogel, scaffold) in its lowest `carrier_layers` above the
//!   bed; outside the footprint the same layers are intact skin;
//! - the **wound bed**, the lowest layer of the cavity: the layer the 2D
//!   tissue maps act in (vessels, debris, the open wound and the cell-free
//!   depot), as the one layer of the 2D model;
//! - intact **dermis** below the bed, supplied by its capillaries at the
//!   intact vessel density;
//! - the **subdermal plexus** as the bottom face, held at the plexus pO₂.
//!
//! With `domain.layers = 1` there is one layer, the bed, and the model is
//! exactly the 2D slice.

use super::Scenario;
use crate::error::InputError;
use crate::grid::Grid;
use crate::math;
use serde::Serialize;

/// What one z layer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// Intact dermis under the wound floor.
    Dermis,
    /// The wound bed: the layer of the 2D tissue maps.
    Bed,
    /// A carrier layer (fibrin, hydrogel, scaffold) on the bed.
    Carrier,
    /// Exudate in the wound cavity (intact skin outside the footprint).
    Cavity,
    /// The dressing.
    Dressing,
}

impl LayerKind {
    /// Its name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Dermis => "dermis",
            LayerKind::Bed => "bed",
            LayerKind::Carrier => "carrier",
            LayerKind::Cavity => "cavity",
            LayerKind::Dressing => "dressing",
        }
    }
}

/// The validated depth structure of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Depth {
    /// What each layer holds, bottom first (`[Bed]` in 2D).
    pub kinds: Vec<LayerKind>,
    /// The bed layer (0 in 2D).
    pub bed: usize,
    /// Layers `[lo, hi)` of the carrier (empty without one, or in 2D).
    pub carrier: (usize, usize),
    /// Layers `[lo, hi)` of the wound cavity, the bed included.
    pub cavity: (usize, usize),
    /// Height of the bed's upper face above the bottom face (µm).
    pub bed_surface_um: f64,
    /// Height of the tissue surface, the dressing's lower face (µm); the
    /// domain's top in 2D.
    pub surface_um: f64,
}

impl Depth {
    /// True in 3D.
    pub fn is_3d(&self) -> bool {
        self.kinds.len() > 1
    }

    /// Number of layers.
    pub fn nz(&self) -> usize {
        self.kinds.len()
    }

    /// Layers of the cavity inside the domain (the bed included).
    pub fn cavity_layers(&self) -> usize {
        self.cavity.1 - self.cavity.0
    }

    /// Highest height an agent may take (µm): just under the dressing.
    pub fn agent_top_um(&self) -> f32 {
        (self.surface_um as f32) - 1e-3
    }

    /// The height of the 2D model's agents: the centre of the one layer.
    pub fn slice_center_um(grid: &Grid) -> f32 {
        grid.z_center(0) as f32
    }

    /// The depth structure of scenario `s` on `grid`; `carrier_um` is the
    /// carrier's thickness (µm) when the route has a carrier.
    pub fn new(
        s: &Scenario,
        grid: &Grid,
        carrier_um: Option<f64>,
        label: &str,
    ) -> Result<Depth, InputError> {
        let nz = grid.nz;
        if nz == 1 {
            return Ok(Depth {
                kinds: vec![LayerKind::Bed],
                bed: 0,
                carrier: (0, 0),
                cavity: (0, 1),
                bed_surface_um: grid.dz_um,
                surface_um: grid.dz_um,
            });
        }
        let err = |key: &str, msg: String| InputError::new(label, Some(key), msg);
        if nz < 3 {
            return Err(err(
                "domain.layers",
                format!("{nz} layers cannot hold a dressing, a wound bed and the dermis under it"),
            )
            .allowed("1 (the 2D slice) or at least 3"));
        }
        let dz = grid.dz_um;
        let wanted = (s.wound.depth_um / dz).round().max(1.0) as usize;
        // The dressing on top and at least one dermis layer under the bed.
        let room = nz - 2;
        if wanted > room {
            return Err(err(
                "wound.depth_um",
                format!(
                    "a {} µm deep wound is {wanted} layers of {dz} µm, but {nz} layers leave room for {room} under the dressing and above one dermis layer",
                    s.wound.depth_um
                ),
            )
            .allowed(format!(
                "domain.layers ≥ {} (or a thicker domain.dz_um, or a shallower wound)",
                wanted + 2
            )));
        }
        let top = nz - 1;
        let bed = top - wanted;
        let mut kinds = vec![LayerKind::Dermis; nz];
        kinds[top] = LayerKind::Dressing;
        for k in kinds.iter_mut().take(top).skip(bed + 1) {
            *k = LayerKind::Cavity;
        }
        kinds[bed] = LayerKind::Bed;
        let mut carrier = (bed + 1, bed + 1);
        if let Some(t) = carrier_um {
            let n = (t / dz).round().max(1.0) as usize;
            if n > wanted - 1 {
                return Err(err(
                    "treatment.delivery.carrier_thickness_um",
                    format!(
                        "a {t} µm carrier is {n} layers of {dz} µm; the {} µm deep cavity holds {} above the bed",
                        s.wound.depth_um,
                        wanted - 1
                    ),
                )
                .allowed(format!(
                    "at most {} µm (or a deeper wound.depth_um)",
                    (wanted - 1) as f64 * dz
                )));
            }
            carrier = (bed + 1, bed + 1 + n);
            for k in &mut kinds[carrier.0..carrier.1] {
                *k = LayerKind::Carrier;
            }
        }
        Ok(Depth {
            kinds,
            bed,
            carrier,
            cavity: (bed, top),
            bed_surface_um: (bed + 1) as f64 * dz,
            surface_um: top as f64 * dz,
        })
    }

    /// The share of a whole wound's volume that lies in the domain: the
    /// footprint's voxel area in the domain over the wound's area, times the
    /// cavity's depth in the domain over `wound.depth_um`. In 2D this is
    /// `voxel / depth_um` (the caller keeps the 2D expression).
    pub fn wound_volume_share(
        &self,
        grid: &Grid,
        footprint_voxels: u64,
        wound_area_mm2: f64,
        depth_um: f64,
    ) -> f64 {
        let area = footprint_voxels as f64 * grid.voxel_area_mm2();
        (area / wound_area_mm2).min(1.0) * self.cavity_depth_share(grid, depth_um)
    }

    /// The share of the wound's depth that the domain's cavity holds: its
    /// layers' depth (at most `depth_um`) over `wound.depth_um`.
    pub fn cavity_depth_share(&self, grid: &Grid, depth_um: f64) -> f64 {
        let depth = (self.cavity_layers() as f64 * grid.dz_um).min(depth_um);
        depth / depth_um
    }
}

/// Perilesional injections lie on a ring this far outside the wound's
/// margin on average (µm; assumption: injections "around the wound edge",
/// into intact dermis a few hundred µm from the margin).
pub const PERILESIONAL_RING_OFFSET_UM: f64 = 200.0;

/// Spread of the perilesional ring's distance from the margin (µm, one
/// standard deviation; assumption).
pub const PERILESIONAL_RING_SD_UM: f64 = 150.0;

/// The directions of a perilesional ring that fall inside a strip: a ring
/// point is `(cx + cos θ · a, cy + sin θ · b)` (semi-axes a, b: the wound's
/// scaled by the ring's distance), and the strip holds `0 ≤ y < height`.
/// Returns `(lo, hi)` with `sin θ ∈ [sin lo, sin hi]` exactly for the
/// directions whose point lies in the strip, `−π/2 ≤ lo ≤ hi ≤ π/2`; the
/// ring's share in the strip is `(hi − lo) / π` (the arcs around θ and
/// π − θ), and a direction in it is `lo + u·(hi − lo)`, mirrored to π − θ
/// half of the time.
pub fn strip_ring_arc(center_y_um: f64, semi_y_um: f64, height_um: f64) -> (f64, f64) {
    let s = |y: f64| ((y - center_y_um) / semi_y_um).clamp(-1.0, 1.0);
    (math::asin(s(0.0)), math::asin(s(height_um)))
}

/// The grid of the domain section: `nx × ny` voxels of `voxel_um`, and
/// `layers` of `dz_um` (0 = `voxel_um`; in 2D it must be 0 or
/// `voxel_um`, the slice's thickness).
pub(super) fn grid(d: &super::Domain, label: &str) -> Result<Grid, InputError> {
    let err = |key: &str, msg: String| InputError::new(label, Some(key), msg);
    if d.layers > 1000 {
        return Err(err("domain.layers", format!("{} layers", d.layers))
            .allowed("1 (the 2D slice) to 1000"));
    }
    let nz = d.layers as usize;
    let dz = if nz == 1 {
        if d.dz_um != 0.0 && d.dz_um != d.voxel_um {
            return Err(err(
                "domain.dz_um",
                format!(
                    "{} µm in the 2D model (domain.layers = 1), whose slice is voxel_um = {} µm thick",
                    d.dz_um, d.voxel_um
                ),
            )
            .allowed("0 (or equal to domain.voxel_um) unless domain.layers ≥ 3"));
        }
        d.voxel_um
    } else if d.dz_um > 0.0 {
        d.dz_um
    } else {
        d.voxel_um
    };
    Ok(Grid {
        nx: (d.width_um / d.voxel_um).round() as usize,
        ny: (d.height_um / d.voxel_um).round() as usize,
        nz,
        dx_um: d.voxel_um,
        dz_um: dz,
    })
}

/// A 3D strip through the wound (a wound of height `wound_h_um` taller
/// than the `height_um` domain) has its y faces cut the wound: they are
/// symmetry planes, so every field needs no-flux y sides.
pub(super) fn check_strip(
    fields: &[(String, super::FieldSpec)],
    wound_h_um: f64,
    height_um: f64,
    nz: usize,
    label: &str,
) -> Result<(), InputError> {
    if nz == 1 || wound_h_um <= height_um {
        return Ok(());
    }
    let dirichlet = super::Boundary::Dirichlet;
    match fields
        .iter()
        .find(|(_, f)| f.boundary_y_min == dirichlet || f.boundary_y_max == dirichlet)
    {
        None => Ok(()),
        Some((name, _)) => Err(InputError::new(
            label,
            Some(&format!("fields.{name}.boundary_y_min")),
            format!(
                "a Dirichlet y side, but the {wound_h_um:.0} µm wound is cut by the {height_um} µm high 3D strip, whose y faces are symmetry planes"
            ),
        )
        .allowed("\"no_flux\" on both y sides of every field (or a domain taller than the wound)")
        .hint("domain.y_faces = \"symmetry\" sets every field's y sides to no-flux")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(sets: &[&str]) -> Result<Depth, InputError> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let s = Scenario::builtin(&sets).unwrap();
        let p = super::super::Params::new(s, "t.toml")?;
        Ok(p.depth)
    }

    #[test]
    fn two_d_is_one_bed_layer() {
        let d = depth(&[]).unwrap();
        assert_eq!(d.kinds, vec![LayerKind::Bed]);
        assert!(!d.is_3d());
    }

    #[test]
    fn layers_from_the_top_are_dressing_cavity_bed_dermis() {
        let d = depth(&[
            "domain.layers=10",
            "domain.dz_um=250",
            "wound.depth_um=1000",
        ])
        .unwrap();
        use LayerKind::*;
        assert_eq!(
            d.kinds,
            vec![Dermis, Dermis, Dermis, Dermis, Dermis, Bed, Cavity, Cavity, Cavity, Dressing]
        );
        assert_eq!((d.bed, d.cavity), (5, (5, 9)));
        assert_eq!(d.surface_um, 2250.0);
        assert_eq!(d.bed_surface_um, 1500.0);
    }

    #[test]
    fn bad_depths_are_clear_errors() {
        let e = depth(&["domain.layers=2", "domain.height_um=200"]).unwrap_err();
        assert!(e.to_string().contains("domain.layers"), "{e}");
        let e = depth(&[
            "domain.layers=5",
            "domain.dz_um=100",
            "wound.depth_um=2000",
            "domain.height_um=200",
        ])
        .unwrap_err();
        let t = e.to_string();
        assert!(
            t.contains("wound.depth_um") && t.contains("domain.layers ≥ 22"),
            "{t}"
        );
        let e = depth(&[
            "domain.layers=12",
            "domain.dz_um=100",
            "wound.depth_um=500",
            "domain.height_um=200",
            "treatment.delivery.route=\"hydrogel\"",
            "treatment.delivery.carrier_thickness_um=800",
        ])
        .unwrap_err();
        assert!(e.to_string().contains("carrier_thickness_um"), "{e}");
    }
}
