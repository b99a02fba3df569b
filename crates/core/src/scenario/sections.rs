//! Scenario sections. Every key carries its unit in its name, has a default
//! and states its source ("assumption" where the literature gives no number).
//! Reference shorthand: `biology.md` is the project's literature table
//! (docs/mechanisms.md lists the full references).

use crate::section;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Shape of the wound opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WoundShape {
    /// A disc of `diameter_um`.
    Circle,
    /// An ellipse with width `diameter_um` and height `diameter_um / aspect_ratio`.
    Ellipse,
    /// A square of side `diameter_um`.
    Square,
}

/// What the domain's two y faces are, for every field at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YFaces {
    /// Each field keeps its own `boundary_y_min` / `boundary_y_max`.
    Fields,
    /// Symmetry planes: every field has no-flux y sides (a 3D strip cut
    /// through the wound centre).
    Symmetry,
}

/// The kind of wound; selects documented defaults for the patient section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WoundType {
    /// A normal acute excisional wound in a healthy patient.
    Acute,
    /// Diabetic foot ulcer: low perfusion, persistent M1, impaired efferocytosis, high TNF.
    DiabeticFootUlcer,
    /// Venous leg ulcer: oedema and chronic inflammation.
    VenousLegUlcer,
    /// Pressure ulcer: ischaemia–reperfusion damage and necrosis.
    PressureUlcer,
    /// Radiation ulcer: microvascular rarefaction and fibrosis.
    RadiationUlcer,
}

/// Boundary condition on one side of the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// Fixed far-field value (`far_field`).
    Dirichlet,
    /// Zero flux across the side.
    NoFlux,
}

section! {
    /// The simulated tissue slice.
    pub struct Domain {
        /// Width of the simulated slice.
        width_um: f64 = 12_000.0, unit "µm", check positive, source "assumption: a 1 cm wound plus 1 mm of intact margin on each side";
        /// Height of the simulated slice.
        height_um: f64 = 12_000.0, unit "µm", check positive, source "assumption";
        /// Edge length of one voxel; also the slice thickness.
        voxel_um: f64 = 20.0, unit "µm", check positive, source "assumption: about one to two cell diameters";
        /// Voxel layers along z: 1 = the 2D slice model; 3D needs at least 3 (from the top: the dressing, the wound cavity of `wound.depth_um` with the bed as its lowest layer, intact dermis down to the subdermal plexus at the bottom face).
        layers: u64 = 1, unit "layers", check positive, source "assumption: 2D unless a scenario asks for depth";
        /// Thickness of one layer along z (3D); 0 = `voxel_um`.
        dz_um: f64 = 0.0, unit "µm", check nonneg, source "assumption";
        /// The y faces: "fields" (each field's own `boundary_y_min`/`boundary_y_max`) or "symmetry" (no-flux y sides for every field, as a 3D strip through the wound centre needs; a Dirichlet y side set in the file is then an error).
        y_faces: YFaces = YFaces::Fields, unit "-", check any, source "assumption: symmetry planes of a strip cut through a round wound";
    }
}

section! {
    /// The wound opening.
    pub struct Wound {
        /// Shape: "circle", "ellipse" or "square".
        shape: WoundShape = WoundShape::Circle, unit "-", check any, source "assumption";
        /// Diameter (or side) of the wound; ignored when `area_mm2` > 0.
        diameter_um: f64 = 10_000.0, unit "µm", check positive, source "assumption: about a 1 cm ulcer";
        /// Wound area; when > 0 it sets the size instead of `diameter_um`.
        area_mm2: f64 = 0.0, unit "mm²", check nonneg, source "user choice";
        /// Width / height ratio for an ellipse.
        aspect_ratio: f64 = 1.0, unit "-", check positive, source "assumption";
        /// Wound centre, as a fraction of the domain width.
        center_x_frac: f64 = 0.5, unit "-", check fraction, source "assumption";
        /// Wound centre, as a fraction of the domain height.
        center_y_frac: f64 = 0.5, unit "-", check fraction, source "assumption";
        /// Depth of the wound cavity: in 2D the slice holds `voxel_um / depth_um` of a dose; in 3D the cavity's layers under the dressing (rounded to whole layers).
        depth_um: f64 = 2_000.0, unit "µm", check positive, source "assumption: a 2 mm deep ulcer bed";
    }
}

section! {
    /// The patient. Keys left unset take the documented default of `wound_type`
    /// (see `woundsim params patient`).
    pub struct Patient {
        /// Wound type; its defaults fill every key below that the file leaves unset.
        wound_type: WoundType = WoundType::Acute, unit "-", check any, source "see docs/mechanisms.md";
        /// Tissue perfusion as a fraction of normal (scales the rate of vessel O₂ exchange, not the blood's pO₂, and recruitment).
        perfusion: Option<f64> = None, unit "fraction of normal", check perfusion, source "DFU 0.5: TcPO₂ 15 ± 12 vs 32 ± 10 mmHg healed (Yang 2013; Kalani 1999); others assumption";
        /// Baseline vessel density as a multiple of normal skin (radiation: rarefaction).
        vessel_density_mult: Option<f64> = None, unit "×", check mult, source "radiation 0.4: microvascular rarefaction (Forcheron 2012, qualitative); others assumption";
        /// Multiplier on M1 TNF-α secretion.
        tnf_secretion_mult: Option<f64> = None, unit "×", check mult, source "DFU 4: diabetic ABM setting TNF ×4 (Mi 2007)";
        /// Multiplier on the macrophage polarization rate.
        macrophage_switch_mult: Option<f64> = None, unit "×", check mult, source "DFU 0.5: persistent M1 (Mirza 2013); size assumption";
        /// Multiplier on efferocytosis and debris clearance.
        efferocytosis_mult: Option<f64> = None, unit "×", check mult, source "DFU 0.5: efferocytosis ≈ halved (Khanna 2010)";
        /// Initial bacterial burden (planktonic + biofilm) on every open voxel, as a fraction of the bed's carrying capacity, 0–1.
        bioburden: Option<f64> = None, unit "0–1", check fraction, source "assumption";
        /// Probability that the wound starts with an established biofilm (`bacteria.initial_biofilm_share` of the initial burden). A single run's nominal patient has one when it is at least 0.5; cohort patients draw it from their own stream.
        biofilm_probability: Option<f64> = None, unit "0–1", check fraction, source "biofilm in 60 % of chronic wounds (30 of 50) against 6 % of acute wounds (1 of 16) by electron microscopy (James 2008)";
        /// Initial necrotic debris in the wound bed, 0–1.
        debris: Option<f64> = None, unit "0–1", check fraction, source "assumption";
        /// New necrotic debris per day from ischaemia–reperfusion (pressure).
        reperfusion_damage_per_day: Option<f64> = None, unit "1/day", check nonneg, source "assumption";
        /// Oedema, 0–1; lowers O₂ delivery by up to half.
        oedema: Option<f64> = None, unit "0–1", check fraction, source "assumption: venous hypertension and oedema";
        /// Fibrotic drive of the tissue, 0–1: the intact dermis starts with more collagen, fibroblasts secrete more TGF-β (`fibroblast.fibrosis_tgfb_gain`) and resist apoptosis after closure; the dense collagen that results slows sprouting and closure.
        fibrosis: Option<f64> = None, unit "0–1", check fraction, source "assumption: radiation fibrosis (persistent TGF-β1 activation: Martin 2000; Delanian 2004)";
        /// Multiplier on sprouting and tip-cell speed (the endothelial response to VEGF).
        angiogenesis_mult: Option<f64> = None, unit "×", check mult, source "calibrated: DFU 0.4 so a standard-care cohort heals about a quarter by week 12 (Margolis 1999); direction from impaired diabetic angiogenesis (HIF-1α destabilised by hyperglycaemia, Catrina 2004; Thangarajah 2009); radiation 0.4 so the untreated nominal ulcer stays open past day 130 while four adipose-MSC doses close it (Forcheron 2012); others 1";
        /// Multiplier on epithelial advance speed.
        closure_speed_mult: Option<f64> = None, unit "×", check mult, source "calibrated: DFU 0.4 so a standard-care cohort heals about a quarter by week 12 (Margolis 1999); stands in for diabetic defects not modelled (keratinocyte and fibroblast dysfunction, neuropathy, repeated trauma)";
        /// Multiplier on the time scale of the neutrophil injury signal (`neutrophil.influx_peak_h`): above 1 the influx comes later and lasts longer.
        neutrophil_influx_time_mult: Option<f64> = None, unit "×", check mult, source "DFU 2: assumption; direction: delayed influx and prolonged persistence of neutrophils in diabetic (db/db) wounds (Wetzler 2000); others 1";
        /// Multiplier on the TIMP secretion of the host's cells (fibroblasts and myofibroblasts, M2 macrophages); an MSC product's own TIMP is not changed.
        timp_secretion_mult: Option<f64> = None, unit "×", check mult, source "DFU 0.5: TIMP-2 reduced twofold in biopsies of 20 diabetic foot ulcers against 12 traumatic wounds (Lobmann 2002, doi:10.1007/s00125-002-0868-8); others 1 (assumption)";
    }
}

section! {
    /// Simulated span and rates. Every rate is a whole number of base steps.
    pub struct Time {
        /// Simulated span.
        days: f64 = 84.0, unit "day", check positive, source "12 weeks: the clinical end point (Margolis 1999)";
        /// Base step; every other step is a whole multiple of it.
        step_min: f64 = 15.0, unit "min", check positive, source "assumption: resolves tip-cell motion (≈1 µm per step)";
        /// Field (diffusion) step.
        field_step_min: f64 = 15.0, unit "min", check positive, source "assumption; implicit solver is stable at any step";
        /// Cell-process step (MSCs, macrophages, tip cells).
        cell_step_min: f64 = 15.0, unit "min", check positive, source "assumption";
        /// Tissue step (closure, vessel regression, standard care).
        tissue_step_min: f64 = 60.0, unit "min", check positive, source "assumption";
        /// Interval between rows of timeseries.csv.
        output_every_h: f64 = 24.0, unit "h", check positive, source "user choice";
    }
}

section! {
    /// Output cadence and snapshots.
    pub struct Output {
        /// Interval between field snapshots (0 = none except `snapshot_days`).
        snapshot_every_days: f64 = 7.0, unit "day", check nonneg, source "user choice";
        /// Extra snapshot days.
        snapshot_days: Vec<f64> = vec![], unit "day", check days, source "user choice";
        /// Also snapshot the last day when `snapshot_every_days` > 0 (so a run shorter than the interval still gets a final map).
        snapshot_last_day: bool = true, unit "-", check any, source "user choice";
    }
}

section! {
    /// One diffusing field. Concentrations are in the field's `unit`.
    pub struct FieldSpec {
        /// Declares a field that is not one of the built-in fields (oxygen, vegf, il10, tnf, tgfb, kgf, ros, pge2, ifng, ev, mmp, timp); a new field must also be secreted by something (a key in a secretion map). Without it, an unknown field name is an error that suggests the nearest built-in field, so a typo cannot create an inert field.
        new: bool = false, unit "-", check any, source "user choice", serde(skip_serializing_if = "std::ops::Not::not");
        /// Include this field (false removes a default field).
        enabled: bool = true, unit "-", check any, source "user choice";
        /// Unit label of the concentration (mmHg for oxygen, ng/mL for proteins).
        unit: String = "ng/mL".to_string(), unit "-", check any, source "convention";
        /// Diffusion coefficient in tissue.
        diffusion_um2_per_min: f64 = 3_000.0, unit "µm²/min", check diffusion, source "1.2–1.6e-6 cm²/s free (Nauman 2007) / λ² with λ = 1.6";
        /// Half-life of the species in tissue (decay or background consumption).
        half_life_min: f64 = 60.0, unit "min", check positive, source "assumption within plasma orders of magnitude (biology.md §1)";
        /// Initial uniform concentration.
        initial: f64 = 0.0, unit "field unit", check concentration, source "assumption";
        /// Value held at Dirichlet sides.
        far_field: f64 = 0.0, unit "field unit", check concentration, source "assumption";
        /// Boundary at x = 0.
        boundary_x_min: Boundary = Boundary::Dirichlet, unit "-", check any, source "assumption: washout into surrounding tissue";
        /// Boundary at x = width.
        boundary_x_max: Boundary = Boundary::Dirichlet, unit "-", check any, source "assumption";
        /// Boundary at y = 0.
        boundary_y_min: Boundary = Boundary::Dirichlet, unit "-", check any, source "assumption";
        /// Boundary at y = height.
        boundary_y_max: Boundary = Boundary::Dirichlet, unit "-", check any, source "assumption";
        /// The field's own time step, a whole multiple of `time.field_step_min` (0 = solved every field step). A slowly changing species (a protease bound to the matrix) can be solved less often: its sources and uptake are those written at the steps it is solved, applied over its whole step (backward Euler is stable at any step).
        step_min: f64 = 0.0, unit "min", check nonneg, source "user choice";
    }
}

/// The default field set: oxygen, VEGF, IL-10, TNF-α, TGF-β, KGF, ROS, PGE2, IFN-γ, extracellular vesicles, MMP and TIMP.
pub fn default_fields() -> BTreeMap<String, FieldSpec> {
    let protein = |d: f64, half: f64| FieldSpec {
        diffusion_um2_per_min: d,
        half_life_min: half,
        ..FieldSpec::default()
    };
    let mut m = BTreeMap::new();
    m.insert(
        "oxygen".into(),
        FieldSpec {
            new: false,
            enabled: true,
            unit: "mmHg".into(),
            diffusion_um2_per_min: 1.0e5,
            half_life_min: std::f64::consts::LN_2 / 0.1,
            initial: 38.0,
            far_field: 38.0,
            boundary_x_min: Boundary::NoFlux,
            boundary_x_max: Boundary::NoFlux,
            boundary_y_min: Boundary::NoFlux,
            boundary_y_max: Boundary::NoFlux,
            step_min: 0.0,
        },
    );
    m.insert("vegf".into(), protein(3_300.0, 60.0));
    m.insert("il10".into(), protein(3_500.0, 120.0));
    m.insert("tnf".into(), protein(2_800.0, 20.0));
    m.insert("tgfb".into(), protein(3_000.0, 3.0));
    m.insert("kgf".into(), protein(3_500.0, 60.0));
    m.insert("pge2".into(), protein(12_000.0, 10.0));
    m.insert("ifng".into(), protein(3_200.0, 30.0));
    m.insert(
        "ev".into(),
        FieldSpec {
            unit: "cell_eq/uL".into(),
            ..protein(40.0, 720.0)
        },
    );
    // Proteases change over hours and are solved at the tissue step.
    let slow = |d: f64, half: f64| FieldSpec {
        step_min: 60.0,
        ..protein(d, half)
    };
    m.insert("mmp".into(), slow(1_500.0, 720.0));
    m.insert("timp".into(), slow(2_500.0, 720.0));
    m.insert(
        "ros".into(),
        FieldSpec {
            unit: "au".into(),
            ..protein(5_000.0, 5.0)
        },
    );
    m
}

/// Source notes for the default fields, used by `woundsim params`.
pub fn default_field_sources(name: &str) -> &'static str {
    match name {
        "oxygen" => "D = 1e5 µm²/min, consumption 0.1/min (PhysiCell convention); 38 mmHg normal tissue",
        "vegf" => "D from Nauman 2007 / λ²; t½ assumption (plasma 34 min, Stefanini 2008; VEGF165 retained by ECM)",
        "il10" => "t½ 2 h: plasma 2–4.5 h (Huhn 1996)",
        "tnf" => "t½ 20 min: 19 min mouse, 5/49 min human (Ferraiolo 1988)",
        "tgfb" => "active TGF-β, t½ 3 min: active 2–3 min (Wakefield 1990); secretion rates are of the active form",
        "kgf" => "keratinocyte growth factors (KGF/EGF/HGF lumped); assumption",
        "ros" => "reactive oxygen species in arbitrary units; assumption",
        "pge2" => "prostaglandin E2 of licensed MSCs (Németh 2009): D assumption, a 352 Da lipid diffuses about 4× faster than a 20 kDa protein (Stokes–Einstein, radius ∝ mass^1/3), / λ²; t½ 10 min assumption (prostaglandins are inactivated within minutes by 15-PGDH; ≈ 90 % in one passage through the lung, Ferreira & Vane 1967)",
        "ifng" => "interferon-γ of the inflammatory infiltrate (M1 macrophages stand in for the IL-12/IL-18-driven NK and Th1 cells that are not modelled; macrophages make IFN-γ themselves under IL-12 + IL-18, Munder 1998): D assumption, Stokes–Einstein from TNF-α's for the 34 kDa dimer against TNF-α's 51 kDa trimer, × (51/34)^(1/3) ≈ 1.14; t½ 30 min: 25–35 min after IV injection in patients (Kurzrock 1985)",
        "ev" => "free extracellular vesicles of a vesicle product, in cell equivalents per µL (the vesicles one cell of the dose stands for; released from the product's depot as it decays): D assumption, Stokes–Einstein for a 100 nm vesicle in water at 37 °C is about 400 µm²/min, taken as a tenth of that for hindrance by the matrix; t½ 12 h assumption (drainage and uptake by cells not modelled; macrophages and endothelium take them up on top of it)",
        "mmp" => "matrix metalloproteinases (total of latent and active, lumped as MMP-9 equivalents, 92 kDa; Yager 1996) of neutrophils, M1 macrophages, fibroblasts and the keratinocyte front: D assumption, a 92 kDa protein diffuses about 0.75× as fast as VEGF (Stokes–Einstein, radius ∝ mass^1/3) and binds the matrix, taken as half of that; t½ 12 h assumption (wound-fluid MMP-9 falls over days as neutrophils leave: Muller 2008); solved every 60 min (step_min)",
        "timp" => "tissue inhibitors of metalloproteinases (lumped as TIMP-1, 28 kDa; Brew & Nagase 2010) of fibroblasts, M2 macrophages and MSCs: D assumption (Stokes–Einstein from VEGF, × 0.75 for matrix binding); t½ 12 h assumption, as mmp; solved every 60 min (step_min)",
        _ => "user-defined field",
    }
}

section! {
    /// Oxygen supply, consumption and the tissue's hypoxia response.
    pub struct Tissue {
        /// Arterial O₂ partial pressure that perfused vessels relax tissue toward (tissue never exceeds it without oxygen therapy).
        blood_po2_mmhg: f64 = 95.0, unit "mmHg", check mmhg, source "physiology textbooks (arterial pO₂ 80–100 mmHg)";
        /// O₂ partial pressure of the air above a permeable dressing (3D: the top face's value).
        air_po2_mmhg: f64 = 160.0, unit "mmHg", check mmhg, source "dry air at sea level: 21 % of 760 mmHg ≈ 160 mmHg";
        /// Tissue pO₂ at the subdermal plexus at normal perfusion (3D: the bottom face's value, times the patient's perfusion, at most `blood_po2_mmhg`).
        plexus_po2_mmhg: f64 = 40.0, unit "mmHg", check mmhg, source "assumption: intact dermis sits near 40 mmHg (as tissue.vessel_o2_exchange_per_min is calibrated)";
        /// O₂ exchange rate of a perfused vessel voxel.
        vessel_o2_exchange_per_min: f64 = 1.2, unit "1/min", check rate, source "assumption: calibrated so intact tissue sits near 40 mmHg";
        /// Background O₂ supply from the deeper (unmodelled) plexus, everywhere.
        bed_o2_exchange_per_min: f64 = 0.004, unit "1/min", check rate, source "assumption: a vessel-free acute wound bed sits near 7 mmHg (dead space 1–10, Knighton 1981)";
        /// Radius of tissue a capillary supplies with O₂ (vessel exchange is spread over it).
        krogh_radius_um: f64 = 50.0, unit "µm", check length, source "Krogh cylinder radius ≈ 20–60 µm (physiology textbooks)";
        /// Density of pre-existing vessel voxels in normal intact tissue.
        vessel_density: f64 = 0.05, unit "fraction of voxels", check fraction, source "assumption: ~100 µm capillary spacing at 20 µm voxels";
        /// Residual vessel density left in the wound bed, relative to intact tissue.
        wound_residual_vessel_frac: f64 = 0.05, unit "fraction", check fraction, source "assumption";
        /// Perfused vessel density of the tissue the wound bed lies on (dermis or subcutis under the footprint), relative to intact tissue: neutrophils and macrophages arrive from it beneath the whole footprint as well as from the margin's and the bed's own vessels (0: only those).
        wound_base_vessel_frac: f64 = 1.0, unit "fraction", check fraction, source "assumption: the base of a full-thickness wound is intact perfused tissue, from which leukocytes enter the bed as they do from its margins";
        /// pO₂ below which HIF-1α responses start.
        hypoxia_onset_mmhg: f64 = 15.0, unit "mmHg", check mmhg, source "PhysiCell hypoxic onset 15 mmHg";
        /// pO₂ at which HIF-1α responses saturate.
        hypoxia_saturation_mmhg: f64 = 4.0, unit "mmHg", check mmhg, source "PhysiCell HIF saturation 4 mmHg";
        /// VEGF production by fully hypoxic tissue (HIF-1α).
        hypoxic_vegf_ng_per_ml_per_min: f64 = 0.02, unit "ng/mL/min", check rate, source "assumption (direction: Knighton 1981)";
        /// TNF-α production by fully hypoxic tissue (hypoxia is inflammatory).
        hypoxic_tnf_ng_per_ml_per_min: f64 = 0.002, unit "ng/mL/min", check rate, source "assumption";
        /// TNF-α production per unit local debris or bacterial burden (planktonic + biofilm) in the wound bed (bacterial PAMPs are inflammatory).
        damage_tnf_ng_per_ml_per_min: f64 = 0.004, unit "ng/mL/min", check rate, source "assumption";
        /// ROS production per unit local bacterial burden or reperfusion damage.
        damage_ros_au_per_min: f64 = 0.05, unit "au/min", check rate, source "assumption";
        /// No longer used (accepted so older scenarios load): bacteria grow at `bacteria.doubling_time_h` since the wound-wide bioburden became per-voxel planktonic and biofilm maps.
        bioburden_growth_per_day: f64 = 0.05, unit "1/day", check nonneg, source "not used";
        /// Kill hazard of planktonic bacteria by M1 macrophages at a local density of 0.05 M1 cells per voxel (over their 100 µm neighbourhood; × the patient's efferocytosis multiplier; biofilm × `bacteria.biofilm_host_kill_mult`).
        bioburden_immune_kill_per_day: f64 = 0.5, unit "1/day", check nonneg, source "assumption";
    }
}

section! {
    /// Mesenchymal stem cell (MSC) fate, motility and secretion.
    pub struct Msc {
        /// Baseline death hazard in normoxia without inflammation.
        base_death_per_day: f64 = 0.03, unit "1/day", check nonneg, source "assumption";
        /// Extra death hazard at full hypoxia (pO₂ ≤ saturation).
        hypoxia_death_per_day: f64 = 0.35, unit "1/day", check nonneg, source "assumption: local MSCs fade within ≤ 24 days (Srifa 2020)";
        /// Extra death hazard at saturating TNF-α.
        tnf_death_per_day: f64 = 0.3, unit "1/day", check nonneg, source "assumption: inflammatory cytokines drive MSC apoptosis (review §2.5)";
        /// TNF-α at half-maximal death and senescence drive.
        tnf_half_max_ng_per_ml: f64 = 0.5, unit "ng/mL", check positive, source "assumption";
        /// Extra death hazard at saturating ROS.
        ros_death_per_day: f64 = 0.3, unit "1/day", check nonneg, source "assumption: oxidative stress (review §2.5)";
        /// ROS at half-maximal death drive.
        ros_half_max_au: f64 = 1.0, unit "au", check positive, source "assumption";
        /// Extra death hazard of unanchored cells (anoikis) outside a carrier.
        anoikis_death_per_day: f64 = 0.5, unit "1/day", check nonneg, source "assumption: cells in a bolus without a carrier (review §3.3.2)";
        /// Time after release from delivery until cells have anchored.
        anchorage_h: f64 = 48.0, unit "h", check nonneg, source "assumption";
        /// Senescence hazard at saturating TNF-α (chronic inflammation).
        senescence_per_day: f64 = 0.08, unit "1/day", check nonneg, source "assumption: no rates found (review §2.5)";
        /// Repair secretion of a senescent cell relative to a live one.
        senescent_secretion_mult: f64 = 0.3, unit "×", check mult, source "assumption (SASP)";
        /// TNF-α secreted by a senescent cell (SASP).
        senescent_tnf_fg_per_cell_per_day: f64 = 1.0, unit "fg/cell/day", check secretion, source "assumption";
        /// Division hazard in the wound (little or none).
        proliferation_per_day: f64 = 0.0, unit "1/day", check nonneg, source "review §2.5: little proliferation in chronic wounds";
        /// Motility speed.
        speed_um_per_min: f64 = 0.2, unit "µm/min", check nonneg, source "assumption: slow migration";
        /// Weight of the step along the TNF-α gradient (0 = random walk, 1 = straight up the gradient).
        chemotaxis_bias: f64 = 0.5, unit "0–1", check fraction, source "assumption: chemotaxis toward inflammation";
        /// Base secretion of each field by a live, unprimed MSC.
        secretion_fg_per_cell_per_day: BTreeMap<String, f64> = BTreeMap::from([
            ("vegf".to_string(), 2.5), ("il10".to_string(), 0.5), ("tgfb".to_string(), 10.0), ("kgf".to_string(), 1.5),
            ("pge2".to_string(), 10.0), ("timp".to_string(), 5.0),
        ]), unit "fg/cell/day", check secretion, source "assumption (per-cell rates not found, biology.md §2): calibrated so a 1e6-cell dose raises wound VEGF by ≈0.5 ng/mL (order of reported ~1 fg/cell/day); pge2 is the rate of a fully licensed cell (× its licensing, Németh 2009; size assumption); timp: MSCs are robust TIMP-1/-2 sources that inhibit MMP-2 and MMP-9 (Lozito & Tuan 2011), amount assumption";
        /// Fold increase of VEGF secretion at full hypoxia (HIF-1α).
        hypoxia_vegf_gain: f64 = 2.0, unit "×", check mult, source "direction: Page 2014; Wahl 2016; size assumption";
        /// Extra VEGF output at low TNF-α (rising part of the two-sided response).
        tnf_vegf_low_gain: f64 = 1.0, unit "×", check mult, source "Vu 2021 (direction); size assumption";
        /// TNF-α at half-maximal VEGF boost.
        tnf_vegf_low_half_ng_per_ml: f64 = 0.1, unit "ng/mL", check positive, source "assumption";
        /// TNF-α above which VEGF output is suppressed (falling part).
        tnf_vegf_high_ng_per_ml: f64 = 2.0, unit "ng/mL", check positive, source "Vu 2021 (direction); size assumption";
        /// Efferocytosis hazard of a dead MSC per macrophage in its neighbourhood.
        efferocytosis_per_macrophage_per_day: f64 = 1.0, unit "1/day", check nonneg, source "assumption";
        /// Days after which an uncleared dead MSC becomes necrotic debris.
        secondary_necrosis_days: f64 = 2.0, unit "day", check positive, source "assumption";
        /// Polarization step toward M2 of a macrophage that eats a dead MSC.
        efferocytosis_m2_push: f64 = 0.15, unit "polarization", check fraction, source "efferocytosis drives M2 (Khanna 2010); size assumption";
        /// Half-time of a cell's HIF-1α activity rising toward its drive (local hypoxia, a mimetic).
        hif_rise_half_time_h: f64 = 2.0, unit "h", check positive, source "assumption: HIF-1α protein accumulates within hours of hypoxia; its targets follow within hours";
        /// Half-life of a cell's HIF-1α activity (the HIF-driven secretory programme) after the drive falls, e.g. after preconditioning on return to normoxia.
        hif_decay_half_life_h: f64 = 24.0, unit "h", check positive, source "assumption: the HIF-1α protein itself is degraded within minutes on reoxygenation, so the lasting part is the programme it induced (target mRNAs, secretory and metabolic state), which reviews describe as reverting over hours to days without the stimulus";
        /// Share of the hypoxic stress a fully HIF-adapted cell is spared.
        hif_survival_protection: f64 = 0.3, unit "fraction", check fraction, source "direction: hypoxic and HIF-mimetic priming improve survival under ischaemic stress (Page 2014; biology.md §2); size assumption";
        /// TNF-α at half-maximal licensing drive (the drive is this TNF-α term × the IFN-γ co-signal, `msc.ifng_half_ng_per_ml`: licensing needs IFN-γ together with TNF-α or IL-1, Ren 2008).
        licensing_tnf_half_ng_per_ml: f64 = 0.2, unit "ng/mL", check positive, source "assumption: the TNF-α of an inflamed wound in this model (0.1–0.3 ng/mL mean)";
        /// IFN-γ at half-maximal co-signal `I/(I + K)`, which multiplies both the licensing drive (Ren 2008: neither IFN-γ nor TNF-α alone licenses) and the TNF-α death hazard (Liu 2011: TNF-α turns IFN-γ-activated Fas into caspase-3/8 apoptosis). Without an `ifng` field the co-signal is taken as 1 (present everywhere).
        ifng_half_ng_per_ml: f64 = 0.05, unit "ng/mL", check half_max, source "assumption, chosen as licensing_tnf_half_ng_per_ml is: the IFN-γ of an inflamed wound in this model (mean 0.047 ng/mL over days 1–7 of the default 1 cm diabetic foot ulcer, 0.02–0.07 day by day); in vitro licensing uses 10–50 ng/mL (Ren 2008), far above wound levels";
        /// Half-time of licensing rising toward its drive.
        licensing_rise_half_time_h: f64 = 6.0, unit "h", check positive, source "assumption: COX-2, IDO and TSG-6 are induced over hours (Ren 2008; Németh 2009 direction)";
        /// Half-life of licensing after the inflammatory signal goes.
        licensing_decay_half_life_h: f64 = 24.0, unit "h", check positive, source "assumption: the licensed phenotype reverts over about a day without the cytokines";
        /// Half-time of a cell's stress (hypoxia, ROS, anoikis) rising toward its insult.
        stress_rise_half_time_h: f64 = 6.0, unit "h", check positive, source "assumption: injury accumulates over hours";
        /// Half-life of a cell's stress after the insult falls (recovery).
        stress_recovery_half_life_h: f64 = 24.0, unit "h", check positive, source "assumption";
        /// Cells per aggregate of a dose in `treatment.product.form = "aggregates"` (one agent carries them; fewer agents carry the same cells).
        aggregate_cells: f64 = 1000.0, unit "cells", check aggregate_cells, source "assumption at the small end of the published range (a 2D slice of a 1e6-cell topical dose then holds a few aggregates, not a fraction of one): MSC spheroids of 1e3–6e4 cells (Murphy 2017 made 15 000, 30 000 and 60 000; Bhang 2011 and Bhang 2012 grafted spheroids of thousands of cells; review Cesarz 2016)";
        /// Volume one cell takes up inside an aggregate (the cell's volume over the packing fraction); the radius is (3·N·v/4π)^(1/3).
        aggregate_volume_per_cell_um3: f64 = 1520.0, unit "µm³", check positive, source "Murphy 2017: 15 000-cell MSC spheroids have radius 176 µm, 4π·176³/3/15 000 = 1.52e3 µm³ per cell (a 14 µm sphere each: MSCs of 15–20 µm in suspension compact in spheroids; their 60 000-cell spheroids, 353 µm, pack looser at 3.07e3)";
        /// O₂ consumption of one MSC (zero order: the core-O₂ profile of an aggregate).
        o2_consumption_fmol_per_cell_per_h: f64 = 98.0, unit "fmol/cell/h", check nonneg, source "Pattappa 2011: about 98 fmol/cell/h for human MSCs expanded in normoxia";
        /// O₂ solubility in tissue and culture medium (converts consumption into mmHg/min).
        o2_solubility_umol_per_l_per_mmhg: f64 = 1.3, unit "µM/mmHg", check positive, source "physiology: 0.003 mL O₂/dL/mmHg in plasma ≈ 1.34 µM/mmHg";
        /// Death-hazard multiplier of a cell inside an aggregate (cell–cell contact), on every term but the necrotic core; aggregated cells are also free of anoikis.
        aggregate_contact_hazard_mult: f64 = 0.5, unit "×", check mult, source "direction: spheroid MSCs survive grafting better than dissociated ones, fewer apoptotic cells and more anti-apoptotic Bcl-2 (Bhang 2011; Bhang 2012); size assumption";
        /// Death hazard of a cell in the anoxic core of an aggregate (cells lost per step follow the anoxic volume share).
        aggregate_necrosis_per_day: f64 = 2.0, unit "1/day", check nonneg, source "assumption: anoxic cells die within about a day (necrotic cores of large spheroids, Murphy 2017 annexin V in the core of 250 000-cell spheroids)";
        /// Hazard per cell of leaving its aggregate (becoming a single cell next to it).
        aggregate_shedding_per_day: f64 = 0.1, unit "1/day", check nonneg, source "assumption: cells migrate out of aggregates onto matrix over days (Amos 2010 direction)";
    }
}

section! {
    /// Macrophage recruitment, polarization (continuous, 0 = M1, 1 = M2), lifespan and secretion.
    pub struct Macrophage {
        /// Recruitment hazard per perfused vessel voxel near the wound, at rest.
        recruit_base_per_vessel_per_day: f64 = 0.02, unit "1/day", check nonneg, source "assumption";
        /// Extra recruitment at saturating TNF-α.
        recruit_tnf_per_vessel_per_day: f64 = 0.5, unit "1/day", check nonneg, source "assumption";
        /// Extra recruitment per unit local debris.
        recruit_debris_per_vessel_per_day: f64 = 1.0, unit "1/day", check nonneg, source "assumption";
        /// Distance from the wound within which vessels recruit.
        recruit_range_um: f64 = 600.0, unit "µm", check nonneg, source "assumption";
        /// Local macrophage density (per voxel, over 100 µm neighbourhoods) at which recruitment stops.
        max_per_voxel: f64 = 0.1, unit "cells/voxel", check positive, source "assumption: crowding; ≈1.2e4 cells/mm³";
        /// Mean lifespan in the wound.
        lifespan_days: f64 = 3.0, unit "day", check positive, source "calibrated: wound macrophages (death and emigration) peak about day 3–5 of an acute wound and decline after it (Lucas 2010; Krzyszczyk 2018), given recruitment from the tissue under the bed";
        /// Motility speed.
        speed_um_per_min: f64 = 1.0, unit "µm/min", check nonneg, source "assumption";
        /// Weight of the step toward debris and TNF-α.
        chemotaxis_bias: f64 = 0.3, unit "0–1", check fraction, source "assumption";
        /// Polarization of a newly recruited cell (0 = M1, 1 = M2).
        initial_polarization: f64 = 0.1, unit "0–1", check fraction, source "monocytes enter as M1 (Krzyszczyk 2018)";
        /// Polarization rate scale.
        switch_per_day: f64 = 0.6, unit "1/day", check nonneg, source "calibrated: M1 days 1–3, M2 from day 4–7 (Krzyszczyk 2018)";
        /// Intrinsic M2 drive (resolution by unmodelled neutrophil efferocytosis).
        intrinsic_m2_drive: f64 = 0.4, unit "-", check nonneg, source "assumption";
        /// IL-10 weight in the M2 drive.
        il10_m2_drive: f64 = 1.5, unit "-", check nonneg, source "IL-10 → M2 (Zhang 2010); weight assumption";
        /// IL-10 at half-maximal drive.
        il10_half_ng_per_ml: f64 = 0.2, unit "ng/mL", check positive, source "assumption";
        /// TGF-β weight in the M2 drive.
        tgfb_m2_drive: f64 = 0.5, unit "-", check nonneg, source "assumption";
        /// TGF-β at half-maximal drive.
        tgfb_half_ng_per_ml: f64 = 0.2, unit "ng/mL", check positive, source "assumption";
        /// Weight of the PGE2 M2 drive (PGE2 of licensed MSCs reprograms macrophages to IL-10 production).
        pge2_m2_drive: f64 = 0.5, unit "-", check nonneg, source "direction: Németh 2009 (EP2/EP4 signalling raises macrophage IL-10); size assumption";
        /// PGE2 at half-maximal M2 drive.
        pge2_half_ng_per_ml: f64 = 0.35, unit "ng/mL", check positive, source "assumption: 1 nM (PGE2 352 g/mol), the order of EP2/EP4 receptor affinities";
        /// Volume of tissue fluid one macrophage clears of extracellular vesicles per hour (its uptake of the `ev` field: a sink at its voxel; 0 switches the uptake, and so the vesicles' action on macrophages, off).
        ev_clearance_nl_per_h: f64 = 0.001, unit "nL/h", check clearance, source "assumption: 1 pL/h, the order of a macrophage's own volume per hour (fluid-phase and receptor-mediated uptake); one cell clears a 20 µm voxel (8 pL) with a half-life of about 6 h";
        /// Weight of the M2 drive of the vesicle cargo a macrophage takes up (miRNAs such as let-7b, miR-21 and miR-146a shift macrophages toward M2).
        ev_m2_drive: f64 = 0.5, unit "-", check mult, source "direction: Ti 2015 (MSC exosomes shift macrophages toward M2 via let-7b, and heal diabetic rat wounds); review §2.4; size assumption, as pge2_m2_drive";
        /// Half-life of the vesicle cargo a macrophage has taken up (it keeps acting after the free vesicles are gone): the cargo Q follows dQ/dt = U − Q·ln 2/t½ with the uptake U.
        ev_cargo_half_life_h: f64 = 24.0, unit "h", check half_life_h, source "assumption: delivered miRNAs act in the cell for about a day (no measured half-life of exosomal-miRNA activity in wound macrophages was found)";
        /// Vesicle cargo held (cell equivalents per macrophage) at half-maximal M2 drive.
        ev_half_cell_eq: f64 = 0.08, unit "cell-eq", check half_max, source "assumption: about the cargo a macrophage holds after a day at the wound's mean free vesicles on day 1 after one topical dose of 1e6 cell equivalents on the 4 mm wound of `--preset small` (4 500 cell-eq/µL, an uptake of 0.0045 cell-eq/h: 0.0045 × 24 h × (1 − 2^−1)/ln 2 ≈ 0.078 cell-eq)";
        /// TNF-α weight in the M1 drive.
        tnf_m1_drive: f64 = 1.0, unit "-", check nonneg, source "TNF-α keeps M1 (Mirza 2013); weight assumption";
        /// TNF-α at half-maximal drive.
        tnf_half_ng_per_ml: f64 = 0.5, unit "ng/mL", check positive, source "assumption";
        /// Hypoxia weight in the M1 drive.
        hypoxia_m1_drive: f64 = 0.3, unit "-", check nonneg, source "assumption";
        /// Debris / bioburden weight in the M1 drive.
        damage_m1_drive: f64 = 1.0, unit "-", check nonneg, source "assumption";
        /// Debris cleared per day by one macrophage in a voxel.
        debris_clearance_per_day: f64 = 10.0, unit "1/day", check nonneg, source "assumption";
        /// Secretion of a fully M1 cell.
        m1_secretion_fg_per_cell_per_day: BTreeMap<String, f64> = BTreeMap::from([
            ("tnf".to_string(), 5.0), ("ros".to_string(), 5.0), ("vegf".to_string(), 5.0),
            ("mmp".to_string(), 50.0), ("ifng".to_string(), 1.0),
        ]), unit "fg/cell/day", check secretion, source "TNF assumption (level calibrated to 0.1–1 ng/mL); IFN-γ: M1 macrophages stand for the infiltrate's IFN-γ (their own, Munder 1998, and that of the NK and Th1 cells their IL-12 drives), amount assumption; MMP: inflammatory cells are the wound's MMP-8/-9 source (Muller 2008; Krishnaswamy 2017), amount assumption; VEGF: inflammatory macrophages drive early wound angiogenesis (Willenborg 2012), amount calibrated toward an acute-wound capillary overshoot of ≥ 3× intact (DiPietro 2013; the 1 cm acute wound of a nominal patient reaches 2.3× on day 21)";
        /// Secretion of a fully M2 cell.
        m2_secretion_fg_per_cell_per_day: BTreeMap<String, f64> = BTreeMap::from([
            ("il10".to_string(), 1.0), ("vegf".to_string(), 5.0), ("tgfb".to_string(), 15.0),
            ("timp".to_string(), 2.0),
        ]), unit "fg/cell/day", check secretion, source "assumption; VEGF as M1 (M2 macrophages are pro-angiogenic too: Jetten 2014); TIMP: assumption (M2 macrophages as a TIMP source)";
    }
}

section! {
    /// Neutrophils: recruitment from perfused vessels near the wound and under the bed (`tissue.wound_base_vessel_frac`) within hours of wounding, apoptosis, killing of bacteria, secretion, and clearance of apoptotic cells by macrophages (efferocytosis, which pushes them toward M2).
    pub struct Neutrophil {
        /// Recruitment hazard per perfused vessel voxel near the wound at the peak of the injury signal (damage-associated signals and chemokines released at wounding); the signal rises and falls as (t/τ)·e^(1 − t/τ), with τ = `influx_peak_h` × the patient's `neutrophil_influx_time_mult`.
        recruit_injury_per_vessel_per_day: f64 = 3.0, unit "1/day", check nonneg, source "calibrated: wound neutrophils peak about day 1 (maximum at 18 h in mouse wounds, Kim 2008) and are largely gone by day 5–7";
        /// Hours after wounding at which the injury signal peaks (τ of `recruit_injury_per_vessel_per_day`).
        influx_peak_h: f64 = 9.0, unit "h", check positive, source "calibrated: puts the live-neutrophil maximum of a nominal acute wound at 18 h, where Kim 2008 measured it (1e6 cells at 4 h, a maximum of 5e6 at 18 h)";
        /// Extra recruitment per unit of local debris plus the open wound's mean bacterial burden (damage and bacteria keep attracting neutrophils).
        recruit_damage_per_vessel_per_day: f64 = 0.3, unit "1/day", check nonneg, source "assumption";
        /// Extra recruitment at saturating TNF-α.
        recruit_tnf_per_vessel_per_day: f64 = 0.2, unit "1/day", check nonneg, source "assumption";
        /// TNF-α at half-maximal recruitment drive.
        tnf_half_ng_per_ml: f64 = 0.5, unit "ng/mL", check positive, source "assumption";
        /// Local neutrophil density (per voxel, over 100 µm neighbourhoods) at which recruitment stops.
        max_per_voxel: f64 = 0.2, unit "cells/voxel", check positive, source "assumption: crowding";
        /// Mean time from arrival in the wound to apoptosis.
        lifespan_h: f64 = 12.0, unit "h", check positive, source "assumption: high turnover in wounds (about 80 % of labelled neutrophils' signal gone within 6 h, Kim 2008)";
        /// Motility speed.
        speed_um_per_min: f64 = 5.0, unit "µm/min", check nonneg, source "assumption: neutrophils crawl several µm/min in tissue";
        /// Weight of the step along the TNF-α gradient (0 = random walk, 1 = straight up the gradient).
        chemotaxis_bias: f64 = 0.5, unit "0–1", check fraction, source "assumption";
        /// Efferocytosis hazard of an apoptotic neutrophil per macrophage in its neighbourhood (× the patient's `efferocytosis_mult`).
        efferocytosis_per_macrophage_per_day: f64 = 4.0, unit "1/day", check nonneg, source "assumption; diabetic wounds clear apoptotic cells about half as well (Khanna 2010) through the patient's efferocytosis_mult";
        /// Polarization step toward M2 of a macrophage that eats an apoptotic neutrophil.
        efferocytosis_m2_push: f64 = 0.05, unit "polarization", check fraction, source "efferocytosis drives macrophages toward resolution (Khanna 2010); size assumption";
        /// Hours after which an uncleared apoptotic neutrophil undergoes secondary necrosis and becomes debris.
        secondary_necrosis_h: f64 = 24.0, unit "h", check positive, source "assumption";
        /// Debris added to its voxel by one secondarily necrotic neutrophil.
        necrosis_debris: f64 = 0.01, unit "0–1", check fraction, source "assumption";
        /// Kill hazard of planktonic bacteria in a voxel where live neutrophils stand at `kill_reference_per_voxel` (their density over the voxel's 100 µm neighbourhood); proportional to the local density (phagocytosis by each cell); biofilm × `bacteria.biofilm_host_kill_mult`.
        bacteria_kill_per_day: f64 = 2.0, unit "1/day", check nonneg, source "assumption: no in-vivo per-cell phagocytosis rate found; set so the day-1 neutrophil wave (about 0.04 cells/voxel) kills faster than bacteria grow";
        /// Live neutrophils per voxel (over the voxel's 100 µm neighbourhood) at which the kill hazard is `bacteria_kill_per_day`.
        kill_reference_per_voxel: f64 = 0.05, unit "cells/voxel", check positive, source "assumption: the reference density of the M1 kill";
        /// Volume of tissue whose TIMP one live neutrophil's released elastase destroys per day (a clearance): the first-order TIMP loss it adds, on top of TIMP's decay, is this over the volume of the box of about 100 µm around the cell, spread evenly over that box. 0 turns the inactivation off.
        timp_inactivation_ml_per_cell_per_day: f64 = 2e-6, unit "mL/cell/day", check nonneg, source "direction: neutrophil elastase cleaves TIMP-1 and destroys its inhibition (Okada 1988, doi:10.1016/0014-5793(88)80817-2), also inside the pro-MMP-9·TIMP-1 complex (Itoh & Nagase 1995, doi:10.1074/jbc.270.28.16518), and neutrophils degrade TIMP-1 ex vivo (Jackson 2010, doi:10.2119/molmed.2009.00109); size assumption (no in-vivo rate found): at 1e6 live neutrophils per mL of tissue it adds a TIMP loss of 2 per day, about TIMP's own decay (1.4 per day)";
        /// Secretion of a live neutrophil (TNF/IL-1β-type cytokine into tnf; the respiratory burst into ros; MMP-8/-9 into mmp).
        secretion_fg_per_cell_per_day: BTreeMap<String, f64> = BTreeMap::from([
            ("tnf".to_string(), 1.0), ("ros".to_string(), 10.0), ("mmp".to_string(), 200.0),
        ]), unit "fg/cell/day", check secretion, source "assumption: neutrophils release ROS, proteases and TNF/IL-1β-type signals (issue #20); rates not found; mmp: neutrophil granules are the main source of wound MMP-8 and MMP-9 (Muller 2008), amount assumption";
    }
}

section! {
    /// Matrix metalloproteinases and their inhibitors: the `mmp` and `timp` fields (ng/mL, lumped as MMP-9 and TIMP-1), TIMP's tight 1:1 inhibition of the active MMP, and what active MMP degrades: VEGF and keratinocyte growth factors (an extra first-order loss), the bed's provisional matrix and collagen, and cell carriers (faster release).
    pub struct Protease {
        /// Molecular mass of the lumped MMP (converts the `mmp` field's ng/mL into nM).
        mmp_kda: f64 = 92.0, unit "kDa", check kda, source "pro-MMP-9, the 92 kDa gelatinase of wound fluids (Yager 1996)";
        /// Molecular mass of the lumped TIMP (converts the `timp` field's ng/mL into nM).
        timp_kda: f64 = 28.0, unit "kDa", check kda, source "TIMP-1, a 28 kDa glycoprotein (Brew & Nagase 2010)";
        /// Share of the MMP that is activated (the rest is latent pro-enzyme); activation itself is not modelled.
        activated_share: f64 = 0.5, unit "fraction", check fraction, source "assumption: chronic wound fluids hold both pro- and activated MMP-2 and MMP-9 (Ladwig 2002; Lobmann 2002)";
        /// Inhibition constant of TIMP for the active MMP (1:1 tight binding; the active MMP follows Morrison's quadratic).
        timp_ki_nm: f64 = 0.5, unit "nM", check ki_nm, source "TIMPs inhibit MMPs 1:1 with sub-nanomolar to nanomolar Ki (Brew & Nagase 2010); value within that range, assumption";
        /// Extra first-order loss of VEGF per nM of free active MMP.
        vegf_cleavage_per_nm_per_min: f64 = 0.0116, unit "1/(nM·min)", check rate, source "MMPs cleave VEGF (Lee 2005) and chronic wound fluid degrades it (Lauer 2000); size assumption: 1 nM of free active MMP halves VEGF's 60-min half-life";
        /// Extra first-order loss of keratinocyte growth factors per nM of free active MMP.
        kgf_cleavage_per_nm_per_min: f64 = 0.0116, unit "1/(nM·min)", check rate, source "assumption: as VEGF (growth factors are MMP substrates in chronic wounds, Krishnaswamy 2017)";
        /// Extra loss of the bed's provisional matrix per nM of free active MMP, per day.
        matrix_degradation_per_nm_per_day: f64 = 0.14, unit "1/(nM·day)", check rate, source "assumption: 1 nM of free active MMP doubles the provisional matrix's loss (fibroblast.provisional_half_life_days = 5: ln 2 / 5 = 0.14 per day); MMP excess degrades the matrix of chronic wounds (Lobmann 2002)";
        /// Extra collagen turnover per nM of free active MMP, per day.
        collagen_degradation_per_nm_per_day: f64 = 0.01, unit "1/(nM·day)", check rate, source "assumption: 1 nM of free active MMP doubles fibroblast.collagen_turnover_per_day (0.01 per day)";
        /// MMP secreted by the migrating keratinocytes of the epithelial front, per µm of front per day: into every closed voxel of the bed layer that borders an open one (4-neighbourhood), each taken to hold one voxel width of front (a slanted front has about 0.9 front voxels per voxel width of its length). 0 turns it off.
        keratinocyte_mmp_fg_per_um_per_day: f64 = 1.0, unit "fg/µm/day", check secretion_per_um, source "direction: basal keratinocytes at the edge of re-epithelialisation express collagenase-1 (MMP-1) in every acute and chronic wound studied, normal epidermis none (Saarialho-Kere 1993, doi:10.1172/JCI116906), and need its activity to migrate over collagen (Pilcher 1997, doi:10.1083/jcb.137.6.1445); the lumped mmp field counts it as MMP-9 equivalents; amount assumption: one row of 10 µm basal keratinocytes (0.1 cells/µm of front) at 10 fg/cell/day, a fifth of an M1 macrophage's rate; at this rate the front makes about a quarter of an acute 1 cm wound's mean MMP over days 7–14 (35 vs 26 ng/mL without it, nominal patient)";
        /// How much free active MMP speeds a carrier's release of its cells (fibrin, hydrogel, scaffold): the release hazard at a cell is the route's (`delivery.release_half_life_h`) × (1 + this × the free active MMP at the cell, nM). 0 = a carrier MMPs do not degrade.
        carrier_degradation_per_nm: f64 = 1.0, unit "1/nM", check per_nm, source "direction: MMP-2/-9-cleavable hydrogels degrade under exogenous MMP-2 (less under MMP-9) and under encapsulated MSCs' MMPs in vitro, though one such gel stayed intact for 4 weeks under the foreign-body response in mice (Amer & Bryant 2016, doi:10.1007/s10439-016-1608-4); fibrin is cleared mainly by plasmin, which woundsim does not model, so the lumped MMP stands for the wound's proteases here; size assumption: 1 nM of free active MMP doubles the release rate (as for the provisional matrix)";
        /// Share of MMP activity blocked by a protease-modulating treatment (an oxidised regenerated cellulose/collagen dressing, a doxycycline-type inhibitor); 0 = none.
        inhibition_fraction: f64 = 0.0, unit "fraction", check fraction, source "user choice (a protease-modulating ORC/collagen dressing lowered wound-fluid MMP-2 within 5 days: Motzkau 2011)";
    }
}

section! {
    /// Fibroblasts and myofibroblasts (agents) and the wound bed's matrix (per-voxel provisional matrix and collagen, 0–1 of a filled bed): fibroblasts enter the bed from day 2–3, divide, lay down provisional matrix then collagen, turn into myofibroblasts under TGF-β and die by apoptosis once the wound over them has closed. One agent stands for `cells_per_agent` cells. Dense collagen slows sprouting and closure (fibrosis); the front advances only over a bed with enough matrix.
    pub struct Fibroblast {
        /// Cells one fibroblast agent stands for (its division, deposition and secretion are those of this many cells).
        cells_per_agent: f64 = 25.0, unit "cells/agent", check rate, source "representation: a 1 cm wound's bed holds about 4e5 fibroblasts in the 2D slice at `max_cells_per_voxel`, too many agents; 25 keeps a filled wound near 1.6e4 agents";
        /// Fibroblast density (cells per voxel, over 100 µm neighbourhoods) at which recruitment and division stop.
        max_cells_per_voxel: f64 = 2.0, unit "cells/voxel", check positive, source "assumption: granulation tissue is densely cellular (about one cell per 4000 µm³ at 20 µm voxels)";
        /// Arrival of fibroblasts per voxel of the wound footprint and of a 100 µm ring of intact margin around it, per day at full activation (in 2D the slice has no depth, so the dermis and fat under the bed are sources everywhere in the footprint).
        recruit_cells_per_voxel_per_day: f64 = 0.1, unit "cells/voxel/day", check nonneg, source "calibrated: wound fibroblasts peak after the macrophages, in the second week of an acute wound (Gurtner 2008)";
        /// Day after wounding at which fibroblast recruitment begins (activation by PDGF, FGF and TGF-β from platelets and macrophages; PDGF is not a field, so the lag stands for it).
        onset_days: f64 = 2.0, unit "days", check nonneg, source "fibroblasts enter the wound from about day 2–4 (Gurtner 2008); onset assumption";
        /// Days over which recruitment ramps from nothing to full after `onset_days`.
        onset_ramp_days: f64 = 1.0, unit "days", check positive, source "assumption";
        /// Extra recruitment, division and collagen synthesis at saturating TGF-β (×(1 + gain·T/(T+K))).
        tgfb_gain: f64 = 1.0, unit "×", check mult, source "assumption: TGF-β is chemotactic and mitogenic for fibroblasts and raises collagen synthesis (Gurtner 2008)";
        /// TGF-β at half of every fibroblast response (recruitment, division, collagen, differentiation).
        tgfb_half_ng_per_ml: f64 = 0.05, unit "ng/mL", check positive, source "assumption (calibrated to the wound's TGF-β of 0.01–0.1 ng/mL)";
        /// Migration speed of a fibroblast (myofibroblasts do not migrate).
        speed_um_per_min: f64 = 0.25, unit "µm/min", check nonneg, source "assumption: fibroblasts migrate about 10–30 µm/h in 3D matrix";
        /// Weight of the step along the TGF-β gradient (0 = random walk, 1 = straight up the gradient; a random walk without a TGF-β field).
        chemotaxis_bias: f64 = 0.3, unit "0–1", check fraction, source "assumption";
        /// Division hazard of a fibroblast at saturating O₂, below crowding.
        proliferation_per_day: f64 = 0.5, unit "1/day", check nonneg, source "assumption: fibroblasts double in about 1–2 days when stimulated";
        /// pO₂ below which fibroblasts do not divide (division ramps up to `proliferation_o2_high_mmhg`).
        proliferation_o2_low_mmhg: f64 = 10.0, unit "mmHg", check mmhg, source "assumption: wound dead space of 1–10 mmHg does not heal (Knighton 1981)";
        /// pO₂ at or above which division runs at full rate.
        proliferation_o2_high_mmhg: f64 = 30.0, unit "mmHg", check mmhg, source "about 30 mmHg is needed for fibroblast division (biology.md §1, low confidence)";
        /// Apoptosis hazard of a fibroblast or myofibroblast in an open wound or intact tissue.
        apoptosis_per_day: f64 = 0.02, unit "1/day", check nonneg, source "assumption";
        /// Extra apoptosis hazard of a closed wound (× the closed share of the footprint in the cell's 100 µm bin, or of the whole wound for a bin without footprint; resolution of granulation tissue under closed epithelium), × (1 − the patient's fibrosis).
        resolution_apoptosis_per_day: f64 = 0.15, unit "1/day", check nonneg, source "myofibroblasts and fibroblasts disappear by apoptosis after closure (Desmoulière 1995); rate assumption; radiation fibrosis keeps them (Delanian 2004)";
        /// Differentiation hazard of a fibroblast into a myofibroblast at saturating TGF-β (× T/(T+K)).
        myofibroblast_per_day: f64 = 0.2, unit "1/day", check nonneg, source "TGF-β1 induces α-smooth-muscle actin in granulation tissue fibroblasts (Desmoulière 1993); rate assumption";
        /// Provisional matrix (fibronectin, hyaluronan) laid down per fibroblast per day, as a share of a filled voxel (× the room left).
        provisional_per_cell_per_day: f64 = 0.05, unit "voxel fill/cell/day", check nonneg, source "assumption";
        /// Collagen laid down per fibroblast per day at no TGF-β, as a share of dense collagen (× the room left; × (1 + `tgfb_gain`·T/(T+K))).
        collagen_per_cell_per_day: f64 = 0.016, unit "voxel fill/cell/day", check rate, source "assumption: collagen accumulates over weeks (Gurtner 2008)";
        /// Collagen synthesis of a myofibroblast relative to a fibroblast.
        myofibroblast_collagen_mult: f64 = 3.0, unit "×", check mult, source "assumption: myofibroblasts are the main collagen producers of granulation tissue (Tomasek 2002)";
        /// Half-life of the provisional matrix (fibrinolysis and replacement).
        provisional_half_life_days: f64 = 5.0, unit "days", check positive, source "assumption: the fibrin clot is replaced by granulation tissue within about a week (Gurtner 2008)";
        /// Collagen turnover (degradation by proteases) per day.
        collagen_turnover_per_day: f64 = 0.01, unit "1/day", check nonneg, source "assumption";
        /// Provisional matrix (fibrin clot, fibrinous bed) in the wound at the start.
        initial_provisional: f64 = 0.5, unit "0–1", check fraction, source "assumption: the wound bed starts under a fibrin clot or fibrinous slough";
        /// Collagen of the wound bed at the start, per unit of the patient's fibrosis (the bed of an ulcer in fibrotic, irradiated tissue is itself fibrotic; 0 without fibrosis).
        initial_bed_collagen_per_fibrosis: f64 = 1.0, unit "0–1", check fraction, source "assumption: radiation ulcers open in fibrotic tissue (Delanian 2004); with fibrosis 0.7 the bed starts at 0.4 dense and the intact dermis at 0.7 dense, the closure (× 0.6) and sprouting (× 0.3) slowing of the fixed fibrosis factors this replaces";
        /// Collagen of intact dermis around the wound (× (1 + the patient's fibrosis·(1/c − 1)): irradiated dermis is fibrotic before it ulcerates).
        intact_collagen: f64 = 0.5, unit "0–1", check fraction, source "assumption; radiation-damaged dermis is fibrotic before it ulcerates (Delanian 2004)";
        /// Matrix (provisional + collagen) at or below which the epithelial front does not advance over a voxel.
        closure_matrix_low: f64 = 0.02, unit "0–1", check fraction, source "assumption: keratinocytes migrate over a provisional matrix (fibrin, fibronectin), not over an empty bed (Gurtner 2008)";
        /// Matrix at or above which the front is not held back by the bed.
        closure_matrix_high: f64 = 0.15, unit "0–1", check fraction, source "assumption";
        /// Collagen above which it counts as dense (fibrotic): the fibrotic share rises from 0 here to 1 at collagen 1.
        dense_collagen_onset: f64 = 0.5, unit "0–1", check fraction, source "assumption";
        /// Slowing of the epithelial front over fully dense collagen (× (1 − this·fibrotic share)).
        dense_closure_slowing: f64 = 1.0, unit "0–1", check fraction, source "assumption: dense, poorly vascularised fibrotic tissue does not heal (radiation fibrosis: Delanian 2004)";
        /// Slowing of sprouting from a vessel in fully dense collagen.
        dense_sprout_slowing: f64 = 1.0, unit "0–1", check fraction, source "assumption: radiation fibrosis is poorly vascularised (Delanian 2004)";
        /// TGF-β secretion multiplier per unit of the patient's fibrosis (× (1 + this·fibrosis)): irradiated fibroblasts overproduce TGF-β1.
        fibrosis_tgfb_gain: f64 = 4.0, unit "×", check nonneg, source "radiation fibrosis is driven by persistent TGF-β1 activation (Martin 2000); size assumption";
        /// Loss of fibroblast division per unit of the patient's fibrosis (× (1 − this·fibrosis)): irradiated fibroblasts lose their proliferative capacity.
        fibrosis_proliferation_loss: f64 = 1.0, unit "0–1", check fraction, source "assumption: radiation-damaged fibroblasts divide poorly (premature senescence; Delanian 2004); size assumption";
        /// Loss of collagen turnover per unit of the patient's fibrosis (× (1 − this·fibrosis)): fibrotic tissue degrades less collagen.
        fibrosis_turnover_loss: f64 = 1.0, unit "0–1", check fraction, source "assumption: radiation fibrosis is a failure of matrix remodelling as well as excess synthesis (Delanian 2004); size assumption";
        /// Secretion of a fibroblast or myofibroblast cell (TGF-β1, autocrine).
        secretion_fg_per_cell_per_day: BTreeMap<String, f64> = BTreeMap::from([
            ("tgfb".to_string(), 1.0), ("mmp".to_string(), 0.5), ("timp".to_string(), 0.3),
        ]), unit "fg/cell/day", check secretion, source "assumption: fibroblasts and myofibroblasts secrete TGF-β1 (Martin 2000), interstitial collagenase and gelatinase A (MMP-1, MMP-2) and TIMP-1/-2 (Lobmann 2002 measured all in wound biopsies); rates not found";
    }
}

section! {
    /// Bacteria and biofilm on the open wound bed: per-voxel planktonic and biofilm burden, each a fraction of the bed's carrying capacity (0–1, planktonic + biofilm ≤ 1). Planktonic bacteria grow logistically, spread over the open wound and attach to form biofilm; biofilm sheds planktonic bacteria and is tolerant of killing. Killed by the host's basal clearance, live neutrophils and M1 macrophages near the voxel, antibiotics, infection control and the antimicrobial peptides of live MSCs; debridement removes biofilm. The burden makes TNF-α and ROS, drives macrophages toward M1, recruits neutrophils and slows the epithelial front.
    pub struct Bacteria {
        /// Doubling time of bacteria in the wound bed at low burden (logistic growth rate ln 2 / this).
        doubling_time_h: f64 = 18.0, unit "h", check doubling, source "assumption: far slower than the 30 min of S. aureus in optimal culture (nutrient- and iron-limited bed); on this scale a bed debrided to a tenth of its biofilm regrows most of it within days, the direction of Wolcott 2010";
        /// Growth of biofilm bacteria relative to planktonic ones (sessile cells deep in the matrix are nutrient- and O₂-limited).
        biofilm_growth_mult: f64 = 0.3, unit "×", check mult, source "assumption";
        /// Biofilm burden at which biofilm grows at half its rate (× B/(B + this)): a sparse biofilm does not mature (quorum sensing), so a few attached bacteria in a well-defended wound die out while an established biofilm persists.
        biofilm_quorum: f64 = 0.05, unit "0–1", check fraction, source "assumption: biofilm maturation is density-dependent (quorum sensing); it gives the all-or-none presence of biofilm that James 2008 found (60 % of chronic, 6 % of acute wounds)";
        /// Spreading coefficient of planktonic bacteria over the open wound (a random walk; a colonised patch's front advances at about 2√(rD), 0.16 mm/day at the defaults without killing); biofilm does not spread.
        spreading_um2_per_min: f64 = 5.0, unit "µm²/min", check spreading, source "assumption";
        /// Attachment of planktonic bacteria into biofilm.
        attachment_per_day: f64 = 0.5, unit "1/day", check nonneg, source "assumption: bacteria attach and form biofilm within hours to days";
        /// Dispersal of biofilm bacteria back into the planktonic state.
        dispersal_per_day: f64 = 0.1, unit "1/day", check nonneg, source "assumption: biofilms seed planktonic bacteria (dispersal)";
        /// Basal clearance of planktonic bacteria by the host (complement, antimicrobial peptides of the tissue, resident phagocytes) at normal perfusion; × the patient's perfusion (at most 1.5), since ischaemic tissue receives fewer effectors.
        host_clearance_per_day: f64 = 1.2, unit "1/day", check nonneg, source "assumption: set above the growth rate so a well-perfused acute wound clears its contamination and below it at the perfusion of a diabetic foot (0.5)";
        /// Killing of biofilm by host effectors (basal clearance, neutrophils, macrophages, MSC peptides) relative to planktonic bacteria.
        biofilm_host_kill_mult: f64 = 0.1, unit "×", check fraction, source "assumption: the biofilm matrix shields bacteria from phagocytes and peptides";
        /// Killing of biofilm by antibiotics relative to planktonic bacteria.
        biofilm_antibiotic_kill_mult: f64 = 0.01, unit "×", check fraction, source "biofilms need 100 to 1000 times the planktonic MIC (MBEC ≫ MIC, Ceri 1999): the lower end";
        /// Biofilm share of the initial burden in a wound with an established biofilm (the patient's `biofilm_probability` decides whether it has one).
        initial_biofilm_share: f64 = 0.8, unit "0–1", check fraction, source "assumption: in chronic wounds with biofilm most bacteria live in aggregates";
        /// Biofilm burden above which a voxel counts as holding biofilm (the `biofilm_fraction` column).
        biofilm_present_threshold: f64 = 0.1, unit "0–1", check fraction, source "convention";
        /// Share of the biofilm that sharp debridement removes mechanically (planktonic bacteria: half).
        debridement_biofilm_removal: f64 = 0.9, unit "0–1", check fraction, source "assumption: sharp debridement removes most biofilm and the rest regrows within days (Wolcott 2010)";
        /// Kill hazard of the antimicrobial peptides (LL-37) of live MSCs, per MSC per voxel (MSC density over its 100 µm neighbourhood); biofilm × `biofilm_host_kill_mult`.
        msc_peptide_kill_per_cell_per_day: f64 = 20.0, unit "1/day per cell/voxel", check nonneg, source "MSCs kill bacteria in part through LL-37 (Krasnodembskaya 2010); size assumption: 0.5/day at the 0.025 cells/voxel of a 1e6-cell topical dose";
    }
}

section! {
    /// Angiogenesis: tip cells, vessel trail, anastomosis, regression.
    pub struct Angiogenesis {
        /// VEGF above which perfused vessels sprout.
        sprout_vegf_threshold_ng_per_ml: f64 = 0.05, unit "ng/mL", check nonneg, source "assumption: threshold not found (biology.md §4); calibrated with the overshoot";
        /// Sprouting hazard of an eligible vessel voxel.
        sprout_per_vessel_per_day: f64 = 2.0, unit "1/day", check nonneg, source "calibrated toward an acute-wound capillary overshoot of ≥ 3× intact (DiPietro 2013; the 1 cm acute wound of a nominal patient reaches 2.3× on day 21); lateral inhibition keeps one tip per 100 µm bin";
        /// Tip-cell speed.
        tip_speed_um_per_h: f64 = 5.0, unit "µm/h", check nonneg, source "≈5 µm/h (Utzinger 2015)";
        /// Extra sprout elongation speed at saturating VEGF, as a fraction of `tip_speed_um_per_h`: the tip moves at `tip_speed × (1 + gain · c²/(c² + K²))` with local VEGF c (a sigmoidal, Hill-2 dose response).
        tip_vegf_speed_gain: f64 = 1.0, unit "×", check nonneg, source "the gradient steers the tip while the VEGF concentration drives stalk-cell proliferation, which elongates the sprout (Gerhardt 2003); size assumption";
        /// Local VEGF at which the extra elongation speed is half-maximal (K above).
        tip_vegf_half_ng_per_ml: f64 = 5.0, unit "ng/mL", check positive, source "top of the 1–6 ng/mL half-maximal VEGF-165 dose for endothelial proliferation in vitro (assumption from culture assays); sigmoidal (Hill 2, assumption), so the 0.2–1 ng/mL of hypoxic VEGF in a wound without MSCs speeds sprouts by at most 4 % while MSC-level VEGF (10–30 ng/mL) speeds them 1.8–2×";
        /// Weight of the step along the VEGF gradient (0 = random, 1 = straight up).
        gradient_bias: f64 = 0.7, unit "0–1", check fraction, source "assumption";
        /// Maximum tip-cell age before it stalls and retracts.
        tip_max_age_days: f64 = 4.0, unit "day", check positive, source "assumption: sprouts that do not connect within days retract (episodic growth and retraction, Utzinger 2015)";
        /// VEGF below which new vessels lose support and may regress.
        maintenance_vegf_ng_per_ml: f64 = 0.03, unit "ng/mL", check nonneg, source "assumption; calibrated with the regression (Rege 2012)";
        /// Regression hazard of an unsupported new vessel voxel.
        regression_per_day: f64 = 0.4, unit "1/day", check nonneg, source "overshoot then regression (DiPietro 2013; Rege 2012); rate assumption";
        /// Days after which a supported new vessel matures and no longer regresses.
        maturation_days: f64 = 21.0, unit "day", check positive, source "assumption";
        /// Local capillary density (perfused voxels per 100 µm bin, relative to intact tissue) above which no vessel sprouts or is perfused.
        max_vessel_density_rel: f64 = 8.0, unit "× intact", check positive, source "assumption: tissue holds a bounded capillary density; wound capillary content peaks at ≥ 3× intact (DiPietro 2013)";
        /// Local VEGF above which new vessels form abnormal, leaky vessels.
        abnormal_vegf_ng_per_ml: f64 = 8.0, unit "ng/mL", check positive, source "local VEGF sets abnormality, and VEGF over a range of levels makes normal capillaries before a threshold makes aberrant ones (Ozawa 2004); value assumption: above the half-maximal elongation dose (`tip_vegf_half_ng_per_ml`), so VEGF first speeds normal angiogenesis";
        /// O₂ exchange of an abnormal vessel relative to a normal one.
        abnormal_perfusion_mult: f64 = 0.25, unit "×", check mult, source "leaky vessels perfuse poorly (Ozawa 2004); size assumption";
        /// Volume of tissue fluid one sprouting-eligible perfused vessel voxel (its endothelium) clears of extracellular vesicles per hour (a sink of the `ev` field; 0 switches the uptake, and so the vesicles' action on sprouting, off).
        ev_clearance_nl_per_h: f64 = 0.001, unit "nL/h", check clearance, source "assumption, as macrophage.ev_clearance_nl_per_h";
        /// Extra sprouting at saturating vesicle uptake by a vessel voxel: its sprouting probability is × (1 + gain · U/(U + U½)), U its uptake (pro-angiogenic cargo that raises VEGF signalling through PI3K–AKT in endothelium).
        ev_sprout_gain: f64 = 1.0, unit "×", check mult, source "direction: review §2.4 (exosomal miRNAs are pro-angiogenic); size assumption";
        /// Vesicle uptake of a vessel voxel (cell equivalents per hour) at half of that extra sprouting (U½).
        ev_half_cell_eq_per_h: f64 = 0.005, unit "cell-eq/h", check half_max, source "assumption: about the uptake at the wound's mean free vesicles a day after one topical dose of 1e6 cell equivalents on the 4 mm wound of `--preset small` (4 500 cell-eq/µL: 0.0045 cell-eq/h)";
    }
}

section! {
    /// Re-epithelialisation from the margin.
    pub struct Closure {
        /// Front speed under ideal conditions.
        max_speed_um_per_day: f64 = 480.0, unit "µm/day", check nonneg, source "calibrated: a 1 cm acute wound is 50 % closed by day 8 and 90 % by day 28";
        /// pO₂ at or below which the front does not advance.
        o2_low_mmhg: f64 = 10.0, unit "mmHg", check mmhg, source "≤ 10 mmHg never heals (Kalani 1999; Yang 2013)";
        /// pO₂ at or above which the front advances at full speed.
        o2_high_mmhg: f64 = 40.0, unit "mmHg", check mmhg, source "≥ 40 mmHg always heals (Kalani 1999; Yang 2013)";
        /// TNF-α at which speed is halved.
        tnf_half_ng_per_ml: f64 = 0.8, unit "ng/mL", check positive, source "assumption: TNF-α slows closure";
        /// Maximum fold boost by keratinocyte growth factors.
        kgf_gain: f64 = 1.0, unit "×", check mult, source "assumption: MSC-derived factors speed closure";
        /// KGF at half-maximal boost.
        kgf_half_ng_per_ml: f64 = 0.3, unit "ng/mL", check positive, source "assumption";
        /// Slowing of the epithelial front over a voxel at full local bacterial burden: speed × (1 − this · (planktonic + biofilm)).
        bioburden_slowing: f64 = 0.7, unit "0–1", check fraction, source "assumption (direction: bacterial burden and biofilm delay re-epithelialisation)";
        /// Closure percentage counted as complete.
        complete_pct: f64 = 99.0, unit "%", check nonneg, source "convention: ≥ 99 % of the initial area epithelialised";
    }
}

section! {
    /// Patient-to-patient variability in cohorts: lognormal multipliers with these CVs.
    pub struct Cohort {
        /// Draw per-replicate patient parameters (off: every replicate is the nominal patient).
        vary_patients: bool = true, unit "-", check any, source "user choice";
        /// CV of perfusion across patients.
        perfusion_cv: f64 = 0.35, unit "-", check nonneg, source "assumption: TcPO₂ 15 ± 12 mmHg in non-healing DFU (Kalani 1999)";
        /// CV of the polarization rate.
        switch_cv: f64 = 0.3, unit "-", check nonneg, source "assumption";
        /// CV of the closure speed.
        closure_speed_cv: f64 = 0.2, unit "-", check nonneg, source "assumption";
        /// CV of the initial bacterial burden.
        bioburden_cv: f64 = 0.4, unit "-", check nonneg, source "assumption";
        /// CV of the angiogenesis multiplier.
        angiogenesis_cv: f64 = 0.3, unit "-", check nonneg, source "assumption";
        /// Draw a product lot (donor or batch) per group of replicates (off: every replicate gets the nominal lot).
        vary_lots: bool = false, unit "-", check any, source "user choice";
        /// CV of a lot's secretion multiplier (VEGF, IL-10/TGF-β and KGF together) across lots.
        lot_secretion_cv: f64 = 0.5, unit "-", check nonneg, source "assumption: donor-to-donor differences of several-fold in MSC factor secretion (Zhukareva 2010; Siegel 2013; review)";
        /// CV of a lot's MSC death-hazard multiplier across lots.
        lot_hazard_cv: f64 = 0.3, unit "-", check nonneg, source "assumption";
        /// Consecutive replicates that share one lot (1 = a lot per patient).
        patients_per_lot: u64 = 1, unit "patients", check positive, source "user choice";
    }
}

section! {
    /// Resource limits.
    pub struct Limits {
        /// Maximum number of agents of all kinds.
        max_agents: u64 = 2_000_000, unit "agents", check positive, source "user choice";
        /// Memory budget for one run (0 = the machine's available memory).
        max_memory_mib: f64 = 0.0, unit "MiB", check nonneg, source "user choice";
    }
}

/// Width and height (µm) of the wound opening.
pub fn wound_extent_um(w: &Wound) -> (f64, f64) {
    let d = if w.area_mm2 > 0.0 {
        match w.shape {
            WoundShape::Square => (w.area_mm2).sqrt() * 1000.0,
            WoundShape::Circle => (4.0 * w.area_mm2 / std::f64::consts::PI).sqrt() * 1000.0,
            WoundShape::Ellipse => {
                (4.0 * w.area_mm2 * w.aspect_ratio / std::f64::consts::PI).sqrt() * 1000.0
            }
        }
    } else {
        w.diameter_um
    };
    match w.shape {
        WoundShape::Ellipse => (d, d / w.aspect_ratio),
        _ => (d, d),
    }
}

/// True when point (x, y) (µm) lies inside the initial wound on `grid`.
pub fn in_wound(w: &Wound, grid: &crate::grid::Grid, x: f64, y: f64) -> bool {
    let (ww, wh) = wound_extent_um(w);
    let cx = w.center_x_frac * grid.width_um();
    let cy = w.center_y_frac * grid.height_um();
    let (dx, dy) = ((x - cx) / (ww / 2.0), (y - cy) / (wh / 2.0));
    match w.shape {
        WoundShape::Square => dx.abs() <= 1.0 && dy.abs() <= 1.0,
        _ => dx * dx + dy * dy <= 1.0,
    }
}

/// Voxels of `grid`'s layer whose centre lies inside the initial wound.
pub fn footprint_voxels(w: &Wound, grid: &crate::grid::Grid) -> u64 {
    let mut n = 0;
    for iy in 0..grid.ny {
        for ix in 0..grid.nx {
            let (x, y) = grid.center(ix, iy);
            n += in_wound(w, grid, x, y) as u64;
        }
    }
    n
}
