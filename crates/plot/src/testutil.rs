//! Test support: fake run directories and image checks.

use std::fs;
use std::path::Path;

use ndarray::Array2;

/// Writes a small but complete run directory: `rows` timeseries rows and
/// `snaps` snapshots of an `nx`×`ny` grid.
pub fn fake_run(dir: &Path, nx: usize, ny: usize, snaps: usize, rows: usize) {
    fs::create_dir_all(dir.join("snapshots")).unwrap();
    let mut csv = String::from(
        "time_d,wound_area_mm2,closure_pct,msc_live,msc_dead,msc_senescent,mac_m1,mac_m2,\
         m2_fraction,vessel_density_rel,tip_cells,o2_mean_mmHg,hypoxic_fraction,\
         vegf_mean_ng_per_ml,il10_mean_ng_per_ml,tnf_mean_ng_per_ml,tgfb_mean_ng_per_ml,\
         pdgf_mean_ng_per_ml\n",
    );
    for r in 0..rows {
        let t = r as f64 * 84.0 / (rows.max(2) - 1) as f64;
        let c = 100.0 * (1.0 - (-t / 30.0).exp());
        let m1 = 400.0 * (-t / 10.0).exp() + 20.0;
        let m2 = 300.0 * (1.0 - (-t / 15.0).exp()) + 10.0;
        csv.push_str(&format!(
            "{t},{},{c},{},{},{},{m1},{m2},{},{},{},{},{},{},{},{},{},{}\n",
            80.0 * (1.0 - c / 100.0),
            1000.0 * (-t / 20.0).exp(),
            1000.0 * (1.0 - (-t / 20.0).exp()) * 0.8,
            1000.0 * (1.0 - (-t / 20.0).exp()) * 0.2,
            m2 / (m1 + m2),
            0.5 + 1.2 * (1.0 - (-t / 14.0).exp()),
            (30.0 * (-((t - 10.0) / 6.0).powi(2)).exp()).round(),
            15.0 + 25.0 * (1.0 - (-t / 12.0).exp()),
            0.7 * (-t / 15.0).exp(),
            2.0 * (-((t - 7.0) / 5.0).powi(2)).exp(),
            0.5 * (1.0 - (-t / 10.0).exp()),
            1.5 * (-t / 5.0).exp(),
            0.3,
            0.1 + 0.01 * t,
        ));
    }
    fs::write(dir.join("timeseries.csv"), csv).unwrap();

    let dx = 20.0;
    let (cx, cy) = (nx as f64 / 2.0, ny as f64 / 2.0);
    let mut entries = Vec::new();
    for s in 0..snaps {
        let day = 7.0 * (s + 1) as f64;
        let tag = format!("d{day:05.1}");
        let radius = (nx.min(ny) as f64 * 0.4) * (1.0 - 0.25 * s as f64);
        let wound = Array2::from_shape_fn((ny, nx), |(j, i)| {
            let r = ((i as f64 - cx).powi(2) + (j as f64 - cy).powi(2) * 1.5).sqrt();
            u8::from(r < radius)
        });
        let field = |scale: f64, inside: f64| {
            Array2::from_shape_fn((ny, nx), |(j, i)| {
                let r = ((i as f64 - cx).powi(2) + (j as f64 - cy).powi(2)).sqrt();
                let w = (-(r / radius.max(1.0)).powi(2)).exp();
                (scale * ((1.0 - w) + inside * w) + 0.05 * scale * (i as f64 * 0.3).sin()) as f32
            })
        };
        let names = [
            ("oxygen", field(40.0, 0.2)),
            ("vegf", field(0.5, 3.0 + s as f64)),
            ("il10", field(0.2, 2.0 * s as f64 + 0.5)),
            ("tnf", field(0.1, 4.0 / (s + 1) as f64)),
        ];
        let mut fields = serde_json::Map::new();
        let mut units = serde_json::Map::new();
        for (name, arr) in names {
            let file = format!("{tag}_{name}.npy");
            ndarray_npy::write_npy(dir.join("snapshots").join(&file), &arr).unwrap();
            fields.insert(name.into(), file.into());
            units.insert(
                name.into(),
                if name == "oxygen" { "mmHg" } else { "ng/mL" }.into(),
            );
        }
        let vessels = Array2::from_shape_fn((ny, nx), |(j, i)| {
            if j == ny / 5 || i == nx / 6 {
                4u8
            } else if (j == ny / 2 || j == ny / 2 + 1)
                && i > nx / 6
                && i < nx / 6 + (s + 1) * nx / 10
            {
                2
            } else if (i == nx / 2 || i == nx / 2 + 1)
                && j > ny / 5
                && j < ny / 5 + (s + 1) * ny / 12
            {
                3
            } else if j == 3 * ny / 4 && i > nx / 3 && i < nx / 3 + nx / 8 {
                1
            } else {
                0
            }
        });
        let wf = format!("{tag}_wound.npy");
        let vf = format!("{tag}_vessels.npy");
        let af = format!("{tag}_agents.csv");
        ndarray_npy::write_npy(dir.join("snapshots").join(&wf), &wound).unwrap();
        ndarray_npy::write_npy(dir.join("snapshots").join(&vf), &vessels).unwrap();
        let mut agents = String::from("kind,id,x_um,y_um,state\n");
        let w_um = nx as f64 * dx;
        let h_um = ny as f64 * dx;
        let states = [
            ("msc", "live"),
            ("msc", "carrier"),
            ("msc", "senescent"),
            ("msc", "dead"),
            ("macrophage", "m1"),
            ("macrophage", "m2"),
            ("tip", "tip"),
        ];
        for k in 0..70 {
            let (kind, state) = states[k % states.len()];
            let a = k as f64 * 2.399;
            let r = 0.45 * (k as f64 / 70.0).sqrt();
            let x = w_um * (0.5 + r * a.cos());
            let y = h_um * (0.5 + r * a.sin());
            agents.push_str(&format!("{kind},{k},{x:.1},{y:.1},{state}\n"));
        }
        fs::write(dir.join("snapshots").join(&af), agents).unwrap();
        entries.push(serde_json::json!({
            "day": day, "tag": tag, "fields": fields, "units": units,
            "wound": wf, "vessels": vf, "agents": af,
        }));
    }
    let index = serde_json::json!({"dx_um": dx, "nx": nx, "ny": ny, "snapshots": entries});
    fs::write(
        dir.join("snapshots/index.json"),
        serde_json::to_string_pretty(&index).unwrap(),
    )
    .unwrap();
}

/// Decodes a PNG and checks its size and that it is not one flat colour.
pub fn check_png(path: &Path, w: u32, h: u32) {
    let file = fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (info.width, info.height),
        (w, h),
        "size of {}",
        path.display()
    );
    let px = info.color_type.samples();
    let data = &buf[..info.buffer_size()];
    let first = &data[..px];
    let distinct = data.chunks(px).filter(|c| *c != first).count();
    assert!(distinct > 1000, "{} is (nearly) one colour", path.display());
}

/// Number of pixels of a PNG file with exactly the colour `rgb`.
pub fn count_color(path: &Path, rgb: [u8; 3]) -> usize {
    let file = fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    assert!(px >= 3, "{} is not an RGB image", path.display());
    buf[..info.buffer_size()]
        .chunks(px)
        .filter(|c| c[..3] == rgb)
        .count()
}

/// Checks an SVG file is non-empty and starts with `<svg`.
pub fn check_svg(path: &Path) {
    let s = fs::read_to_string(path).unwrap();
    assert!(s.len() > 1000, "{} too small", path.display());
    assert!(
        s.trim_start().starts_with("<svg"),
        "{} is not SVG",
        path.display()
    );
}
