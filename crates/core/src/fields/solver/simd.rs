//! The generic kernels compiled for wider vector units, chosen at run time.
//! Vectorising independent voxels does not change any voxel's arithmetic
//! (no fused multiply-add, no reassociation), so every variant gives
//! bit-identical results.

use super::{Kernel, Solver, Stage, ZLine};

/// Whether AVX-512F is available (cached by the standard library).
#[inline]
pub fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// Whether AVX2 is available.
#[inline]
pub fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

macro_rules! variants {
    ($feat:literal, $rows:ident, $band:ident, $fused:ident) => {
        #[target_feature(enable = $feat)]
        pub unsafe fn $rows(
            k: &Kernel,
            b: &mut [f32],
            s: Option<&mut [f32]>,
            u: Option<&mut [f32]>,
            nx: usize,
        ) -> Option<(usize, f32)> {
            k.rows_generic(b, s, u, nx)
        }
        #[target_feature(enable = $feat)]
        pub unsafe fn $band<'a>(
            k: &Kernel,
            ny: usize,
            row: impl Fn(usize) -> &'a mut [f32],
        ) -> bool {
            k.y_band_generic(ny, row)
        }
        #[target_feature(enable = $feat)]
        pub unsafe fn $fused(
            k: &Kernel,
            c: &mut [f32],
            s: Option<&mut [f32]>,
            u: Option<&mut [f32]>,
            nx: usize,
            ny: usize,
        ) -> Option<(usize, f32, Stage)> {
            k.fused_generic(c, s, u, nx, ny)
        }
    };
}
variants!("avx2", rows_avx2, y_band_avx2, fused_avx2);
variants!("avx512f", rows_avx512, y_band_avx512, fused_avx512);

macro_rules! variants3 {
    ($feat:literal, $layer:ident, $zband:ident, $fused3:ident) => {
        #[target_feature(enable = $feat)]
        pub unsafe fn $layer(
            k: &Kernel,
            c: &mut [f32],
            s: Option<&mut [f32]>,
            u: Option<&mut [f32]>,
            nx: usize,
            ny: usize,
        ) -> Option<(usize, f32)> {
            k.layer_generic(c, s, u, nx, ny, None)
        }
        #[target_feature(enable = $feat)]
        pub unsafe fn $zband<'a>(
            z: &ZLine,
            nz: usize,
            row: impl Fn(usize) -> &'a mut [f32],
        ) -> bool {
            z.band_generic(nz, row)
        }
        #[target_feature(enable = $feat)]
        pub unsafe fn $fused3(
            solver: &Solver,
            f: usize,
            c: &mut [f32],
            s: Option<&mut [f32]>,
            u: Option<&mut [f32]>,
        ) -> Option<(usize, f32, Stage)> {
            solver.fused3_generic(f, c, s, u)
        }
    };
}
variants3!("avx2", layer_avx2, z_band_avx2, fused3_avx2);
variants3!("avx512f", layer_avx512, z_band_avx512, fused3_avx512);

use super::Line;
use std::arch::x86_64::*;

/// Transpose a 16×16 tile held as 16 vectors (`v[k]` lane `i` becomes
/// `v[i]` lane `k`).
#[inline]
#[target_feature(enable = "avx512f")]
fn transpose16(v: &mut [__m512; 16]) {
    let mut t = [_mm512_setzero_ps(); 16];
    for i in 0..8 {
        t[2 * i] = _mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]);
    }
    for g in (0..16).step_by(4) {
        v[g] = _mm512_shuffle_ps::<0x44>(t[g], t[g + 2]);
        v[g + 1] = _mm512_shuffle_ps::<0xEE>(t[g], t[g + 2]);
        v[g + 2] = _mm512_shuffle_ps::<0x44>(t[g + 1], t[g + 3]);
        v[g + 3] = _mm512_shuffle_ps::<0xEE>(t[g + 1], t[g + 3]);
    }
    for h in [0, 8] {
        for i in 0..4 {
            t[h + i] = _mm512_shuffle_f32x4::<0x88>(v[h + i], v[h + i + 4]);
            t[h + i + 4] = _mm512_shuffle_f32x4::<0xDD>(v[h + i], v[h + i + 4]);
        }
    }
    for i in 0..8 {
        v[i] = _mm512_shuffle_f32x4::<0x88>(t[i], t[i + 8]);
        v[i + 8] = _mm512_shuffle_f32x4::<0xDD>(t[i], t[i + 8]);
    }
}

/// Solve `16·G` lines of length `n` stored one after another (`blk.len()
/// == 16·G·n`), vectorised across the lines: each 16×16 tile is
/// transposed in registers so that one vector holds one column of 16
/// lines. The G groups of 16 lines are interleaved so their recurrences
/// overlap. Every value sees exactly the operations of [`Line::solve`]
/// (separate multiply and add, same order), so the results are
/// bit-identical.
///
/// The forward elimination leaves each full tile transposed in place;
/// the back substitution reads it back and transposes it again. The
/// last (possibly partial) tile is eliminated and substituted in registers.
///
/// # Safety
/// AVX-512F must be available.
#[target_feature(enable = "avx512f")]
pub unsafe fn solve_avx512<const G: usize>(line: &Line, blk: &mut [f32], n: usize) {
    let lines = 16 * G;
    assert!(n > 0 && blk.len() == lines * n && line.inv.len() == n && line.cp.len() == n);
    for k in 0..lines {
        blk[k * n] += line.lo_add;
        blk[k * n + n - 1] += line.hi_add;
    }
    let p = blk.as_mut_ptr();
    let r = _mm512_set1_ps(line.r);
    let last = (n - 1) / 16;
    let wl = n - 16 * last;
    let mask: __mmask16 = (((1u32 << wl) - 1) & 0xFFFF) as __mmask16;
    let mut v = [[_mm512_setzero_ps(); 16]; G];
    let mut prev = [_mm512_setzero_ps(); G];
    // SAFETY (every pointer access below): tile `t` of group `g` covers
    // columns [16t, 16t + 16) of lines [16g, 16g + 16), inside `blk` for
    // t < last; the last tile is loaded and stored with a mask of its
    // `wl` columns. `col < n` indexes `inv` and `cp`.
    let tile = |g: usize, t: usize| p.add(16 * g * n + 16 * t);
    // `i` picks the same column in every group.
    #[allow(clippy::needless_range_loop)]
    let forward = |v: &mut [[__m512; 16]; G], t: usize, w: usize, prev: &mut [__m512; G]| {
        for i in 0..w {
            let col = 16 * t + i;
            let inv = _mm512_set1_ps(*line.inv.get_unchecked(col));
            for g in 0..G {
                prev[g] = if col == 0 {
                    _mm512_mul_ps(v[g][i], inv)
                } else {
                    _mm512_mul_ps(_mm512_add_ps(v[g][i], _mm512_mul_ps(r, prev[g])), inv)
                };
                v[g][i] = prev[g];
            }
        }
    };
    #[allow(clippy::needless_range_loop)]
    let backward = |v: &mut [[__m512; 16]; G], t: usize, w: usize, next: &mut [__m512; G]| {
        for i in (0..w).rev() {
            let cp = _mm512_set1_ps(*line.cp.get_unchecked(16 * t + i));
            for g in 0..G {
                next[g] = _mm512_sub_ps(v[g][i], _mm512_mul_ps(cp, next[g]));
                v[g][i] = next[g];
            }
        }
    };
    for t in 0..last {
        for (g, vg) in v.iter_mut().enumerate() {
            for (k, vk) in vg.iter_mut().enumerate() {
                *vk = _mm512_loadu_ps(tile(g, t).add(k * n));
            }
            transpose16(vg);
        }
        forward(&mut v, t, 16, &mut prev);
        for (g, vg) in v.iter().enumerate() {
            for (k, vk) in vg.iter().enumerate() {
                _mm512_storeu_ps(tile(g, t).add(k * n), *vk);
            }
        }
    }
    // The last tile: forward, then the start of the back substitution
    // (the last column is its own result).
    for (g, vg) in v.iter_mut().enumerate() {
        for (k, vk) in vg.iter_mut().enumerate() {
            *vk = _mm512_maskz_loadu_ps(mask, tile(g, last).add(k * n));
        }
        transpose16(vg);
    }
    forward(&mut v, last, wl, &mut prev);
    let mut next = [_mm512_setzero_ps(); G];
    for g in 0..G {
        next[g] = v[g][wl - 1];
    }
    backward(&mut v, last, wl - 1, &mut next);
    for (g, vg) in v.iter_mut().enumerate() {
        transpose16(vg);
        for (k, vk) in vg.iter().enumerate() {
            _mm512_mask_storeu_ps(tile(g, last).add(k * n), mask, *vk);
        }
    }
    // Back substitution over the full tiles, stored transposed.
    for t in (0..last).rev() {
        for (g, vg) in v.iter_mut().enumerate() {
            for (k, vk) in vg.iter_mut().enumerate() {
                *vk = _mm512_loadu_ps(tile(g, t).add(k * n));
            }
        }
        backward(&mut v, t, 16, &mut next);
        for (g, vg) in v.iter_mut().enumerate() {
            transpose16(vg);
            for (k, vk) in vg.iter().enumerate() {
                _mm512_storeu_ps(tile(g, t).add(k * n), *vk);
            }
        }
    }
}
