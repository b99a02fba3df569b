use super::*;

const TINY: [&str; 5] = [
    "domain.width_um=1000",
    "domain.height_um=1000",
    "domain.voxel_um=50",
    "wound.diameter_um=600",
    "time.days=1",
];

fn params(extra: &[&str]) -> Params {
    let sets: Vec<String> = TINY.iter().chain(extra).map(|s| s.to_string()).collect();
    Params::new(Scenario::builtin(&sets).unwrap(), "tiny").unwrap()
}

fn checkpoint(p: &Params, st: SimState) -> Checkpoint {
    Checkpoint {
        version: crate::VERSION.to_string(),
        label: p.label.clone(),
        scenario_toml: p.scenario.to_toml(),
        snapshots: false,
        checkpoint_every_days: Some(0.5),
        state: st,
        snapshot_index: snapshot::Index::default(),
        wall_s: 1.0,
    }
}

fn stepped(p: &Params, steps: u64) -> SimState {
    let mut st = SimState::new(p, 3, crate::cohort::patient_for(p, 3));
    let mut ws = Workspace::new(p, &st);
    for _ in 0..steps {
        sim::step(p, &mut st, &mut ws).unwrap();
    }
    st
}

#[test]
fn checkpoint_round_trips_and_every_header_field_is_checked() {
    let p = params(&[]);
    let ck = checkpoint(&p, stepped(&p, 10));
    let bytes = encode_checkpoint(&ck).unwrap();
    assert_eq!(&bytes[..8], b"WSIMCKPT");
    let back = decode_checkpoint(&bytes).unwrap();
    // Bit for bit (rows hold NaN for undefined values, so == would fail).
    assert!(encode_checkpoint(&back).unwrap() == bytes);
    check_checkpoint(&p, &back).unwrap();
    let err = |b: &[u8]| decode_checkpoint(b).err().unwrap();
    assert!(err(&bytes[..10]).contains("shorter"));
    let mut b = bytes.clone();
    let other = CHECKPOINT_FORMAT + 1;
    b[8..12].copy_from_slice(&other.to_le_bytes());
    assert!(err(&b).contains(&format!("format {other}")), "{}", err(&b));
    let mut b = bytes.clone();
    b.push(0);
    assert!(err(&b).contains("payload bytes"), "{}", err(&b));
    let mut b = bytes.clone();
    let last = b.len() - 1;
    b[last] ^= 1;
    assert!(err(&b).contains("checksum"), "{}", err(&b));
}

#[test]
fn a_checkpoint_that_disagrees_with_its_scenario_is_refused() {
    let p = params(&[]);
    let st = stepped(&p, 10);
    // A state of another grid (e.g. a checkpoint edited or paired with
    // another scenario).
    let other = params(&["domain.voxel_um=25"]);
    let wrong_grid = stepped(&other, 0);
    let e = check_checkpoint(&p, &checkpoint(&p, wrong_grid)).unwrap_err();
    assert!(e.contains("shape"), "{e}");
    let mut cases: Vec<(SimState, &str)> = Vec::new();
    let mut s = st.clone();
    s.mscs.x.pop();
    cases.push((s, "column"));
    let mut s = st.clone();
    s.mscs.id.swap(0, 1);
    cases.push((s, "strictly increasing"));
    let mut s = st.clone();
    s.next_id = 1;
    cases.push((s, "next_id"));
    let mut s = st.clone();
    s.step = p.steps.total + 1;
    cases.push((s, "past the run"));
    let mut s = st.clone();
    s.tissue.vessel[(0, 0)] = 9;
    cases.push((s, "tissue.vessel"));
    let mut s = st.clone();
    s.mscs.x[0] = f32::NAN;
    cases.push((s, "outside"));
    let mut s = st.clone();
    s.fields.names.reverse();
    cases.push((s, "fields"));
    let mut s = st.clone();
    s.rows[0].values.pop();
    cases.push((s, "columns"));
    let mut s = st.clone();
    s.tips.push(s.next_id, 10.0, 10.0, 10.0);
    s.tips.trail[0].push(u32::MAX);
    s.next_id += 1;
    cases.push((s, "trail"));
    for (s, needle) in cases {
        let e = check_checkpoint(&p, &checkpoint(&p, s)).unwrap_err();
        assert!(e.contains(needle), "expected '{needle}' in: {e}");
    }
}

#[test]
fn memory_budget_cannot_exceed_the_machine() {
    let p = params(&["limits.max_memory_mib=1e9"]);
    // A machine with 10 MiB: the scenario's 1e9 MiB budget is not trusted.
    let e = check_memory(&p, 10.0).unwrap_err().to_string();
    assert!(e.contains("10 MiB"), "{e}");
    assert!(check_memory(&p, 1e6).is_ok());
    // The agent cap's worst case counts against the budget too.
    let p = params(&["limits.max_agents=100000000"]);
    let e = check_memory(&p, 2000.0).unwrap_err().to_string();
    assert!(e.contains("limits.max_agents"), "{e}");
}
