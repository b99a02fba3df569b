//! Range checks used by the `section!` declarations. Each returns `Err` with a
//! plain description of what is allowed.

use serde::Serialize;

/// Values a numeric check can inspect.
pub trait Numbers {
    /// The numbers held (one for a scalar, many for a list, none for others).
    fn numbers(&self) -> Vec<f64>;
}
impl Numbers for f64 {
    fn numbers(&self) -> Vec<f64> {
        vec![*self]
    }
}
impl Numbers for u64 {
    fn numbers(&self) -> Vec<f64> {
        vec![*self as f64]
    }
}
impl Numbers for usize {
    fn numbers(&self) -> Vec<f64> {
        vec![*self as f64]
    }
}
impl Numbers for Vec<f64> {
    fn numbers(&self) -> Vec<f64> {
        self.clone()
    }
}
impl Numbers for Option<f64> {
    fn numbers(&self) -> Vec<f64> {
        self.iter().copied().collect()
    }
}
impl Numbers for std::collections::BTreeMap<String, f64> {
    fn numbers(&self) -> Vec<f64> {
        self.values().copied().collect()
    }
}

fn all(v: &impl Numbers, ok: impl Fn(f64) -> bool, allowed: &str) -> Result<(), String> {
    if v.numbers().into_iter().all(|x| x.is_finite() && ok(x)) {
        Ok(())
    } else {
        Err(allowed.to_string())
    }
}

/// Any value of the right type.
pub fn any<T>(_: &T) -> Result<(), String> {
    Ok(())
}
/// A finite number > 0.
pub fn positive(v: &impl Numbers) -> Result<(), String> {
    all(v, |x| x > 0.0, "a finite number > 0")
}
/// Cells per aggregate: a whole number from 1 to 1e6.
pub fn aggregate_cells(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (1.0..=1e6).contains(&x) && x.fract() == 0.0,
        "a whole number of cells from 1 to 1e6",
    )
}
/// A molecular mass of a protein, 1 to 10 000 kDa (the conversion from
/// ng/mL to nM divides by it; TIMP-1 is 28 kDa, MMP-9 92 kDa).
pub fn kda(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (1.0..=1e4).contains(&x),
        "a molecular mass between 1 and 10000 kDa",
    )
}
/// A finite number ≥ 0.
pub fn nonneg(v: &impl Numbers) -> Result<(), String> {
    all(v, |x| x >= 0.0, "a finite number >= 0")
}
/// A number in [0, 1].
pub fn fraction(v: &impl Numbers) -> Result<(), String> {
    all(v, |x| (0.0..=1.0).contains(&x), "a number between 0 and 1")
}
/// A multiplier in [0, 100].
pub fn mult(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=100.0).contains(&x),
        "a multiplier between 0 and 100",
    )
}
/// A perfusion level in [0, 2] (fraction of normal).
pub fn perfusion(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=2.0).contains(&x),
        "a fraction of normal perfusion between 0 and 2",
    )
}
/// A partial pressure in [0, 800] mmHg.
pub fn mmhg(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=800.0).contains(&x),
        "a partial pressure between 0 and 800 mmHg",
    )
}
/// A day in [0, 3650].
pub fn days(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=3650.0).contains(&x),
        "a day between 0 and 3650",
    )
}

/// A concentration in field units, 0 to 1e6 (fields are stored as f32;
/// far larger values overflow once sources add to them).
pub fn concentration(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=1e6).contains(&x),
        "a concentration between 0 and 1e6 (field units)",
    )
}
/// A diffusion coefficient, > 0 and at most 1e9 µm²/min (oxygen in water
/// is about 1.2e5).
pub fn diffusion(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| x > 0.0 && x <= 1e9,
        "a diffusion coefficient > 0 and at most 1e9 µm²/min",
    )
}
/// A rate per minute (exchange or production), 0 to 1e6.
pub fn rate(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=1e6).contains(&x),
        "a rate between 0 and 1e6 per minute",
    )
}
/// A gain per nM of an enzyme, 0 to 1e6 per nM.
pub fn per_nm(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=1e6).contains(&x),
        "a gain between 0 and 1e6 per nM",
    )
}

/// An inhibition or binding constant, 0 to 1e6 nM.
pub fn ki_nm(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=1e6).contains(&x),
        "a constant between 0 and 1e6 nM",
    )
}

/// A secretion rate per µm of a front, 0 to 1e9 fg/µm/day.
pub fn secretion_per_um(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=1e9).contains(&x),
        "a secretion rate between 0 and 1e9 fg/µm/day",
    )
}

/// A secretion rate per cell, 0 to 1e9 fg/cell/day (measured rates are
/// below 1e5).
pub fn secretion(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=1e9).contains(&x),
        "a secretion rate between 0 and 1e9 fg/cell/day",
    )
}
/// A volume of fluid a cell clears per hour, 0 to 0.01 nL/h (a 20 µm
/// voxel holds 8 pL; far faster, a cell would empty its voxel within a
/// step, and the uptake counted at the step's start would exceed what the
/// implicit field step removes).
pub fn clearance(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=0.01).contains(&x),
        "a clearance between 0 and 0.01 nL/h",
    )
}
/// A tissue length scale, 0 to 1e5 µm (10 cm).
pub fn length(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=1e5).contains(&x),
        "a length between 0 and 1e5 µm",
    )
}

/// A spreading coefficient of bacteria over the wound bed, 0 to 1000 µm²/min
/// (the explicit spreading step takes more sub-steps the larger it is).
pub fn spreading(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.0..=1000.0).contains(&x),
        "a spreading coefficient between 0 and 1000 µm²/min",
    )
}
/// A doubling time of 0.1 h to 1e5 h.
pub fn doubling(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.1..=1e5).contains(&x),
        "a doubling time between 0.1 and 1e5 h",
    )
}

/// A half-life of 0.01 h to 1e5 h.
pub fn half_life_h(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (0.01..=1e5).contains(&x),
        "a half-life between 0.01 and 1e5 h",
    )
}
/// A half-maximal value, 1e-9 to 1e9 (in the key's unit; kept well inside
/// f32, so a saturating response never divides zero by zero).
pub fn half_max(v: &impl Numbers) -> Result<(), String> {
    all(
        v,
        |x| (1e-9..=1e9).contains(&x),
        "a half-maximum between 1e-9 and 1e9",
    )
}

/// Render a value for an error message.
/// Floats are written in their shortest round-trip form (`1e300`, not 301 digits).
pub fn show<T: Serialize>(v: &T) -> String {
    match toml::Value::try_from(v) {
        Ok(toml::Value::Float(f)) => format!("{f:?}"),
        Ok(v) => v.to_string(),
        Err(_) => "<unprintable>".into(),
    }
}
