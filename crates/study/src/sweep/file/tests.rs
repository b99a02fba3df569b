use super::*;

const SMALL: &str = "[base_inline.domain]\nwidth_um = 1000\nheight_um = 1000\n[base_inline.wound]\ndiameter_um = 600\n";

fn spec(extra: &str) -> Result<SweepSpec, Error> {
    SweepSpec::from_str(
        &format!("days = 1\n{extra}\n{SMALL}"),
        "s.toml",
        Path::new("."),
    )
}

#[test]
fn factorial_sweep_validates_and_counts_runs() {
    let s = spec("replicates = 2\n[[factor]]\nkey = \"treatment.dose.dose_cells\"\nvalues = [1e5, 1e6]\n[[factor]]\nkey = \"treatment.product.source\"\nvalues = [\"adipose\", \"bone_marrow\"]\n").unwrap();
    assert_eq!(s.n_points(), 4);
    assert_eq!(s.n_runs(), 8);
    assert_eq!(
        s.rendered_values(1),
        vec!["100000.0".to_string(), "bone_marrow".into()]
    );
    let id = s.run_id(3);
    assert_eq!((id.point, id.replicate), (1, 1));
    assert_eq!(id.seed, derive_seed(1, &[1, 1]));
    assert_eq!(
        s.header()[..5],
        [
            "run",
            "point",
            "replicate",
            "seed",
            "treatment.dose.dose_cells"
        ]
    );
}

#[test]
fn unknown_key_and_wrong_type_are_named() {
    let e = spec("[[factor]]\nkey = \"treatment.dose.dose_cellz\"\nvalues = [1, 2]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("s.toml") && e.contains("treatment.dose.dose_cellz") && e.contains("dose_cells"),
        "{e}"
    );
    let e = spec("[[factor]]\nkey = \"time.days\"\nvalues = [\"x\"]\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("s.toml") && e.contains("'time.days'"), "{e}");
    let e = spec(
        "[[factor]]\nkey = \"time.days\"\nrange = [-1, 2]\n[design]\nkind = \"lhs\"\nsamples = 4\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("'time.days'") && e.contains("-1"), "{e}");
}

#[test]
fn unknown_sweep_keys_and_outcomes_are_rejected() {
    let e = spec("replicate = 2\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("'replicate'") && e.contains("replicates"), "{e}");
    let e =
        spec("outcomes = [\"closure_pct_finl\"]\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n")
            .unwrap_err()
            .to_string();
    assert!(
        e.contains("outcomes") && e.contains("closure_pct_final"),
        "{e}"
    );
    let e = spec("[[factor]]\nkey = \"time.days\"\nrange = [1, 2]\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("factorial design needs `values`"), "{e}");
}

#[test]
fn distributions_and_saltelli() {
    let s = spec("[design]\nkind = \"saltelli\"\nsamples = 4\n[[factor]]\nkey = \"patient.perfusion\"\ndistribution = \"normal\"\nmean = 0.5\nsd = 0.1\nrange = [0.1, 0.9]\n[[factor]]\nkey = \"treatment.dose.dose_cells\"\nrange = [1e4, 1e6]\nscale = \"log\"\n").unwrap();
    assert_eq!(s.n_points(), 16);
    assert!(s.points.iter().all(|p| p.saltelli.is_some()));
}

#[test]
fn hash_depends_on_text() {
    let a = spec("[[factor]]\nkey = \"time.days\"\nvalues = [1]\n").unwrap();
    let b = spec("seed = 2\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n").unwrap();
    assert_ne!(a.hash, b.hash);
    assert_eq!(
        a.hash,
        spec("[[factor]]\nkey = \"time.days\"\nvalues = [1]\n")
            .unwrap()
            .hash
    );
}
