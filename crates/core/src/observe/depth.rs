//! The depth-resolved observables of a 3D run (the columns of
//! [`crate::series::depth_columns`]).

use crate::agents::msc_state;
use crate::scenario::depth::LayerKind;
use crate::scenario::Params;
use crate::series::depth_kinds;
use crate::state::SimState;

/// Append the depth columns' values to `v`.
pub(super) fn observe(p: &Params, st: &SimState, v: &mut Vec<f64>) {
    let g = &p.grid;
    let foot = st.tissue.footprint.as_slice().expect("standard layout");
    let kinds = &p.depth.kinds;
    // Mean O₂ under the footprint over the layers `pick` selects.
    let o2_mean = |pick: &dyn Fn(usize) -> bool| {
        let (mut sum, mut n) = (0.0f64, 0u64);
        for iz in (0..g.nz).filter(|&iz| pick(iz)) {
            let layer = st.fields.layer(g, p.ids.oxygen, iz);
            for (&c, &f) in layer.iter().zip(foot) {
                if f == 1 {
                    sum += c as f64;
                    n += 1;
                }
            }
        }
        if n > 0 {
            sum / n as f64
        } else {
            f64::NAN
        }
    };
    let top = p.depth.cavity.1 - 1;
    v.push(o2_mean(&|iz| iz == top));
    let present = depth_kinds(p);
    for k in present.iter().filter(|k| **k != LayerKind::Bed) {
        v.push(o2_mean(&|iz| kinds[iz] == *k));
    }
    let mut live = vec![0u64; present.len()];
    let m = &st.mscs;
    for (i, &s) in m.state.iter().enumerate() {
        if s == msc_state::DEAD {
            continue;
        }
        let kind = kinds[g.layer_of(m.z[i])];
        if let Some(j) = present.iter().position(|k| *k == kind) {
            live[j] += 1;
        }
    }
    v.extend(live.into_iter().map(|n| n as f64));
}
