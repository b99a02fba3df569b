use super::super::testutil::{check_png, check_svg};
use super::*;

fn bars() -> Vec<(String, f64, f64, f64)> {
    vec![
        ("MSC dose".into(), 0.62, 0.51, 0.71),
        ("hypoxia tolerance".into(), -0.35, -0.48, -0.2),
        ("M2 polarisation rate".into(), 0.2, 0.05, 0.33),
        ("VEGF secretion".into(), 0.05, f64::NAN, f64::NAN),
    ]
}

#[test]
fn bar_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = bar_with_intervals(
        &dir.path().join("rank"),
        "Sensitivity of closure at day 28",
        "PRCC",
        &bars(),
        ImageFormat::Png,
    )
    .unwrap();
    assert_eq!(out, dir.path().join("rank.png"));
    check_png(&out, 1000, 320);
    let out = bar_with_intervals(dir.path(), "t", "v", &bars(), ImageFormat::Svg).unwrap();
    check_svg(&out);
    let err = bar_with_intervals(dir.path(), "t", "v", &[], ImageFormat::Png).unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(_)));
}

#[test]
fn line_chart() {
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f64> = (0..=28).map(f64::from).collect();
    let mk = |name: &str, k: f64| {
        let mean: Vec<f64> = x.iter().map(|t| 100.0 * (1.0 - (-t / k).exp())).collect();
        Series {
            name: name.into(),
            x: x.clone(),
            lo: mean.iter().map(|m| m - 6.0).collect(),
            hi: mean.iter().map(|m| m + 6.0).collect(),
            mean,
        }
    };
    let mut no_band = mk("control", 30.0);
    no_band.lo.clear();
    no_band.hi.clear();
    let series = vec![mk("MSC topical", 10.0), mk("MSC injected", 15.0), no_band];
    let out = lines_with_bands(
        &dir.path().join("closure.png"),
        "Closure",
        "time (days)",
        "closure (%)",
        &series,
        ImageFormat::Png,
    )
    .unwrap();
    check_png(&out, 1000, 650);
    let out = lines_with_bands(dir.path(), "Closure", "t", "c", &series, ImageFormat::Svg).unwrap();
    check_svg(&out);
    let mut bad = series.clone();
    bad[0].hi.pop();
    let err = lines_with_bands(dir.path(), "x", "t", "c", &bad, ImageFormat::Png).unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(m) if m.contains("MSC topical")));
}

#[test]
fn heatmap() {
    let dir = tempfile::tempdir().unwrap();
    let xs = [1e4, 1e5, 1e6, 1e7];
    let ys = [0.0, 0.25, 0.5];
    let values: Vec<Vec<f64>> = ys
        .iter()
        .map(|y| {
            xs.iter()
                .map(|x: &f64| x.log10() * 10.0 + y * 40.0)
                .collect()
        })
        .collect();
    let out = heatmap_2d(
        &dir.path().join("sweep.png"),
        "Closure at day 28",
        "MSC dose (cells)",
        "hypoxia",
        &xs,
        &ys,
        &values,
        "closure (%)",
        ImageFormat::Png,
    )
    .unwrap();
    check_png(&out, HEATMAP_SIZE.0, HEATMAP_SIZE.1);
    let mut holes = values.clone();
    holes[1][2] = f64::NAN;
    let sources = ["adipose", "bone_marrow", "cord", "placenta"].map(String::from);
    let routes = ["topical", "hydrogel", "scaffold"].map(String::from);
    let out = heatmap_2d_labelled(
        dir.path(),
        "t",
        "source",
        "route",
        &sources,
        &routes,
        &holes,
        "c",
        ImageFormat::Svg,
    )
    .unwrap();
    check_svg(&out);
    let err = heatmap_2d(
        dir.path(),
        "t",
        "x",
        "y",
        &xs,
        &ys[..2],
        &values,
        "c",
        ImageFormat::Png,
    )
    .unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(_)));
}

#[test]
fn grouped_bars() {
    let dir = tempfile::tempdir().unwrap();
    let series = vec!["first-order".to_string(), "total".to_string()];
    let rows = vec![
        ("dose".to_string(), vec![(0.5, 0.4, 0.6), (0.7, 0.6, 0.8)]),
        ("perfusion".to_string(), vec![(0.1, f64::NAN, f64::NAN)]),
        (
            "hypoxia".to_string(),
            vec![(-0.02, -0.1, 0.05), (0.2, 0.1, 0.3)],
        ),
    ];
    let out = grouped_bars_with_intervals(
        &dir.path().join("sobol"),
        "Sobol' indices",
        "index",
        &series,
        &rows,
        ImageFormat::Png,
    )
    .unwrap();
    assert_eq!(out, dir.path().join("sobol.png"));
    // Three rows of two bars: 150 + 3 × 64 px.
    check_png(&out, 1000, 342);
    let err = grouped_bars_with_intervals(dir.path(), "t", "v", &[], &rows, ImageFormat::Png)
        .unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(_)));
    let err =
        grouped_bars_with_intervals(dir.path(), "t", "v", &series[..1], &rows, ImageFormat::Png)
            .unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(m) if m.contains("dose")));
}

#[test]
fn line_chart_log_and_levels_axes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Series {
        name: "closure".into(),
        x: vec![1e4, 1e5, 1e6, 1e7],
        mean: vec![10.0, 20.0, 35.0, 40.0],
        lo: vec![8.0, 17.0, 30.0, 36.0],
        hi: vec![12.0, 23.0, 40.0, 44.0],
    };
    let out = lines_with_bands_on(
        &dir.path().join("log"),
        "Closure vs dose",
        "dose (cells)",
        "closure (%)",
        std::slice::from_ref(&s),
        &XAxis::Log10,
        ImageFormat::Png,
    )
    .unwrap();
    check_png(&out, 1000, 650);
    let levels = XAxis::Levels(vec!["adipose".into(), "bone_marrow".into(), "cord".into()]);
    let mut cat = s.clone();
    cat.x = vec![0.0, 1.0, 2.0, 1.0];
    let out = lines_with_bands_on(
        &dir.path().join("levels"),
        "Closure by source",
        "source",
        "closure (%)",
        std::slice::from_ref(&cat),
        &levels,
        ImageFormat::Png,
    )
    .unwrap();
    check_png(&out, 1000, 650);
    cat.x[3] = 3.0;
    let err = lines_with_bands_on(dir.path(), "t", "x", "y", &[cat], &levels, ImageFormat::Png)
        .unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(m) if m.contains("x = 3")));
}

#[test]
fn grid_of_lines_and_bars() {
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f64> = (0..=10).map(f64::from).collect();
    let s = Series {
        name: "a".into(),
        x: x.clone(),
        mean: x.iter().map(|t| t * 2.0).collect(),
        lo: x.iter().map(|t| t * 2.0 - 1.0).collect(),
        hi: x.iter().map(|t| t * 2.0 + 1.0).collect(),
    };
    let lines = Chart::Lines {
        title: "closure".into(),
        x_label: "time (days)".into(),
        y_label: "closure (%)".into(),
        series: vec![s.clone()],
    };
    let charts = vec![
        lines.clone(),
        Chart::Bars {
            title: "healed".into(),
            value_label: "fraction".into(),
            bars: bars(),
        },
        lines,
    ];
    let out = chart_grid(dir.path(), "grid", &charts, 2, ImageFormat::Png).unwrap();
    assert_eq!(out, dir.path().join("charts.png"));
    check_png(&out, 2 * GRID_CELL.0, GRID_TITLE_H + 2 * GRID_CELL.1);
    // The bar labels sit left of the bars inside their own (top-right)
    // cell, not offset by the cell's position.
    let mut reader = png::Decoder::new(std::fs::File::open(&out).unwrap())
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let spp = info.color_type.samples();
    let dark = |x0: u32, x1: u32, y0: u32, y1: u32| {
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                let i = (y * info.width + x) as usize * spp;
                n += (buf[i] < 80 && buf[i + 1] < 80 && buf[i + 2] < 80) as usize;
            }
        }
        n
    };
    let (cx, cy) = (GRID_CELL.0, GRID_TITLE_H);
    assert!(
        dark(cx + 20, cx + 120, cy + 60, cy + 440) > 50,
        "bar labels missing from their cell"
    );
    let out = chart_grid(&dir.path().join("g"), "grid", &charts, 5, ImageFormat::Svg).unwrap();
    check_svg(&out);
    let err = chart_grid(dir.path(), "grid", &[], 2, ImageFormat::Png).unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(_)));
    let mut bad = s;
    bad.lo.pop();
    let bad = Chart::Lines {
        title: "t".into(),
        x_label: String::new(),
        y_label: String::new(),
        series: vec![bad],
    };
    let err = chart_grid(dir.path(), "grid", &[bad], 1, ImageFormat::Png).unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(_)));
}
