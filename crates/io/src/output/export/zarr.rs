//! Zarr (format 2) export with consolidated metadata and CF-style
//! attributes, for xarray.

use super::vtk::le_f32;
use super::*;

/// A CF / UDUNITS spelling of a woundsim unit (`ng/mL` → `ng mL-1`,
/// `au` → `1`, `µm` → `um`).
pub fn cf_unit(unit: &str) -> String {
    match unit {
        "au" | "" => "1".into(),
        u => match u.split_once('/') {
            Some((a, b)) => format!("{} {b}-1", a.replace('µ', "u")),
            None => u.replace('µ', "u"),
        },
    }
}

/// One Zarr v2 array's metadata.
fn zarray(shape: &[usize], chunks: &[usize], dtype: &str, fill: Value) -> Value {
    json!({
        "zarr_format": 2,
        "shape": shape,
        "chunks": chunks,
        "dtype": dtype,
        "compressor": null,
        "fill_value": fill,
        "order": "C",
        "filters": null,
        "dimension_separator": "."
    })
}

/// The entries a Zarr export holds for arrays `names` (and, from a 3D run,
/// the `z` coordinate and the `layer` kinds).
pub fn zarr_kind(names: &[String], three_d: bool) -> OutputKind {
    let mut entries: Vec<String> = [".zgroup", ".zattrs", ".zmetadata", "time", "y", "x"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if three_d {
        entries.extend(["z".to_string(), "layer".to_string()]);
    }
    entries.extend(names.iter().cloned());
    OutputKind {
        kind: "export",
        entries,
    }
}

/// Write the snapshots of `run_dir` as one Zarr (format 2) store at `out`
/// (created; a non-empty `out` needs `force`). Returns `out`.
pub fn to_zarr(run_dir: &Path, out: &Path, force: bool) -> Result<PathBuf> {
    let index = read_index(run_dir)?;
    let depth = depth_of(&index, run_dir)?;
    let (ny, nx, nt) = (index.ny, index.nx, index.snapshots.len());
    let first = &index.snapshots[0];
    let mut names: Vec<String> = first.fields.keys().cloned().collect();
    for e in &index.snapshots {
        if e.fields.keys().ne(first.fields.keys()) {
            return Err(bad(
                &run_dir.join("snapshots").join("index.json"),
                format!(
                    "snapshot {} has other fields than snapshot {}",
                    e.tag, first.tag
                ),
            ));
        }
    }
    // The tissue maps (bacteria, matrix) of the first snapshot; every
    // snapshot must list the same.
    let maps: Vec<String> = first.maps.keys().cloned().collect();
    for e in &index.snapshots {
        if e.maps.keys().ne(first.maps.keys()) {
            return Err(bad(
                &run_dir.join("snapshots").join("index.json"),
                format!(
                    "snapshot {} has other tissue maps than snapshot {}",
                    e.tag, first.tag
                ),
            ));
        }
    }
    names.extend(["wound".to_string(), "vessels".to_string()]);
    names.extend(maps.iter().cloned());
    let _lock = prepare_dir(out, force, &zarr_kind(&names, depth.is_some()))?;
    let mut meta = serde_json::Map::new();
    let put = |rel: &str, v: &Value, meta: &mut serde_json::Map<String, Value>| -> Result<()> {
        write_atomic(&out.join(rel), format!("{v}\n").as_bytes())?;
        meta.insert(rel.to_string(), v.clone());
        Ok(())
    };
    let group = json!({"zarr_format": 2});
    put(".zgroup", &group, &mut meta)?;
    let mut attrs = json!({
        "Conventions": "CF-1.8",
        "title": "woundsim field snapshots",
        "source": format!("woundsim {}", crate::VERSION),
        "run_directory": run_dir.display().to_string(),
        "dx_um": index.dx_um,
    });
    if let Some(d) = &depth {
        attrs["dz_um"] = json!(d.dz_um);
        attrs["bed_layer"] = json!(d.bed);
        attrs["layers"] = json!(index.layers);
    }
    put(".zattrs", &attrs, &mut meta)?;
    // Coordinates.
    let coord = |name: &str,
                 values: Vec<f64>,
                 attrs: Value,
                 meta: &mut serde_json::Map<String, Value>|
     -> Result<()> {
        ensure_subdir(out, name)?;
        let n = values.len();
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        write_atomic(&out.join(name).join("0"), &bytes)?;
        let a = zarray(&[n], &[n.max(1)], "<f8", json!("NaN"));
        write_atomic(&out.join(name).join(".zarray"), format!("{a}\n").as_bytes())?;
        write_atomic(
            &out.join(name).join(".zattrs"),
            format!("{attrs}\n").as_bytes(),
        )?;
        meta.insert(format!("{name}/.zarray"), a);
        meta.insert(format!("{name}/.zattrs"), attrs);
        Ok(())
    };
    let days: Vec<f64> = index.snapshots.iter().map(|e| e.day).collect();
    coord(
        "time",
        days,
        json!({"_ARRAY_DIMENSIONS": ["time"], "units": "d", "long_name": "time since the start of the run", "axis": "T"}),
        &mut meta,
    )?;
    let centres = |n: usize| (0..n).map(|i| (i as f64 + 0.5) * index.dx_um).collect();
    coord(
        "y",
        centres(ny),
        json!({"_ARRAY_DIMENSIONS": ["y"], "units": "um", "long_name": "y of the voxel centre", "axis": "Y"}),
        &mut meta,
    )?;
    coord(
        "x",
        centres(nx),
        json!({"_ARRAY_DIMENSIONS": ["x"], "units": "um", "long_name": "x of the voxel centre", "axis": "X"}),
        &mut meta,
    )?;
    let dims = json!(["time", "y", "x"]);
    // 3D: the z coordinate, the layer kinds and (time, z, y, x) fields.
    let (field_dims, field_shape, field_chunks) = match &depth {
        None => (dims.clone(), vec![nt, ny, nx], vec![1, ny, nx]),
        Some(d) => {
            coord(
                "z",
                (0..d.nz).map(|i| (i as f64 + 0.5) * d.dz_um).collect(),
                json!({"_ARRAY_DIMENSIONS": ["z"], "units": "um", "long_name": "height of the layer centre above the subdermal plexus",
                       "axis": "Z", "positive": "up"}),
                &mut meta,
            )?;
            let dir = ensure_subdir(out, "layer")?;
            write_atomic(&dir.join("0"), &d.codes)?;
            let a = zarray(&[d.nz], &[d.nz], "|u1", Value::Null);
            let la = json!({"_ARRAY_DIMENSIONS": ["z"], "units": "1", "long_name": "what the layer holds",
                            "flag_values": LAYER_KINDS.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
                            "flag_meanings": LAYER_KINDS.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(" ")});
            write_atomic(&dir.join(".zarray"), format!("{a}\n").as_bytes())?;
            write_atomic(&dir.join(".zattrs"), format!("{la}\n").as_bytes())?;
            meta.insert("layer/.zarray".into(), a);
            meta.insert("layer/.zattrs".into(), la);
            (
                json!(["time", "z", "y", "x"]),
                vec![nt, d.nz, ny, nx],
                vec![1, d.nz, ny, nx],
            )
        }
    };
    let bed = depth.as_ref().map(|d| d.bed);
    let on_bed = |mut a: Value| {
        if let Some(b) = bed {
            a["layer"] = json!(b);
            a["comment"] = json!("the wound bed's layer (index along z)");
        }
        a
    };
    // Data variables: metadata first, then one chunk per snapshot.
    for name in &names {
        let dir = ensure_subdir(out, name)?;
        let (a, attrs) = match name.as_str() {
            "wound" => (
                zarray(&[nt, ny, nx], &[1, ny, nx], "|u1", Value::Null),
                on_bed(
                    json!({"_ARRAY_DIMENSIONS": dims, "units": "1", "long_name": "open wound",
                       "flag_values": [0, 1], "flag_meanings": "closed open"}),
                ),
            ),
            "vessels" => (
                zarray(&[nt, ny, nx], &[1, ny, nx], "|u1", Value::Null),
                on_bed(
                    json!({"_ARRAY_DIMENSIONS": dims, "units": "1", "long_name": "vessel state",
                       "flag_values": VESSEL_CODES.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
                       "flag_meanings": VESSEL_CODES.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(" ")}),
                ),
            ),
            map if maps.iter().any(|m| m == map) => {
                let unit = super::map_unit(map);
                (
                    zarray(&[nt, ny, nx], &[1, ny, nx], "<f4", json!("NaN")),
                    on_bed(json!({"_ARRAY_DIMENSIONS": dims, "units": "1",
                                  "woundsim_units": unit, "long_name": map})),
                )
            }
            field => {
                let unit = first.units.get(field).cloned().unwrap_or_default();
                (
                    zarray(&field_shape, &field_chunks, "<f4", json!("NaN")),
                    json!({"_ARRAY_DIMENSIONS": field_dims, "units": cf_unit(&unit),
                           "woundsim_units": unit, "long_name": field}),
                )
            }
        };
        write_atomic(&dir.join(".zarray"), format!("{a}\n").as_bytes())?;
        write_atomic(&dir.join(".zattrs"), format!("{attrs}\n").as_bytes())?;
        meta.insert(format!("{name}/.zarray"), a);
        meta.insert(format!("{name}/.zattrs"), attrs);
    }
    let sdir = run_dir.join("snapshots");
    for (t, e) in index.snapshots.iter().enumerate() {
        let s = read_snap(&sdir, &index, e)?;
        let chunk = format!("{t}.0.0");
        let field_chunk = if depth.is_some() {
            format!("{t}.0.0.0")
        } else {
            chunk.clone()
        };
        for (name, _, a) in &s.fields {
            write_atomic(
                &out.join(name).join(&field_chunk),
                &le_f32(a.iter().copied()),
            )?;
        }
        write_atomic(
            &out.join("wound").join(&chunk),
            s.wound.as_slice().expect("standard layout"),
        )?;
        write_atomic(
            &out.join("vessels").join(&chunk),
            s.vessels.as_slice().expect("standard layout"),
        )?;
        for (name, _, a) in &s.maps {
            write_atomic(&out.join(name).join(&chunk), &le_f32(a.iter().copied()))?;
        }
    }
    // Consolidated metadata last: a store is complete once it exists.
    let zmeta = json!({"zarr_consolidated_format": 1, "metadata": Value::Object(meta)});
    write_atomic(&out.join(".zmetadata"), format!("{zmeta}\n").as_bytes())?;
    Ok(out.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cf_units() {
        assert_eq!(cf_unit("ng/mL"), "ng mL-1");
        assert_eq!(cf_unit("mmHg"), "mmHg");
        assert_eq!(cf_unit("au"), "1");
        assert_eq!(cf_unit("µm"), "um");
    }
}
