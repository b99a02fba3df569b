//! VTK XML export (`.pvd` collections of `.vti` image data and `.vtp`
//! points, raw appended binary data), for ParaView and VisIt.

use super::*;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Raw appended binary blocks of a VTK XML file: each block is its byte
/// count (UInt64, little-endian) followed by the bytes.
#[derive(Default)]
struct Appended {
    bytes: Vec<u8>,
}

impl Appended {
    /// Append a block; returns its offset (for the `offset` attribute).
    fn push(&mut self, data: &[u8]) -> usize {
        let at = self.bytes.len();
        self.bytes
            .extend_from_slice(&(data.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(data);
        at
    }
}

pub(super) fn le_f32(a: impl Iterator<Item = f32>) -> Vec<u8> {
    a.flat_map(f32::to_le_bytes).collect()
}

/// A VTK name with its unit: `oxygen [mmHg]`.
pub fn vtk_name(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} [{unit}]")
    }
}

fn data_array(xml: &mut String, ty: &str, name: &str, comps: usize, offset: usize) {
    let _ = writeln!(
        xml,
        "        <DataArray type=\"{ty}\" Name=\"{}\" NumberOfComponents=\"{comps}\" format=\"appended\" offset=\"{offset}\"/>",
        xml_escape(name)
    );
}

fn finish_vtk(mut xml: String, app: Appended) -> Vec<u8> {
    xml.push_str("  <AppendedData encoding=\"raw\">\n   _");
    let mut out = xml.into_bytes();
    out.extend_from_slice(&app.bytes);
    out.extend_from_slice(b"\n  </AppendedData>\n</VTKFile>\n");
    out
}

const VTK_HEAD: &str = "<?xml version=\"1.0\"?>\n";

fn time_value(xml: &mut String, app: &mut Appended, day: f64) {
    let off = app.push(&day.to_le_bytes());
    let _ = writeln!(
        xml,
        "    <FieldData>\n      <DataArray type=\"Float64\" Name=\"TimeValue\" NumberOfTuples=\"1\" format=\"appended\" offset=\"{off}\"/>\n    </FieldData>"
    );
}

/// The opening of a `.vti` file of `nx × ny × nz` cells of `dx × dx × dz`
/// µm whose bottom face is at height `z0_um`, with its time value and the
/// opening of its cell data (`scalars` the active array).
fn vti_head(
    app: &mut Appended,
    cells: [usize; 3],
    spacing: [f64; 3],
    z0_um: f64,
    day: f64,
    scalars: &str,
) -> String {
    let [nx, ny, nz] = cells;
    let [dx, dy, dz] = spacing;
    let mut xml = String::from(VTK_HEAD);
    xml.push_str("<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
    let _ = writeln!(
        xml,
        "  <ImageData WholeExtent=\"0 {nx} 0 {ny} 0 {nz}\" Origin=\"0 0 {z0_um}\" Spacing=\"{dx} {dy} {dz}\">"
    );
    time_value(&mut xml, app, day);
    let _ = writeln!(xml, "    <Piece Extent=\"0 {nx} 0 {ny} 0 {nz}\">");
    let _ = writeln!(xml, "      <CellData Scalars=\"{}\">", xml_escape(scalars));
    xml
}

fn vti_tail(mut xml: String, app: Appended) -> Vec<u8> {
    xml.push_str("      </CellData>\n    </Piece>\n  </ImageData>\n");
    finish_vtk(xml, app)
}

fn push_maps(xml: &mut String, app: &mut Appended, s: &Snap) {
    let off = app.push(s.wound.as_slice().expect("standard layout"));
    data_array(xml, "UInt8", "wound [1 = open]", 1, off);
    let off = app.push(s.vessels.as_slice().expect("standard layout"));
    data_array(xml, "UInt8", "vessels [code]", 1, off);
    for (name, unit, a) in &s.maps {
        let off = app.push(&le_f32(a.iter().copied()));
        data_array(xml, "Float32", &vtk_name(name, unit), 1, off);
    }
}

/// The `.vti` image data of one snapshot's fields: one cell per voxel (in
/// 2D the wound and vessel maps too; in 3D the layer codes).
fn vti(s: &Snap, dx_um: f64, depth: Option<&Depth3>) -> Vec<u8> {
    let (ny, nx) = s.wound.dim();
    let (nz, dz) = depth.map_or((1, dx_um), |d| (d.nz, d.dz_um));
    let mut app = Appended::default();
    let first = s
        .fields
        .first()
        .map(|(n, u, _)| vtk_name(n, u))
        .unwrap_or_default();
    let mut xml = vti_head(
        &mut app,
        [nx, ny, nz],
        [dx_um, dx_um, dz],
        0.0,
        s.day,
        &first,
    );
    for (name, unit, a) in &s.fields {
        let off = app.push(&le_f32(a.iter().copied()));
        data_array(&mut xml, "Float32", &vtk_name(name, unit), 1, off);
    }
    match depth {
        None => push_maps(&mut xml, &mut app, s),
        Some(d) => {
            // Each cell's layer code, layer by layer (x fastest, z slowest).
            let layer: Vec<u8> = d
                .codes
                .iter()
                .flat_map(|&c| std::iter::repeat_n(c, nx * ny))
                .collect();
            let off = app.push(&layer);
            data_array(&mut xml, "UInt8", "layer [code]", 1, off);
        }
    }
    vti_tail(xml, app)
}

/// The `.vti` of a 3D snapshot's wound and vessel maps: one layer of cells
/// at the bed layer's height.
fn vti_maps(s: &Snap, dx_um: f64, d: &Depth3) -> Vec<u8> {
    let (ny, nx) = s.wound.dim();
    let mut app = Appended::default();
    let z0 = d.bed as f64 * d.dz_um;
    let mut xml = vti_head(
        &mut app,
        [nx, ny, 1],
        [dx_um, dx_um, d.dz_um],
        z0,
        s.day,
        "wound [1 = open]",
    );
    push_maps(&mut xml, &mut app, s);
    vti_tail(xml, app)
}

/// The `.vtp` point data of one snapshot's agents.
fn vtp(agents: &[Agent], day: f64) -> Vec<u8> {
    let n = agents.len();
    let mut app = Appended::default();
    let mut xml = String::from(VTK_HEAD);
    xml.push_str("<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n  <PolyData>\n");
    time_value(&mut xml, &mut app, day);
    let _ = writeln!(
        xml,
        "    <Piece NumberOfPoints=\"{n}\" NumberOfVerts=\"{n}\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"0\">"
    );
    xml.push_str("      <PointData Scalars=\"kind\">\n");
    let ints = |f: &dyn Fn(&Agent) -> i32| -> Vec<u8> {
        agents.iter().flat_map(|a| f(a).to_le_bytes()).collect()
    };
    let off = app.push(&ints(&|a| a.kind));
    data_array(&mut xml, "Int32", "kind", 1, off);
    let off = app.push(&ints(&|a| a.state));
    data_array(&mut xml, "Int32", "state", 1, off);
    let ids: Vec<u8> = agents.iter().flat_map(|a| a.id.to_le_bytes()).collect();
    let off = app.push(&ids);
    data_array(&mut xml, "UInt64", "id", 1, off);
    xml.push_str("      </PointData>\n      <Points>\n");
    let pts = le_f32(agents.iter().flat_map(|a| [a.x, a.y, a.z]));
    let off = app.push(&pts);
    data_array(&mut xml, "Float32", "position [µm]", 3, off);
    xml.push_str("      </Points>\n      <Verts>\n");
    let conn: Vec<u8> = (0..n as i64).flat_map(i64::to_le_bytes).collect();
    let off = app.push(&conn);
    data_array(&mut xml, "Int64", "connectivity", 1, off);
    let offs: Vec<u8> = (1..=n as i64).flat_map(i64::to_le_bytes).collect();
    let off = app.push(&offs);
    data_array(&mut xml, "Int64", "offsets", 1, off);
    xml.push_str("      </Verts>\n    </Piece>\n  </PolyData>\n");
    finish_vtk(xml, app)
}

fn pvd(entries: &[(f64, String)]) -> Vec<u8> {
    let mut xml = String::from(VTK_HEAD);
    xml.push_str("<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <Collection>\n");
    for (day, file) in entries {
        let _ = writeln!(
            xml,
            "    <DataSet timestep=\"{day}\" group=\"\" part=\"0\" file=\"{}\"/>",
            xml_escape(file)
        );
    }
    xml.push_str("  </Collection>\n</VTKFile>\n");
    xml.into_bytes()
}

/// The entries an export directory of VTK files holds (`maps.pvd` only
/// from a 3D run).
pub fn vtk_kind(three_d: bool) -> OutputKind {
    let mut entries = vec!["fields.pvd".to_string(), "agents.pvd".into(), "vtk".into()];
    if three_d {
        entries.push("maps.pvd".into());
    }
    OutputKind {
        kind: "export",
        entries,
    }
}

/// Write the VTK time series of `run_dir`'s snapshots into `out` (created;
/// a non-empty `out` needs `force`). Returns the `.pvd` files (two in 2D;
/// in 3D also `maps.pvd`).
pub fn to_vtk(run_dir: &Path, out: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let index = read_index(run_dir)?;
    let depth = depth_of(&index, run_dir)?;
    let _lock = prepare_dir(out, force, &vtk_kind(depth.is_some()))?;
    let vdir = ensure_subdir(out, "vtk")?;
    let sdir = run_dir.join("snapshots");
    let mut fields = Vec::new();
    let mut maps = Vec::new();
    let mut agents = Vec::new();
    for e in &index.snapshots {
        let s = read_snap(&sdir, &index, e)?;
        let f = format!("{}_fields.vti", s.tag);
        write_atomic(&vdir.join(&f), &vti(&s, index.dx_um, depth.as_ref()))?;
        fields.push((s.day, format!("vtk/{f}")));
        if let Some(d) = &depth {
            let f = format!("{}_maps.vti", s.tag);
            write_atomic(&vdir.join(&f), &vti_maps(&s, index.dx_um, d))?;
            maps.push((s.day, format!("vtk/{f}")));
        }
        let a = read_agents(&sdir.join(&e.agents))?;
        let f = format!("{}_agents.vtp", s.tag);
        write_atomic(&vdir.join(&f), &vtp(&a, s.day))?;
        agents.push((s.day, format!("vtk/{f}")));
    }
    let fp = out.join("fields.pvd");
    write_atomic(&fp, &pvd(&fields))?;
    let ap = out.join("agents.pvd");
    write_atomic(&ap, &pvd(&agents))?;
    let mut written = vec![fp, ap];
    if depth.is_some() {
        let mp = out.join("maps.pvd");
        write_atomic(&mp, &pvd(&maps))?;
        written.push(mp);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_blocks_carry_their_length() {
        let mut a = Appended::default();
        assert_eq!(a.push(&[1, 2, 3]), 0);
        assert_eq!(a.push(&[]), 11);
        assert_eq!(&a.bytes[..8], &3u64.to_le_bytes());
        assert_eq!(&a.bytes[8..11], &[1, 2, 3]);
        assert_eq!(&a.bytes[11..19], &0u64.to_le_bytes());
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(xml_escape("a<b>&\"c"), "a&lt;b&gt;&amp;&quot;c");
        assert_eq!(vtk_name("oxygen", "mmHg"), "oxygen [mmHg]");
    }
}
