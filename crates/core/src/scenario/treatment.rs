//! The treatment section: MSC product, dose schedule, delivery route,
//! preconditioning and standard care, and the documented multipliers each
//! choice maps to (see [`catalog`]).

use crate::section;
use serde::{Deserialize, Serialize};

/// Where the MSCs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// No MSC product (standard care only).
    None,
    /// Bone-marrow MSCs (reference source).
    BoneMarrow,
    /// Adipose-derived stromal cells.
    Adipose,
    /// Umbilical cord / Wharton's jelly MSCs.
    UmbilicalCord,
    /// Placenta-derived MSCs.
    Placenta,
}

/// The physical form of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Single-cell suspension.
    Cells,
    /// Aggregates / spheroids.
    Aggregates,
    /// Cell-free extracellular vesicles / exosomes (dose in cell equivalents).
    ExtracellularVesicles,
    /// Cell-free conditioned medium / secretome (dose in cell equivalents).
    ConditionedMedium,
}

/// How the product reaches the wound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Applied onto the wound bed.
    Topical,
    /// Injected into the wound bed at `injection_sites` points.
    Intralesional,
    /// Injected in a ring in the margin tissue.
    Perilesional,
    /// Sprayed in fibrin onto the bed (short-lived carrier).
    FibrinSpray,
    /// In a hydrogel over the bed (controlled release, protection).
    Hydrogel,
    /// On a scaffold over the bed (slow release, protection).
    Scaffold,
    /// Intravenous: lung trapping, `homing_fraction` reaches the wound.
    Intravenous,
}

/// Preconditioning before delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precondition {
    /// Unprimed.
    None,
    /// Culture at low O₂ (`o2_percent`, `duration_h`).
    Hypoxia,
    /// IFN-γ priming.
    IfnGamma,
    /// Low-dose TNF-α priming.
    TnfAlpha,
    /// Deferoxamine (HIF stabiliser).
    Deferoxamine,
    /// DMOG (HIF stabiliser).
    Dmog,
    /// 3D culture, then dissociated.
    ThreeDCulture,
}

/// Genetic engineering of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engineering {
    /// Unmodified cells.
    None,
    /// VEGF-overexpressing.
    Vegf,
    /// PDGF-overexpressing (stabilises new vessels).
    Pdgf,
}

section! {
    /// The MSC product.
    pub struct Product {
        /// Source: none, bone_marrow, adipose, umbilical_cord, placenta.
        source: Source = Source::None, unit "-", check any, source "review §3.1.2";
        /// Form: cells, aggregates, extracellular_vesicles, conditioned_medium.
        form: Form = Form::Cells, unit "-", check any, source "review §2.4, §3.3.1";
        /// Engineering: none, vegf, pdgf.
        engineered: Engineering = Engineering::None, unit "-", check any, source "Srifa 2020";
    }
}

section! {
    /// Preconditioning of the product.
    pub struct Preconditioning {
        /// Kind: none, hypoxia, ifn_gamma, tnf_alpha, deferoxamine, dmog, three_d_culture.
        kind: Precondition = Precondition::None, unit "-", check any, source "review §3.3.3";
        /// O₂ level of hypoxic preconditioning.
        o2_percent: f64 = 1.0, unit "% O₂", check positive, source "1–5 % O₂ (review §3.3.3)";
        /// Duration of preconditioning; effects scale up to 48 h.
        duration_h: f64 = 48.0, unit "h", check positive, source "assumption: 24–48 h typical";
        /// Half-life of the primed phenotype after delivery.
        effect_half_life_days: f64 = 3.0, unit "day", check positive, source "assumption: phenotype reverts without the stimulus (tnf_alpha and three_d_culture only: hypoxia, the HIF mimetics and IFN-γ set the cells' HIF-1α or licensing state instead, which decays at msc.hif_decay_half_life_h or msc.licensing_decay_half_life_h)";
        /// Hours after delivery during which deferoxamine or DMOG keeps driving HIF-1α (0 = washed out before delivery).
        mimetic_persist_h: f64 = 0.0, unit "h", check nonneg, source "assumption: primed cells are washed before delivery; set > 0 for a drug carried with the cells";
    }
}

section! {
    /// Dose and schedule.
    pub struct Dose {
        /// Cells per dose (cell equivalents for vesicles and conditioned medium); per cm² of wound when `per_cm2` is true.
        dose_cells: f64 = 1.0e6, unit "cells", check nonneg, source "5e3–2e6 cells/cm² in trials (review; biology.md §5)";
        /// Interpret `dose_cells` per cm² of initial wound area.
        per_cm2: bool = false, unit "-", check any, source "user choice";
        /// Days of dosing (e.g. [0, 7, 14, 21] for weekly × 4).
        days: Vec<f64> = vec![0.0], unit "day", check days, source "weekly dosing: Moon 2019; Kishta 2025";
    }
}

section! {
    /// Delivery route and carrier.
    pub struct Delivery {
        /// Route: topical, intralesional, perilesional, fibrin_spray, hydrogel, scaffold, intravenous.
        route: Route = Route::Topical, unit "-", check any, source "review §2.5, §3.3.2";
        /// Half-time of release from a carrier (fibrin spray, hydrogel, scaffold); unset = route default; must be > 0.
        release_half_life_h: Option<f64> = None, unit "h", check positive, source "route default: fibrin 72 h, hydrogel 168 h, scaffold 336 h (assumption; Fan 2024 direction)";
        /// Death-hazard multiplier while inside a carrier; unset = route default.
        carrier_protection: Option<f64> = None, unit "×", check mult, source "route default 0.3 (assumption; hydrogels retain and protect: Huang 2022)";
        /// Fraction of an intravenous dose that passes the lungs alive and reaches the vessels near the wound; each such cell adheres at a perfused vessel voxel with probability perfusion × T/(T + `homing_tnf_half_ng_per_ml`), the others pass on.
        homing_fraction: f64 = 0.0, unit "fraction", check fraction, source "≈ 0: viable MSCs only in the lungs (Eggenhofer 2012); fewer than 1 000 of 2e6 infused cells in six other tissues (Lee 2009, Cell Stem Cell)";
        /// TNF-α at a vessel voxel at which half of the intravenous cells passing it adhere (endothelial activation).
        homing_tnf_half_ng_per_ml: f64 = 0.2, unit "ng/mL", check half_max, source "direction: Rüster 2006, Blood 108:3938 (MSCs roll and adhere on endothelium through P-selectin and VCAM-1, more when it is activated by TNF-α); size assumption, chosen as msc.licensing_tnf_half_ng_per_ml is: the TNF-α of an inflamed wound in this model";
        /// Half-life of the intravenous cells trapped in the lungs.
        lung_half_life_h: f64 = 24.0, unit "h", check half_life_h, source "Lee 2009, Cell Stem Cell: hMSCs trapped in the mouse lung disappear with a half-life of about 24 h";
        /// Optional systemic (endocrine) term: M2 drive added to every macrophage at saturating lung-trapped cells (0 = off).
        systemic_m2_drive: f64 = 0.0, unit "-", check mult, source "off by default; direction: Lee 2009 (lung-trapped MSCs secrete TSG-6, whose systemic effect reduced inflammation in myocardial infarction); size assumption, as macrophage.pge2_m2_drive";
        /// Lung-trapped cells (whole body) at which the systemic term is half its maximum.
        systemic_half_lung_cells: f64 = 1.0e6, unit "cells", check half_max, source "assumption: a typical intravenous dose";
        /// Number of injection sites for intralesional injection.
        injection_sites: u64 = 8, unit "sites", check positive, source "assumption";
        /// Fraction of a topical dose lost to exudate and dressing.
        topical_loss_fraction: f64 = 0.5, unit "fraction", check fraction, source "assumption";
        /// 3D: thickness of the carrier layer on the wound bed (fibrin spray, hydrogel, scaffold); unset = route default.
        carrier_thickness_um: Option<f64> = None, unit "µm", check positive, source "route default: fibrin spray 100 µm, hydrogel 1000 µm, scaffold 1000 µm (assumption: a sprayed film; a gel or dermal template of about 1 mm)";
        /// 3D: diffusivity of every field but oxygen in the carrier layer, as a multiple of its own; unset = route default.
        carrier_diffusion_mult: Option<f64> = None, unit "×", check fraction, source "route default: fibrin spray 0.8, hydrogel 0.5, scaffold 0.7 (size assumption; direction: proteins diffuse hindered in gels, Amsden 1998); oxygen diffuses as in water";
        /// 3D: depth of intralesional injections below the bed surface and of perilesional ones below the skin surface.
        injection_depth_um: f64 = 1000.0, unit "µm", check positive, source "assumption: injections about 1 mm deep";
    }
}

section! {
    /// Standard care: MSCs act on top of it.
    pub struct StandardCare {
        /// Sharp debridement interval (0 = none); removes debris, senescent cells, `bacteria.debridement_biofilm_removal` of the biofilm and half the planktonic bacteria.
        debridement_every_days: f64 = 0.0, unit "day", check nonneg, source "review §2.5: debride before delivery";
        /// Infection / biofilm control (topical antiseptics and anti-biofilm dressings): kills planktonic and biofilm bacteria alike at `infection_control_per_day`.
        infection_control: bool = false, unit "-", check any, source "review §2.5";
        /// Offloading (pressure relief): reperfusion damage × 0.2.
        offloading: bool = false, unit "-", check any, source "review §1.1; effect size assumption";
        /// Compression (venous): oedema × 0.3.
        compression: bool = false, unit "-", check any, source "review §1.1; effect size assumption";
        /// Perfusion gained by revascularisation (added to patient perfusion).
        revascularisation_perfusion_gain: f64 = 0.0, unit "fraction of normal", check perfusion, source "assumption";
        /// Negative-pressure wound therapy: perfusion +0.1 and sprouting × 1.3.
        negative_pressure: bool = false, unit "-", check any, source "NPWT raises perfusion and granulation (review §3.3); sizes assumption";
        /// Extra O₂ at the wound surface from oxygen therapy (0 = none).
        oxygen_therapy_mmhg: f64 = 0.0, unit "mmHg", check mmhg, source "assumption: topical / hyperbaric oxygen";
        /// 3D: the dressing's O₂ diffusivity as a fraction of the oxygen field's (1 = gauze or foam, open to air; 0 = occlusive: no O₂ through the top face).
        dressing_o2_permeability: f64 = 1.0, unit "fraction", check fraction, source "assumption: gauze and foam pass air; films are semi-occlusive, hydrocolloids occlusive";
        /// Kill hazard of infection control on planktonic and biofilm bacteria (anti-biofilm agents are meant to reach biofilm; a per-day hazard, formerly the bioburden's removal per day).
        infection_control_per_day: f64 = 0.15, unit "1/day", check fraction, source "assumption";
        /// Systemic antibiotics to which the bacteria are susceptible, for the whole run.
        antibiotics: bool = false, unit "-", check any, source "user choice";
        /// Kill hazard of antibiotics on planktonic bacteria at normal perfusion (× the patient's perfusion, at most 1.5: the drug reaches the bed with the blood); biofilm × `bacteria.biofilm_antibiotic_kill_mult`.
        antibiotic_kill_per_day: f64 = 3.0, unit "1/day", check rate, source "assumption: concentrations above the MIC kill planktonic bacteria within hours to a day";
    }
}

section! {
    /// Free multipliers applied on top of the catalog's (for sensitivity analysis).
    pub struct Effects {
        /// MSC death-hazard multiplier.
        survival_hazard_mult: f64 = 1.0, unit "×", check mult, source "user";
        /// MSC VEGF secretion multiplier.
        vegf_mult: f64 = 1.0, unit "×", check mult, source "user";
        /// MSC IL-10 and TGF-β secretion multiplier (immunomodulation).
        immunomodulation_mult: f64 = 1.0, unit "×", check mult, source "user";
        /// MSC KGF secretion multiplier.
        kgf_mult: f64 = 1.0, unit "×", check mult, source "user";
    }
}

/// The treatment section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Treatment {
    /// The product.
    pub product: Product,
    /// Preconditioning.
    pub preconditioning: Preconditioning,
    /// Dose and schedule.
    pub dose: Dose,
    /// Delivery.
    pub delivery: Delivery,
    /// Standard care.
    pub standard_care: StandardCare,
    /// Extra multipliers.
    pub effects: Effects,
}

/// Resolved multipliers acting on the MSC mechanisms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProductEffects {
    /// Death hazard ×.
    pub hazard: f64,
    /// VEGF secretion ×.
    pub vegf: f64,
    /// IL-10 and TGF-β secretion ×.
    pub immunomod: f64,
    /// KGF secretion ×.
    pub kgf: f64,
    /// Anoikis hazard ×.
    pub anoikis: f64,
    /// Motility ×.
    pub motility: f64,
    /// Vessel regression ×.
    pub regression: f64,
    /// 1 when a preconditioning boost is present (it wears off with `effect_half_life_days`).
    pub primed_fraction: f64,
    /// Death hazard × without preconditioning.
    pub hazard0: f64,
    /// VEGF × without preconditioning.
    pub vegf0: f64,
    /// Immunomodulation × without preconditioning.
    pub immunomod0: f64,
}

/// One documented multiplier: what choice, what it acts on, how much, and why.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CatalogEntry {
    /// The choice (e.g. "source = adipose").
    pub choice: &'static str,
    /// What it multiplies.
    pub target: &'static str,
    /// The multiplier.
    pub value: f64,
    /// Source or "assumption".
    pub basis: &'static str,
}

macro_rules! entries {
    ($( $choice:literal, $target:literal, $value:expr, $basis:literal; )*) => {
        &[ $( CatalogEntry { choice: $choice, target: $target, value: $value, basis: $basis }, )* ]
    };
}

/// Every documented multiplier of products, forms, routes and preconditioning.
pub fn catalog() -> &'static [CatalogEntry] {
    entries! {
        "source = bone_marrow", "all", 1.0, "reference source";
        "source = adipose", "vegf", 1.2, "adipose MSCs are strongly angiogenic (review §3.1.2, direction); size assumption. Head-to-head studies disagree on the direction: a more pro-angiogenic adipose secretome (Amable 2014) against fewer angiogenic proteins than bone marrow or Wharton's jelly (Kehl 2019) and conditioned medium that, unlike bone marrow's and placenta's, did not raise endothelial proliferation or tube formation (Du 2016, doi:10.1186/s13287-016-0418-9); no per-factor numbers were at hand (the ELISAs are in figures only)";
        "source = adipose", "hazard", 0.9, "assumption: robust expansion (review §3.1.2)";
        "source = umbilical_cord", "immunomod", 1.3, "very favourable immunomodulation (review §3.1.2); size assumption. Contrary measurement, not applied: in PHA-stimulated blood mononuclear cells, umbilical-cord-matrix MSCs removed 0.16 of the T-cell activation, bone-marrow MSCs 0.45 and adipose MSCs 0.66 (Ribeiro 2013, doi:10.1186/scrt336; a T-cell assay, not macrophages)";
        "source = umbilical_cord", "hazard", 0.8, "low immunogenicity (review §3.1.2); size assumption";
        "source = placenta", "immunomod", 1.15, "favourable immunology (review §3.1.2); size assumption";
        "source = placenta", "hazard", 0.9, "assumption";
        "form = aggregates", "immunomod", 1.2, "material parameter: spheroid MSCs secrete more anti-inflammatory TSG-6 and PGE2 (Bartosh 2010, direction); size assumption (the survival, hypoxic-core VEGF and anoikis effects of aggregates come from the aggregate mechanism: msc.aggregate_*)";
        "form = aggregates", "motility", 0.5, "material parameter: a product of aggregates moves more slowly (assumption)";
        "form = extracellular_vesicles", "depot_half_life_h", 24.0, "assumption: the dose is held by the bed's exudate and fibrin and set free as vesicles (the `ev` field) over about a day; they act only when macrophages or endothelium take them up (macrophage.ev_*, angiogenesis.ev_*)";
        "form = conditioned_medium", "depot_half_life_h", 24.0, "assumption, as vesicles: the medium's heparin-binding factors (VEGF-165, HGF, KGF, PDGF-BB, latent TGF-β) are held by the wound bed's heparan sulfate and fibrin and released over about a day (free factors then clear with their field half-lives)";
        "form = conditioned_medium", "potency", 2.1, "conditioned medium ≥ cells (Shrestha 2013); size assumption: a dose holds its cell equivalents' secretome of about 3 days of culture (2.1 × the 24 h depot's mean life of 35 h ≈ 73 h)";
        "route = topical", "dose", 0.5, "assumption: loss to exudate (delivery.topical_loss_fraction)";
        "route = fibrin_spray", "hazard_in_carrier", 0.5, "fibrin spray improves ASC survival (Hopfner 2018); size assumption";
        "route = fibrin_spray", "release_half_life_h", 72.0, "assumption: fibrin degrades in days";
        "route = hydrogel", "hazard_in_carrier", 0.3, "hydrogels retain and protect (Huang 2022; Sivaraj 2021); size assumption";
        "route = hydrogel", "release_half_life_h", 168.0, "prolonged local bioactivity (Fan 2024); size assumption";
        "route = scaffold", "hazard_in_carrier", 0.3, "assumption, as hydrogel";
        "route = scaffold", "release_half_life_h", 336.0, "assumption";
        "route = fibrin_spray", "carrier_thickness_um", 100.0, "3D; assumption: a sprayed fibrin film";
        "route = hydrogel", "carrier_thickness_um", 1000.0, "3D; assumption: about 1 mm of gel on the bed";
        "route = scaffold", "carrier_thickness_um", 1000.0, "3D; assumption: a dermal template about 1 mm thick";
        "route = fibrin_spray", "carrier_diffusion_mult", 0.8, "3D; size assumption (direction: proteins diffuse hindered in gels, Amsden 1998)";
        "route = hydrogel", "carrier_diffusion_mult", 0.5, "3D; size assumption (direction: Amsden 1998)";
        "route = scaffold", "carrier_diffusion_mult", 0.7, "3D; size assumption (direction: Amsden 1998)";
        "route = intravenous", "homing_fraction", 0.0, "viable MSCs only in the lungs, ≤ 24 h (Eggenhofer 2012)";
        "preconditioning = tnf_alpha", "vegf", 1.3, "low-dose TNF-α raises VEGF (Vu 2021); size assumption";
        "preconditioning = tnf_alpha", "immunomod", 1.3, "review §3.3.3; size assumption";
        "preconditioning = three_d_culture", "vegf", 1.3, "3D culture secretome (review §3.3.1); size assumption";
        "preconditioning = three_d_culture", "hazard", 0.85, "assumption";
        "engineered = vegf", "vegf", 3.0, "VEGF-MSCs beat unmodified (Srifa 2020); size assumption";
        "engineered = pdgf", "regression", 0.5, "PDGF stabilises vessels (Srifa 2020, direction); size assumption";
        "engineered = pdgf", "kgf", 1.3, "assumption: PDGF drives granulation";
    }
}

fn lookup(choice: &str, target: &str) -> f64 {
    catalog()
        .iter()
        .filter(|e| e.choice == choice && e.target == target)
        .map(|e| e.value)
        .product()
}

fn source_key(s: Source) -> &'static str {
    match s {
        Source::None => "source = none",
        Source::BoneMarrow => "source = bone_marrow",
        Source::Adipose => "source = adipose",
        Source::UmbilicalCord => "source = umbilical_cord",
        Source::Placenta => "source = placenta",
    }
}
fn form_key(f: Form) -> &'static str {
    match f {
        Form::Cells => "form = cells",
        Form::Aggregates => "form = aggregates",
        Form::ExtracellularVesicles => "form = extracellular_vesicles",
        Form::ConditionedMedium => "form = conditioned_medium",
    }
}
/// Catalog key of a route.
pub fn route_key(r: Route) -> &'static str {
    match r {
        Route::Topical => "route = topical",
        Route::Intralesional => "route = intralesional",
        Route::Perilesional => "route = perilesional",
        Route::FibrinSpray => "route = fibrin_spray",
        Route::Hydrogel => "route = hydrogel",
        Route::Scaffold => "route = scaffold",
        Route::Intravenous => "route = intravenous",
    }
}
fn precondition_key(p: Precondition) -> &'static str {
    match p {
        Precondition::None => "preconditioning = none",
        Precondition::Hypoxia => "preconditioning = hypoxia",
        Precondition::IfnGamma => "preconditioning = ifn_gamma",
        Precondition::TnfAlpha => "preconditioning = tnf_alpha",
        Precondition::Deferoxamine => "preconditioning = deferoxamine",
        Precondition::Dmog => "preconditioning = dmog",
        Precondition::ThreeDCulture => "preconditioning = three_d_culture",
    }
}
fn engineering_key(e: Engineering) -> &'static str {
    match e {
        Engineering::None => "engineered = none",
        Engineering::Vegf => "engineered = vegf",
        Engineering::Pdgf => "engineered = pdgf",
    }
}

impl Treatment {
    /// True when an MSC product (cells or cell-free) is given.
    pub fn has_product(&self) -> bool {
        self.product.source != Source::None
            && self.dose.dose_cells > 0.0
            && !self.dose.days.is_empty()
    }

    /// True when the product is extracellular vesicles (its depot releases
    /// vesicles into the `ev` field, not factors).
    pub fn vesicles(&self) -> bool {
        self.product.form == Form::ExtracellularVesicles
    }

    /// True when the product is cell-free (vesicles or conditioned medium).
    pub fn cell_free(&self) -> bool {
        matches!(
            self.product.form,
            Form::ExtracellularVesicles | Form::ConditionedMedium
        )
    }

    /// The product's resolved multipliers (catalog × free effects).
    pub fn product_effects(&self) -> ProductEffects {
        let keys = [
            source_key(self.product.source),
            form_key(self.product.form),
            route_key(self.delivery.route),
            engineering_key(self.product.engineered),
        ];
        let pre = precondition_key(self.preconditioning.kind);
        let prod = |t: &str| keys.iter().map(|k| lookup(k, t)).product::<f64>();
        // Hypoxia, the HIF mimetics and IFN-γ have no multipliers: they set
        // the cells' initial state (`initial_msc_state`).
        let primed = |t: &str| lookup(pre, t);
        let e = &self.effects;
        ProductEffects {
            hazard: prod("hazard") * primed("hazard") * e.survival_hazard_mult,
            vegf: prod("vegf") * primed("vegf") * e.vegf_mult,
            immunomod: prod("immunomod") * primed("immunomod") * e.immunomodulation_mult,
            kgf: prod("kgf") * e.kgf_mult,
            anoikis: prod("anoikis"),
            motility: prod("motility"),
            regression: prod("regression"),
            primed_fraction: if matches!(
                self.preconditioning.kind,
                Precondition::TnfAlpha | Precondition::ThreeDCulture
            ) {
                1.0
            } else {
                0.0
            },
            hazard0: prod("hazard") * e.survival_hazard_mult,
            vegf0: prod("vegf") * e.vegf_mult,
            immunomod0: prod("immunomod") * e.immunomodulation_mult,
        }
    }

    /// The state a preconditioned MSC is delivered in: (HIF-1α activity,
    /// licensing), each 0–1. Hypoxic culture sets HIF-1α by its strength,
    /// which scales with duration (saturating at 48 h) and depth (1 % O₂
    /// full, 5 % O₂ half); deferoxamine (an iron chelator: the prolyl
    /// hydroxylases that mark HIF-1α for degradation need Fe²⁺) and DMOG (a
    /// 2-oxoglutarate analogue that inhibits the same hydroxylases) both
    /// stabilise HIF-1α fully: different mechanisms, the same HIF outcome
    /// (no sourced difference in MSC VEGF output was found; Wahl 2016, Hao
    /// 2019 report the direction for each). IFN-γ priming licenses the
    /// cells fully (IDO via JAK-STAT1; Ren 2008: with TNF-α or IL-1 in the
    /// wound). Unprimed cells start at (0, 0).
    pub fn initial_msc_state(&self) -> (f64, f64) {
        let c = &self.preconditioning;
        match c.kind {
            Precondition::Hypoxia => (
                (c.duration_h / 48.0).min(1.0)
                    * (1.0 - (c.o2_percent - 1.0).max(0.0) / 8.0).clamp(0.0, 1.0),
                0.0,
            ),
            Precondition::Deferoxamine | Precondition::Dmog => (1.0, 0.0),
            Precondition::IfnGamma => (0.0, 1.0),
            _ => (0.0, 0.0),
        }
    }

    /// Minutes after delivery during which a HIF mimetic (deferoxamine,
    /// DMOG) keeps the cells' HIF-1α drive at 1 (0 for other priming).
    pub fn mimetic_persist_min(&self) -> f64 {
        match self.preconditioning.kind {
            Precondition::Deferoxamine | Precondition::Dmog => {
                self.preconditioning.mimetic_persist_h * 60.0
            }
            _ => 0.0,
        }
    }

    /// Potency of a cell-free product per cell equivalent (the factors a
    /// conditioned-medium depot releases; 1 for vesicles, which release
    /// vesicles instead).
    pub fn cell_free_potency(&self) -> f64 {
        lookup(form_key(self.product.form), "potency")
    }

    /// Half-life of the cell-free depot (h), longer inside a carrier.
    pub fn depot_half_life_h(&self) -> f64 {
        let base = lookup(form_key(self.product.form), "depot_half_life_h");
        match self.delivery.route {
            Route::Hydrogel | Route::Scaffold | Route::FibrinSpray => base * 3.0,
            _ => base,
        }
    }

    /// Carrier release half-time (h) for this route (0 = no carrier).
    pub fn release_half_life_h(&self) -> f64 {
        if let Some(h) = self.delivery.release_half_life_h {
            return h;
        }
        match self.delivery.route {
            Route::FibrinSpray | Route::Hydrogel | Route::Scaffold => {
                lookup(route_key(self.delivery.route), "release_half_life_h")
            }
            _ => 0.0,
        }
    }

    /// Hazard multiplier inside the carrier.
    pub fn carrier_protection(&self) -> f64 {
        if let Some(p) = self.delivery.carrier_protection {
            p
        } else {
            lookup(route_key(self.delivery.route), "hazard_in_carrier")
        }
    }

    /// 3D: the carrier layer's thickness (µm) for a route with a carrier.
    pub fn carrier_thickness_um(&self) -> Option<f64> {
        if !self.has_carrier() {
            return None;
        }
        Some(
            self.delivery
                .carrier_thickness_um
                .unwrap_or_else(|| lookup(route_key(self.delivery.route), "carrier_thickness_um")),
        )
    }

    /// 3D: the carrier layer's diffusivity multiplier for every field but oxygen.
    pub fn carrier_diffusion_mult(&self) -> f64 {
        self.delivery
            .carrier_diffusion_mult
            .unwrap_or_else(|| lookup(route_key(self.delivery.route), "carrier_diffusion_mult"))
    }

    /// True when the route uses a carrier.
    pub fn has_carrier(&self) -> bool {
        matches!(
            self.delivery.route,
            Route::FibrinSpray | Route::Hydrogel | Route::Scaffold
        )
    }
}
