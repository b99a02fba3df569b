#!/usr/bin/env bash
# Check the Slurm example end to end on a throwaway one-node cluster:
# start munged, slurmctld and slurmd on localhost (installing Debian's
# slurm-wlm and munge if missing), submit examples/slurm/sweep.sbatch for
# examples/sweeps/tiny.toml as a 2-task job array plus its dependent merge
# job, run the same sweep unsharded, and require the merged runs.csv to equal
# the unsharded one byte for byte (rows sorted by run). The daemons this
# script started are stopped on exit, also on failure.
#
#   scripts/slurm-check.sh [path/to/woundsim]     (default: target/release/woundsim)
#
# Builds nothing. Needs root (apt-get, munged via setpriv). Uses ports
# 6817/6818. The job array is sized by sweep.sbatch itself from
# `woundsim sweep check --json` (see the comments in
# examples/slurm/sweep.sbatch); the node below offers 1000 MB.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${1:-$ROOT/target/release/woundsim}")
SWEEP=$ROOT/examples/sweeps/tiny.toml
SBATCH_SCRIPT=$ROOT/examples/slurm/sweep.sbatch
SHARDS=2
T0=$(date +%s)

exec 3>&2 # messages stay visible where a check's stderr is silenced
say() { echo "slurm-check: $*" >&3; }
die() { say "FAIL: $*"; exit 1; }

[ -x "$BIN" ] || die "no woundsim binary at $BIN (build it first: cargo build --release)"
[ "$(id -u)" -eq 0 ] || die "must run as root"

# --- install ---------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq
    timeout 900 apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# --- state and cleanup -----------------------------------------------------
WORK=$(mktemp -d /tmp/woundsim-slurm-check.XXXXXX)
PIDS=() # daemons started here, stopped in reverse order
NAMES=()
OK=0

log_tails() {
    for f in "$WORK"/log/*.log "$WORK"/out/*.out "$WORK"/*.out; do
        [ -f "$f" ] || continue
        echo "----- tail of $f" >&3
        tail -n 25 "$f" >&3 || true
    done
}

gone_or_zombie() { # true when $1 has exited (reaped or zombie)
    [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo Z)" = Z ]
}

stop_daemons() {
    local i pid deadline
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[$i]}
        kill -TERM "$pid" 2>/dev/null || true
        deadline=$(($(date +%s) + 20))
        until gone_or_zombie "$pid"; do
            if [ "$(date +%s)" -ge "$deadline" ]; then
                say "${NAMES[$i]} (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.2
        done
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ "$OK" -eq 1 ] || { say "failed (exit $rc); logs:"; log_tails; }
    stop_daemons
    if [ "$OK" -eq 1 ]; then rm -rf "$WORK"; else say "kept $WORK for inspection"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # name, command...: start a daemon in the background and record its PID
    local name=$1
    shift
    "$@" >"$WORK/log/$name.stdout" 2>&1 &
    PIDS+=($!)
    NAMES+=("$name")
}

wait_for() { # seconds, description, command...: poll until the command succeeds
    local secs=$1 what=$2 deadline
    shift 2
    deadline=$(($(date +%s) + secs))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || die "timed out after ${secs} s waiting for $what"
        sleep 0.2
    done
}

mkdir -p "$WORK"/{log,state,spool,out}

# --- munge -----------------------------------------------------------------
munge_ok() { munge -n </dev/null | unmunge >/dev/null; }
if munge_ok 2>/dev/null; then
    say "using the munged that is already running"
else
    [ -f /etc/munge/munge.key ] || die "no /etc/munge/munge.key (reinstall munge)"
    install -d -o munge -g munge -m 0755 /run/munge
    start munged setpriv --reuid=munge --regid=munge --clear-groups munged --foreground
    wait_for 20 "munged" munge_ok
fi

# --- slurm -----------------------------------------------------------------
HOST=$(hostname -s)
export SLURM_CONF=$WORK/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=woundsimci
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
DependencyParameters=kill_invalid_depend
MinJobAge=600
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES State=UP MaxTime=INFINITE
CONF

start slurmctld slurmctld -D
start slurmd slurmd -D
node_idle() { [ "$(sinfo -h -o %t 2>/dev/null)" = idle ]; }
wait_for 60 "the node to be idle (sinfo)" node_idle
say "cluster up after $(($(date +%s) - T0)) s"

# --- submit the shipped job array and its merge job --------------------------
cd "$WORK/out"
read -r ARRAY MERGE < <(WOUNDSIM=$BIN bash "$SBATCH_SCRIPT" submit "$SWEEP" "$WORK/sweep" "$SHARDS" --output="$WORK/out/%x-%A_%a.out")
[ -n "${MERGE:-}" ] || die "submission failed"
say "array job $ARRAY, merge job $MERGE"

job_state() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sed 's/JobState=//' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
merge_done() {
    local s
    s=$(job_state "$MERGE")
    case "$s" in
    COMPLETED) return 0 ;;
    FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        die "merge job $MERGE ended $s (array tasks: $(job_state "$ARRAY"))" ;;
    *) return 1 ;;
    esac
}
wait_for 300 "the merge job $MERGE to complete" merge_done
[ "$(job_state "$ARRAY")" = COMPLETED ] || die "array tasks ended $(job_state "$ARRAY")"
say "array and merge jobs completed after $(($(date +%s) - T0)) s"

# --- the same sweep, unsharded, and the comparison ---------------------------
timeout 300 "$BIN" -q sweep run "$SWEEP" --out "$WORK/unsharded"
canon() { head -n 1 "$1"; tail -n +2 "$1" | LC_ALL=C sort -t, -k1,1n; }
canon "$WORK/sweep/merged/runs.csv" >"$WORK/merged.sorted"
canon "$WORK/unsharded/runs.csv" >"$WORK/unsharded.sorted"
ROWS=$(($(wc -l <"$WORK/unsharded.sorted") - 1))
if cmp -s "$WORK/merged.sorted" "$WORK/unsharded.sorted"; then
    SAME=yes
else
    diff "$WORK/merged.sorted" "$WORK/unsharded.sorted" >&3 || true
    die "merged runs.csv differs from the unsharded sweep's"
fi
cmp -s "$WORK/sweep/merged/runs.csv" "$WORK/unsharded/runs.csv" || die "merged runs.csv is not in run order"
[ -f "$WORK/sweep/merged/report/points.csv" ] || die "the merge job wrote no report"
OK=1
say "PASS: $SHARDS shards ($(for k in $(seq 1 $SHARDS); do printf '%s ' "$(($(wc -l <"$WORK/sweep/shards/$k-of-$SHARDS/runs.csv") - 1))"; done)rows) merged by Slurm = unsharded sweep ($ROWS rows, identical bytes: $SAME) in $(($(date +%s) - T0)) s"
