//! One module per mechanism. Each is a function over a *view*: a struct of
//! borrowed parts that names what the mechanism reads (shared references:
//! fields, tissue, bins, its parameter struct from [`crate::scenario::rates`])
//! and what it writes (mutable references: its agent store, the tissue
//! grids it changes, its counters, its scratch memory, its event lists).
//! No mechanism sees the whole state or workspace; `sim::systems` builds
//! the views by split borrows. Agent kinds follow the shared engine
//! ([`crate::engine`]): outcomes in parallel, births, deaths and switches
//! applied in id order. Effects on another kind are events (efferocytosis)
//! or writes named in the view.

pub mod angiogenesis;
pub mod bacteria;
pub mod care;
pub mod closure;
pub mod dosing;
pub mod fibroblasts;
pub mod macrophages;
pub mod msc_fate;
pub mod msc_state;
pub mod neutrophils;
pub mod proteases;
pub mod secretion;
pub mod sites;
pub mod spheroid;
pub mod tissue_sources;

/// HIF-1α activation in [0, 1]: 0 above `onset`, 1 below `saturation` mmHg.
#[inline]
pub fn hif(o2: f32, onset: f32, saturation: f32) -> f32 {
    ((onset - o2) / (onset - saturation)).clamp(0.0, 1.0)
}

/// Saturating response `c / (c + k)`.
#[inline]
pub fn sat(c: f32, k: f32) -> f32 {
    let c = c.max(0.0);
    c / (c + k)
}

/// The IFN-γ co-signal (0–1) at field voxel `f`: `I/(I + K)` of the local
/// IFN-γ, or 1 without an `ifng` field (the co-signal is then taken as
/// present). MSC licensing and TNF-α-induced MSC death both need it
/// (Ren 2008; Liu 2011).
#[inline]
pub fn ifng_cosignal(
    fields: &crate::fields::Fields,
    ifng: Option<usize>,
    f: usize,
    half_ng_per_ml: f32,
) -> f32 {
    ifng.map_or(1.0, |i| sat(fields.at(i, f), half_ng_per_ml))
}

pub use crate::scenario::rates::fg_per_day_to_rate;

/// Unit vector of a blend of a preferred direction (weight `bias`) and a
/// random unit vector `random` (from [`crate::rng::Stream::direction`]); a
/// zero preferred direction gives a pure random walk.
#[inline]
pub fn blend_direction(gx: f32, gy: f32, bias: f32, random: (f64, f64)) -> (f32, f32) {
    let (rx, ry) = (random.0 as f32, random.1 as f32);
    let n = (gx * gx + gy * gy).sqrt();
    let (ux, uy) = if n > 1e-12 {
        (gx / n, gy / n)
    } else {
        (0.0, 0.0)
    };
    let b = if n > 1e-12 { bias } else { 0.0 };
    let (dx, dy) = (b * ux + (1.0 - b) * rx, b * uy + (1.0 - b) * ry);
    let m = (dx * dx + dy * dy).sqrt();
    if m > 1e-12 {
        (dx / m, dy / m)
    } else {
        (rx, ry)
    }
}

/// The next height (µm) of an agent at `z` that moves `step_um` per cell
/// step in the plane, in 3D: a vertical random step with standard
/// deviation `step_um / √2`, the spread per axis of the in-plane walk (so
/// the walk is equally diffusive along every axis), from its own stream
/// ([`Purpose::DepthMove`](crate::rng::Purpose)), clamped into the tissue.
#[inline]
pub fn walk_z(
    v: &crate::scenario::rates::Vertical,
    seed: u64,
    id: u64,
    step: u64,
    z: f32,
    step_um: f32,
) -> f32 {
    let mut rng = crate::rng::Stream::new(seed, id, step, crate::rng::Purpose::DepthMove);
    let dz = rng.normal() as f32 * step_um * std::f32::consts::FRAC_1_SQRT_2;
    v.clamp(z + dz)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn hif_ramps_between_thresholds() {
        assert_eq!(hif(20.0, 15.0, 4.0), 0.0);
        assert_eq!(hif(2.0, 15.0, 4.0), 1.0);
        assert!((hif(9.5, 15.0, 4.0) - 0.5).abs() < 1e-6);
    }
    #[test]
    fn full_bias_follows_gradient() {
        let (x, y) = blend_direction(3.0, 4.0, 1.0, (0.6, -0.8));
        assert!((x - 0.6).abs() < 1e-6 && (y - 0.8).abs() < 1e-6);
    }
}
