use super::*;

#[test]
fn colormap_endpoints_and_nan() {
    assert_eq!(colormap(0.0), RGBColor(68, 1, 84));
    assert_eq!(colormap(1.0), RGBColor(253, 231, 37));
    assert_eq!(colormap(-3.0), colormap(0.0));
    assert_eq!(colormap(f64::NAN), NAN_GREY);
}

#[test]
fn ticks_are_nice_and_inside() {
    let t = nice_ticks(0.0, 1.0, 5);
    let want = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
    assert_eq!(t.len(), want.len());
    assert!(t.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12));
    let t = nice_ticks(3.3, 47.0, 5);
    assert!(t.iter().all(|v| *v >= 3.3 && *v <= 47.0));
    assert_eq!(fmt_num(0.6000000000000001), "0.6");
    assert_eq!(fmt_num(12345.0), "12345");
    assert_eq!(fmt_num(2.5e-5), "2.5e-5");
    assert_eq!(fmt_axis(-5.6e-17, 1.2), "0");
    assert_eq!(fmt_levels(&[1e4, 3e4, 1e5]), vec!["1e4", "3e4", "1e5"]);
    assert_eq!(fmt_levels(&[0.0, 0.25]), vec!["0", "0.25"]);
    assert_eq!(fmt_day(7.0), "7");
    assert_eq!(fmt_day(7.5), "7.5");
}

#[test]
fn output_paths() {
    let dir = tempfile::tempdir().unwrap();
    let p = resolve_output(dir.path(), "x.png", "png");
    assert_eq!(p, dir.path().join("x.png"));
    let p = resolve_output(&dir.path().join("fig"), "x.png", "svg");
    assert_eq!(p, dir.path().join("fig.svg"));
    let p = resolve_output(&dir.path().join("fig.PNG"), "x.png", "png");
    assert_eq!(p, dir.path().join("fig.PNG"));
}
