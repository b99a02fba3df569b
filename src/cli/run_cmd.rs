//! The run-directory commands: run, plot, overlay, resume, and the man pages.

use super::*;

/// `woundsim man`: the top-level page on stdout, or every page into `dir`.
pub(super) fn cmd_man(dir: Option<&Path>) -> Result<ExitCode> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let render = |c: &clap::Command| -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        clap_mangen::Man::new(c.clone())
            .render(&mut buf)
            .context("rendering the manual page")?;
        Ok(buf)
    };
    let Some(dir) = dir else {
        out!("{}", String::from_utf8_lossy(&render(&cmd)?))?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut pages = vec![cmd.clone()];
    let mut k = 0;
    while k < pages.len() {
        let subs: Vec<clap::Command> = pages[k]
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .cloned()
            .collect();
        pages.extend(subs);
        k += 1;
    }
    for page in &pages {
        let file = dir.join(clap_mangen::Man::new(page.clone()).get_filename());
        woundsim::output::write_atomic(&file, &render(page)?)?;
        outln!("{}", file.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn report(dir: &Path, out: &run::RunOutput) {
    let s = &out.summary;
    let t = |v: Option<f64>| {
        v.map(|d| format!("day {d:.1}"))
            .unwrap_or_else(|| "not reached".into())
    };
    eprintln!(
        "done in {:.1} s: closure {:.1} % at day {:.0}; 50 % closure {}; complete closure {}; results in {}",
        out.wall_s,
        s.closure_pct_final,
        s.days,
        t(s.t50_closure_d),
        t(s.t100_closure_d),
        dir.display()
    );
    let total: f64 = out.times.pairs().iter().map(|(_, t)| t).sum();
    let shares: Vec<String> = out
        .times
        .pairs()
        .iter()
        .map(|(n, t)| format!("{n} {:.0}%", 100.0 * t / total.max(1e-9)))
        .collect();
    eprintln!("time per phase: {}", shares.join(", "));
}

pub(super) fn cmd_run(a: RunArgs, quiet: bool) -> Result<ExitCode> {
    let p = a.input.load()?;
    let seed = p.scenario.seed;
    if let Some(n) = a.replicates {
        return cohort_cmd::run(&p, n, a.out, a.force, !a.no_plots, quiet);
    }
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| run::default_out_dir(&p, seed));
    let pb = progress_bar(quiet, p.steps.total, &p.scenario.name);
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = RunOptions {
        force: a.force,
        snapshots: !a.no_snapshots,
        checkpoint_every_days: a.checkpoint_every,
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
    };
    let out = run::run_in_dir(&p, seed, &dir, &opts);
    pb.finish_and_clear();
    let out = out?;
    report(&dir, &out);
    if !a.no_plots {
        let files = draw_plots(&dir, None, &[], woundsim::plot::ImageFormat::Png, None)?;
        eprintln!("plots: {}", files.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Draw the standard plots of a run directory into `dir/plots`: the time
/// series and the field maps of `fields` (the default four when empty).
pub(super) fn draw_plots(
    dir: &Path,
    days: Option<&[f64]>,
    fields: &[String],
    format: woundsim::plot::ImageFormat,
    animate: Option<&str>,
) -> Result<Vec<PathBuf>> {
    use woundsim::plot;
    // Never through a link planted at `plots`.
    let out = woundsim::output::ensure_subdir(dir, "plots")?;
    let mut files = vec![plot::plot_timeseries(dir, &out.join("timeseries"), format)?];
    if dir.join("snapshots").join("index.json").exists() {
        let fields: Vec<&str> = if fields.is_empty() {
            plot::FIELDMAP_FIELDS.to_vec()
        } else {
            fields.iter().map(String::as_str).collect()
        };
        files.extend(plot::plot_fieldmaps_of(dir, &out, days, &fields, format)?);
        // A 3D run also gets the cross-sections through the wound's centre.
        files.extend(plot::plot_sections(dir, &out, days, &fields, format)?);
        if let Some(field) = animate {
            files.push(plot::animate(
                dir,
                &out.join(format!("{field}.gif")),
                field,
            )?);
        }
    }
    Ok(files)
}

pub(super) fn cmd_plot(a: PlotArgs) -> Result<ExitCode> {
    let format = if a.svg {
        woundsim::plot::ImageFormat::Svg
    } else {
        woundsim::plot::ImageFormat::Png
    };
    if let Some(days) = &a.days {
        note_nearest_snapshots(&a.run_dir, days);
    }
    let files = draw_plots(
        &a.run_dir,
        a.days.as_deref(),
        &a.fields.unwrap_or_default(),
        format,
        a.animate.as_deref(),
    )?;
    let mut files = files;
    if a.log {
        files.push(woundsim::plot::plot_timeseries_scaled(
            &a.run_dir,
            &a.run_dir.join("plots").join("timeseries_log"),
            format,
            true,
        )?);
    }
    for f in files {
        outln!("{}", f.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Say on stderr which snapshot is drawn for a requested day that has none
/// (the field maps draw the nearest). An unreadable index is left to the
/// plotting, which reports it.
pub(super) fn note_nearest_snapshots(run_dir: &Path, days: &[f64]) {
    let path = run_dir.join("snapshots").join("index.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let Ok(index) = serde_json::from_str::<woundsim::output::snapshot::Index>(&text) else {
        return;
    };
    for &day in days.iter().filter(|d| d.is_finite()) {
        if let Some(e) = index.nearest(day) {
            if (e.day - day).abs() > 1e-6 {
                eprintln!(
                    "note: no snapshot on day {day}; drawing the nearest, day {} ({})",
                    e.day, e.tag
                );
            }
        }
    }
}

pub(super) fn cmd_overlay(a: OverlayArgs) -> Result<ExitCode> {
    let names: Vec<String> = match a.labels {
        Some(l) if l.len() != a.run_dirs.len() => {
            return Err(
                woundsim::error::Error::from(woundsim::error::InputError::new(
                    "<command line>",
                    Some("--labels"),
                    format!(
                        "{} labels for {} run directories",
                        l.len(),
                        a.run_dirs.len()
                    ),
                ))
                .into(),
            )
        }
        Some(l) => l,
        None => a.run_dirs.iter().map(|d| run_name(d)).collect(),
    };
    let runs: Vec<(String, PathBuf)> = names.into_iter().zip(a.run_dirs).collect();
    let format = if a.svg {
        woundsim::plot::ImageFormat::Svg
    } else {
        woundsim::plot::ImageFormat::Png
    };
    let columns = a.columns.unwrap_or_default();
    let file = woundsim::plot::plot_comparison(&runs, &columns, &a.title, &a.out, format)?;
    outln!("{}", file.display())?;
    Ok(ExitCode::SUCCESS)
}

/// The last component of a run directory, for legends.
pub(super) fn run_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string())
}

pub(super) fn cmd_resume(a: ResumeArgs, quiet: bool) -> Result<ExitCode> {
    match woundsim::output::read_marker(&a.run_dir) {
        Ok(Some(m)) if m.kind == "cohort" => return cohort_cmd::resume_cohort(&a.run_dir, quiet),
        Ok(Some(m)) if m.kind == "trial" => return super::trial_cmd::resume(&a.run_dir, quiet),
        Ok(Some(m)) if m.kind == "comparison" => {
            return cohort_cmd::resume_comparison(&a.run_dir, quiet)
        }
        _ => {}
    }
    let r = run::Resumable::open(&a.run_dir)?;
    let p = r.params();
    eprintln!(
        "resuming {} at day {:.2} of {}",
        a.run_dir.display(),
        r.day(),
        p.scenario.time.days
    );
    let pb = progress_bar(quiet, p.steps.total, &p.scenario.name);
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = RunOptions {
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
        ..RunOptions::default()
    };
    let out = r.run(&opts);
    pb.finish_and_clear();
    let out = out?;
    report(&a.run_dir, &out);
    if !a.no_plots {
        let files = draw_plots(
            &a.run_dir,
            None,
            &[],
            woundsim::plot::ImageFormat::Png,
            None,
        )?;
        eprintln!("plots: {}", files.len());
    }
    Ok(ExitCode::SUCCESS)
}
