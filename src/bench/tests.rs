use super::*;

#[test]
fn civil_dates() {
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
}

#[test]
fn efficiency_is_speedup_over_threads() {
    let mut it = Item::new("x".into(), "solver", UNIT_VOXEL_FIELD, true);
    it.push(1, 100.0, Some(1.0));
    it.push(2, 150.0, Some(0.5));
    assert!((it.efficiency.unwrap() - 0.75).abs() < 1e-12);
    let mut t = Item::new("t".into(), "scenario", "s", false);
    t.push(1, 10.0, Some(10.0));
    t.push(4, 5.0, Some(5.0));
    assert!((t.efficiency.unwrap() - 0.5).abs() < 1e-12);
}

#[test]
fn compare_matches_items_by_name_and_threads() {
    let mut fast = Item::new("solver/a".into(), "solver", UNIT_VOXEL_FIELD, true);
    fast.push(1, 100.0, Some(1.0));
    fast.push(2, 180.0, Some(0.5));
    let mut wall = Item::new("scenario/w".into(), "scenario", "s", false);
    wall.push(1, 10.0, Some(10.0));
    let old = Report {
        woundsim_version: "0".into(),
        date_utc: utc_now(),
        suite: "quick".into(),
        machine: Machine {
            cpu_model: "x".into(),
            cpus: 2,
        },
        threads: vec![1, 2],
        repetitions: 3,
        items: vec![fast.clone(), wall.clone()],
        phases: Vec::new(),
        load_average: None,
    };
    let mut new = old.clone();
    new.items[0].results[0].value = 200.0; // twice the throughput
    new.items[1].results[0].value = 12.0; // 20 % slower
    new.items
        .push(Item::new("sweep/s".into(), "sweep", "runs/h", true));
    let c = compare(&new, &old);
    let r: Vec<(usize, f64, Option<bool>)> = c
        .lines
        .iter()
        .map(|l| (l.threads, l.ratio, l.improved))
        .collect();
    assert_eq!(
        r,
        vec![(1, 2.0, Some(true)), (2, 1.0, None), (1, 1.2, Some(false))]
    );
    assert_eq!(c.only_new, vec!["sweep/s".to_string()]);
    assert!(c.only_old.is_empty());
}

#[test]
fn added_agents_are_inside_the_wound_with_fresh_ids() {
    use crate::agents::msc_state;
    let p = default_params(&SMALL_DOMAIN.map(String::from)).unwrap();
    let mut st = SimState::new(&p, 3, p.patient);
    let before = st.next_id;
    add_agents(
        &p,
        &mut st,
        AgentCounts {
            mscs: 50,
            macrophages: 40,
            tips: 30,
            neutrophils: 0,
        },
    );
    assert_eq!((st.mscs.len(), st.macs.len(), st.tips.len()), (50, 40, 30));
    assert!(st.macs.id.iter().all(|&i| i >= before));
    assert!(st.mscs.state.iter().all(|&s| s == msc_state::LIVE));
    for (&x, &y) in st.tips.x.iter().zip(&st.tips.y) {
        assert!(crate::tissue::in_wound(
            &p.scenario.wound,
            &p.grid,
            x as f64,
            y as f64
        ));
    }
    let mut again = SimState::new(&p, 3, p.patient);
    add_agents(
        &p,
        &mut again,
        AgentCounts {
            mscs: 50,
            macrophages: 40,
            tips: 30,
            neutrophils: 0,
        },
    );
    assert_eq!(
        (&again.mscs, &again.macs, &again.tips),
        (&st.mscs, &st.macs, &st.tips)
    );
}
