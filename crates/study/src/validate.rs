//! Validation: published facts about wounds and MSC therapy, each checked
//! by a small virtual experiment run as cohorts.
//!
//! Every fact is one entry of [`FACTS`]: a statement, its source, an
//! [`Experiment`] (scenario A vs B, one scenario against a range, a
//! dose-response over one key, a parameter or a mechanism curve), the
//! observable and what is expected. Adding a fact is adding an entry.
//!
//! Arms are shipped scenario files (`scenarios/<name>.toml`) with `--set`
//! overrides. Every arm runs as a cohort with the same master seed, so
//! replicate `i` of every arm has the same patient draw and comparisons are
//! paired: an ordering "A > B" passes when the 95 % interval (Student t) of
//! the mean paired difference A − B lies above zero. Identical resolved
//! scenarios are run once and shared between facts.
//!
//! `--quick` runs the facts with a `quick_days` span (every ordering) on a
//! small domain with the nominal patient ([`QUICK_SETS`]), mostly for
//! [`QUICK_DAYS`] days, with
//! [`QUICK_REPLICATES`] replicates (doses after the span are dropped);
//! ranges that need the full-size wound and 12 weeks are skipped there.

use crate::cohort_run::{self, Cohort, OutcomeStats, Proportion, Replicate};
use crate::error::{Error, InputError, Result};
use crate::mechanisms::secretion;
use crate::output;
use crate::scenario::{Params, Scenario};
use crate::stats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Overrides of every arm in `--quick` mode: a small domain (a 2.4 mm
/// wound, which still takes the whole dose, so cells are about 20× denser
/// than in the 1 cm wound and their effects are larger), and the nominal
/// patient in every replicate (replicates then differ only in their
/// stochastic events), which leaves the orderings of mechanisms visible with
/// few replicates. A full validation draws every replicate's patient.
pub const QUICK_SETS: [&str; 4] = [
    "domain.width_um=3600",
    "domain.height_um=3600",
    "wound.diameter_um=2400",
    "cohort.vary_patients=false",
];
/// Simulated days of an arm in `--quick` mode (unless its fact says otherwise).
pub const QUICK_DAYS: f64 = 21.0;
const QUICK: Option<f64> = Some(QUICK_DAYS);
/// Replicates per arm in `--quick` mode.
pub const QUICK_REPLICATES: u64 = 8;
/// Replicates per arm of a full validation.
pub const FULL_REPLICATES: u64 = 20;

/// "Until the end of the span" in an [`Observable`].
pub const END: f64 = f64::INFINITY;

/// One arm of a virtual experiment: a shipped scenario and overrides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arm {
    /// Scenario file stem in the scenario directory (`scenarios/<name>.toml`).
    pub scenario: &'static str,
    /// `--set` overrides (`key.path=value`).
    pub sets: &'static [&'static str],
}

const fn arm(scenario: &'static str) -> Arm {
    Arm {
        scenario,
        sets: &[],
    }
}

const fn arm_with(scenario: &'static str, sets: &'static [&'static str]) -> Arm {
    Arm { scenario, sets }
}

/// What is measured in each replicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observable {
    /// A summary outcome by name ([`crate::observe::Summary::outcome`]).
    Outcome(&'static str),
    /// A time-series column at a day ([`END`]: the last row).
    At(&'static str, f64),
    /// The mean of a time-series column over the rows in [from, to] days.
    Mean(&'static str, f64, f64),
    /// A column at a day divided by its maximum up to that day.
    ShareOfPeak(&'static str, f64),
}

/// How arm A must relate to arm B (on paired differences A − B).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// The 95 % interval of A − B lies above 0.
    Greater,
    /// The 95 % interval of A − B lies below 0.
    Less,
    /// The lower 95 % bound of A − B is at least −margin (A not worse).
    NotBelow(f64),
    /// The upper 95 % bound of A − B is at most +margin (A not better).
    NotAbove(f64),
}

/// A mechanism curve evaluated directly from the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// MSC VEGF output factor against TNF-α (ng/mL) at normoxia (40 mmHg).
    MscVegfVsTnf,
}

/// A virtual experiment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Experiment {
    /// Arm A against arm B, paired by replicate.
    Compare {
        /// Arm A.
        a: Arm,
        /// Arm B.
        b: Arm,
        /// What is measured.
        observable: Observable,
        /// How A must relate to B.
        expect: Expect,
    },
    /// The cohort mean of one arm lies in [lo, hi].
    Range {
        /// The arm.
        arm: Arm,
        /// What is measured.
        observable: Observable,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// The fraction of replicates where a 0/1 observable is 1 lies in [lo, hi].
    Proportion {
        /// The arm.
        arm: Arm,
        /// A 0/1 observable (e.g. `Outcome("healed_wk12")`).
        observable: Observable,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// mean(A) / mean(B) lies in [lo, hi].
    Ratio {
        /// Arm A.
        a: Arm,
        /// Arm B.
        b: Arm,
        /// What is measured.
        observable: Observable,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// One key over values: consecutive means ordered, and the paired
    /// difference last − first significantly in the expected direction.
    DoseResponse {
        /// The base arm.
        arm: Arm,
        /// The key varied.
        key: &'static str,
        /// Its values, in increasing order.
        values: &'static [&'static str],
        /// What is measured.
        observable: Observable,
        /// True: the observable rises with the values; false: it falls.
        increasing: bool,
    },
    /// A resolved scenario parameter lies in [lo, hi] (for facts that are a
    /// parameter of the model, e.g. a cytokine half-life).
    Parameter {
        /// Dotted key.
        key: &'static str,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// A mechanism curve at `xs` = [x₀, x_low, x_high] rises from x₀ to
    /// x_low and falls below its x₀ value at x_high.
    RiseThenFall {
        /// The curve.
        curve: Curve,
        /// Three abscissae.
        xs: [f64; 3],
    },
}

/// One published fact and its virtual experiment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fact {
    /// Short unique id.
    pub id: &'static str,
    /// The fact in words (what the model should reproduce).
    pub statement: &'static str,
    /// Literature source.
    pub source: &'static str,
    /// The virtual experiment.
    pub experiment: Experiment,
    /// Simulated days of a full validation.
    pub days: f64,
    /// Simulated days in `--quick` mode; `None`: not checked by `--quick`
    /// (ranges that need the full-size wound and span).
    pub quick_days: Option<f64>,
}

const CLOSURE: Observable = Observable::Mean("closure_pct", 0.0, END);
const SC: Arm = arm("dfu-standard-care");

/// Every fact checked by `woundsim validate` (biology reference §6 and the
/// therapy facts of the review).
pub const FACTS: &[Fact] = &[
    Fact {
        id: "dfu-quarter-healed-wk12",
        statement: "The standard-care diabetic foot ulcer heals slowly: about a quarter healed by week 12",
        source: "Margolis 1999",
        experiment: Experiment::Proportion {
            arm: SC,
            observable: Observable::Outcome("healed_wk12"),
            lo: 0.10,
            hi: 0.40,
        },
        days: 84.0,
        quick_days: None,
    },
    Fact {
        id: "msc-weekly-closes-faster",
        statement: "A weekly topical adipose-MSC product closes diabetic ulcers faster than standard care",
        source: "Moon 2019",
        experiment: Experiment::Compare {
            a: arm("dfu-adipose-weekly"),
            b: SC,
            observable: CLOSURE,
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "msc-weekly-healing-ratio",
        statement: "Weekly adipose MSCs raise 12-week healing by a factor of about 1.5 (82 vs 53 %)",
        source: "Moon 2019; Mei 2025 meta-analysis RR 1.63 (1.23–2.16)",
        experiment: Experiment::Ratio {
            a: arm("dfu-adipose-weekly"),
            b: SC,
            observable: Observable::Outcome("healed_wk12"),
            lo: 1.23,
            hi: 2.16,
        },
        days: 84.0,
        quick_days: None,
    },
    Fact {
        id: "oxygen-gates-closure",
        statement: "Oxygen gates healing: closure rises with perfusion (wound pO₂)",
        source: "Yang 2013; Kalani 1999",
        experiment: Experiment::DoseResponse {
            arm: SC,
            key: "patient.perfusion",
            values: &["0.2", "0.5", "1.0"],
            observable: CLOSURE,
            increasing: true,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "vessels-overshoot",
        statement: "Capillary density overshoots to at least 3× intact tissue",
        source: "DiPietro 2013; Rege 2012",
        experiment: Experiment::Range {
            arm: arm("acute"),
            observable: Observable::Outcome("peak_vessel_density_rel"),
            lo: 3.0,
            hi: f64::INFINITY,
        },
        days: 42.0,
        quick_days: None,
    },
    Fact {
        id: "vessels-peak-early",
        statement: "The capillary peak comes within about a week (≤ 14 days)",
        source: "DiPietro 2013; Rege 2012",
        experiment: Experiment::Range {
            arm: arm("acute"),
            observable: Observable::Outcome("peak_vessel_day"),
            lo: 0.0,
            hi: 14.0,
        },
        days: 42.0,
        quick_days: None,
    },
    Fact {
        id: "vessels-regress",
        statement: "New capillaries regress after the peak (final density ≤ 0.8 × peak)",
        source: "DiPietro 2013; Rege 2012",
        experiment: Experiment::Range {
            arm: arm("acute"),
            observable: Observable::ShareOfPeak("vessel_density_rel", END),
            lo: 0.0,
            hi: 0.8,
        },
        days: 42.0,
        quick_days: None,
    },
    Fact {
        id: "tip-speed",
        statement: "Sprout tips advance at the order of 5 µm/h (model parameter, realised speed checked in tests)",
        source: "Utzinger 2015",
        experiment: Experiment::Parameter {
            key: "angiogenesis.tip_speed_um_per_h",
            lo: 2.5,
            hi: 10.0,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "iv-no-live-cells",
        statement: "Intravenous MSCs deliver essentially no living cells to the wound (peak ≤ 1 % of a local injection)",
        source: "Eggenhofer 2012",
        experiment: Experiment::Ratio {
            a: arm("dfu-intravenous-bm"),
            b: arm("dfu-intralesional-bm"),
            observable: Observable::Outcome("msc_peak"),
            lo: 0.0,
            hi: 0.01,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "local-msc-transient",
        statement: "Locally injected MSCs are transient: ≤ 10 % of the peak alive at day 28",
        source: "Srifa 2020",
        experiment: Experiment::Range {
            arm: arm("dfu-intralesional-bm"),
            observable: Observable::ShareOfPeak("msc_live", 28.0),
            lo: 0.0,
            hi: 0.1,
        },
        days: 84.0,
        quick_days: None,
    },
    Fact {
        id: "msc-benefit-outlasts",
        statement: "The benefit of injected MSCs outlasts them: from day 14, when most cells have died, closure stays above standard care",
        source: "Srifa 2020",
        experiment: Experiment::Compare {
            a: arm("dfu-intralesional-bm"),
            b: SC,
            // The mean from day 14 on, not the value at the end: a small
            // wound may close fully in both arms by the end of the span.
            observable: Observable::Mean("closure_pct", 14.0, END),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "aggregates-beat-suspension",
        statement: "3D aggregates close wounds faster than a single-cell suspension",
        source: "Amos 2010",
        experiment: Experiment::Compare {
            a: arm("dfu-aggregates"),
            b: arm("dfu-adipose-single"),
            observable: CLOSURE,
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "vegf-engineered-closes-faster",
        statement: "VEGF-engineered MSCs close wounds faster than unmodified MSCs",
        source: "Srifa 2020",
        experiment: Experiment::Compare {
            a: arm("dfu-vegf-engineered"),
            b: arm("dfu-intralesional-bm"),
            observable: CLOSURE,
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "vegf-engineered-raises-vegf",
        statement: "Engineered VEGF-MSCs raise wound VEGF over the first two weeks",
        source: "Srifa 2020",
        experiment: Experiment::Compare {
            a: arm("dfu-vegf-engineered"),
            b: arm("dfu-intralesional-bm"),
            observable: Observable::Mean("vegf_mean_ng_per_ml", 0.0, 14.0),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "conditioned-medium-not-worse",
        statement: "Conditioned medium is at least as good as cells (mean closure not more than 2 points lower)",
        source: "Shrestha 2013",
        experiment: Experiment::Compare {
            a: arm("dfu-conditioned-medium"),
            b: arm_with("dfu-topical-bm", &["treatment.dose.days=[0, 7, 14, 21]"]),
            observable: CLOSURE,
            expect: Expect::NotBelow(2.0),
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "hydrogel-retains-cells",
        statement: "A hydrogel retains live MSCs longer than a bolus injection (live MSCs at day 7)",
        source: "Huang 2022; Sivaraj 2021 (reviews)",
        experiment: Experiment::Compare {
            a: arm("dfu-hydrogel-bm"),
            b: arm("dfu-intralesional-bm"),
            observable: Observable::At("msc_live", 7.0),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "scaffold-retains-cells",
        statement: "A scaffold retains live MSCs longer than a bolus injection (live MSCs at day 7)",
        source: "Huang 2022; Sivaraj 2021 (reviews)",
        experiment: Experiment::Compare {
            a: arm("dfu-scaffold-bm"),
            b: arm("dfu-intralesional-bm"),
            observable: Observable::At("msc_live", 7.0),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "high-vegf-abnormal-vessels",
        statement: "Very high local VEGF (VEGF-MSCs secreting 10× more) makes more abnormal vessels",
        source: "Ozawa 2004",
        experiment: Experiment::Compare {
            a: arm_with(
                "dfu-vegf-engineered",
                &["msc.secretion_fg_per_cell_per_day.vegf=25.0"],
            ),
            b: arm("dfu-vegf-engineered"),
            observable: Observable::Mean("abnormal_vessel_density_rel", 0.0, END),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "high-vegf-no-better-healing",
        statement: "…rather than more healing: mean closure not more than 2 points higher",
        source: "Ozawa 2004",
        experiment: Experiment::Compare {
            a: arm_with(
                "dfu-vegf-engineered",
                &["msc.secretion_fg_per_cell_per_day.vegf=25.0"],
            ),
            b: arm("dfu-vegf-engineered"),
            observable: CLOSURE,
            expect: Expect::NotAbove(2.0),
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "diabetic-tnf-high-d7-14",
        statement: "Diabetic wounds keep TNF-α higher than acute wounds through days 7–14",
        source: "Mirza 2013; Wetzler 2000",
        experiment: Experiment::Compare {
            a: SC,
            b: arm("acute"),
            observable: Observable::Mean("tnf_mean_ng_per_ml", 7.0, 14.0),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "diabetic-m2-lag",
        statement: "Diabetic wounds lag in M2 conversion (M2 fraction at day 7 below acute)",
        source: "Mirza 2013",
        experiment: Experiment::Compare {
            a: SC,
            b: arm("acute"),
            observable: Observable::At("m2_fraction", 7.0),
            expect: Expect::Less,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "tnf-two-sided-vegf",
        statement: "TNF-α has a two-sided effect on MSC VEGF output: up at low, down at high TNF-α",
        source: "Vu 2021",
        experiment: Experiment::RiseThenFall {
            curve: Curve::MscVegfVsTnf,
            xs: [0.0, 0.2, 10.0],
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "hypoxia-priming-raises-vegf",
        statement: "Hypoxic priming raises MSC VEGF output (wound VEGF, days 0–7)",
        source: "Page 2014",
        experiment: Experiment::Compare {
            a: arm("dfu-precondition-hypoxia"),
            b: arm("dfu-adipose-single"),
            observable: Observable::Mean("vegf_mean_ng_per_ml", 0.0, 7.0),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "deferoxamine-priming-raises-vegf",
        statement: "Deferoxamine priming raises MSC VEGF output (wound VEGF, days 0–7)",
        source: "Wahl 2016",
        experiment: Experiment::Compare {
            a: arm("dfu-precondition-deferoxamine"),
            b: arm("dfu-adipose-single"),
            observable: Observable::Mean("vegf_mean_ng_per_ml", 0.0, 7.0),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "hypoxia-priming-survival",
        statement: "Hypoxic preconditioning improves MSC survival (live MSCs at day 5)",
        source: "Page 2014; Wahl 2016; Hao 2019",
        experiment: Experiment::Compare {
            a: arm("dfu-precondition-hypoxia"),
            b: arm("dfu-adipose-single"),
            observable: Observable::At("msc_live", 5.0),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "hypoxia-kills-msc",
        statement: "More hypoxia, more MSC death: the share of MSCs alive at day 5 rises with perfusion",
        source: "Srifa 2020 (poor survival in ischaemic wounds); Eggenhofer 2012",
        experiment: Experiment::DoseResponse {
            arm: arm("dfu-intralesional-bm"),
            key: "patient.perfusion",
            values: &["0.2", "0.5", "1.0"],
            observable: Observable::ShareOfPeak("msc_live", 5.0),
            increasing: true,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "il10-drives-m2",
        statement: "More IL-10, more M2: the M2 fraction at day 7 rises with MSC IL-10 secretion",
        source: "Zhang 2010; Krzyszczyk 2018",
        experiment: Experiment::DoseResponse {
            arm: arm("dfu-topical-bm"),
            key: "msc.secretion_fg_per_cell_per_day.il10",
            values: &["0.0", "0.5", "2.0"],
            observable: Observable::At("m2_fraction", 7.0),
            increasing: true,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "repeated-dosing-keeps-secretion",
        statement: "Repeated dosing keeps MSC secretion up longer than one dose (wound IL-10, days 8–14)",
        source: "Moon 2019 (weekly dosing); Kishta 2025",
        experiment: Experiment::Compare {
            a: arm("dfu-adipose-weekly"),
            b: arm("dfu-adipose-single"),
            observable: Observable::Mean("il10_mean_ng_per_ml", 8.0, 14.0),
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "vesicles-no-cells",
        statement: "Vesicles act without cells: no live MSCs in the wound",
        source: "Kishta 2025",
        experiment: Experiment::Range {
            arm: arm("dfu-uc-exosomes-weekly"),
            observable: Observable::Outcome("msc_peak"),
            lo: 0.0,
            hi: 0.0,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "vesicles-improve-closure",
        statement: "Weekly MSC vesicles improve closure over standard care",
        source: "Kishta 2025",
        experiment: Experiment::Compare {
            a: arm("dfu-uc-exosomes-weekly"),
            b: SC,
            observable: CLOSURE,
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "conditioned-medium-no-cells",
        statement: "Conditioned medium acts without cells: no live MSCs in the wound",
        source: "Shrestha 2013",
        experiment: Experiment::Range {
            arm: arm("dfu-conditioned-medium"),
            observable: Observable::Outcome("msc_peak"),
            lo: 0.0,
            hi: 0.0,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "conditioned-medium-improves-closure",
        statement: "Conditioned medium improves closure over standard care (vehicle)",
        source: "Shrestha 2013",
        experiment: Experiment::Compare {
            a: arm("dfu-conditioned-medium"),
            b: SC,
            observable: CLOSURE,
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "diabetic-slower-than-acute",
        statement: "Diabetic wounds close slower than acute ones",
        source: "Berdal & Jenssen 2013; Margolis 1999",
        experiment: Experiment::Compare {
            a: arm("acute"),
            b: SC,
            observable: CLOSURE,
            expect: Expect::Greater,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "radiation-repeated-msc-better",
        statement: "Repeated local MSC dosing closes radiation ulcers better than standard care",
        source: "Forcheron 2012",
        experiment: Experiment::Compare {
            a: arm("radiation-ulcer-repeated-adipose"),
            b: arm("radiation-ulcer-standard-care"),
            observable: CLOSURE,
            expect: Expect::Greater,
        },
        days: 130.0,
        quick_days: Some(42.0),
    },
    Fact {
        id: "radiation-repeated-msc-heals-most",
        statement: "Repeated local MSC dosing heals most radiation ulcers by day 130 (4/5)",
        source: "Forcheron 2012",
        experiment: Experiment::Proportion {
            arm: arm("radiation-ulcer-repeated-adipose"),
            observable: Observable::Outcome("healed"),
            lo: 0.5,
            hi: 1.0,
        },
        days: 130.0,
        quick_days: None,
    },
    Fact {
        id: "radiation-untreated-progresses",
        statement: "Untreated radiation ulcers do not heal by day 130 (0/8)",
        source: "Forcheron 2012",
        experiment: Experiment::Proportion {
            arm: arm("radiation-ulcer-standard-care"),
            observable: Observable::Outcome("healed"),
            lo: 0.0,
            hi: 0.2,
        },
        days: 130.0,
        quick_days: None,
    },
    Fact {
        id: "tnf-clears-in-minutes",
        statement: "TNF-α clears within minutes to an hour (tissue half-life 1–60 min)",
        source: "Ferraiolo 1988; Clin Sci 1994",
        experiment: Experiment::Parameter {
            key: "fields.tnf.half_life_min",
            lo: 1.0,
            hi: 60.0,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "il10-clears-in-hours",
        statement: "IL-10 clears within hours (half-life 1–10 h)",
        source: "Huhn 1996; Radwanski 1998",
        experiment: Experiment::Parameter {
            key: "fields.il10.half_life_min",
            lo: 60.0,
            hi: 600.0,
        },
        days: 84.0,
        quick_days: QUICK,
    },
    Fact {
        id: "tgfb-clears-in-minutes",
        statement: "Active TGF-β clears within minutes (half-life ≤ 10 min)",
        source: "Wakefield 1990",
        experiment: Experiment::Parameter {
            key: "fields.tgfb.half_life_min",
            lo: 0.5,
            hi: 10.0,
        },
        days: 84.0,
        quick_days: QUICK,
    },
];

// ---------------------------------------------------------------------------
// Settings and results
// ---------------------------------------------------------------------------

/// How to run the validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Replicates per arm (at least 2).
    pub replicates: u64,
    /// Quick mode: small domain, [`QUICK_DAYS`], only `quick` facts.
    pub quick: bool,
    /// Master seed of every arm.
    pub master_seed: u64,
    /// Directory holding the scenario files.
    pub scenario_dir: PathBuf,
    /// Extra overrides for every arm (applied after the arm's own).
    pub sets: Vec<String>,
    /// Run only facts whose id contains one of these (all when empty).
    pub only: Vec<String>,
}

impl Settings {
    /// Quick or full defaults for `scenario_dir`.
    pub fn new(quick: bool, scenario_dir: &Path) -> Settings {
        Settings {
            replicates: if quick {
                QUICK_REPLICATES
            } else {
                FULL_REPLICATES
            },
            quick,
            master_seed: 1,
            scenario_dir: scenario_dir.to_path_buf(),
            sets: vec![],
            only: vec![],
        }
    }

    fn days(&self, f: &Fact) -> f64 {
        if self.quick {
            f.quick_days.unwrap_or(QUICK_DAYS)
        } else {
            f.days
        }
    }

    fn selected(&self, f: &Fact) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| f.id.contains(o.as_str()))
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The model reproduces the fact.
    Pass,
    /// It does not (or the observable is undefined).
    Fail,
    /// Not run (`--quick` or not selected).
    Skipped,
}

impl Verdict {
    /// "PASS", "FAIL" or "skip".
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skipped => "skip",
        }
    }
}

/// One arm's statistics in a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmValue {
    /// Arm label (scenario and overrides).
    pub arm: String,
    /// The observable over the replicates.
    pub stats: OutcomeStats,
}

/// The result of one fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactResult {
    /// Fact id.
    pub id: String,
    /// The fact.
    pub statement: String,
    /// Its source.
    pub source: String,
    /// The virtual experiment in words.
    pub experiment: String,
    /// What passes.
    pub expected: String,
    /// What was simulated (values with intervals).
    pub simulated: String,
    /// Pass, fail or skipped.
    pub verdict: Verdict,
    /// Per-arm statistics of the observable.
    pub arms: Vec<ArmValue>,
}

/// A whole validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// woundsim version.
    pub woundsim_version: String,
    /// Quick mode.
    pub quick: bool,
    /// Replicates per arm.
    pub replicates: u64,
    /// Master seed.
    pub master_seed: u64,
    /// Overrides applied to every arm (quick domain and user `--set`).
    pub overrides: Vec<String>,
    /// Cohorts run (distinct resolved scenarios).
    pub cohorts_run: usize,
    /// Passed checks.
    pub passed: usize,
    /// Failed checks.
    pub failed: usize,
    /// Skipped checks.
    pub skipped: usize,
    /// One result per fact, in table order.
    pub results: Vec<FactResult>,
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

fn arm_label(a: &Arm, extra: Option<String>) -> String {
    let mut sets: Vec<String> = a.sets.iter().map(|s| s.to_string()).collect();
    sets.extend(extra);
    if sets.is_empty() {
        a.scenario.to_string()
    } else {
        format!("{} [{}]", a.scenario, sets.join(", "))
    }
}

/// One concrete arm: scenario, overrides (arm and dose-response), days.
#[derive(Debug, Clone, PartialEq)]
struct ArmRun {
    arm: Arm,
    extra: Option<String>,
    days: f64,
}

impl ArmRun {
    fn label(&self) -> String {
        arm_label(&self.arm, self.extra.clone())
    }
}

fn arm_runs(f: &Fact, days: f64) -> Vec<ArmRun> {
    let run = |arm: Arm| ArmRun {
        arm,
        extra: None,
        days,
    };
    match f.experiment {
        Experiment::Compare { a, b, .. } | Experiment::Ratio { a, b, .. } => vec![run(a), run(b)],
        Experiment::Range { arm, .. } | Experiment::Proportion { arm, .. } => vec![run(arm)],
        Experiment::DoseResponse {
            arm, key, values, ..
        } => values
            .iter()
            .map(|v| ArmRun {
                arm,
                extra: Some(format!("{key}={v}")),
                days,
            })
            .collect(),
        Experiment::Parameter { .. } | Experiment::RiseThenFall { .. } => vec![],
    }
}

fn params_for(s: &Settings, scenario: &str, sets: Vec<String>) -> Result<Params> {
    let path = s.scenario_dir.join(format!("{scenario}.toml"));
    let mut all: Vec<String> = if s.quick {
        QUICK_SETS.iter().map(|x| x.to_string()).collect()
    } else {
        vec![]
    };
    all.extend(sets);
    all.extend(s.sets.iter().cloned());
    all.push(format!("seed={}", s.master_seed));
    let mut scenario = Scenario::load(&path, &all)?;
    if s.quick {
        // Doses at or after the end of the short quick span are dropped
        // (one on the last day would never be given).
        let days = scenario.time.days;
        scenario.treatment.dose.days.retain(|d| *d < days);
    }
    Ok(Params::new(scenario, &path.display().to_string())?)
}

fn arm_params(s: &Settings, r: &ArmRun) -> Result<Params> {
    let mut sets: Vec<String> = r.arm.sets.iter().map(|x| x.to_string()).collect();
    sets.extend(r.extra.clone());
    sets.push(format!("time.days={}", r.days));
    params_for(s, r.arm.scenario, sets)
}

/// The value of `obs` in one replicate (None where undefined: past the
/// span, no rows in the window, zero peak).
pub fn observe(obs: &Observable, r: &Replicate) -> Option<f64> {
    let out = &r.output;
    let col = |name: &str| out.columns.iter().position(|c| c == name);
    let series = |name: &str| -> Option<Vec<(f64, f64)>> {
        let c = col(name)?;
        Some(
            out.rows
                .iter()
                .map(|row| (row.values[0], row.values[c]))
                .collect(),
        )
    };
    let at = |s: &[(f64, f64)], day: f64| -> Option<(usize, f64)> {
        if day == END {
            return s.last().map(|&(_, v)| (s.len() - 1, v));
        }
        s.iter()
            .position(|(t, _)| *t + 1e-9 >= day)
            .map(|i| (i, s[i].1))
    };
    match *obs {
        Observable::Outcome(name) => out.summary.outcome(name),
        Observable::At(name, day) => at(&series(name)?, day).map(|(_, v)| v),
        Observable::Mean(name, from, to) => {
            let s = series(name)?;
            let last = s.last()?.0;
            if to != END && to > last + 1e-9 {
                return None;
            }
            let v: Vec<f64> = s
                .iter()
                .filter(|(t, _)| *t + 1e-9 >= from && *t <= to + 1e-9)
                .map(|x| x.1)
                .collect();
            (!v.is_empty()).then(|| stats::mean(&v))
        }
        Observable::ShareOfPeak(name, day) => {
            let s = series(name)?;
            let (i, v) = at(&s, day)?;
            let peak = s[..=i].iter().map(|x| x.1).fold(0.0, f64::max);
            (peak > 0.0).then(|| v / peak)
        }
    }
}

fn describe_obs(o: &Observable) -> String {
    let day = |d: f64| {
        if d == END {
            "the end".to_string()
        } else {
            format!("day {d}")
        }
    };
    match *o {
        Observable::Outcome(n) => n.to_string(),
        Observable::At(n, d) => format!("{n} at {}", day(d)),
        Observable::Mean(n, a, b) => format!("mean {n} from day {a} to {}", day(b)),
        Observable::ShareOfPeak(n, d) => format!("{n} at {} / its peak", day(d)),
    }
}

fn fmt(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => {
            let a = x.abs();
            if a != 0.0 && !(1e-3..1e5).contains(&a) {
                format!("{x:.3e}")
            } else if a >= 100.0 {
                format!("{x:.1}")
            } else {
                format!("{x:.3}")
            }
        }
        Some(x) if x.is_infinite() => if x > 0.0 { "∞" } else { "−∞" }.into(),
        _ => "n/a".into(),
    }
}

fn fmt_stats(s: &OutcomeStats) -> String {
    let mut t = match (s.ci95_lo, s.ci95_hi) {
        (Some(lo), Some(hi)) => format!("{} ({} to {})", fmt(s.mean), fmt(Some(lo)), fmt(Some(hi))),
        _ => fmt(s.mean),
    };
    if s.undefined > 0 {
        t.push_str(&format!(
            " [undefined in {}/{}]",
            s.undefined,
            s.n + s.undefined
        ));
    }
    t
}

fn diff(a: &[Option<f64>], b: &[Option<f64>]) -> Option<OutcomeStats> {
    let d: Option<Vec<Option<f64>>> = a
        .iter()
        .zip(b)
        .map(|(x, y)| Some(Some((*x)? - (*y)?)))
        .collect();
    d.map(|d| {
        // A difference of two arms can be negative: plain Student t.
        let mut s = OutcomeStats::of(crate::stats::Quantity::Unbounded, &d);
        // A zero spread gives a degenerate (exact) interval.
        if s.n >= 2 && s.sd == Some(0.0) {
            s.ci95_lo = s.mean;
            s.ci95_hi = s.mean;
        }
        s
    })
}

struct Ctx<'a> {
    settings: &'a Settings,
    cohorts: &'a BTreeMap<String, Cohort>,
    keys: &'a BTreeMap<String, String>,
}

impl Ctx<'_> {
    fn values(&self, r: &ArmRun, obs: &Observable) -> Vec<Option<f64>> {
        self.keys
            .get(&r.label_with_days())
            .and_then(|k| self.cohorts.get(k))
            .map(|c| c.replicates.iter().map(|rep| observe(obs, rep)).collect())
            .unwrap_or_default()
    }
}

impl ArmRun {
    fn label_with_days(&self) -> String {
        format!("{} @{}d", self.label(), self.days)
    }
}

fn expect_text(e: Expect) -> String {
    match e {
        Expect::Greater => "A > B: 95 % interval of the paired difference A − B above 0".into(),
        Expect::Less => "A < B: 95 % interval of the paired difference A − B below 0".into(),
        Expect::NotBelow(m) => format!("A ≥ B − {m}: lower 95 % bound of A − B ≥ −{m}"),
        Expect::NotAbove(m) => format!("A ≤ B + {m}: upper 95 % bound of A − B ≤ {m}"),
    }
}

fn range_text(lo: f64, hi: f64) -> String {
    format!("in [{}, {}]", fmt(Some(lo)), fmt(Some(hi)))
}

fn evaluate(f: &Fact, ctx: &Ctx) -> Result<FactResult> {
    let days = ctx.settings.days(f);
    let runs = arm_runs(f, days);
    let mut res = FactResult {
        id: f.id.into(),
        statement: f.statement.into(),
        source: f.source.into(),
        experiment: String::new(),
        expected: String::new(),
        simulated: String::new(),
        verdict: Verdict::Fail,
        arms: vec![],
    };
    let arm_value = |r: &ArmRun, v: &[Option<f64>]| ArmValue {
        arm: r.label(),
        stats: OutcomeStats::of(crate::stats::Quantity::Unbounded, v),
    };
    let pass = |ok: bool| if ok { Verdict::Pass } else { Verdict::Fail };
    match f.experiment {
        Experiment::Compare {
            observable, expect, ..
        } => {
            let (va, vb) = (
                ctx.values(&runs[0], &observable),
                ctx.values(&runs[1], &observable),
            );
            res.experiment = format!(
                "A = {}, B = {}; {} ({days} days)",
                runs[0].label(),
                runs[1].label(),
                describe_obs(&observable)
            );
            res.expected = expect_text(expect);
            res.arms = vec![arm_value(&runs[0], &va), arm_value(&runs[1], &vb)];
            match diff(&va, &vb) {
                Some(d) if d.n >= 2 => {
                    let (lo, hi) = (d.ci95_lo.unwrap_or(f64::NAN), d.ci95_hi.unwrap_or(f64::NAN));
                    res.verdict = pass(match expect {
                        Expect::Greater => lo > 0.0,
                        Expect::Less => hi < 0.0,
                        Expect::NotBelow(m) => lo >= -m,
                        Expect::NotAbove(m) => hi <= m,
                    });
                    res.simulated = format!(
                        "A − B = {}; A {}, B {}",
                        fmt_stats(&d),
                        fmt_stats(&res.arms[0].stats),
                        fmt_stats(&res.arms[1].stats)
                    );
                }
                _ => {
                    res.simulated = format!(
                        "undefined: A {}, B {} (needs ≥ 2 replicates with both defined)",
                        fmt_stats(&res.arms[0].stats),
                        fmt_stats(&res.arms[1].stats)
                    );
                }
            }
        }
        Experiment::Range {
            observable, lo, hi, ..
        } => {
            let v = ctx.values(&runs[0], &observable);
            res.experiment = format!(
                "{}; {} ({days} days)",
                runs[0].label(),
                describe_obs(&observable)
            );
            res.expected = format!("mean {}", range_text(lo, hi));
            let a = arm_value(&runs[0], &v);
            res.simulated = fmt_stats(&a.stats);
            res.verdict =
                pass(a.stats.undefined == 0 && a.stats.mean.is_some_and(|m| m >= lo && m <= hi));
            res.arms = vec![a];
        }
        Experiment::Proportion {
            observable, lo, hi, ..
        } => {
            let v = ctx.values(&runs[0], &observable);
            res.experiment = format!(
                "{}; fraction of replicates with {} ({days} days)",
                runs[0].label(),
                describe_obs(&observable)
            );
            res.expected = format!("fraction {}", range_text(lo, hi));
            match Proportion::of(&v) {
                Some(p) => {
                    res.simulated = format!(
                        "{}/{} = {} (Wilson 95 % {} to {})",
                        p.successes,
                        p.n,
                        fmt(Some(p.fraction)),
                        fmt(Some(p.wilson95_lo)),
                        fmt(Some(p.wilson95_hi))
                    );
                    res.verdict = pass(p.fraction >= lo && p.fraction <= hi);
                }
                None => res.simulated = "undefined (span too short?)".into(),
            }
            res.arms = vec![arm_value(&runs[0], &v)];
        }
        Experiment::Ratio {
            observable, lo, hi, ..
        } => {
            let (va, vb) = (
                ctx.values(&runs[0], &observable),
                ctx.values(&runs[1], &observable),
            );
            res.experiment = format!(
                "A = {}, B = {}; {} ({days} days)",
                runs[0].label(),
                runs[1].label(),
                describe_obs(&observable)
            );
            res.expected = format!("mean A / mean B {}", range_text(lo, hi));
            res.arms = vec![arm_value(&runs[0], &va), arm_value(&runs[1], &vb)];
            let (sa, sb) = (&res.arms[0].stats, &res.arms[1].stats);
            let ratio = match (sa.mean, sb.mean) {
                (Some(a), Some(b)) if b > 0.0 && sa.undefined == 0 && sb.undefined == 0 => {
                    Some(a / b)
                }
                _ => None,
            };
            res.simulated = format!(
                "A / B = {}; A {}, B {}",
                fmt(ratio),
                fmt_stats(sa),
                fmt_stats(sb)
            );
            res.verdict = pass(ratio.is_some_and(|r| r >= lo && r <= hi));
        }
        Experiment::DoseResponse {
            key,
            observable,
            increasing,
            ..
        } => {
            let vals: Vec<Vec<Option<f64>>> =
                runs.iter().map(|r| ctx.values(r, &observable)).collect();
            res.experiment = format!(
                "{} with {key} = {}; {} ({days} days)",
                arm_label(&runs[0].arm, None),
                runs.iter()
                    .filter_map(|r| r.extra.as_deref().and_then(|e| e.split_once('=')))
                    .map(|(_, v)| v)
                    .collect::<Vec<_>>()
                    .join(", "),
                describe_obs(&observable)
            );
            res.expected = format!(
                "{} in {key}: consecutive means ordered and the 95 % interval of the paired difference last − first {} 0",
                if increasing { "increasing" } else { "decreasing" },
                if increasing { "above" } else { "below" }
            );
            res.arms = runs
                .iter()
                .zip(&vals)
                .map(|(r, v)| arm_value(r, v))
                .collect();
            let means: Vec<Option<f64>> = res.arms.iter().map(|a| a.stats.mean).collect();
            let ordered = means.windows(2).all(|w| match (w[0], w[1]) {
                (Some(x), Some(y)) => {
                    if increasing {
                        y >= x
                    } else {
                        y <= x
                    }
                }
                _ => false,
            });
            let d = match (vals.first(), vals.last()) {
                (Some(first), Some(last)) => diff(last, first),
                _ => None,
            };
            let sig = d.as_ref().is_some_and(|d| {
                d.n >= 2
                    && if increasing {
                        d.ci95_lo.is_some_and(|lo| lo > 0.0)
                    } else {
                        d.ci95_hi.is_some_and(|hi| hi < 0.0)
                    }
            });
            res.simulated = format!(
                "means {}; last − first = {}",
                res.arms
                    .iter()
                    .map(|a| fmt_stats(&a.stats))
                    .collect::<Vec<_>>()
                    .join(" → "),
                d.as_ref()
                    .map(fmt_stats)
                    .unwrap_or_else(|| "undefined".into())
            );
            res.verdict = pass(ordered && sig);
        }
        Experiment::Parameter { key, lo, hi } => {
            let p = params_for(ctx.settings, SC.scenario, vec![])?;
            let table = toml::Table::try_from(&p.scenario)
                .map_err(|e| Error::Other(format!("rendering the scenario: {e}")))?;
            let mut cur: Option<&toml::Value> = None;
            for (i, part) in key.split('.').enumerate() {
                cur = if i == 0 {
                    table.get(part)
                } else {
                    cur.and_then(|v| v.get(part))
                };
            }
            let v = cur.and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)));
            res.experiment = format!("resolved parameter {key} ({} with overrides)", SC.scenario);
            res.expected = format!("value {}", range_text(lo, hi));
            res.simulated = fmt(v);
            res.verdict = pass(v.is_some_and(|v| v >= lo && v <= hi));
        }
        Experiment::RiseThenFall { curve, xs } => {
            let p = params_for(ctx.settings, SC.scenario, vec![])?;
            let env = crate::scenario::rates::VegfEnvironment::new(&p);
            let y: Vec<f64> = xs
                .iter()
                .map(|&x| match curve {
                    Curve::MscVegfVsTnf => {
                        secretion::msc_vegf_environment(&env, 40.0, x as f32) as f64
                    }
                })
                .collect();
            res.experiment = format!(
                "MSC VEGF output factor at 40 mmHg O₂ and TNF-α = {}, {}, {} ng/mL",
                xs[0], xs[1], xs[2]
            );
            res.expected = "f(low) > f(0) and f(high) < f(0)".into();
            res.simulated = format!(
                "f = {}, {}, {}",
                fmt(Some(y[0])),
                fmt(Some(y[1])),
                fmt(Some(y[2]))
            );
            res.verdict = pass(y[1] > y[0] && y[2] < y[0]);
        }
    }
    Ok(res)
}

/// Progress callback: (cohort replicates finished, in total).
pub type Progress<'a> = cohort_run::Progress<'a>;

/// Run the validation: every selected fact's arms as cohorts (all in one
/// parallel loop; identical resolved scenarios once), then evaluate.
///
/// # Errors
/// [`Error::Input`] for fewer than 2 replicates, a missing scenario file or
/// a bad override; a failing simulation's error; interruption.
pub fn run(settings: &Settings, opts: &cohort_run::Options) -> Result<Report> {
    if settings.replicates < 2 {
        return Err(Error::Input(
            InputError::new(
                "<command line>",
                None,
                "validation needs at least 2 replicates per arm",
            )
            .allowed("--replicates 2 or more"),
        ));
    }
    let active: Vec<&Fact> = FACTS
        .iter()
        .filter(|f| settings.selected(f) && (f.quick_days.is_some() || !settings.quick))
        .collect();
    // Distinct arms by label, then distinct resolved scenarios by hash.
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut unique: BTreeMap<String, Params> = BTreeMap::new();
    for f in &active {
        for r in arm_runs(f, settings.days(f)) {
            let label = r.label_with_days();
            if keys.contains_key(&label) {
                continue;
            }
            let p = arm_params(settings, &r)?;
            let hash = p.scenario.hash_hex();
            keys.insert(label, hash.clone());
            unique.entry(hash).or_insert(p);
        }
    }
    let hashes: Vec<String> = unique.keys().cloned().collect();
    let params: Vec<Params> = unique.into_values().collect();
    let cohorts = cohort_run::simulate_cohorts(&params, settings.replicates, opts)?;
    let cohorts: BTreeMap<String, Cohort> = hashes.into_iter().zip(cohorts).collect();
    let ctx = Ctx {
        settings,
        cohorts: &cohorts,
        keys: &keys,
    };
    let mut results = Vec::with_capacity(FACTS.len());
    for f in FACTS {
        if active.iter().any(|a| a.id == f.id) {
            results.push(evaluate(f, &ctx)?);
        } else {
            results.push(FactResult {
                id: f.id.into(),
                statement: f.statement.into(),
                source: f.source.into(),
                experiment: String::new(),
                expected: String::new(),
                simulated: if settings.selected(f) {
                    "skipped: needs the full-size wound and span (run without --quick)".into()
                } else {
                    "not selected".into()
                },
                verdict: Verdict::Skipped,
                arms: vec![],
            });
        }
    }
    let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
    let mut overrides: Vec<String> = if settings.quick {
        QUICK_SETS.iter().map(|s| s.to_string()).collect()
    } else {
        vec![]
    };
    overrides.extend(settings.sets.iter().cloned());
    Ok(Report {
        woundsim_version: crate::VERSION.into(),
        quick: settings.quick,
        replicates: settings.replicates,
        master_seed: settings.master_seed,
        overrides,
        cohorts_run: cohorts.len(),
        passed: count(Verdict::Pass),
        failed: count(Verdict::Fail),
        skipped: count(Verdict::Skipped),
        results,
    })
}

fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

impl Report {
    /// `validation.md`.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "# woundsim validation\n\n{} mode, {} replicates per arm, master seed {}{}; woundsim {}. \
             {} passed, {} failed, {} skipped ({} cohorts run).\n\n\
             Orderings compare arms replicate by replicate (replicate i of every arm has the same \
             patient draw) and pass when the 95 % interval of the mean paired difference lies on the \
             expected side. Values: mean (95 % interval of the mean).\n\n",
            if self.quick { "Quick" } else { "Full" },
            self.replicates,
            self.master_seed,
            if self.overrides.is_empty() {
                String::new()
            } else {
                format!(", overrides {}", self.overrides.join(" "))
            },
            self.woundsim_version,
            self.passed,
            self.failed,
            self.skipped,
            self.cohorts_run
        );
        s.push_str("| result | fact | source | virtual experiment | expected | simulated |\n");
        s.push_str("|---|---|---|---|---|---|\n");
        for r in &self.results {
            s.push_str(&format!(
                "| {} | **{}**: {} | {} | {} | {} | {} |\n",
                r.verdict.label(),
                md(&r.id),
                md(&r.statement),
                md(&r.source),
                md(&r.experiment),
                md(&r.expected),
                md(&r.simulated)
            ));
        }
        s
    }

    /// A plain-text table for a terminal.
    pub fn text_table(&self) -> String {
        let w = self.results.iter().map(|r| r.id.len()).max().unwrap_or(4);
        let mut s = String::new();
        for r in &self.results {
            s.push_str(&format!(
                "{}  {:<w$}  {} ({})\n      {:w$}  simulated: {}\n",
                r.verdict.label(),
                r.id,
                r.statement,
                r.source,
                "",
                r.simulated
            ));
        }
        s.push_str(&format!(
            "\n{} passed, {} failed, {} skipped ({} mode, {} replicates per arm, {} cohorts)\n",
            self.passed,
            self.failed,
            self.skipped,
            if self.quick { "quick" } else { "full" },
            self.replicates,
            self.cohorts_run
        ));
        s
    }

    /// Write `validation.md` and `validation.json` into the existing `dir`
    /// (prepare and lock it first with [`output::prepare_dir`]).
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let md_path = dir.join("validation.md");
        let json_path = dir.join("validation.json");
        output::write_atomic(&md_path, self.markdown().as_bytes())?;
        output::write_json(&json_path, self)?;
        Ok(vec![md_path, json_path])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_ids_are_unique_and_experiments_well_formed() {
        let mut ids: Vec<&str> = FACTS.iter().map(|f| f.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), FACTS.len());
        for f in FACTS {
            if let Experiment::DoseResponse { values, .. } = f.experiment {
                assert!(values.len() >= 2, "{}", f.id);
            }
            assert!(!f.source.is_empty() && !f.statement.is_empty());
            // Quick facts must be observable within the quick span.
            if let Some(span) = f.quick_days {
                let within = |o: &Observable| match *o {
                    Observable::At(_, d) | Observable::ShareOfPeak(_, d) => d == END || d <= span,
                    Observable::Mean(_, _, b) => b == END || b <= span,
                    Observable::Outcome(_) => true,
                };
                let ok = match &f.experiment {
                    Experiment::Compare { observable, .. }
                    | Experiment::Range { observable, .. }
                    | Experiment::Proportion { observable, .. }
                    | Experiment::Ratio { observable, .. }
                    | Experiment::DoseResponse { observable, .. } => within(observable),
                    _ => true,
                };
                assert!(ok, "{} observes past the quick span", f.id);
            }
        }
    }

    #[test]
    fn paired_difference_interval() {
        let a = [Some(3.0), Some(5.0), Some(7.0)];
        let b = [Some(1.0), Some(2.0), Some(3.0)];
        let d = diff(&a, &b).unwrap();
        // differences 2, 3, 4: mean 3, sd 1, half-width t(0.975,2)/√3
        let half = 4.302_652_729_749_464 / 3f64.sqrt();
        assert_eq!(d.mean, Some(3.0));
        assert!((d.ci95_lo.unwrap() - (3.0 - half)).abs() < 1e-9);
        let same = diff(&[Some(2.0), Some(3.0)], &[Some(1.0), Some(2.0)]).unwrap();
        assert_eq!((same.ci95_lo, same.ci95_hi), (Some(1.0), Some(1.0)));
        assert!(diff(&[Some(1.0), None], &[Some(0.0), Some(0.0)]).is_none());
    }
}
