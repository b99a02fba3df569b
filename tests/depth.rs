//! The simulation in 3D (issue #19): a strip through a small wound with a
//! dressing, a wound cavity, its bed and the dermis under it. Determinism
//! across thread counts and resume, the O₂ bound, the dressing and oxygen
//! therapy at the surface, the depth of the delivery routes, and a carrier
//! layer that holds a factor back. (The 2D model stays bit-identical:
//! `tests/golden.rs`.)

#[macro_use]
mod common;

use woundsim::fields::Fields;
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{self, SimState, Workspace};

/// A 3 mm × 200 µm strip through a 2 mm wound, 800 µm deep, over 500 µm
/// of dermis: 14 layers of 100 µm (dressing, 8 cavity layers with the bed
/// at layer 5, 5 dermis layers).
fn params(extra: &[&str]) -> Params {
    let mut sets: Vec<String> = [
        "domain.width_um=3000",
        "domain.height_um=200",
        "domain.voxel_um=20",
        "domain.layers=14",
        "domain.dz_um=100",
        "wound.diameter_um=2000",
        "wound.depth_um=800",
        "time.days=2",
        "patient.wound_type=\"diabetic_foot_ulcer\"",
        "treatment.product.source=\"adipose\"",
        "treatment.dose.dose_cells=1e6",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for f in [
        "vegf", "il10", "tnf", "tgfb", "kgf", "ros", "pge2", "ifng", "ev", "mmp", "timp",
    ] {
        for side in ["min", "max"] {
            sets.push(format!("fields.{f}.boundary_y_{side}=\"no_flux\""));
        }
    }
    sets.extend(extra.iter().map(|s| s.to_string()));
    let s = Scenario::builtin(&sets).expect("valid overrides");
    Params::new(s, "depth-test").expect("a valid 3D scenario")
}

/// `steps` base steps on a pool of `threads` threads.
fn run(p: &Params, steps: u64, threads: usize) -> SimState {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut st = SimState::new(p, p.scenario.seed, p.patient);
        let mut ws = Workspace::new(p, &st);
        for _ in 0..steps {
            sim::step(p, &mut st, &mut ws).expect("a step");
        }
        st
    })
}

/// Bitwise equality of two states (`Debug` prints every float in its
/// shortest round-trip form, and NaN, the undefined M2 fraction, as NaN,
/// which `==` would call unequal).
fn same(a: &SimState, b: &SimState) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// The last row's value of time-series column `name`.
fn last(p: &Params, st: &SimState, name: &str) -> f64 {
    let cols = woundsim::observe::columns(p);
    let k = cols
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name} in {cols:?}"));
    st.rows.last().expect("a row").values[k]
}

#[test]
fn the_layers_are_what_the_scenario_says() {
    let p = params(&[]);
    assert_eq!((p.grid.nx, p.grid.ny, p.grid.nz), (150, 10, 14));
    assert_eq!(p.depth.bed, 5);
    assert_eq!(p.depth.cavity, (5, 13));
    let st = SimState::new(&p, 1, p.patient);
    assert_eq!(st.fields.data[0].dim(), (14 * 10, 150));
    // The tissue maps are the bed's.
    assert_eq!(st.tissue.open.dim(), (10, 150));
}

#[test]
fn three_d_is_identical_across_threads_and_resumes_bit_identically() {
    let p = params(&[]);
    let steps = 96 + 17;
    let one = run(&p, steps, 1);
    assert!(
        one.mscs.len() > 100,
        "a dose in the strip: {}",
        one.mscs.len()
    );
    // Agents moved in depth.
    let z0 = p.grid.z_center(p.depth.bed) as f32;
    assert!(one.macs.z.iter().chain(&one.mscs.z).any(|&z| z != z0));
    for threads in [2, 4] {
        let other = run(&p, steps, threads);
        assert!(
            same(&one, &other),
            "3D state differs between 1 and {threads} threads"
        );
    }
    // A checkpoint half-way, restored and run on, gives the same state.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let resumed = pool.install(|| {
        let half = run(&p, 50, 2);
        let bytes = woundsim::run::checkpoint_bytes(&p, &half).expect("checkpoint");
        let (q, mut st) = woundsim::run::restore_bytes(&bytes, "memory").expect("restore");
        assert!(
            same(&st, &half),
            "the checkpoint round trip changed the state"
        );
        let mut ws = Workspace::new(&q, &st);
        for _ in 50..steps {
            sim::step(&q, &mut st, &mut ws).expect("a step");
        }
        st
    });
    assert!(
        same(&one, &resumed),
        "a resumed 3D run differs from an uninterrupted one"
    );
}

/// Highest value of field `f` anywhere (all layers).
fn max_of(fields: &Fields, f: usize) -> f32 {
    fields.slice(f).iter().fold(0.0f32, |m, &v| m.max(v))
}

#[test]
fn oxygen_stays_below_the_highest_supply_and_the_dressing_sets_the_surface() {
    let day = 96;
    let open = params(&[]);
    let occlusive = params(&["treatment.standard_care.dressing_o2_permeability=0"]);
    let therapy = params(&["treatment.standard_care.oxygen_therapy_mmhg=400"]);
    let (so, sc, st) = (
        run(&open, day, 2),
        run(&occlusive, day, 2),
        run(&therapy, day, 2),
    );
    for (p, s, top) in [
        (&open, &so, 160.0),
        (&occlusive, &sc, 95.0),
        (&therapy, &st, 400.0),
    ] {
        let bound = sim::o2_bound_mmhg(p) as f32;
        let max = max_of(&s.fields, p.ids.oxygen);
        assert!(max <= bound, "O₂ {max} above the bound {bound}");
        assert!(
            max <= top * 1.0001,
            "O₂ {max} above its highest supply {top}"
        );
    }
    let surface = |p: &Params, s: &SimState| last(p, s, "o2_surface_mmHg");
    let (a, c, t) = (
        surface(&open, &so),
        surface(&occlusive, &sc),
        surface(&therapy, &st),
    );
    assert!(
        c < a,
        "an occlusive dressing lowers the surface pO₂: {c} vs {a}"
    );
    assert!(t > a, "topical oxygen raises it: {t} vs {a}");
    // The bed follows, less.
    let bed = |p: &Params, s: &SimState| last(p, s, "o2_mean_mmHg");
    assert!(bed(&occlusive, &sc) < bed(&open, &so));
    assert!(bed(&therapy, &st) > bed(&open, &so));
}

/// Mean height and mean O₂ at the MSCs of a state.
fn msc_depth_and_o2(p: &Params, st: &SimState) -> (f64, f64) {
    let m = &st.mscs;
    let n = m.len() as f64;
    let o2 = st.fields.slice(p.ids.oxygen);
    let (mut z, mut c) = (0.0, 0.0);
    for i in 0..m.len() {
        z += m.z[i] as f64;
        c += o2[p.grid.index3_of(m.x[i], m.y[i], m.z[i])] as f64;
    }
    (z / n, c / n)
}

#[test]
fn intralesional_cells_sit_deeper_and_see_less_air_oxygen_than_topical_ones() {
    let topical = params(&[]);
    let inject = params(&[
        "treatment.delivery.route=\"intralesional\"",
        "treatment.delivery.injection_depth_um=400",
    ]);
    // Two hours after the dose.
    let (a, b) = (run(&topical, 8, 2), run(&inject, 8, 2));
    assert!(a.mscs.len() > 50 && b.mscs.len() > 50);
    let (za, oa) = msc_depth_and_o2(&topical, &a);
    let (zb, ob) = msc_depth_and_o2(&inject, &b);
    let bed_surface = topical.depth.bed_surface_um;
    assert!(
        za > bed_surface - 100.0,
        "topical cells on the bed surface: {za}"
    );
    assert!(zb < za - 200.0, "intralesional cells deeper: {zb} vs {za}");
    assert!(
        ob < oa,
        "and they see less of the air's O₂: {ob} vs {oa} mmHg"
    );
}

/// Fraction of the VEGF put into the carrier layer that is still in it
/// after `steps` field steps (no sources).
fn carrier_retention(mult: &str, steps: usize) -> f64 {
    let p = params(&[
        "treatment.delivery.route=\"hydrogel\"",
        "treatment.delivery.carrier_thickness_um=300",
        &format!("treatment.delivery.carrier_diffusion_mult={mult}"),
    ]);
    let (lo, hi) = p.depth.carrier;
    assert_eq!(hi - lo, 3);
    let mut st = SimState::new(&p, 1, p.patient);
    let mut ws = Workspace::new(&p, &st);
    let plane = p.grid.layer_len();
    let vegf = p.ids.vegf;
    st.fields.data[vegf]
        .as_slice_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
        .for_each(|(i, v)| {
            *v = if (lo..hi).contains(&(i / plane)) {
                1.0
            } else {
                0.0
            }
        });
    let inside = |f: &Fields| {
        f.slice(vegf)[lo * plane..hi * plane]
            .iter()
            .map(|&v| v as f64)
            .sum::<f64>()
    };
    let start = inside(&st.fields);
    for _ in 0..steps {
        ws.solver
            .step_checked(&mut st.fields, &mut ws.sources)
            .expect("a field step");
    }
    inside(&st.fields) / start
}

#[test]
fn a_gel_layer_slows_a_factors_escape() {
    let (free, gel) = (carrier_retention("1", 4), carrier_retention("0.3", 4));
    assert!(gel > 1.2 * free, "the gel keeps more VEGF: {gel} vs {free}");
    // Less diffusive still keeps more still.
    let tight = carrier_retention("0.1", 4);
    assert!(tight > gel, "{tight} vs {gel}");
}

#[test]
fn bad_depth_input_is_a_clear_error() {
    let s = Scenario::builtin(&["domain.layers=2".to_string()]).unwrap();
    let e = Params::new(s, "t.toml").unwrap_err().to_string();
    assert!(e.contains("domain.layers"), "{e}");
    // A strip through the wound needs no-flux y sides.
    let s = Scenario::builtin(
        &[
            "domain.layers=14",
            "domain.dz_um=100",
            "domain.height_um=200",
            "wound.depth_um=800",
            "wound.diameter_um=2000",
            "domain.width_um=3000",
        ]
        .map(String::from),
    )
    .unwrap();
    let e = Params::new(s, "t.toml").unwrap_err().to_string();
    assert!(e.contains("boundary_y_min") && e.contains("no_flux"), "{e}");
}

#[test]
fn a_dose_puts_the_strips_share_of_the_wound_volume_in_the_domain() {
    let p = params(&[]);
    let st = SimState::new(&p, 1, p.patient);
    let ws = Workspace::new(&p, &st);
    // The strip's footprint over the whole 2 mm disc; the 800 µm cavity
    // is all inside the domain; half a topical dose is lost.
    let area = st.tissue.footprint_count as f64 * p.grid.voxel_area_mm2();
    let disc = std::f64::consts::PI / 4.0 * 2.0 * 2.0;
    let want = 1e6 * 0.5 * area / disc;
    let got = ws.rates.dosing.agents_per_dose;
    assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    // A strip 200 µm wide holds about a tenth of a 2 mm disc.
    assert!((0.08..0.14).contains(&(area / disc)), "{}", area / disc);
}

#[test]
fn a_strip_holds_the_perilesional_rings_share_of_the_dose() {
    let p = params(&["treatment.delivery.route=\"perilesional\""]);
    let mut st = SimState::new(&p, 1, p.patient);
    let ws = Workspace::new(&p, &st);
    // The ring's share in the strip, counted independently: directions
    // spaced evenly around the ring at its mean distance (200 µm) outside
    // the 2 mm wound, centred in the 200 µm strip.
    let (r, h) = (1000.0 * (1.0 + 200.0 / 1000.0), 200.0);
    let n = 1_000_000;
    let inside = (0..n)
        .filter(|k| {
            let y = 100.0 + r * (2.0 * std::f64::consts::PI * (*k as f64 + 0.5) / n as f64).sin();
            (0.0..h).contains(&y)
        })
        .count() as f64
        / n as f64;
    let got = ws.rates.dosing.agents_per_dose;
    let want = 1e6 * inside;
    assert!((got - want).abs() < 1e-3 * want, "{got} vs {want}");
    // About half of the strip's area share (a strip of height h through a
    // disc of diameter d holds about 2h/(πd) of its ring, but 4h/(πd) of
    // its area): the former twofold over-representation is gone.
    let area = st.tissue.footprint_count as f64 * p.grid.voxel_area_mm2();
    let area_share = area / (std::f64::consts::PI / 4.0 * 2.0 * 2.0);
    assert!(
        (0.4..0.65).contains(&(inside / area_share)),
        "{inside} vs {area_share}"
    );
    // Every cell of the dose is placed, in the strip, on the ring (200 ±
    // 150 µm beyond the margin) near the strip's x ends.
    sim::systems::dose(&p, &mut st, &ws, 0);
    let m = &st.mscs;
    let placed = m.len() as f64;
    assert!((placed - got).abs() <= 1.0, "{placed} placed of {got}");
    let cx = p.grid.width_um() / 2.0;
    let mut sum = 0.0;
    for i in 0..m.len() {
        assert!((0.0..=h as f32).contains(&m.y[i]));
        let d = (m.x[i] as f64 - cx).abs();
        assert!(
            d > 1000.0 + 200.0 - 5.0 * 150.0,
            "a perilesional cell {d} µm from the centre"
        );
        sum += d;
    }
    let mean = sum / placed;
    assert!((1170.0..1230.0).contains(&mean), "mean distance {mean} µm");
}

#[test]
fn intravenous_cells_adhere_in_the_bed_at_inflamed_perfused_vessels() {
    let p = params(&[
        "treatment.delivery.route=\"intravenous\"",
        "treatment.delivery.homing_fraction=0.05",
        "tissue.wound_residual_vessel_frac=0.5",
    ]);
    let dose = |tnf: f32| {
        let mut st = SimState::new(&p, 1, p.patient);
        st.fields.data[p.ids.tnf].fill(tnf);
        let ws = Workspace::new(&p, &st);
        sim::systems::dose(&p, &mut st, &ws, 0);
        (st, ws.vessel_list.clone())
    };
    // An endothelium TNF-α has not activated holds none.
    assert!(dose(0.0).0.mscs.is_empty());
    let (st, list) = dose(1.0);
    let m = &st.mscs;
    assert!(!m.is_empty(), "some cells adhere to the inflamed vessels");
    let bed_z = p.grid.z_center(p.depth.bed) as f32;
    for i in 0..m.len() {
        let v = p.grid.index_of(m.x[i], m.y[i]) as u32;
        assert!(list.contains(&v), "a cell off the perfused vessels");
        assert_eq!(m.z[i], bed_z);
    }
}

#[test]
fn doses_land_inside_the_strip() {
    // Topical cells spread over the strip's part of the wound (none piled
    // at the centre for want of a point inside the strip).
    let p = params(&[]);
    let mut st = SimState::new(&p, 1, p.patient);
    let ws = Workspace::new(&p, &st);
    sim::systems::dose(&p, &mut st, &ws, 0);
    let (cx, cy) = (
        p.grid.width_um() as f32 / 2.0,
        p.grid.height_um() as f32 / 2.0,
    );
    let m = &st.mscs;
    let central = (0..m.len())
        .filter(|&i| (m.x[i] - cx).abs() < 1.0 && (m.y[i] - cy).abs() < 1.0)
        .count();
    assert!(
        m.len() > 100 && central * 100 < m.len(),
        "{central} of {} at the centre",
        m.len()
    );
    // Perilesional injections: in intact tissue around the margin, at depth.
    let q = params(&["treatment.delivery.route=\"perilesional\""]);
    let mut st = SimState::new(&q, 1, q.patient);
    let ws = Workspace::new(&q, &st);
    sim::systems::dose(&q, &mut st, &ws, 0);
    let m = &st.mscs;
    assert!(m.len() > 20, "{} perilesional cells", m.len());
    let foot = st.tissue.footprint.as_slice().unwrap();
    let inside = (0..m.len())
        .filter(|&i| foot[q.grid.index_of(m.x[i], m.y[i])] == 1)
        .count();
    // (200 ± 150 µm outside the edge: about 9 % fall inside it.)
    assert!(
        inside * 5 < m.len(),
        "{inside} of {} inside the wound",
        m.len()
    );
    let want = (q.depth.surface_um - 1000.0) as f32;
    assert!(m.z.iter().all(|&z| (z - want).abs() <= 50.0 + 1e-3));
}

/// `woundsim export` of a 3D run: the Zarr fields are `(time, z, y, x)`
/// chunks holding the snapshot's `(nz, ny, nx)` arrays byte for byte, the
/// maps stay `(time, y, x)`; the VTK image data has nz layers of cells and
/// the maps sit in their own file at the bed layer's height. Its plots
/// include the cross-sections.
#[test]
fn three_d_runs_export_to_zarr_and_vtk_with_their_layers() {
    let tmp = common::tempdir();
    let run = tmp.path().join("run");
    let run_s = run.to_str().unwrap();
    common::ok_1t(&[
        "run",
        "dfu-3d",
        "--quiet",
        "--days",
        "1",
        "--out",
        run_s,
        "--set",
        "domain.width_um=3000",
        "--set",
        "wound.diameter_um=2000",
    ]);
    let index = common::json(&run.join("snapshots/index.json"));
    let (nz, ny, nx) = (
        index["nz"].as_u64().unwrap() as usize,
        index["ny"].as_u64().unwrap() as usize,
        index["nx"].as_u64().unwrap() as usize,
    );
    assert!(nz > 1);
    let last = index["snapshots"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let t = index["snapshots"].as_array().unwrap().len() - 1;
    // The plots of a 3D run add a cross-section per snapshot.
    for snap in index["snapshots"].as_array().unwrap() {
        let png = run.join(format!(
            "plots/section_{}.png",
            snap["tag"].as_str().unwrap()
        ));
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(size > 10_000, "{} ({size} bytes)", png.display());
    }

    let zarr = tmp.path().join("f.zarr");
    common::ok_1t(&[
        "export",
        run_s,
        "--to",
        "zarr",
        "--out",
        zarr.to_str().unwrap(),
    ]);
    let meta = common::json(&zarr.join("oxygen/.zarray"));
    assert_eq!(meta["shape"], serde_json::json!([t + 1, nz, ny, nx]));
    let attrs = common::json(&zarr.join("oxygen/.zattrs"));
    assert_eq!(
        attrs["_ARRAY_DIMENSIONS"],
        serde_json::json!(["time", "z", "y", "x"])
    );
    assert_eq!(
        common::json(&zarr.join("wound/.zattrs"))["layer"],
        index["bed_layer"]
    );
    let chunk = std::fs::read(zarr.join(format!("oxygen/{t}.0.0.0"))).unwrap();
    let npy = std::fs::read(
        run.join("snapshots")
            .join(last["fields"]["oxygen"].as_str().unwrap()),
    )
    .unwrap();
    assert_eq!(chunk.len(), 4 * nz * ny * nx);
    // A .npy file is its header followed by the C-order little-endian data.
    assert_eq!(
        &npy[npy.len() - chunk.len()..],
        &chunk[..],
        "the chunk is the snapshot's array"
    );
    let layers = std::fs::read(zarr.join("layer/0")).unwrap();
    assert_eq!(layers.len(), nz);

    let vtk = tmp.path().join("vtk");
    common::ok_1t(&[
        "export",
        run_s,
        "--to",
        "vtk",
        "--out",
        vtk.to_str().unwrap(),
    ]);
    let tag = last["tag"].as_str().unwrap();
    let vti = std::fs::read(vtk.join(format!("vtk/{tag}_fields.vti"))).unwrap();
    let head = String::from_utf8_lossy(&vti[..vti.len().min(4000)]).to_string();
    assert!(
        head.contains(&format!("WholeExtent=\"0 {nx} 0 {ny} 0 {nz}\"")),
        "{head}"
    );
    assert!(head.contains("layer [code]"));
    let maps = std::fs::read(vtk.join(format!("vtk/{tag}_maps.vti"))).unwrap();
    let head = String::from_utf8_lossy(&maps[..maps.len().min(2000)]).to_string();
    let dz = index["dz_um"].as_f64().unwrap();
    let bed = index["bed_layer"].as_u64().unwrap() as f64;
    assert!(
        head.contains(&format!("Origin=\"0 0 {}\"", bed * dz)),
        "{head}"
    );
    assert!(vtk.join("maps.pvd").is_file());
}

/// A vesicle dose in 3D: its depot lies in the bed layer, sets its
/// vesicles free there (the free vesicles are highest in the bed layer an
/// hour after the dose), and with no uptake the vesicles in the depot and
/// the field together are conserved up to the field's slow decay.
#[test]
fn a_vesicle_depot_sets_its_vesicles_free_in_the_bed_layer() {
    let p = params(&[
        "treatment.product.form=extracellular_vesicles",
        "macrophage.ev_clearance_nl_per_h=0",
        "angiogenesis.ev_clearance_nl_per_h=0",
    ]);
    let ev = p.ids.ev.expect("ev is a default field");
    let vol_ul = p.grid.voxel_volume_ml() * 1e3;
    let total = |st: &SimState| {
        st.tissue.depot.iter().map(|&d| d as f64).sum::<f64>()
            + st.fields.slice(ev).iter().map(|&c| c as f64).sum::<f64>() * vol_ul
    };
    let st1 = run(&p, 1, 1);
    let d0 = total(&st1);
    assert!(d0 > 10.0, "{d0} cell equivalents in the strip");
    let hour = (60.0 / p.steps.dt_min) as u64;
    let st = run(&p, 1 + hour, 1);
    let layer_sum = |k: usize| {
        st.fields
            .layer(&p.grid, ev, k)
            .iter()
            .map(|&c| c as f64)
            .sum::<f64>()
    };
    let best = (0..p.grid.nz).max_by(|&a, &b| layer_sum(a).total_cmp(&layer_sum(b)));
    assert_eq!(best, Some(p.depth.bed));
    assert!(layer_sum(p.depth.bed) > 0.0);
    let lost = 1.0 - total(&st) / d0;
    // An hour of the field's 12 h half-life on the little already free.
    assert!(
        (0.0..0.005).contains(&lost),
        "share lost in an hour: {lost}"
    );
}
