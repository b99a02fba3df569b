//! Checkpoint files: the header, the postcard payload, and the checks a checkpoint must pass before a resume.

use super::*;

pub(super) fn write_checkpoint(
    p: &Params,
    st: &SimState,
    index: &snapshot::Index,
    wall: f64,
    dir: &Path,
    opts: &RunOptions,
) -> Result<()> {
    let ck = Checkpoint {
        version: crate::VERSION.to_string(),
        label: p.label.clone(),
        scenario_toml: p.scenario.to_toml(),
        snapshots: opts.snapshots,
        checkpoint_every_days: opts.checkpoint_every_days,
        state: st.clone(),
        snapshot_index: index.clone(),
        wall_s: wall,
    };
    let bytes = encode_checkpoint(&ck)?;
    output::write_atomic(&dir.join(CHECKPOINT), &bytes)
}

/// An in-memory checkpoint of `st` under `p`: the bytes a run directory's
/// `checkpoint.bin` holds (header, checksum, postcard payload), without
/// snapshot settings. [`restore_bytes`] reads it back (and a run's
/// `checkpoint.bin` too); continuing the restored state gives the same
/// results, bit for bit, as continuing `st`.
pub fn checkpoint_bytes(p: &Params, st: &SimState) -> Result<Vec<u8>> {
    encode_checkpoint(&Checkpoint {
        version: crate::VERSION.to_string(),
        label: p.label.clone(),
        scenario_toml: p.scenario.to_toml(),
        snapshots: false,
        checkpoint_every_days: None,
        state: st.clone(),
        snapshot_index: snapshot::Index::default(),
        wall_s: 0.0,
    })
}

/// Decode checkpoint bytes (from [`checkpoint_bytes`] or a run directory's
/// `checkpoint.bin`; `origin` names them in errors) into the validated
/// parameters of their scenario and the state. Errors are input errors:
/// damaged bytes, another woundsim version, or a state that does not fit
/// its scenario.
pub fn restore_bytes(bytes: &[u8], origin: &str) -> Result<(Params, SimState)> {
    let bad = |msg: String| Error::Input(InputError::new(origin, None, msg));
    let ck =
        decode_checkpoint(bytes).map_err(|why| bad(format!("checkpoint is unusable: {why}")))?;
    if ck.version != crate::VERSION {
        return Err(bad(format!(
            "checkpoint was written by woundsim {}, this is {}",
            ck.version,
            crate::VERSION
        )));
    }
    let scenario = Scenario::from_toml_str(&ck.scenario_toml, &ck.label, &[])?;
    let params = Params::new(scenario, &ck.label)?;
    check_checkpoint(&params, &ck)
        .map_err(|why| bad(format!("checkpoint does not match its scenario: {why}")))?;
    Ok((params, ck.state))
}

/// First bytes of every checkpoint file.
pub(super) const CHECKPOINT_MAGIC: [u8; 8] = *b"WSIMCKPT";
/// Version of the checkpoint container and payload layout; raised whenever
/// either changes, so an old file is refused instead of misread.
pub(super) const CHECKPOINT_FORMAT: u32 = 11;
/// Header: magic (8 bytes), format (u32 LE), payload length (u64 LE),
/// CRC-32 of the payload (u32 LE).
pub(super) const CHECKPOINT_HEADER: usize = 8 + 4 + 8 + 4;

/// A checkpoint file: [`CHECKPOINT_HEADER`] bytes of header, then the
/// postcard encoding of the checkpoint.
pub(super) fn encode_checkpoint(ck: &Checkpoint) -> Result<Vec<u8>> {
    let payload =
        postcard::to_stdvec(ck).map_err(|e| Error::Other(format!("encoding checkpoint: {e}")))?;
    let mut out = Vec::with_capacity(CHECKPOINT_HEADER + payload.len());
    out.extend_from_slice(&CHECKPOINT_MAGIC);
    out.extend_from_slice(&CHECKPOINT_FORMAT.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Read a checkpoint file, checking its header and checksum before the
/// payload is decoded; the error says which check failed.
pub(super) fn decode_checkpoint(bytes: &[u8]) -> std::result::Result<Checkpoint, String> {
    if bytes.len() < CHECKPOINT_HEADER {
        return Err(format!(
            "{} bytes is shorter than the {CHECKPOINT_HEADER}-byte header",
            bytes.len()
        ));
    }
    let (head, payload) = bytes.split_at(CHECKPOINT_HEADER);
    if head[..8] != CHECKPOINT_MAGIC {
        return Err("not a woundsim checkpoint (wrong magic bytes)".into());
    }
    let word =
        |r: std::ops::Range<usize>| head[r].iter().rev().fold(0u64, |a, &b| (a << 8) | b as u64);
    let format = word(8..12);
    if format != CHECKPOINT_FORMAT as u64 {
        return Err(format!(
            "checkpoint format {format}, this woundsim reads format {CHECKPOINT_FORMAT}"
        ));
    }
    let len = word(12..20);
    if len != payload.len() as u64 {
        return Err(format!(
            "the header announces {len} payload bytes but the file holds {}",
            payload.len()
        ));
    }
    let crc = word(20..24) as u32;
    let actual = crc32fast::hash(payload);
    if crc != actual {
        return Err(format!(
            "checksum mismatch (stored {crc:08x}, computed {actual:08x})"
        ));
    }
    let (ck, rest): (Checkpoint, &[u8]) =
        postcard::take_from_bytes(payload).map_err(|e| format!("payload does not decode: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after the payload", rest.len()));
    }
    Ok(ck)
}

/// Structural check of a decoded checkpoint against the parameters of its
/// scenario: every array has the grid's shape, every agent store's columns
/// have one length, ids are sorted, unique and below `next_id`, and the
/// step and the settings are in range. A checkpoint that passes cannot
/// index out of bounds in the mechanisms.
pub(super) fn check_checkpoint(p: &Params, ck: &Checkpoint) -> std::result::Result<(), String> {
    ck.state.validate(p)?;
    if let Some(d) = ck.checkpoint_every_days {
        if !(d.is_finite() && d > 0.0) {
            return Err(format!("checkpoint interval {d} days"));
        }
    }
    if !(ck.wall_s.is_finite() && ck.wall_s >= 0.0) {
        return Err(format!("wall time {} s", ck.wall_s));
    }
    let idx = &ck.snapshot_index;
    if !idx.snapshots.is_empty() && (idx.nx != p.grid.nx || idx.ny != p.grid.ny) {
        return Err(format!(
            "snapshot index is {} × {} voxels, the grid {} × {}",
            idx.nx, idx.ny, p.grid.nx, p.grid.ny
        ));
    }
    Ok(())
}
