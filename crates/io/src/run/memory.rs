//! The memory guard: what the machine offers (/proc/meminfo, the cgroup limit) against a run's estimate.

use super::*;

/// Memory (MiB) this process may still use: `MemAvailable` from
/// `/proc/meminfo`, lowered to what the cgroup memory limit leaves (when one
/// is set), or infinity where neither can be read.
pub fn available_memory_mib() -> f64 {
    meminfo_mib("MemAvailable:").min(cgroup_mib(true))
}

/// Memory (MiB) this process may use at most: `MemTotal` from
/// `/proc/meminfo`, lowered to the cgroup memory limit (when one is set),
/// or infinity where neither can be read.
pub fn total_memory_mib() -> f64 {
    meminfo_mib("MemTotal:").min(cgroup_mib(false))
}

pub(super) fn meminfo_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(key)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::INFINITY)
}

/// The memory limit (MiB) of this process's cgroup (v2 `memory.max`, else
/// v1 `memory.limit_in_bytes`), less what the cgroup already uses when
/// `free`; infinity when there is no limit or it cannot be read.
pub(super) fn cgroup_mib(free: bool) -> f64 {
    let read = |p: &str| -> Option<f64> { std::fs::read_to_string(p).ok()?.trim().parse().ok() };
    // The process's own cgroup (v2: a line "0::/path").
    let own = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("0::").map(|p| p.trim().to_string()))
        })
        .unwrap_or_default();
    let mut dirs = vec![];
    if !own.is_empty() && own != "/" {
        dirs.push(format!("/sys/fs/cgroup{own}"));
    }
    dirs.push("/sys/fs/cgroup".to_string());
    for d in dirs {
        if let Some(limit) = read(&format!("{d}/memory.max")) {
            let used = if free {
                read(&format!("{d}/memory.current")).unwrap_or(0.0)
            } else {
                0.0
            };
            return (limit - used).max(0.0) / (1024.0 * 1024.0);
        }
    }
    // cgroup v1; an unlimited group reports a number near 2^63.
    match read("/sys/fs/cgroup/memory/memory.limit_in_bytes") {
        Some(limit) if limit < 1e18 => {
            let used = if free {
                read("/sys/fs/cgroup/memory/memory.usage_in_bytes").unwrap_or(0.0)
            } else {
                0.0
            };
            (limit - used).max(0.0) / (1024.0 * 1024.0)
        }
        _ => f64::INFINITY,
    }
}

/// Refuse a run, before anything is allocated, whose estimated memory
/// ([`Params::memory_estimate_mib`]) or whose worst case with
/// `limits.max_agents` agents ([`Params::memory_worst_case_mib`]) exceeds
/// the budget: `limits.max_memory_mib` when set, but never more than the
/// machine's `machine_mib` (so a large setting cannot switch the guard off).
pub fn check_memory(p: &Params, machine_mib: f64) -> Result<()> {
    let set = p.scenario.limits.max_memory_mib;
    let budget = if set > 0.0 {
        set.min(machine_mib)
    } else {
        machine_mib
    };
    let need = p.memory_estimate_mib();
    if need > budget {
        return Err(Error::Resources {
            needed_mib: need,
            available_mib: budget,
            keys: "domain.width_um / domain.height_um, raise domain.voxel_um, disable fields (fields.<name>.enabled = false) or lower treatment.dose.dose_cells / limits.max_agents".into(),
        });
    }
    let worst = p.memory_worst_case_mib();
    if worst > budget {
        return Err(Error::Resources {
            needed_mib: worst,
            available_mib: budget,
            keys: format!(
                "limits.max_agents (now {}; the run may grow to that many agents), or the domain",
                p.scenario.limits.max_agents
            ),
        });
    }
    Ok(())
}
