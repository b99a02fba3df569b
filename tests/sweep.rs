//! `woundsim sweep` end to end: a tiny sweep, resume after `kill -9`,
//! interruption by SIGINT, shards + merge equal to the unsharded sweep,
//! validation errors, flat memory over 10,000 (dry-run) runs, and the
//! report's figures (PNG files of the expected size, not one colour).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[macro_use]
mod common;
use common::*;

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sweeps/tiny.toml")
}

/// `woundsim --threads 2 -q ARGS`.
fn woundsim_2t(args: &[&str]) -> Output {
    command(&["--threads", "2", "-q"])
        .args(args)
        .output()
        .expect("running woundsim")
}

fn ok(args: &[&str]) -> Output {
    let out = woundsim_2t(args);
    assert!(
        out.status.success(),
        "woundsim {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Header plus data lines sorted by run index (independent of the tool's own sorting).
fn sorted_rows(text: &str) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().to_string();
    let mut rows: Vec<(u64, &str)> = lines
        .map(|l| (l.split(',').next().unwrap().parse().unwrap(), l))
        .collect();
    rows.sort_by_key(|r| r.0);
    let mut s = header + "\n";
    for (_, l) in rows {
        s.push_str(l);
        s.push('\n');
    }
    s
}

fn data_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.matches('\n').count().saturating_sub(1))
        .unwrap_or(0)
}

/// A sweep long enough to interrupt: 12 points × 3 replicates of 2 days.
fn write_medium(dir: &Path) -> PathBuf {
    let f = dir.join("medium.toml");
    std::fs::write(
        &f,
        "seed = 9\nreplicates = 3\ndays = 2\noutcomes = [\"closure_pct_final\", \"msc_peak\", \"o2_time_mean_mmHg\"]\n\
         [design]\nkind = \"lhs\"\nsamples = 12\n\
         [[factor]]\nkey = \"treatment.dose.dose_cells\"\nrange = [1e5, 1e6]\nscale = \"log\"\n\
         [[factor]]\nkey = \"patient.perfusion\"\nrange = [0.2, 1.0]\n\
         [base_inline.domain]\nwidth_um = 2000\nheight_um = 2000\n[base_inline.wound]\ndiameter_um = 1500\n",
    )
    .unwrap();
    f
}

/// Spawn a sweep with one worker and wait until it has written `rows` rows.
fn spawn_until(sweep: &Path, out: &Path, rows: usize) -> std::process::Child {
    let child = Command::new(BIN)
        .args([
            "--threads",
            "1",
            "-q",
            "sweep",
            "run",
            p(sweep),
            "--out",
            p(out),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while data_lines(&out.join("runs.csv")) < rows {
        assert!(Instant::now() < deadline, "no {rows} rows within 120 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[test]
fn tiny_sweep_end_to_end() {
    let tmp = tempdir();
    let out = tmp.path().join("tiny");
    ok(&["sweep", p(&tiny()), "--out", p(&out), "--timeseries"]);
    let runs = read_text(&out.join("runs.csv"));
    let lines: Vec<&str> = runs.lines().collect();
    assert_eq!(lines.len(), 9, "{runs}");
    assert!(lines[0].starts_with("run,point,replicate,seed,treatment.dose.dose_cells,treatment.product.source,status,error,closure_pct_final"));
    for (i, l) in lines[1..].iter().enumerate() {
        assert!(l.starts_with(&format!("{i},{},{},", i / 2, i % 2)), "{l}");
        assert!(l.contains(",ok,,"), "{l}");
        assert!(out.join(format!("timeseries/run_{i}.csv")).exists());
    }
    for f in ["sweep.toml", "sweep.json", "base.toml"] {
        assert!(out.join(f).exists(), "{f}");
    }
    assert_eq!(read_text(&out.join("sweep.toml")), read_text(&tiny()));

    // Same sweep again: identical rows.
    let again = tmp.path().join("again");
    ok(&["sweep", "run", p(&tiny()), "--out", p(&again)]);
    assert_eq!(read_text(&again.join("runs.csv")), runs);

    // A fresh sweep into a non-empty directory is refused; --force clears it.
    let r = woundsim_2t(&["sweep", p(&tiny()), "--out", p(&out)]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--resume"));
    ok(&["sweep", p(&tiny()), "--out", p(&out), "--force"]);
    assert_eq!(read_text(&out.join("runs.csv")), runs);

    // Report: 4 points × 5 outcomes.
    ok(&["sweep", "report", p(&out)]);
    let points = read_text(&out.join("report/points.csv"));
    assert_eq!(points.lines().count(), 1 + 4 * 5, "{points}");
    assert!(points.starts_with("point,treatment.dose.dose_cells,treatment.product.source,outcome,n,failed,mean,sd,ci95_lo,ci95_hi"));
    assert!(read_text(&out.join("report/points.md")).contains("## closure_pct_final"));
}

#[test]
fn resume_after_kill_matches_uninterrupted_sweep() {
    let tmp = tempdir();
    let sweep = write_medium(tmp.path());
    let full = tmp.path().join("full");
    ok(&["sweep", p(&sweep), "--out", p(&full)]);
    let expected = read_text(&full.join("runs.csv"));
    assert_eq!(expected.lines().count(), 37);

    let cut = tmp.path().join("cut");
    let mut child = spawn_until(&sweep, &cut, 3);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let written = data_lines(&cut.join("runs.csv"));
    assert!(written < 36, "the sweep finished before it was killed");
    // A record torn by the kill: a trailing line without its newline.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(cut.join("runs.csv"))
        .unwrap();
    std::io::Write::write_all(&mut f, b"35,11,2,1234").unwrap();
    drop(f);

    let r = ok(&["sweep", p(&sweep), "--out", p(&cut), "--resume"]);
    let msg = String::from_utf8_lossy(&r.stderr);
    assert!(msg.contains(&format!("{written} done earlier")), "{msg}");
    let resumed = read_text(&cut.join("runs.csv"));
    assert_eq!(sorted_rows(&resumed), sorted_rows(&expected));
    assert_eq!(
        resumed, expected,
        "a finished sweep's runs.csv is sorted by run"
    );

    // Resuming a complete sweep runs nothing and changes nothing.
    ok(&["sweep", p(&sweep), "--out", p(&cut), "--resume"]);
    assert_eq!(read_text(&cut.join("runs.csv")), expected);
}

#[test]
fn sigint_stops_launching_runs_and_says_how_to_resume() {
    let tmp = tempdir();
    let sweep = write_medium(tmp.path());
    let out = tmp.path().join("int");
    let child = spawn_until(&sweep, &out, 2);
    signal(&child, "-INT");
    let res = child.wait_with_output().unwrap();
    let msg = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(130), "{msg}");
    assert!(
        msg.contains("interrupted") && msg.contains("--resume"),
        "{msg}"
    );
    let written = data_lines(&out.join("runs.csv"));
    assert!((2..36).contains(&written), "{written}");
    // Every written row is complete (runs in flight finished and were written).
    assert!(read_text(&out.join("runs.csv")).ends_with('\n'));
    ok(&["sweep", p(&sweep), "--out", p(&out), "--resume"]);
    assert_eq!(data_lines(&out.join("runs.csv")), 36);
}

#[test]
fn shards_merged_equal_unsharded_sweep() {
    let tmp = tempdir();
    let t = tiny();
    let (all, s1, s2, merged) = (
        tmp.path().join("all"),
        tmp.path().join("s1"),
        tmp.path().join("s2"),
        tmp.path().join("merged"),
    );
    ok(&["sweep", p(&t), "--out", p(&all)]);
    ok(&["sweep", p(&t), "--out", p(&s1), "--shard", "1/2"]);
    ok(&["sweep", p(&t), "--out", p(&s2), "--shard", "2/2"]);
    assert_eq!(data_lines(&s1.join("runs.csv")), 4);
    ok(&["sweep", "merge", p(&merged), p(&s2), p(&s1)]);
    let (a, m) = (
        read_text(&all.join("runs.csv")),
        read_text(&merged.join("runs.csv")),
    );
    assert_eq!(sorted_rows(&m), sorted_rows(&a));
    assert_eq!(
        m, a,
        "merged runs.csv is byte-identical to the unsharded one"
    );
    ok(&["sweep", "sort", p(&merged)]);
    assert_eq!(read_text(&merged.join("runs.csv")), a);

    // Incomplete, duplicated and foreign shards are refused.
    let r = woundsim_2t(&["sweep", "merge", p(&tmp.path().join("m2")), p(&s1)]);
    assert!(!r.status.success() && String::from_utf8_lossy(&r.stderr).contains("in no shard"));
    let copy = tmp.path().join("s1copy");
    std::fs::create_dir(&copy).unwrap();
    for f in ["sweep.json", "sweep.toml", "runs.csv"] {
        std::fs::copy(s1.join(f), copy.join(f)).unwrap();
    }
    let r = woundsim_2t(&[
        "sweep",
        "merge",
        p(&tmp.path().join("m3")),
        p(&s1),
        p(&copy),
        p(&s2),
    ]);
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("appears in both"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let other = tmp.path().join("other.toml");
    std::fs::write(&other, read_text(&t).replace("seed = 42", "seed = 43")).unwrap();
    let o2 = tmp.path().join("o2");
    ok(&["sweep", p(&other), "--out", p(&o2), "--shard", "2/2"]);
    let r = woundsim_2t(&["sweep", "merge", p(&tmp.path().join("m4")), p(&s1), p(&o2)]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("sweep_hash"));
    // Resuming a shard with another shard spec is refused.
    let r = woundsim_2t(&[
        "sweep",
        p(&t),
        "--out",
        p(&s1),
        "--shard",
        "2/2",
        "--resume",
    ]);
    assert_eq!(r.status.code(), Some(2));
}

#[test]
fn invalid_sweeps_are_rejected_before_running() {
    let tmp = tempdir();
    let cases = [
        (
            "treatment.dose.dose_cellz",
            "values = [1, 2]",
            "treatment.dose.dose_cellz",
        ),
        ("time.days", "values = [\"two\"]", "time.days"),
        ("domain.voxel_um", "values = [20, -1]", "domain.voxel_um"),
    ];
    for (key, spec, named) in cases {
        let f = tmp.path().join("bad.toml");
        std::fs::write(
            &f,
            format!("days = 1\n[[factor]]\nkey = \"{key}\"\n{spec}\n"),
        )
        .unwrap();
        let out = tmp.path().join("never");
        let r = woundsim_2t(&["sweep", p(&f), "--out", p(&out)]);
        let msg = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{msg}");
        assert!(msg.contains("bad.toml") && msg.contains(named), "{msg}");
        assert!(
            !out.exists(),
            "nothing may run or be written for an invalid sweep"
        );
    }
    let f = tmp.path().join("bad2.toml");
    std::fs::write(
        &f,
        "outcomes = [\"closure_final\"]\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n",
    )
    .unwrap();
    let msg = String::from_utf8_lossy(&woundsim_2t(&["sweep", "check", p(&f)]).stderr).to_string();
    assert!(msg.contains("unknown outcome 'closure_final'"), "{msg}");
}

#[test]
fn check_refuses_outcomes_the_span_cannot_define() {
    let tmp = tempdir();
    let write = |name: &str, head: &str| {
        let f = tmp.path().join(name);
        std::fs::write(
            &f,
            format!(
                "{head}\n[[factor]]\nkey = \"patient.perfusion\"\nvalues = [0.5, 0.7]\n\
                 [base_inline.domain]\nwidth_um = 1000\nheight_um = 1000\n[base_inline.wound]\ndiameter_um = 600\n"
            ),
        )
        .unwrap();
        f
    };
    // m2_fraction_d7 with a 2-day span: refused, naming the outcome and the span.
    let f = write("short.toml", "days = 2\noutcomes = [\"m2_fraction_d7\"]");
    let r = woundsim_2t(&["sweep", "check", p(&f)]);
    let msg = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{msg}");
    assert!(
        msg.contains("short.toml")
            && msg.contains("m2_fraction_d7")
            && msg.contains("7 simulated days"),
        "{msg}"
    );
    // A time.days factor reaching 7 days makes it definable.
    let f = write(
        "factor.toml",
        "days = 2\noutcomes = [\"m2_fraction_d7\"]\n[[factor]]\nkey = \"time.days\"\nvalues = [2, 7]",
    );
    let r = woundsim_2t(&["sweep", "check", p(&f), "--no-estimate"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    // Closure at week 4 needs 28 days.
    let f = write("wk4.toml", "days = 27\noutcomes = [\"closure_pct_wk4\"]");
    assert_eq!(
        woundsim_2t(&["sweep", "check", p(&f)]).status.code(),
        Some(2)
    );
    // The default outcome list keeps only what the span defines.
    let f = write("default.toml", "days = 2");
    let out = tmp.path().join("default");
    ok(&["sweep", "run", p(&f), "--out", p(&out)]);
    let runs = read_text(&out.join("runs.csv"));
    let header = runs.lines().next().unwrap();
    assert!(header.contains("closure_pct_final"), "{header}");
    for undefined in [
        "m2_fraction_d7",
        "closure_pct_wk4",
        "closure_pct_wk12",
        "tnf_time_mean_d7_14",
    ] {
        assert!(!header.contains(undefined), "{header}");
    }
}

#[test]
fn check_prints_a_measured_cost_estimate() {
    let r = ok(&["sweep", "check", p(&tiny())]);
    let out = String::from_utf8_lossy(&r.stdout).to_string();
    // 8 runs × 2 days = 16 simulated days; the measured rate and how it was made.
    let est = out
        .lines()
        .find(|l| l.starts_with("estimated cost: "))
        .unwrap_or_else(|| panic!("no estimate in {out}"));
    assert!(est.contains("8 runs, 16 simulated days in all"), "{est}");
    let rate: f64 = est
        .split(" × ")
        .nth(1)
        .and_then(|t| t.split(" s per simulated day").next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no rate in {est}"));
    assert!(rate > 0.0, "{est}");
    assert!(est.contains("MiB per run"), "{est}");
    let how = out
        .lines()
        .find(|l| l.starts_with("how: "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        how.contains("simulated 1 day of design point 0 on one thread"),
        "{how}"
    );
    // The voxel count of the 2 mm × 2 mm slice at the default voxel size.
    assert!(how.contains(" voxels) in "), "{how}");
    // --no-estimate skips the calibration.
    let r = ok(&["sweep", "check", p(&tiny()), "--no-estimate"]);
    assert!(!String::from_utf8_lossy(&r.stdout).contains("estimated cost"));
}

fn peak_rss_kb(runs_per_replicate: u64, dir: &Path) -> u64 {
    let f = dir.join(format!("dry{runs_per_replicate}.toml"));
    std::fs::write(
        &f,
        format!(
            "seed = 5\nreplicates = 2\ndry_run = true\ndays = 1\n[design]\nkind = \"random\"\nsamples = {runs_per_replicate}\n\
             [[factor]]\nkey = \"treatment.dose.dose_cells\"\nrange = [1e5, 1e6]\n\
             [[factor]]\nkey = \"patient.perfusion\"\nrange = [0.1, 1.0]\n\
             [base_inline.domain]\nwidth_um = 1000\nheight_um = 1000\n[base_inline.wound]\ndiameter_um = 600\n"
        ),
    )
    .unwrap();
    let out = dir.join(format!("dry{runs_per_replicate}"));
    let r = ok(&["sweep", p(&f), "--out", p(&out), "--report-rss"]);
    assert_eq!(
        data_lines(&out.join("runs.csv")) as u64,
        2 * runs_per_replicate
    );
    let msg = String::from_utf8_lossy(&r.stderr);
    msg.lines()
        .find_map(|l| l.strip_prefix("peak RSS (VmHWM): "))
        .and_then(|l| l.trim_end_matches(" kB").parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {msg}"))
}

#[test]
fn ten_thousand_runs_keep_memory_flat() {
    let tmp = tempdir();
    let small = peak_rss_kb(500, tmp.path());
    let large = peak_rss_kb(5_000, tmp.path());
    println!("peak RSS: {small} kB for 1,000 runs, {large} kB for 10,000 runs");
    assert!(large < 200 * 1024, "peak RSS {large} kB for 10,000 runs");
}

// ---------------------------------------------------------------------------
// Report figures
// ---------------------------------------------------------------------------

/// Decodes a PNG; checks its size and that it has many pixels unlike the
/// first one (not a blank or flat image).
fn check_png(path: &Path, size: (u32, u32)) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (info.width, info.height),
        size,
        "size of {}",
        path.display()
    );
    let px = info.color_type.samples();
    let data = &buf[..info.buffer_size()];
    let first = &data[..px];
    let other = data.chunks(px).filter(|c| *c != first).count();
    assert!(other > 5000, "{} is (nearly) one colour", path.display());
}

/// The PNG files directly in `dir`, sorted.
fn pngs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|f| f.extension().is_some_and(|e| e == "png"))
        .collect();
    v.sort();
    v
}

const LINES: (u32, u32) = (1000, 650);
const HEATMAP: (u32, u32) = (1000, 800);

#[test]
fn report_plots_of_a_factorial_sweep() {
    let tmp = tempdir();
    let out = tmp.path().join("tiny");
    ok(&["sweep", p(&tiny()), "--out", p(&out)]);
    ok(&["sweep", "report", p(&out)]);
    let plots = out.join("report/plots");
    let dose = "treatment.dose.dose_cells";
    let source = "treatment.product.source";
    let mut expected = Vec::new();
    for o in [
        "closure_pct_final",
        "msc_peak",
        "vegf_time_mean_ng_per_ml",
        "o2_time_mean_mmHg",
        "final.m2_fraction",
    ] {
        let lines = plots.join(format!("{o}_vs_{dose}.png"));
        check_png(&lines, LINES);
        // Two sources × two doses: one bar per dose in each source's row.
        let bars = plots.join(format!("{o}_vs_{source}.png"));
        check_png(&bars, (1000, 320));
        let heat = plots.join(format!("{o}_heatmap.png"));
        check_png(&heat, HEATMAP);
        expected.extend([lines, bars, heat]);
    }
    expected.sort();
    assert_eq!(pngs(&plots), expected);

    // SVG on request.
    ok(&["sweep", "report", p(&out), "--svg"]);
    let svg = plots.join(format!("msc_peak_vs_{dose}.svg"));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.trim_start().starts_with("<svg"), "{}", svg.display());
}

/// A dry-run sweep (a cheap stand-in for each simulation) of 3 factors.
fn dry_sweep(dir: &Path, design: &str, samples: usize) -> PathBuf {
    let file = dir.join(format!("{design}.toml"));
    std::fs::write(
        &file,
        format!(
            "seed = 3\nreplicates = 2\ndry_run = true\ndays = 1\n\
             outcomes = [\"closure_pct_final\", \"msc_peak\"]\n\
             [design]\nkind = \"{design}\"\nsamples = {samples}\n\
             [[factor]]\nkey = \"treatment.dose.dose_cells\"\nrange = [1e5, 1e7]\nscale = \"log\"\n\
             [[factor]]\nkey = \"patient.perfusion\"\nrange = [0.2, 1.0]\n\
             [[factor]]\nkey = \"treatment.delivery.injection_sites\"\nrange = [2, 5]\nscale = \"integer\"\n\
             [base_inline.domain]\nwidth_um = 1000\nheight_um = 1000\n[base_inline.wound]\ndiameter_um = 600\n"
        ),
    )
    .unwrap();
    let out = dir.join(design);
    ok(&["sweep", p(&file), "--out", p(&out)]);
    ok(&["sweep", "report", p(&out)]);
    out.join("report/plots")
}

#[test]
fn report_plots_of_lhs_and_saltelli_sweeps() {
    let tmp = tempdir();
    for (design, samples, index, height) in [
        // Three PRCC bars: 150 + 3 × 40 px, at least 320.
        ("lhs", 40, "prcc", 320),
        // Three factors × two indices: 150 + 3 × 64 px.
        ("saltelli", 16, "sobol", 342),
    ] {
        let plots = dry_sweep(tmp.path(), design, samples);
        let mut expected = Vec::new();
        for o in ["closure_pct_final", "msc_peak"] {
            for f in [
                "treatment.dose.dose_cells",
                "patient.perfusion",
                "treatment.delivery.injection_sites",
            ] {
                let lines = plots.join(format!("{o}_vs_{f}.png"));
                check_png(&lines, LINES);
                expected.push(lines);
            }
            let bars = plots.join(format!("{o}_{index}.png"));
            check_png(&bars, (1000, height));
            expected.push(bars);
        }
        expected.sort();
        assert_eq!(pngs(&plots), expected, "{design}");
    }
}

#[test]
fn slurm_example_sizes_time_and_memory_from_the_estimate() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/slurm/sweep.sbatch");
    let r = Command::new("bash")
        .arg(&script)
        .args(["size", p(&tiny()), "2", "3"])
        .env("WOUNDSIM", env!("CARGO_BIN_EXE_woundsim"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{err}");
    let est: serde_json::Value = serde_json::from_str(
        err.lines()
            .find_map(|l| l.strip_prefix("estimate: "))
            .unwrap_or_else(|| panic!("no estimate in {err}")),
    )
    .unwrap();
    let core = est["core_s"].as_f64().unwrap();
    let mib = est["mib_per_run"].as_f64().unwrap();
    assert_eq!(est["runs"], 8);
    assert!(core > 0.0 && mib > 0.0, "{est}");
    // 2 shards, 3 CPUs per task: time 2·core/2/3 + 10 min, memory 1.5·MiB·3 + 200.
    let minutes = ((2.0 * core / 2.0 / 3.0 + 600.0) / 60.0).ceil() as u64;
    let mem = (1.5 * mib * 3.0 + 200.0).ceil() as u64;
    let want = format!(
        "--time={}-{:02}:{:02}:00 --mem={mem}M",
        minutes / 1440,
        (minutes % 1440) / 60,
        minutes % 60
    );
    assert_eq!(String::from_utf8_lossy(&r.stdout).trim(), want);
    // The check script cites only files inside the repository.
    let check = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-check.sh"),
    )
    .unwrap();
    assert!(!check.contains("/work/") && !check.contains("shared/reference"));
}
