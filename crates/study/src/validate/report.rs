//! The validation report in Markdown and JSON.

use super::*;

pub(super) fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

impl Report {
    /// `validation.md`.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "# woundsim validation\n\n{} mode, {} replicates per arm, master seed {}{}; woundsim {}. \
             {} passed, {} failed, {} skipped ({} cohorts run).\n\n\
             Orderings compare arms replicate by replicate (replicate i of every arm has the same \
             patient draw) and pass when the 95 % interval of the mean paired difference lies on the \
             expected side. Values: mean (95 % interval of the mean).\n\n",
            if self.quick { "Quick" } else { "Full" },
            self.replicates,
            self.master_seed,
            if self.overrides.is_empty() {
                String::new()
            } else {
                format!(", overrides {}", self.overrides.join(" "))
            },
            self.woundsim_version,
            self.passed,
            self.failed,
            self.skipped,
            self.cohorts_run
        );
        s.push_str("| result | fact | source | virtual experiment | expected | simulated |\n");
        s.push_str("|---|---|---|---|---|---|\n");
        for r in &self.results {
            s.push_str(&format!(
                "| {} | **{}**: {} | {} | {} | {} | {} |\n",
                r.verdict.label(),
                md(&r.id),
                md(&r.statement),
                md(&r.source),
                md(&r.experiment),
                md(&r.expected),
                md(&r.simulated)
            ));
        }
        s
    }

    /// A plain-text table for a terminal.
    pub fn text_table(&self) -> String {
        let w = self.results.iter().map(|r| r.id.len()).max().unwrap_or(4);
        let mut s = String::new();
        for r in &self.results {
            s.push_str(&format!(
                "{}  {:<w$}  {} ({})\n      {:w$}  simulated: {}\n",
                r.verdict.label(),
                r.id,
                r.statement,
                r.source,
                "",
                r.simulated
            ));
        }
        s.push_str(&format!(
            "\n{} passed, {} failed, {} skipped ({} mode, {} replicates per arm, {} cohorts)\n",
            self.passed,
            self.failed,
            self.skipped,
            if self.quick { "quick" } else { "full" },
            self.replicates,
            self.cohorts_run
        ));
        s
    }

    /// Write `validation.md` and `validation.json` into the existing `dir`
    /// (prepare and lock it first with [`output::prepare_dir`]).
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let md_path = dir.join("validation.md");
        let json_path = dir.join("validation.json");
        output::write_atomic(&md_path, self.markdown().as_bytes())?;
        output::write_json(&json_path, self)?;
        Ok(vec![md_path, json_path])
    }
}
