//! Validation of a [`Scenario`] into typed, checked parameters: grid
//! dimensions, whole-number step counts, field indices, resolved patient and
//! product multipliers.

use super::patient::PatientValues;
use super::treatment::{ProductEffects, Route};
use super::{FieldSpec, Scenario};
use crate::error::InputError;
use crate::grid::Grid;
use serde::Serialize;

/// Whole-number step counts derived from the time section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Steps {
    /// Base step (min).
    pub dt_min: f64,
    /// Field solve every N base steps.
    pub field_every: u64,
    /// Cell processes every N base steps.
    pub cell_every: u64,
    /// Tissue processes every N base steps.
    pub tissue_every: u64,
    /// Output row every N base steps.
    pub output_every: u64,
    /// Total base steps.
    pub total: u64,
    /// Base steps at which field snapshots are written (sorted, unique).
    pub snapshots: Vec<u64>,
    /// Base steps at which doses are given (sorted).
    pub doses: Vec<u64>,
}

impl Steps {
    /// Simulated day at base step `step`.
    pub fn day(&self, step: u64) -> f64 {
        step as f64 * self.dt_min / 1440.0
    }
}

/// Indices of the fields that mechanisms read or write.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FieldIds {
    /// Oxygen (required).
    pub oxygen: usize,
    /// VEGF (required).
    pub vegf: usize,
    /// IL-10 (required).
    pub il10: usize,
    /// TNF-α (required).
    pub tnf: usize,
    /// TGF-β (optional).
    pub tgfb: Option<usize>,
    /// Keratinocyte growth factors (optional).
    pub kgf: Option<usize>,
    /// Reactive oxygen species (optional).
    pub ros: Option<usize>,
}

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    /// The resolved scenario.
    pub scenario: Scenario,
    /// Where it came from (file path or label).
    pub label: String,
    /// Grid geometry.
    pub grid: Grid,
    /// Step counts.
    pub steps: Steps,
    /// Enabled fields in order (name, spec).
    pub fields: Vec<(String, FieldSpec)>,
    /// Indices of known fields.
    pub ids: FieldIds,
    /// Patient values after standard care.
    pub patient: PatientValues,
    /// Product multipliers.
    pub product: ProductEffects,
}

/// Most field snapshots one run may write.
pub const MAX_SNAPSHOTS: u64 = 100_000;

fn whole(label: &str, key: &str, num: f64, den: f64, den_key: &str) -> Result<u64, InputError> {
    let r = num / den;
    let n = r.round();
    if n < 1.0 || (r - n).abs() > 1e-9 * r.max(1.0) {
        return Err(InputError::new(
            label,
            Some(key),
            format!("value {num} is not a whole multiple of {den_key} = {den}"),
        )
        .allowed(format!("a positive whole multiple of {den}")));
    }
    Ok(n as u64)
}

impl Params {
    /// Validate `scenario` (loaded from `label`).
    pub fn new(scenario: Scenario, label: &str) -> Result<Params, InputError> {
        let s = &scenario;
        let err = |key: &str, msg: String| InputError::new(label, Some(key), msg);
        s.domain.check(label, "domain")?;
        s.wound.check(label, "wound")?;
        s.patient.check(label, "patient")?;
        s.time.check(label, "time")?;
        s.output.check(label, "output")?;
        s.tissue.check(label, "tissue")?;
        s.msc.check(label, "msc")?;
        s.macrophage.check(label, "macrophage")?;
        s.angiogenesis.check(label, "angiogenesis")?;
        s.closure.check(label, "closure")?;
        s.treatment.product.check(label, "treatment.product")?;
        s.treatment
            .preconditioning
            .check(label, "treatment.preconditioning")?;
        s.treatment.dose.check(label, "treatment.dose")?;
        s.treatment.delivery.check(label, "treatment.delivery")?;
        s.treatment
            .standard_care
            .check(label, "treatment.standard_care")?;
        s.treatment.effects.check(label, "treatment.effects")?;
        s.cohort.check(label, "cohort")?;
        s.limits.check(label, "limits")?;
        for (name, f) in &s.fields {
            f.check(label, &format!("fields.{name}"))?;
        }

        // Grid.
        let d = &s.domain;
        for (key, size) in [
            ("domain.width_um", d.width_um),
            ("domain.height_um", d.height_um),
        ] {
            if d.voxel_um * 3.0 > size {
                return Err(err(
                    "domain.voxel_um",
                    format!(
                        "voxel of {} µm does not fit 3 times in {key} = {size} µm",
                        d.voxel_um
                    ),
                )
                .allowed(format!("voxel_um ≤ {}", size / 3.0)));
            }
            if size / d.voxel_um > 100_000.0 {
                return Err(err(
                    key,
                    format!("{size} µm is more than 100000 voxels of {} µm", d.voxel_um),
                )
                .allowed("at most 100000 voxels per side"));
            }
        }
        let grid = Grid {
            nx: (d.width_um / d.voxel_um).round() as usize,
            ny: (d.height_um / d.voxel_um).round() as usize,
            nz: 1,
            dx_um: d.voxel_um,
            dz_um: d.voxel_um,
        };
        let (ww, wh) = super::super::tissue::wound_extent_um(&s.wound);
        if ww > d.width_um || wh > d.height_um {
            return Err(err(
                "wound.diameter_um",
                format!(
                    "a wound {ww:.0} × {wh:.0} µm does not fit the {} × {} µm domain",
                    d.width_um, d.height_um
                ),
            )
            .allowed("a wound smaller than the domain (enlarge domain.width_um / height_um)"));
        }
        if ww < 2.0 * d.voxel_um {
            return Err(err(
                "wound.diameter_um",
                format!("the wound ({ww:.0} µm) is smaller than two voxels"),
            )
            .allowed(format!("≥ {} µm", 2.0 * d.voxel_um)));
        }

        // Steps.
        let t = &s.time;
        let dt = t.step_min;
        let field_every = whole(
            label,
            "time.field_step_min",
            t.field_step_min,
            dt,
            "time.step_min",
        )?;
        let cell_every = whole(
            label,
            "time.cell_step_min",
            t.cell_step_min,
            dt,
            "time.step_min",
        )?;
        let tissue_every = whole(
            label,
            "time.tissue_step_min",
            t.tissue_step_min,
            dt,
            "time.step_min",
        )?;
        let output_every = whole(
            label,
            "time.output_every_h",
            t.output_every_h * 60.0,
            dt,
            "time.step_min",
        )?;
        let total_f = (t.days * 1440.0 / dt).round();
        if !(1.0..=1e9).contains(&total_f) {
            return Err(err(
                "time.days",
                format!("{} days at {dt} min steps is {total_f} steps", t.days),
            )
            .allowed("between 1 and 1e9 base steps"));
        }
        let total = total_f as u64;
        let to_step = |day: f64| (day * 1440.0 / dt).round() as u64;
        if s.output.snapshot_every_days > 0.0 {
            let every = to_step(s.output.snapshot_every_days).max(1);
            let count = total / every + 1 + s.output.snapshot_days.len() as u64;
            if count > MAX_SNAPSHOTS {
                return Err(err(
                    "output.snapshot_every_days",
                    format!(
                        "value {} would write {count} snapshots over the {}-day run",
                        s.output.snapshot_every_days, t.days
                    ),
                )
                .allowed(format!("at most {MAX_SNAPSHOTS} snapshots per run")));
            }
        }
        let mut snapshots: Vec<u64> = s
            .output
            .snapshot_days
            .iter()
            .map(|&d| to_step(d))
            .filter(|&k| k <= total)
            .collect();
        if s.output.snapshot_every_days > 0.0 {
            let every = to_step(s.output.snapshot_every_days).max(1);
            snapshots.extend((0..=total).step_by(every as usize));
        }
        snapshots.sort_unstable();
        snapshots.dedup();

        // Treatment consistency.
        let tr = &s.treatment;
        let mut doses = Vec::new();
        if tr.has_product() {
            for (i, &day) in tr.dose.days.iter().enumerate() {
                if day > t.days {
                    return Err(err(
                        &format!("treatment.dose.days[{i}]"),
                        format!(
                            "a dose on day {day} falls after the end of the {}-day run",
                            t.days
                        ),
                    )
                    .allowed(format!("days between 0 and {}", t.days)));
                }
                doses.push(to_step(day));
            }
            doses.sort_unstable();
            if tr.delivery.route == Route::Intravenous && tr.delivery.homing_fraction > 0.05 {
                return Err(err(
                    "treatment.delivery.homing_fraction",
                    format!(
                        "value {} is implausible: intravenous MSCs are trapped in the lungs",
                        tr.delivery.homing_fraction
                    ),
                )
                .allowed("0 to 0.05 (Eggenhofer 2012)"));
            }
        }
        if s.closure.o2_low_mmhg >= s.closure.o2_high_mmhg {
            return Err(err(
                "closure.o2_low_mmhg",
                format!(
                    "{} must be below closure.o2_high_mmhg = {}",
                    s.closure.o2_low_mmhg, s.closure.o2_high_mmhg
                ),
            ));
        }
        if s.tissue.hypoxia_saturation_mmhg >= s.tissue.hypoxia_onset_mmhg {
            return Err(err(
                "tissue.hypoxia_saturation_mmhg",
                format!(
                    "{} must be below tissue.hypoxia_onset_mmhg = {}",
                    s.tissue.hypoxia_saturation_mmhg, s.tissue.hypoxia_onset_mmhg
                ),
            ));
        }

        // Fields.
        let fields: Vec<(String, FieldSpec)> = s
            .fields
            .iter()
            .filter(|(_, f)| f.enabled)
            .map(|(k, f)| (k.clone(), f.clone()))
            .collect();
        if fields.len() > 64 {
            return Err(
                err("fields", format!("{} fields", fields.len())).allowed("at most 64 fields")
            );
        }
        for name in s.fields.keys() {
            let plain = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !plain || name.is_empty() || name.len() > 32 {
                return Err(err(
                    &format!("fields.{name}"),
                    "a field name is used in file and column names".into(),
                )
                .allowed("1 to 32 ASCII letters, digits, '_' or '-'"));
            }
        }
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        let find = |n: &str| names.iter().position(|&m| m == n);
        let need = |n: &str| {
            find(n).ok_or_else(|| {
                err(
                    &format!("fields.{n}"),
                    "this field is required by the model but missing or disabled".into(),
                )
                .allowed("enabled = true")
            })
        };
        let ids = FieldIds {
            oxygen: need("oxygen")?,
            vegf: need("vegf")?,
            il10: need("il10")?,
            tnf: need("tnf")?,
            tgfb: find("tgfb"),
            kgf: find("kgf"),
            ros: find("ros"),
        };
        for (section, map) in [
            (
                "msc.secretion_fg_per_cell_per_day",
                &s.msc.secretion_fg_per_cell_per_day,
            ),
            (
                "macrophage.m1_secretion_fg_per_cell_per_day",
                &s.macrophage.m1_secretion_fg_per_cell_per_day,
            ),
            (
                "macrophage.m2_secretion_fg_per_cell_per_day",
                &s.macrophage.m2_secretion_fg_per_cell_per_day,
            ),
        ] {
            for k in map.keys() {
                if find(k).is_none() {
                    let mut e = err(
                        &format!("{section}.{k}"),
                        format!("secretes into '{k}', which is not an enabled field"),
                    )
                    .allowed(names.join(", "));
                    if let Some(n) = super::nearest(k, names.iter().copied()) {
                        e = e.hint(format!("did you mean '{n}'?"));
                    }
                    return Err(e);
                }
            }
        }

        // Patient values after standard care.
        let mut patient = PatientValues::from_patient(&s.patient);
        let sc = &tr.standard_care;
        patient.perfusion +=
            sc.revascularisation_perfusion_gain + if sc.negative_pressure { 0.1 } else { 0.0 };
        if sc.offloading {
            patient.reperfusion_damage_per_day *= 0.2;
        }
        if sc.compression {
            patient.oedema *= 0.3;
        }
        let product = tr.product_effects();

        Ok(Params {
            scenario,
            label: label.to_string(),
            grid,
            steps: Steps {
                dt_min: dt,
                field_every,
                cell_every,
                tissue_every,
                output_every,
                total,
                snapshots,
                doses,
            },
            fields,
            ids,
            patient,
            product,
        })
    }

    /// Field names in order.
    pub fn field_names(&self) -> Vec<String> {
        self.fields.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Estimated peak memory of one run (MiB).
    pub fn memory_estimate_mib(&self) -> f64 {
        let voxels = self.grid.len() as f64;
        let nf = self.fields.len() as f64;
        // Per field: state + source + uptake (f32); tissue grids ≈ 24 bytes/voxel.
        let grid_bytes = voxels * (nf * 12.0 + 24.0);
        let tr = &self.scenario.treatment;
        let dose_agents = if tr.has_product() && !tr.cell_free() {
            tr.dose.dose_cells * tr.dose.days.len() as f64 * self.grid.dx_um
                / self.scenario.wound.depth_um
        } else {
            0.0
        };
        let agents = dose_agents.min(self.scenario.limits.max_agents as f64) + voxels * 0.2;
        (grid_bytes + agents * 48.0) / (1024.0 * 1024.0) + 16.0
    }
}
