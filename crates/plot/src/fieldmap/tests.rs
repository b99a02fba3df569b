use super::super::testutil::{check_png, check_svg, count_color, fake_run};
use super::*;

const SHOWN: [AgentKind; 4] = [AgentKind::Msc, AgentKind::M1, AgentKind::M2, AgentKind::Tip];

#[test]
fn agents_are_drawn_in_their_own_colours() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 60, 50, 1, 3);
    let with = plot_fieldmaps(dir.path(), &dir.path().join("with"), None, ImageFormat::Png)
        .unwrap()
        .remove(0);
    // The same snapshot without agents: only the legend's markers remain.
    std::fs::write(
        dir.path().join("snapshots/d007.0_agents.csv"),
        "kind,id,x_um,y_um,state\n",
    )
    .unwrap();
    let without = plot_fieldmaps(
        dir.path(),
        &dir.path().join("without"),
        None,
        ImageFormat::Png,
    )
    .unwrap()
    .remove(0);
    for kind in SHOWN {
        let c = rgb(agent_color(kind));
        let (a, b) = (count_color(&with, c), count_color(&without, c));
        // Ten agents of each kind (twenty MSCs) in each of the four maps.
        assert!(
            a >= b + 4 * 10 * 4,
            "{kind:?} {c:?}: {a} pixels with agents, {b} without"
        );
    }
}

#[test]
fn thinning_keeps_the_proportions_of_the_kinds() {
    let agent = |kind, i: u64| Agent {
        kind,
        x_um: 0.0,
        y_um: 0.0,
        z_um: 0.0,
        order: (kind != AgentKind::MscDead, i),
    };
    let mut layers = Layers::default();
    layers
        .agents
        .extend((0..1000).map(|i| agent(AgentKind::MscDead, i)));
    layers
        .agents
        .extend((0..400).map(|i| agent(AgentKind::Msc, i)));
    layers
        .agents
        .extend((0..3).map(|i| agent(AgentKind::Tip, i)));
    layers.agents.sort_by_key(|a| a.order);
    // 1403 agents, at most 600 markers: every 3rd of each kind.
    let (shown, k) = layers.thinned(600);
    assert_eq!(k, 3);
    let count = |kind| shown.iter().filter(|a| a.kind == kind).count();
    assert_eq!(count(AgentKind::MscDead), 334);
    assert_eq!(count(AgentKind::Msc), 134);
    assert_eq!(count(AgentKind::Tip), 1);
    assert!(shown.len() <= 600 + 3);
    // Few agents: all drawn.
    let (all, k) = layers.thinned(5000);
    assert_eq!((all.len(), k), (1403, 1));
}

#[test]
fn chosen_fields() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 60, 50, 2, 3);
    let out = dir.path().join("two");
    let paths = plot_fieldmaps_of(
        dir.path(),
        &out,
        Some(&[14.0]),
        &["vegf", "oxygen"],
        ImageFormat::Png,
    )
    .unwrap();
    let two = FieldmapLayout::new((1200.0, 1000.0), 2);
    assert_eq!(two.size.0, FieldmapLayout::new((1200.0, 1000.0), 4).size.0);
    check_png(&paths[0], two.size.0, two.size.1);
    let paths = plot_fieldmaps_of(dir.path(), &out, None, &["tnf"], ImageFormat::Png).unwrap();
    let one = FieldmapLayout::new((1200.0, 1000.0), 1);
    assert!(one.size.0 < two.size.0);
    check_png(&paths[1], one.size.0, one.size.1);
    let err = plot_fieldmaps_of(dir.path(), &out, None, &["kgf"], ImageFormat::Png).unwrap_err();
    assert!(
        matches!(&err, PlotError::NoData(m) if m.contains("kgf") && m.contains("il10")),
        "{err}"
    );
    let err = plot_fieldmaps_of(dir.path(), &out, None, &[], ImageFormat::Png).unwrap_err();
    assert!(matches!(err, PlotError::InvalidInput(_)));
}

#[test]
fn agent_colours_are_distinct_and_unlike_vessels() {
    let mut all: Vec<RGBColor> = SHOWN.iter().map(|k| agent_color(*k)).collect();
    all.push(agent_color(AgentKind::MscDead));
    all.extend((1..=4).filter_map(vessel_color));
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b);
        }
    }
    let map = (400, 400);
    assert_eq!(marker_radius(map, 200, 100), 2);
    assert_eq!(marker_radius(map, 600, 100), 2);
    assert_eq!(marker_radius(map, 100, 100), 4);
    assert_eq!(marker_radius(map, 60, 100), 5);
    // Crowded: 5000 agents on the map.
    assert_eq!(marker_radius(map, 100, 5000), 1);
}

#[test]
fn all_snapshots_png() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 60, 50, 3, 20);
    let out = dir.path().join("maps");
    let paths = plot_fieldmaps(dir.path(), &out, None, ImageFormat::Png).unwrap();
    assert_eq!(paths.len(), 3);
    let layout = FieldmapLayout::new((1200.0, 1000.0), 4);
    assert_eq!(layout.map, (400, 333));
    for p in &paths {
        check_png(p, layout.size.0, layout.size.1);
    }
    assert_eq!(paths[0], out.join("fieldmap_d007.0.png"));
}

#[test]
fn chosen_days_svg_and_downsampling() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 450, 300, 3, 5);
    let days = [13.0, 100.0, 14.5];
    let paths = plot_fieldmaps(dir.path(), dir.path(), Some(&days), ImageFormat::Svg).unwrap();
    assert_eq!(
        paths,
        vec![
            dir.path().join("fieldmap_d014.0.svg"),
            dir.path().join("fieldmap_d021.0.svg")
        ]
    );
    for p in &paths {
        check_svg(p);
    }
    let paths = plot_fieldmaps(dir.path(), dir.path(), Some(&[7.0]), ImageFormat::Png).unwrap();
    let layout = FieldmapLayout::new((9000.0, 6000.0), 4);
    assert_eq!(layout.map, (400, 267));
    check_png(&paths[0], layout.size.0, layout.size.1);
}

#[test]
fn block_reduction() {
    let a = Array2::from_shape_fn((5, 4), |(j, i)| (j * 4 + i) as f32);
    let b = block_average(&a, 2);
    assert_eq!(b.dim(), (3, 2));
    assert_eq!(b[[0, 0]], (0.0 + 1.0 + 4.0 + 5.0) / 4.0);
    assert_eq!(b[[2, 1]], (18.0 + 19.0) / 2.0);
    let v = Array2::from_shape_fn((4, 4), |(j, i)| if i == 1 && j < 2 { 2 } else { 4 });
    let r = block_reduce(&v, 2, |b| {
        b.iter()
            .copied()
            .max_by_key(|c| vessel_priority(*c))
            .unwrap()
    });
    assert_eq!(r, ndarray::arr2(&[[2, 4], [4, 4]]));
    assert_eq!(block_factor(500, 500, 400), 2);
    assert_eq!(block_factor(60, 50, 400), 1);
}

#[test]
fn missing_and_bad_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
    assert!(matches!(&err, PlotError::Missing { path } if path.ends_with("index.json")));

    fake_run(dir.path(), 30, 20, 2, 3);
    let vegf = dir.path().join("snapshots/d014.0_vegf.npy");
    std::fs::remove_file(&vegf).unwrap();
    let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
    assert!(
        matches!(&err, PlotError::Missing { path } if *path == vegf),
        "{err}"
    );
    assert!(err.to_string().contains("d014.0_vegf.npy"));

    std::fs::write(&vegf, b"not an npy file").unwrap();
    let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
    assert!(
        matches!(&err, PlotError::Npy { path, .. } if *path == vegf),
        "{err}"
    );

    let small = Array2::<f32>::zeros((3, 3));
    ndarray_npy::write_npy(&vegf, &small).unwrap();
    let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
    assert!(
        matches!(&err, PlotError::Data { path, .. } if *path == vegf),
        "{err}"
    );

    let agents = dir.path().join("snapshots/d007.0_agents.csv");
    std::fs::remove_file(&agents).unwrap();
    let err = plot_fieldmaps(dir.path(), dir.path(), Some(&[7.0]), ImageFormat::Png).unwrap_err();
    assert!(
        matches!(&err, PlotError::Missing { path } if *path == agents),
        "{err}"
    );

    std::fs::write(dir.path().join("snapshots/index.json"), "{\"nx\": 3").unwrap();
    let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
    assert!(matches!(err, PlotError::Json { .. }), "{err}");

    std::fs::write(
        dir.path().join("snapshots/index.json"),
        r#"{"dx_um": 20.0, "nx": 3, "ny": 3, "snapshots": []}"#,
    )
    .unwrap();
    let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
    assert!(matches!(err, PlotError::NoData(_)), "{err}");
}

#[test]
fn snapshot_selection() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 10, 10, 3, 3);
    let run = Run::open(dir.path()).unwrap();
    assert_eq!(select_snapshots(&run.index, None).unwrap(), vec![0, 1, 2]);
    assert_eq!(
        select_snapshots(&run.index, Some(&[0.0, 20.0, 1.0])).unwrap(),
        vec![0, 2]
    );
    assert!(select_snapshots(&run.index, Some(&[f64::NAN])).is_err());
}
