//! Aggregates (spheroids) of MSCs: an MSC agent with a cell count above 1.
//!
//! **Size.** `N` cells, each taking up `v` (µm³, `msc.aggregate_volume_per_cell_um3`,
//! Murphy 2017), make a sphere of radius `R = (3·N·v / 4π)^(1/3)`.
//!
//! **Core oxygen.** The cells consume O₂ at zero order, `Q = OCR / (v·α)`
//! (mmHg/min; OCR `msc.o2_consumption_fmol_per_cell_per_h`, Pattappa 2011;
//! α `msc.o2_solubility_umol_per_l_per_mmhg`), and O₂ diffuses inside at the
//! oxygen field's `D`. With the local field as the surface pO₂ `C_s`, the
//! steady profile is `C(r) = C_s − Q (R² − r²) / (6 D)`
//! ([`core_po2_mmhg`]). The centre reaches the HIF onset `C_h` at the
//! hypoxic radius `R_h = √(6 D (C_s − C_h) / Q)` ([`hypoxic_radius_um`]) and
//! 0 at the anoxic radius `R_0 = √(6 D C_s / Q)` ([`anoxic_radius_um`]).
//! Above `R_0` the centre holds an anoxic core of radius `a` (no consumption,
//! no flux at `a`): `C(r) = Q/(6D) (r² − 3a² + 2a³/r)` for `a ≤ r ≤ R`, with
//! `a` from `R² − 3a² + 2a³/R = 6 D C_s / Q` ([`anoxic_fraction`]: `(a/R)³`).
//!
//! **HIF-1α.** The aggregate's HIF-1α drive is the volume-weighted hypoxia
//! ramp over its profile ([`mean_hypoxia`]; 64 shells of equal thickness),
//! so its core cells are hypoxic even in a well-oxygenated wound; its
//! VEGF follows through the existing HIF → VEGF path (`super::secretion`).
//!
//! **Fate** (`super::msc_fate`): each cell dies with the single-cell hazard
//! × `msc.aggregate_contact_hazard_mult` (cell–cell contact; aggregated
//! cells are not at risk of anoikis), and the anoxic core's cells with
//! `msc.aggregate_necrosis_per_day` in addition; the number that die in a
//! step is drawn from a binomial distribution (`rand_distr::Binomial`) over
//! the live cells, and the number that leave (`msc.aggregate_shedding_per_day`)
//! from another over the survivors. Shed cells become single-cell agents
//! next to the aggregate through the engine's births (under the agent cap;
//! cells that do not fit stay in the aggregate). Secretion scales with the
//! live cell count and the aggregate adds its cells' O₂ uptake to its voxel.

use crate::math;
use crate::scenario::rates::AggregateRates;

/// Radius (µm) of an aggregate of `cells` cells, each taking up
/// `volume_per_cell_um3`.
#[inline]
pub fn radius_um(cells: u32, volume_per_cell_um3: f64) -> f64 {
    math::cbrt(3.0 * cells as f64 * volume_per_cell_um3 / (4.0 * std::f64::consts::PI))
}

/// Cells in an aggregate of radius `r_um` (the inverse of [`radius_um`]).
#[inline]
pub fn cells_for_radius(r_um: f64, volume_per_cell_um3: f64) -> f64 {
    4.0 * std::f64::consts::PI * r_um * r_um * r_um / (3.0 * volume_per_cell_um3)
}

/// pO₂ (mmHg) at distance `r_um` from the centre of a sphere of radius
/// `big_r_um` with zero-order consumption and no anoxic core:
/// `C_s − k (R² − r²)`, `k = Q/(6D)`. May be negative (the formula then no
/// longer holds: see [`profile_mmhg`]).
#[inline]
pub fn core_po2_mmhg(surface_mmhg: f64, k: f64, r_um: f64, big_r_um: f64) -> f64 {
    surface_mmhg - k * (big_r_um * big_r_um - r_um * r_um)
}

/// Radius (µm) at which the centre of an aggregate reaches `level_mmhg`
/// (0 when the surface is already at or below it): `√((C_s − level)/k)`.
#[inline]
pub fn radius_at_centre_po2_um(surface_mmhg: f64, level_mmhg: f64, k: f64) -> f64 {
    if k <= 0.0 {
        return f64::INFINITY;
    }
    ((surface_mmhg - level_mmhg).max(0.0) / k).sqrt()
}

/// Hypoxic radius (µm): the centre falls to the HIF-1α onset `onset_mmhg`.
#[inline]
pub fn hypoxic_radius_um(surface_mmhg: f64, onset_mmhg: f64, k: f64) -> f64 {
    radius_at_centre_po2_um(surface_mmhg, onset_mmhg, k)
}

/// Anoxic radius (µm): the centre falls to 0.
#[inline]
pub fn anoxic_radius_um(surface_mmhg: f64, k: f64) -> f64 {
    radius_at_centre_po2_um(surface_mmhg, 0.0, k)
}

/// Relative radius `a/R` of the anoxic core of a sphere of radius
/// `big_r_um`: 0 up to the anoxic radius, else the root in (0, 1) of
/// `1 − 3x² + 2x³ = (R₀/R)²` (decreasing in x), by 60 bisections.
pub fn anoxic_core_relative_radius(surface_mmhg: f64, k: f64, big_r_um: f64) -> f64 {
    let r0 = anoxic_radius_um(surface_mmhg, k);
    if big_r_um <= r0 {
        return 0.0;
    }
    let s = (r0 / big_r_um) * (r0 / big_r_um);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..60 {
        let x = 0.5 * (lo + hi);
        if 1.0 - 3.0 * x * x + 2.0 * x * x * x > s {
            lo = x;
        } else {
            hi = x;
        }
    }
    0.5 * (lo + hi)
}

/// Share of the aggregate's volume in its anoxic core, `(a/R)³`.
pub fn anoxic_fraction(surface_mmhg: f64, k: f64, big_r_um: f64) -> f64 {
    let x = anoxic_core_relative_radius(surface_mmhg, k, big_r_um);
    x * x * x
}

/// pO₂ (mmHg) at `r_um` inside a sphere of radius `big_r_um`, with the
/// anoxic core (relative radius `x`, from [`anoxic_core_relative_radius`])
/// where there is one.
#[inline]
pub fn profile_mmhg(surface_mmhg: f64, k: f64, big_r_um: f64, x: f64, r_um: f64) -> f64 {
    if x <= 0.0 {
        return core_po2_mmhg(surface_mmhg, k, r_um, big_r_um).max(0.0);
    }
    let a = x * big_r_um;
    if r_um <= a {
        return 0.0;
    }
    (k * (r_um * r_um - 3.0 * a * a + 2.0 * a * a * a / r_um)).max(0.0)
}

/// Shells of the volume average in [`mean_hypoxia`].
pub const SHELLS: usize = 64;

/// Volume-weighted HIF-1α hypoxia ramp (0–1) over an aggregate of `cells`
/// cells whose surface sits at `surface_mmhg`: the ramp at each of
/// [`SHELLS`] shells' mid-radius, weighted by the shell's volume.
pub fn mean_hypoxia(r: &AggregateRates, surface_mmhg: f32, cells: u32) -> f32 {
    let big_r = radius_um(cells, r.volume_per_cell_um3);
    let cs = surface_mmhg as f64;
    let k = r.q_over_6d_mmhg_per_um2;
    let x = anoxic_core_relative_radius(cs, k, big_r);
    let (onset, sat) = (
        r.hypoxia.onset_mmhg as f64,
        r.hypoxia.saturation_mmhg as f64,
    );
    let n = SHELLS as f64;
    let mut sum = 0.0;
    for i in 0..SHELLS {
        let (lo, hi) = (i as f64 / n, (i + 1) as f64 / n);
        let w = hi * hi * hi - lo * lo * lo;
        let c = profile_mmhg(cs, k, big_r, x, 0.5 * (lo + hi) * big_r);
        sum += w * ((onset - c) / (onset - sat)).clamp(0.0, 1.0);
    }
    sum as f32
}

/// Share of the aggregate's cells in its anoxic core at surface pO₂
/// `surface_mmhg`.
pub fn anoxic_share(r: &AggregateRates, surface_mmhg: f32, cells: u32) -> f64 {
    let big_r = radius_um(cells, r.volume_per_cell_um3);
    anoxic_fraction(surface_mmhg as f64, r.q_over_6d_mmhg_per_um2, big_r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::rates::consumption_mmhg_per_min;

    // The defaults: 98 fmol/cell/h, 1520 µm³ per cell, 1.3 µM/mmHg, D = 1e5 µm²/min.
    fn k() -> f64 {
        consumption_mmhg_per_min(98.0, 1520.0, 1.3) / 6e5
    }

    #[test]
    fn consumption_converts_units() {
        // 98e-15 mol/h / 60 / 1.52e-12 L = 1.0746e-6 M/min; / 1.3e-6 M/mmHg.
        let q = consumption_mmhg_per_min(98.0, 1520.0, 1.3);
        assert!((q - 826.6).abs() < 0.1, "{q}");
    }

    #[test]
    fn profile_solves_the_diffusion_equation() {
        // D (1/r²) d/dr (r² dC/dr) = Q, C(R) = C_s, finite at 0: check by
        // central differences and the boundary value.
        let (d, q) = (1e5, 826.6);
        let kk = q / (6.0 * d);
        let (cs, big_r) = (38.0, 100.0);
        assert_eq!(core_po2_mmhg(cs, kk, big_r, big_r), cs);
        for &r in &[10.0, 40.0, 90.0] {
            let h = 1e-2;
            let c = |r: f64| core_po2_mmhg(cs, kk, r, big_r);
            let lap = (c(r + h) - 2.0 * c(r) + c(r - h)) / (h * h)
                + 2.0 / r * (c(r + h) - c(r - h)) / (2.0 * h);
            assert!((d * lap - q).abs() < 1e-3 * q, "r {r}: {}", d * lap);
        }
        // The anoxic-core profile meets C_s at R with zero value and flux at a.
        let big_r = 250.0;
        let x = anoxic_core_relative_radius(cs, kk, big_r);
        assert!(x > 0.0 && x < 1.0);
        assert!((profile_mmhg(cs, kk, big_r, x, big_r) - cs).abs() < 1e-6);
        let a = x * big_r;
        assert!(profile_mmhg(cs, kk, big_r, x, a * 1.0001) < 1e-4);
    }

    #[test]
    fn derived_radii_at_well_oxygenated_tissue() {
        // C_s = 38 mmHg, HIF onset 15 mmHg: R_h = √(23/k) ≈ 129 µm, R_0 = √(38/k) ≈ 166 µm.
        let kk = k();
        let rh = hypoxic_radius_um(38.0, 15.0, kk);
        let r0 = anoxic_radius_um(38.0, kk);
        assert!((rh - 129.2).abs() < 0.5, "{rh}");
        assert!((r0 - 166.1).abs() < 0.5, "{r0}");
        // The centre is at the onset at R_h and at 0 at R_0.
        assert!((core_po2_mmhg(38.0, kk, 0.0, rh) - 15.0).abs() < 1e-9);
        assert!(core_po2_mmhg(38.0, kk, 0.0, r0).abs() < 1e-9);
        // Below R_0 no anoxic core; above it one that grows with R.
        assert_eq!(anoxic_fraction(38.0, kk, 0.99 * r0), 0.0);
        let (f1, f2) = (
            anoxic_fraction(38.0, kk, 200.0),
            anoxic_fraction(38.0, kk, 300.0),
        );
        assert!(0.0 < f1 && f1 < f2 && f2 < 1.0, "{f1} {f2}");
    }

    #[test]
    fn radius_and_cells_are_inverse() {
        // Murphy 2017: 15 000 cells, radius 176 µm.
        let r = radius_um(15_000, 1520.0);
        assert!((r - 176.0).abs() < 0.5, "{r}");
        assert!((cells_for_radius(r, 1520.0) - 15_000.0).abs() < 1e-6);
        assert!((radius_um(1, 1520.0) - 7.13).abs() < 0.01);
    }
}
