//! Validation of a [`Scenario`] into typed, checked parameters: grid
//! dimensions, whole-number step counts, field indices, resolved patient and
//! product multipliers.

use super::depth::Depth;
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
    /// Sharp debridement every N base steps (a whole number of tissue
    /// steps), `None` without debridement.
    pub debridement_every: Option<u64>,
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
    /// Prostaglandin E2 of licensed MSCs (optional).
    pub pge2: Option<usize>,
    /// Interferon-γ of the inflammatory infiltrate (optional; without it the
    /// MSCs' IFN-γ co-signal is taken as present).
    pub ifng: Option<usize>,
    /// Free extracellular vesicles of a vesicle product (optional; without
    /// it a vesicle product does nothing).
    pub ev: Option<usize>,
    /// Matrix metalloproteinases (optional; with `timp`, the protease balance).
    pub mmp: Option<usize>,
    /// Tissue inhibitors of metalloproteinases (optional).
    pub timp: Option<usize>,
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
    /// What each z layer holds (one bed layer in 2D).
    pub depth: Depth,
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

/// Bytes one agent may take at most, with its outcome, bin entry and share
/// of growth slack: an MSC's columns hold 30 bytes, its outcome 24, its bin
/// entry 4, and vectors may hold twice their length while growing
/// (assumption, rounded up).
pub const AGENT_BYTES: f64 = 128.0;

/// Longest scenario `name` (characters): it becomes the output directory
/// `results/<name>-<seed>`, and file names have at most 255 bytes.
pub const MAX_NAME_CHARS: usize = 128;

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
        let name_len = s.name.chars().count();
        if name_len > MAX_NAME_CHARS {
            return Err(err(
                "name",
                format!("a name of {name_len} characters is too long for the output directory name it becomes"),
            )
            .allowed(format!("at most {MAX_NAME_CHARS} characters")));
        }
        s.domain.check(label, "domain")?;
        s.wound.check(label, "wound")?;
        s.patient.check(label, "patient")?;
        s.time.check(label, "time")?;
        s.output.check(label, "output")?;
        s.tissue.check(label, "tissue")?;
        s.msc.check(label, "msc")?;
        s.macrophage.check(label, "macrophage")?;
        s.neutrophil.check(label, "neutrophil")?;
        s.fibroblast.check(label, "fibroblast")?;
        s.protease.check(label, "protease")?;
        s.bacteria.check(label, "bacteria")?;
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
        let grid = super::depth::grid(d, label)?;
        let nz = grid.nz;
        let (ww, wh) = super::wound_extent_um(&s.wound);
        // A 3D domain may be a strip through the wound's centre: the wound
        // may then be taller than the domain (it is cut by the y faces).
        if ww > d.width_um || (wh > d.height_um && nz == 1) {
            return Err(err(
                "wound.diameter_um",
                format!(
                    "a wound {ww:.0} × {wh:.0} µm does not fit the {} × {} µm domain",
                    d.width_um, d.height_um
                ),
            )
            .allowed("a wound smaller than the domain (enlarge domain.width_um / height_um; in 3D only the width must hold it)"));
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
        // Debridement runs in the tissue phase, so its cadence must be a
        // whole number of tissue steps (rounding it would stretch it).
        let debridement_every_days = s.treatment.standard_care.debridement_every_days;
        let debridement_every = if debridement_every_days > 0.0 {
            let tissue_min = t.tissue_step_min;
            let r = debridement_every_days * 1440.0 / tissue_min;
            let n = r.round();
            if n < 1.0 || (r - n).abs() > 1e-9 * r.max(1.0) {
                return Err(err(
                    "treatment.standard_care.debridement_every_days",
                    format!(
                        "value {debridement_every_days} days ({} min) is not a whole number of tissue steps",
                        debridement_every_days * 1440.0
                    ),
                )
                .allowed(format!(
                    "a positive multiple of {} days (time.tissue_step_min = {tissue_min} min)",
                    tissue_min / 1440.0
                )));
            }
            Some(n as u64 * tissue_every)
        } else {
            None
        };
        // A process whose step is longer than the run acts once, at step 0,
        // over a step the run never reaches.
        for (key, every, value) in [
            ("time.field_step_min", field_every, t.field_step_min),
            ("time.cell_step_min", cell_every, t.cell_step_min),
            ("time.tissue_step_min", tissue_every, t.tissue_step_min),
        ] {
            if every > total {
                return Err(err(
                    key,
                    format!(
                        "value {value} min is longer than the {}-day run ({} min)",
                        t.days,
                        total as f64 * dt
                    ),
                )
                .allowed(format!("at most the run length, {} min", total as f64 * dt)));
            }
        }
        let to_step = |day: f64| (day * 1440.0 / dt).round() as u64;
        if s.output.snapshot_every_days > 0.0 {
            let every = to_step(s.output.snapshot_every_days).max(1);
            let count = total / every + 2 + s.output.snapshot_days.len() as u64;
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
            if s.output.snapshot_last_day {
                snapshots.push(total);
            }
        }
        snapshots.sort_unstable();
        snapshots.dedup();

        // Treatment consistency.
        let tr = &s.treatment;
        let mut doses = Vec::new();
        if tr.product.source != super::treatment::Source::None
            && tr.dose.dose_cells > 0.0
            && tr.dose.days.is_empty()
        {
            return Err(err(
                "treatment.dose.days",
                "an empty list: the product would never be given".into(),
            )
            .allowed("at least one day, e.g. [0]")
            .hint("for an untreated run set treatment.product.source = \"none\""));
        }
        if tr.has_product() {
            for (i, &day) in tr.dose.days.iter().enumerate() {
                if to_step(day) >= total {
                    return Err(err(
                        &format!("treatment.dose.days[{i}]"),
                        format!(
                            "a dose on day {day} is never given: the {}-day run ends before its step",
                            t.days
                        ),
                    )
                    .allowed(format!(
                        "days from 0 to {:.4}, the start of the run's last step",
                        (total - 1) as f64 * dt / 1440.0
                    )));
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
        let f = &s.fibroblast;
        for (key, low, high, other) in [
            (
                "fibroblast.proliferation_o2_low_mmhg",
                f.proliferation_o2_low_mmhg,
                f.proliferation_o2_high_mmhg,
                "fibroblast.proliferation_o2_high_mmhg",
            ),
            (
                "fibroblast.closure_matrix_low",
                f.closure_matrix_low,
                f.closure_matrix_high,
                "fibroblast.closure_matrix_high",
            ),
        ] {
            if low >= high {
                return Err(err(key, format!("{low} must be below {other} = {high}")));
            }
        }
        if f.dense_collagen_onset >= 1.0 {
            return Err(err(
                "fibroblast.dense_collagen_onset",
                format!(
                    "{} leaves no collagen to count as dense",
                    f.dense_collagen_onset
                ),
            )
            .allowed("0 to below 1"));
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
        for (name, f) in &fields {
            if f.step_min > 0.0 {
                let key = format!("fields.{name}.step_min");
                let every = whole(
                    label,
                    &key,
                    f.step_min,
                    t.field_step_min,
                    "time.field_step_min",
                )?;
                if every * field_every > total {
                    return Err(err(
                        &key,
                        format!(
                            "value {} min is longer than the {}-day run ({} min)",
                            f.step_min,
                            t.days,
                            total as f64 * dt
                        ),
                    )
                    .allowed(format!("at most the run length, {} min", total as f64 * dt)));
                }
            }
        }
        let builtin = super::default_fields();
        let secreted = |name: &str| {
            [
                &s.msc.secretion_fg_per_cell_per_day,
                &s.macrophage.m1_secretion_fg_per_cell_per_day,
                &s.macrophage.m2_secretion_fg_per_cell_per_day,
                &s.neutrophil.secretion_fg_per_cell_per_day,
                &s.fibroblast.secretion_fg_per_cell_per_day,
            ]
            .iter()
            .any(|m| m.contains_key(name))
        };
        for (name, f) in &s.fields {
            let key = format!("fields.{name}");
            let known = builtin.contains_key(name);
            if known && f.new {
                return Err(err(
                    &format!("{key}.new"),
                    format!("'{name}' is a built-in field, not a new one"),
                )
                .hint(format!(
                    "remove `new = true` to configure the built-in '{name}'"
                )));
            }
            if !known && !f.new {
                let mut e = err(&key, format!("'{name}' is not a built-in field"))
                    .allowed(builtin.keys().cloned().collect::<Vec<_>>().join(", "));
                e = match super::nearest(name, builtin.keys().map(String::as_str)) {
                    Some(n) => e.hint(format!(
                        "did you mean 'fields.{n}'? To add a new field, declare it with `new = true` in [fields.{name}]"
                    )),
                    None => e.hint(format!(
                        "to add a new field, declare it with `new = true` in [fields.{name}]"
                    )),
                };
                return Err(e);
            }
            if f.new && f.enabled && !secreted(name) {
                return Err(err(
                    &key,
                    format!("the new field '{name}' is secreted by nothing, so it would stay at its initial value"),
                )
                .hint(format!(
                    "add '{name}' to msc.secretion_fg_per_cell_per_day, macrophage.m1_/m2_secretion_fg_per_cell_per_day, neutrophil.secretion_fg_per_cell_per_day or fibroblast.secretion_fg_per_cell_per_day, or disable it"
                )));
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
            pge2: find("pge2"),
            ifng: find("ifng"),
            ev: find("ev"),
            mmp: find("mmp"),
            timp: find("timp"),
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
            (
                "neutrophil.secretion_fg_per_cell_per_day",
                &s.neutrophil.secretion_fg_per_cell_per_day,
            ),
            (
                "fibroblast.secretion_fg_per_cell_per_day",
                &s.fibroblast.secretion_fg_per_cell_per_day,
            ),
        ] {
            // A field the scenario declares but disables
            // (`enabled = false`) is simply not secreted; a name that is
            // no field at all is an error (a typo).
            for k in map.keys() {
                if find(k).is_none() && !s.fields.contains_key(k) {
                    let mut e = err(
                        &format!("{section}.{k}"),
                        format!("secretes into '{k}', which is not a field of this scenario"),
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

        let depth = Depth::new(s, &grid, tr.carrier_thickness_um(), label)?;
        super::depth::check_strip(&fields, wh, d.height_um, nz, label)?;

        Ok(Params {
            depth,
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
                debridement_every,
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
            let all = tr.dose.dose_cells * tr.dose.days.len() as f64;
            if self.depth.is_3d() {
                // The whole dose bounds the share in the domain.
                all
            } else {
                all * self.grid.dx_um / self.scenario.wound.depth_um
            }
        } else {
            0.0
        };
        let agents = dose_agents.min(self.scenario.limits.max_agents as f64) + voxels * 0.2;
        (grid_bytes + agents * 48.0) / (1024.0 * 1024.0) + 16.0
    }

    /// Peak memory (MiB) of one run that grows to `limits.max_agents`
    /// agents, the most every birth path allows ([`AGENT_BYTES`] each).
    pub fn memory_worst_case_mib(&self) -> f64 {
        let voxels = self.grid.len() as f64;
        let nf = self.fields.len() as f64;
        let grid_bytes = voxels * (nf * 12.0 + 24.0);
        let agents = self.scenario.limits.max_agents as f64;
        (grid_bytes + agents * AGENT_BYTES) / (1024.0 * 1024.0) + 16.0
    }
}

#[cfg(test)]
mod tests;
