//! One live simulation for the web app, in plain Rust (the
//! `#[wasm_bindgen]` wrapper in the crate root only converts types).
//!
//! A [`Session`] is built from scenario text and `--set`-style overrides
//! exactly as `woundsim run` builds a run (the seed is the scenario's
//! `seed`, the patient is [`woundsim_core::cohort::patient_for`] of it), so
//! its time series is the one `woundsim run` writes for the scenario that
//! [`Session::scenario_toml`] exports.

use woundsim_core::agents::{msc_state, neutrophil_state};
use woundsim_core::error::Error;
use woundsim_core::observe::{self, Row};
use woundsim_core::scenario::{Params, Scenario};
use woundsim_core::series::format_value;
use woundsim_core::sim::{step, SimState, Workspace};

/// Largest memory estimate (MiB) a browser session accepts: a WebAssembly
/// module addresses at most 4 GiB, and a tab gets less.
pub const MAX_MEMORY_MIB: f64 = 1500.0;

/// About this many agent markers at most are drawn on the map (as on the
/// PNG field maps of `woundsim plot`).
pub const MAX_MARKERS: usize = 600;

/// Agent marker codes of [`Session::agents`], in the PNG maps' categories.
pub mod kind {
    /// A living MSC (in a carrier or not): filled sky-blue circle.
    pub const MSC: u8 = 0;
    /// A senescent MSC: hollow sky-blue circle.
    pub const MSC_SENESCENT: u8 = 1;
    /// A dead MSC: grey ring.
    pub const MSC_DEAD: u8 = 2;
    /// An M1 macrophage (polarisation < 0.5): vermillion square.
    pub const M1: u8 = 3;
    /// An M2 macrophage: reddish-purple diamond.
    pub const M2: u8 = 4;
    /// An endothelial tip cell: yellow triangle.
    pub const TIP: u8 = 5;
    /// A live neutrophil: filled bluish-green plus sign.
    pub const NEUTROPHIL: u8 = 6;
    /// An apoptotic neutrophil (awaiting efferocytosis): hollow bluish-green
    /// plus sign.
    pub const NEUTROPHIL_APOPTOTIC: u8 = 7;
}

/// A scenario being simulated.
pub struct Session {
    p: Params,
    st: SimState,
    ws: Workspace,
    columns: Vec<String>,
}

/// What went wrong building or stepping a session, as one message.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// A core error: bad input or a numerical failure.
    #[error("{0}")]
    Core(#[from] Error),
    /// The scenario would not fit in a browser tab.
    #[error("the scenario needs about {0:.0} MiB, more than a browser tab can hold ({MAX_MEMORY_MIB:.0} MiB); reduce domain.width_um, domain.height_um or raise domain.voxel_um")]
    TooLarge(f64),
    /// A field name that the scenario does not have.
    #[error("unknown field '{0}' (allowed: {1})")]
    UnknownField(String, String),
}

impl Session {
    /// Parse `toml` (from `label`, named in errors) with `overrides`
    /// (`key.path=value`), validate it and set up the initial state.
    pub fn new(toml: &str, label: &str, overrides: &[String]) -> Result<Session, SessionError> {
        let s = Scenario::from_toml_str(toml, label, overrides).map_err(Error::from)?;
        let p = Params::new(s, label)
            .map_err(|e| woundsim_core::scenario::blame_overrides(e, overrides))
            .map_err(Error::from)?;
        let mib = p.memory_estimate_mib();
        if mib > MAX_MEMORY_MIB {
            return Err(SessionError::TooLarge(mib));
        }
        let columns = observe::columns(&p);
        let (st, ws) = Self::initial(&p);
        Ok(Session { p, st, ws, columns })
    }

    fn initial(p: &Params) -> (SimState, Workspace) {
        let seed = p.scenario.seed;
        let patient = woundsim_core::cohort::patient_for(p, seed);
        let st = SimState::new(p, seed, patient);
        let ws = Workspace::new(p, &st);
        (st, ws)
    }

    /// The validated parameters.
    pub fn params(&self) -> &Params {
        &self.p
    }

    /// Back to day 0 with the same scenario.
    pub fn reset(&mut self) {
        let (st, ws) = Self::initial(&self.p);
        self.st = st;
        self.ws = ws;
    }

    /// Advance up to `n` base steps, stopping at the scenario's end; the
    /// number of steps taken.
    pub fn step(&mut self, n: u32) -> Result<u32, SessionError> {
        let mut done = 0;
        while done < n && self.st.step < self.p.steps.total {
            step(&self.p, &mut self.st, &mut self.ws)?;
            done += 1;
        }
        Ok(done)
    }

    /// Base steps per simulated day (may be fractional).
    pub fn steps_per_day(&self) -> f64 {
        1440.0 / self.p.steps.dt_min
    }

    /// Base steps taken.
    pub fn steps_done(&self) -> u64 {
        self.st.step
    }

    /// Base steps of the whole scenario.
    pub fn steps_total(&self) -> u64 {
        self.p.steps.total
    }

    /// Current simulated day.
    pub fn day(&self) -> f64 {
        self.st.day(&self.p)
    }

    /// The scenario's span in days.
    pub fn days_total(&self) -> f64 {
        self.p.steps.day(self.p.steps.total)
    }

    /// Time-series column names (the header of `timeseries.csv`).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Time-series rows so far (one per output step, the first at day 0
    /// once a step was taken).
    pub fn rows(&self) -> &[Row] {
        &self.st.rows
    }

    /// The latest row, observed now (also before the first step).
    pub fn current_row(&self) -> Row {
        observe::observe(&self.p, &self.st)
    }

    /// Wound closure now, in % of the initial open area.
    pub fn closure_pct(&self) -> f64 {
        let i = self
            .columns
            .iter()
            .position(|c| c == "closure_pct")
            .unwrap_or(2);
        self.st
            .rows
            .last()
            .map(|r| r.values[i])
            .unwrap_or_else(|| self.current_row().values[i])
    }

    /// The time series as `woundsim run` writes `timeseries.csv`.
    pub fn timeseries_csv(&self) -> String {
        let mut s = self.columns.join(",");
        s.push('\n');
        for r in &self.st.rows {
            let cells: Vec<String> = r.values.iter().map(|v| format_value(*v)).collect();
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        s
    }

    /// The fully resolved scenario as TOML: `woundsim run FILE` reproduces
    /// this session's time series.
    pub fn scenario_toml(&self) -> String {
        self.p.scenario.to_toml()
    }

    /// The resolved value of dotted `key` as TOML (`"topical"`, `1000000.0`,
    /// `[0.0]`), or `None` for a key the scenario does not hold (an unset
    /// optional key).
    pub fn value_of(&self, key: &str) -> Option<String> {
        let v = toml::Value::try_from(&self.p.scenario).ok()?;
        let mut cur = &v;
        for part in key.split('.') {
            cur = cur.as_table()?.get(part)?;
        }
        Some(cur.to_string())
    }

    /// Voxels along x and y.
    pub fn shape(&self) -> (usize, usize) {
        (self.p.grid.nx, self.p.grid.ny)
    }

    /// Voxel edge length (µm).
    pub fn dx_um(&self) -> f64 {
        self.p.grid.dx_um
    }

    /// Field names and units, in the scenario's order.
    pub fn fields(&self) -> (Vec<String>, Vec<String>) {
        (self.st.fields.names.clone(), self.st.fields.units.clone())
    }

    /// The tissue maps [`Session::field`] also gives (bacteria and matrix,
    /// the wound bed's): names and units.
    pub fn maps(&self) -> (Vec<String>, Vec<String>) {
        let maps = self.st.tissue.maps();
        (
            maps.iter().map(|m| m.name.to_string()).collect(),
            maps.iter().map(|m| m.unit.to_string()).collect(),
        )
    }

    fn layer(&self) -> usize {
        self.p.grid.nx * self.p.grid.ny
    }

    /// A copy of field `name`, row-major with `y` rows of `x` (index
    /// `iy * nx + ix`, `iy = 0` at the bottom); of a layered (3D) grid,
    /// the wound bed's layer.
    pub fn field(&self, name: &str) -> Result<Vec<f32>, SessionError> {
        let maps = self.st.tissue.maps();
        if let Some(m) = maps.iter().find(|m| m.name == name) {
            return Ok(m.values.iter().copied().collect());
        }
        let f = self.st.fields.index(name).ok_or_else(|| {
            let mut known = self.st.fields.names.clone();
            known.extend(maps.iter().map(|m| m.name.to_string()));
            SessionError::UnknownField(name.to_string(), known.join(", "))
        })?;
        // The wound bed's layer in 3D (the layer of the wound and vessel maps).
        Ok(self
            .st
            .fields
            .layer(&self.p.grid, f, self.p.depth.bed)
            .to_vec())
    }

    /// The open-wound mask (1 open), laid out as [`Session::field`].
    pub fn wound(&self) -> Vec<u8> {
        self.st
            .tissue
            .open
            .iter()
            .take(self.layer())
            .copied()
            .collect()
    }

    /// Vessel classes (0 none, 1 sprout, 2 perfused new, 3 leaky new,
    /// 4 mature), laid out as [`Session::field`].
    pub fn vessels(&self) -> Vec<u8> {
        self.st
            .tissue
            .vessel
            .iter()
            .take(self.layer())
            .copied()
            .collect()
    }

    /// Agents to draw, at most about `max` of them: `(kind, x_um, y_um)`
    /// with `kind` one of [`kind`], dead MSCs first, and the thinning
    /// factor `k` (every k-th agent of each kind is kept, so the kinds keep
    /// their proportions, as on the PNG field maps).
    pub fn agents(&self, max: usize) -> (Vec<(u8, f32, f32)>, usize) {
        let m = &self.st.mscs;
        let mac = &self.st.macs;
        let t = &self.st.tips;
        let neu = &self.st.neutrophils;
        let n = m.len() + mac.len() + t.len() + neu.len();
        let k = n.div_ceil(max.max(1)).max(1);
        let mut seen = [0usize; 8];
        let mut keep = |kind: u8| {
            let c = &mut seen[kind as usize];
            let yes = (*c).is_multiple_of(k);
            *c += 1;
            yes
        };
        let mut dead = Vec::new();
        let mut out = Vec::with_capacity(n / k + 8);
        for i in 0..m.len() {
            let kd = match m.state[i] {
                msc_state::DEAD => kind::MSC_DEAD,
                msc_state::SENESCENT => kind::MSC_SENESCENT,
                _ => kind::MSC,
            };
            if keep(kd) {
                let a = (kd, m.x[i], m.y[i]);
                if kd == kind::MSC_DEAD {
                    dead.push(a);
                } else {
                    out.push(a);
                }
            }
        }
        for i in 0..mac.len() {
            let kd = if mac.pol[i] >= 0.5 {
                kind::M2
            } else {
                kind::M1
            };
            if keep(kd) {
                out.push((kd, mac.x[i], mac.y[i]));
            }
        }
        for i in 0..t.len() {
            if keep(kind::TIP) {
                out.push((kind::TIP, t.x[i], t.y[i]));
            }
        }
        for i in 0..neu.len() {
            let kd = if neu.state[i] == neutrophil_state::APOPTOTIC {
                kind::NEUTROPHIL_APOPTOTIC
            } else {
                kind::NEUTROPHIL
            };
            if keep(kd) {
                out.push((kd, neu.x[i], neu.y[i]));
            }
        }
        // Mix the kinds so that where markers pile up the ones on top are a
        // fair sample (a fixed interleaving, not a random one).
        out.sort_by_key(|a| woundsim_core::rng::hash_words(&[a.0 as u64, a.1.to_bits() as u64]));
        dead.extend(out);
        (dead, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{shipped, SMALL};

    fn small(days: &str) -> Vec<String> {
        let mut v: Vec<String> = SMALL.iter().map(|s| s.to_string()).collect();
        v.push(format!("time.days={days}"));
        v
    }

    fn tiny(extra: &[&str]) -> Session {
        let mut sets: Vec<String> = vec![
            "domain.width_um=3000".into(),
            "domain.height_um=3000".into(),
            "wound.diameter_um=2000".into(),
            "time.days=1".into(),
        ];
        sets.extend(extra.iter().map(|s| s.to_string()));
        let d = shipped("default").unwrap();
        Session::new(d.toml, d.name, &sets).unwrap()
    }

    #[test]
    fn a_session_reproduces_the_in_memory_run_and_its_exported_scenario() {
        let mut s = tiny(&[]);
        while s.step(50).unwrap() > 0 {}
        assert_eq!(s.steps_done(), s.steps_total());
        let out = woundsim_io::run::simulate(s.params(), s.params().scenario.seed).unwrap();
        assert_eq!(row_bits(s.rows()), row_bits(&out.rows));
        // The exported TOML alone rebuilds the same run.
        let back = Session::new(&s.scenario_toml(), "export", &[]).unwrap();
        let out2 = woundsim_io::run::simulate(back.params(), back.params().scenario.seed).unwrap();
        assert_eq!(row_bits(&out2.rows), row_bits(&out.rows));
        assert!(s.timeseries_csv().starts_with("time_d,"));
        assert_eq!(s.timeseries_csv().lines().count(), out.rows.len() + 1);
    }

    #[test]
    fn reset_starts_the_same_run_again() {
        let mut s = tiny(&[]);
        s.step(40).unwrap();
        let first = s.rows().to_vec();
        s.reset();
        assert_eq!(s.steps_done(), 0);
        s.step(40).unwrap();
        assert_eq!(row_bits(s.rows()), row_bits(&first));
    }

    /// Rows as bits (undefined values are NaN, which == never matches).
    fn row_bits(rows: &[woundsim_core::series::Row]) -> Vec<(u64, Vec<u64>)> {
        rows.iter()
            .map(|r| (r.step, r.values.iter().map(|v| v.to_bits()).collect()))
            .collect()
    }

    #[test]
    fn fields_agents_and_masks_have_the_grid_shape() {
        let mut s = tiny(&[]);
        s.step(s.steps_per_day().ceil() as u32).unwrap();
        let (nx, ny) = s.shape();
        assert_eq!(s.field("oxygen").unwrap().len(), nx * ny);
        assert_eq!(s.wound().len(), nx * ny);
        assert_eq!(s.vessels().len(), nx * ny);
        assert!(matches!(
            s.field("nope"),
            Err(SessionError::UnknownField(..))
        ));
        // The tissue maps come as fields do, the bed's values in order.
        let (maps, units) = s.maps();
        assert_eq!(maps, ["planktonic", "biofilm", "provisional", "collagen"]);
        assert_eq!(units.len(), maps.len());
        let collagen = s.field("collagen").unwrap();
        assert_eq!(collagen.len(), nx * ny);
        assert!(collagen
            .iter()
            .zip(s.st.tissue.collagen.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(
            s.value_of("treatment.delivery.route").as_deref(),
            Some("\"topical\"")
        );
        assert_eq!(s.value_of("domain.width_um").as_deref(), Some("3000.0"));
        assert_eq!(s.value_of("no.such"), None);
        let (all, k) = s.agents(usize::MAX);
        assert_eq!(k, 1);
        assert!(all.iter().any(|a| a.0 == kind::MSC), "MSCs after a day");
        // Neutrophils peak about a day after wounding: all of them, live and
        // apoptotic, are exported with their own codes.
        let (live, apoptotic) = s.st.neutrophils.counts();
        assert!(live > 0, "neutrophils after a day");
        let count = |c: u8| all.iter().filter(|a| a.0 == c).count();
        assert_eq!(count(kind::NEUTROPHIL), live);
        assert_eq!(count(kind::NEUTROPHIL_APOPTOTIC), apoptotic);
        let (few, k) = s.agents(10);
        assert!(k > 1 && few.len() <= 10 + 8, "{} agents, k {k}", few.len());
    }

    #[test]
    fn bad_input_names_the_key_and_huge_grids_are_refused() {
        let d = shipped("default").unwrap();
        let e = Session::new(d.toml, "t", &["treatment.delivery.route=nowhere".into()])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("treatment.delivery.route"), "{e}");
        let e = Session::new(
            d.toml,
            "t",
            &[
                "domain.width_um=200000".into(),
                "domain.height_um=200000".into(),
            ],
        )
        .err()
        .unwrap();
        assert!(matches!(e, SessionError::TooLarge(_)), "{e}");
        assert!(Session::new(d.toml, "t", &small("1")).is_ok());
    }
}
