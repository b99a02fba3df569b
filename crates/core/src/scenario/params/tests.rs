//! Unit tests of `Params`.

use super::*;

fn snapshot_days(sets: &[&str]) -> Vec<f64> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let p = Params::new(Scenario::builtin(&sets).unwrap(), "t").unwrap();
    p.steps.snapshots.iter().map(|&k| p.steps.day(k)).collect()
}

#[test]
fn the_last_day_gets_a_snapshot_once() {
    // Shorter than the 7-day interval: day 0 and the last day.
    assert_eq!(snapshot_days(&["time.days=2"]), vec![0.0, 2.0]);
    // Not a multiple of the interval.
    assert_eq!(snapshot_days(&["time.days=10"]), vec![0.0, 7.0, 10.0]);
    // Already a snapshot day: not written twice.
    assert_eq!(snapshot_days(&["time.days=14"]), vec![0.0, 7.0, 14.0]);
    // Switched off, or no interval at all.
    assert_eq!(
        snapshot_days(&["time.days=2", "output.snapshot_last_day=false"]),
        vec![0.0]
    );
    assert_eq!(
        snapshot_days(&[
            "time.days=2",
            "output.snapshot_every_days=0",
            "output.snapshot_days=[1]"
        ]),
        vec![1.0]
    );
}
