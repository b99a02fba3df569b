use super::*;

#[test]
fn fact_ids_are_unique_and_experiments_well_formed() {
    let mut ids: Vec<&str> = FACTS.iter().map(|f| f.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), FACTS.len());
    for f in FACTS.iter() {
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
