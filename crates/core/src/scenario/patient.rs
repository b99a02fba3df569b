//! Wound-type defaults for the patient section. Each wound type is data, not
//! a code path: it fills the patient keys the scenario leaves unset.

use super::sections::{Patient, WoundType};

/// Documented defaults: (perfusion, vessel_density_mult, tnf_secretion_mult,
/// macrophage_switch_mult, efferocytosis_mult, bioburden, debris,
/// reperfusion_damage_per_day, oedema, fibrosis, closure_speed_mult,
/// angiogenesis_mult, neutrophil_influx_time_mult, biofilm_probability,
/// timp_secretion_mult).
pub fn preset(t: WoundType) -> [f64; 15] {
    // Biofilm: 60 % of chronic and 6 % of acute wounds (James 2008).
    // TIMP (last column): halved in diabetic foot ulcers (Lobmann 2002).
    match t {
        //                       perf  vd   tnf  sw   eff  bio  deb  rep   oed  fib  clo  ang  neu  bf   timp
        WoundType::Acute => [
            1.0, 1.0, 1.0, 1.0, 1.0, 0.05, 0.05, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.06, 1.0,
        ],
        WoundType::DiabeticFootUlcer => [
            0.5, 0.8, 4.0, 0.5, 0.5, 0.5, 0.5, 0.01, 0.1, 0.1, 0.4, 0.4, 2.0, 0.6, 0.5,
        ],
        WoundType::VenousLegUlcer => [
            0.75, 1.0, 2.0, 0.7, 0.8, 0.4, 0.4, 0.0, 0.6, 0.2, 1.0, 1.0, 1.0, 0.6, 1.0,
        ],
        WoundType::PressureUlcer => [
            0.6, 0.9, 1.5, 0.8, 0.8, 0.4, 0.8, 0.05, 0.1, 0.1, 1.0, 1.0, 1.0, 0.6, 1.0,
        ],
        WoundType::RadiationUlcer => [
            0.6, 0.4, 1.5, 0.8, 0.8, 0.2, 0.6, 0.0, 0.2, 0.7, 0.8, 0.4, 1.0, 0.6, 1.0,
        ],
    }
}

/// The patient keys that [`preset`] fills, in the order of its values.
pub const PRESET_KEYS: [&str; 15] = [
    "perfusion",
    "vessel_density_mult",
    "tnf_secretion_mult",
    "macrophage_switch_mult",
    "efferocytosis_mult",
    "bioburden",
    "debris",
    "reperfusion_damage_per_day",
    "oedema",
    "fibrosis",
    "closure_speed_mult",
    "angiogenesis_mult",
    "neutrophil_influx_time_mult",
    "biofilm_probability",
    "timp_secretion_mult",
];

/// Every wound type, in declaration order.
pub const WOUND_TYPES: [WoundType; 5] = [
    WoundType::Acute,
    WoundType::DiabeticFootUlcer,
    WoundType::VenousLegUlcer,
    WoundType::PressureUlcer,
    WoundType::RadiationUlcer,
];

/// The default of patient key `key` (e.g. `"perfusion"`) for wound type
/// `t`, or `None` when the wound type does not set that key.
pub fn preset_value(t: WoundType, key: &str) -> Option<f64> {
    PRESET_KEYS
        .iter()
        .position(|&k| k == key)
        .map(|i| preset(t)[i])
}

/// Plain-language effects of each wound type, for docs and `explain`.
pub fn describe(t: WoundType) -> &'static str {
    match t {
        WoundType::Acute => "normal perfusion and immune response; little debris or bacterial burden (0.05), biofilm in 6 % (James 2008)",
        WoundType::DiabeticFootUlcer => {
            "perfusion 0.5 (TcPO₂, Kalani 1999), TNF ×4 (Mi 2007), polarization ×0.5 (Mirza 2013), \
             efferocytosis ×0.5 (Khanna 2010), bacterial burden 0.5 with biofilm in 60 % (James 2008), closure speed ×0.4 and angiogenesis ×0.4 \
             (calibrated; impaired diabetic angiogenesis, Catrina 2004), neutrophil influx delayed \
             and prolonged ×2 (Wetzler 2000), TIMP secretion of fibroblasts and macrophages ×0.5 \
             (TIMP-2 halved in ulcer biopsies, Lobmann 2002)"
        }
        WoundType::VenousLegUlcer => {
            "oedema 0.6 halves O₂ delivery by a third, TNF ×2, chronic inflammation"
        }
        WoundType::PressureUlcer => {
            "ischaemia–reperfusion adds debris daily; high initial necrosis (0.8)"
        }
        WoundType::RadiationUlcer => {
            "vessel density ×0.4 (rarefaction), fibrosis 0.7: fibrotic dermis and bed, fibroblasts \
             overproducing TGF-β and collagen (dense collagen slows sprouting and closure); \
             angiogenesis ×0.4: irradiated endothelium sprouts poorly (size calibrated: the untreated \
             nominal ulcer stays open past day 130 while four MSC doses close it, Forcheron 2012)"
        }
    }
}

/// Fill unset patient keys from the wound type's defaults.
pub fn resolve(p: &Patient) -> Patient {
    let d = preset(p.wound_type);
    let pick = |v: Option<f64>, i: usize| Some(v.unwrap_or(d[i]));
    Patient {
        wound_type: p.wound_type,
        perfusion: pick(p.perfusion, 0),
        vessel_density_mult: pick(p.vessel_density_mult, 1),
        tnf_secretion_mult: pick(p.tnf_secretion_mult, 2),
        macrophage_switch_mult: pick(p.macrophage_switch_mult, 3),
        efferocytosis_mult: pick(p.efferocytosis_mult, 4),
        bioburden: pick(p.bioburden, 5),
        debris: pick(p.debris, 6),
        reperfusion_damage_per_day: pick(p.reperfusion_damage_per_day, 7),
        oedema: pick(p.oedema, 8),
        fibrosis: pick(p.fibrosis, 9),
        closure_speed_mult: pick(p.closure_speed_mult, 10),
        angiogenesis_mult: pick(p.angiogenesis_mult, 11),
        neutrophil_influx_time_mult: pick(p.neutrophil_influx_time_mult, 12),
        biofilm_probability: pick(p.biofilm_probability, 13),
        timp_secretion_mult: pick(p.timp_secretion_mult, 14),
    }
}

/// Resolved patient values (all set).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PatientValues {
    /// Perfusion (fraction of normal), after standard care.
    pub perfusion: f64,
    /// Vessel density multiplier.
    pub vessel_density_mult: f64,
    /// TNF secretion multiplier.
    pub tnf_secretion_mult: f64,
    /// Polarization-rate multiplier.
    pub switch_mult: f64,
    /// Efferocytosis multiplier.
    pub efferocytosis_mult: f64,
    /// Initial bioburden.
    pub bioburden: f64,
    /// Initial debris.
    pub debris: f64,
    /// Reperfusion damage per day, after offloading.
    pub reperfusion_damage_per_day: f64,
    /// Oedema, after compression.
    pub oedema: f64,
    /// Fibrosis.
    pub fibrosis: f64,
    /// Closure speed multiplier.
    pub closure_speed_mult: f64,
    /// Angiogenesis multiplier (sprouting and tip speed).
    pub angiogenesis_mult: f64,
    /// Time-scale multiplier of the neutrophil injury signal.
    pub neutrophil_influx_time_mult: f64,
    /// Probability of an established biofilm at the start.
    pub biofilm_probability: f64,
    /// Multiplier on the TIMP secretion of the host's cells (fibroblasts,
    /// M2 macrophages).
    pub timp_secretion_mult: f64,
    /// True when this patient's wound starts with an established biofilm
    /// (nominal patient: `biofilm_probability` ≥ 0.5; cohort patients draw
    /// it, [`crate::cohort::patient_for`]).
    pub biofilm: bool,
}

impl PatientValues {
    /// Values from a resolved patient section.
    pub fn from_patient(p: &Patient) -> Self {
        let r = resolve(p);
        let g = |v: Option<f64>| v.unwrap_or(0.0);
        PatientValues {
            perfusion: g(r.perfusion),
            vessel_density_mult: g(r.vessel_density_mult),
            tnf_secretion_mult: g(r.tnf_secretion_mult),
            switch_mult: g(r.macrophage_switch_mult),
            efferocytosis_mult: g(r.efferocytosis_mult),
            bioburden: g(r.bioburden),
            debris: g(r.debris),
            reperfusion_damage_per_day: g(r.reperfusion_damage_per_day),
            oedema: g(r.oedema),
            fibrosis: g(r.fibrosis),
            closure_speed_mult: g(r.closure_speed_mult),
            angiogenesis_mult: g(r.angiogenesis_mult),
            neutrophil_influx_time_mult: g(r.neutrophil_influx_time_mult),
            biofilm_probability: g(r.biofilm_probability),
            timp_secretion_mult: g(r.timp_secretion_mult),
            biofilm: g(r.biofilm_probability) >= 0.5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PRESET_KEYS` names the key that `resolve` fills from each value.
    #[test]
    fn preset_keys_match_resolve() {
        for t in WOUND_TYPES {
            let p = resolve(&Patient {
                wound_type: t,
                ..Patient::default()
            });
            let table = toml::Table::try_from(&p).expect("a patient serializes");
            for key in PRESET_KEYS {
                let v = table[key].as_float().expect("resolved keys are set");
                assert_eq!(Some(v), preset_value(t, key), "{t:?} {key}");
            }
            assert_eq!(preset_value(t, "wound_type"), None);
        }
    }
}
