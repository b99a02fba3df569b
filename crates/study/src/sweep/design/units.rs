//! Points of the unit hypercube for each design kind (factorial, Latin hypercube, random, Saltelli), from named, seeded streams.

use super::*;

/// Rejects zero samples and designs of more than [`MAX_POINTS`] rows.
pub(super) fn check_samples(samples: usize, rows_per_sample: usize) -> Result<(), DesignError> {
    if samples == 0 {
        return Err(DesignError::ZeroSamples);
    }
    match samples.checked_mul(rows_per_sample) {
        Some(n) if n <= MAX_POINTS => Ok(()),
        _ => Err(DesignError::TooLarge { max: MAX_POINTS }),
    }
}

/// SplitMix64 finaliser, used to derive independent stream seeds.
pub(super) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed for stream `stream` of purpose `domain`, derived from `seed`.
pub(super) fn stream_seed(seed: u64, domain: u64, stream: u64) -> u64 {
    splitmix64(splitmix64(seed ^ splitmix64(domain)) ^ stream)
}

pub(super) const DOMAIN_LHS: u64 = 1;
pub(super) const DOMAIN_RANDOM: u64 = 2;
pub(super) const DOMAIN_SALTELLI: u64 = 3;

pub(super) fn factorial_units(factors: &[FactorSpace]) -> Result<Vec<Vec<f64>>, DesignError> {
    let mut counts = Vec::with_capacity(factors.len());
    let mut total: usize = 1;
    for (index, f) in factors.iter().enumerate() {
        let n = f
            .discrete_count()
            .ok_or(DesignError::NotDiscrete { index })?;
        let n = usize::try_from(n).map_err(|_| DesignError::TooLarge { max: MAX_POINTS })?;
        total = total
            .checked_mul(n)
            .filter(|&t| t <= MAX_POINTS)
            .ok_or(DesignError::TooLarge { max: MAX_POINTS })?;
        counts.push(n);
    }
    let mut out = Vec::with_capacity(total);
    let mut digits = vec![0usize; counts.len()];
    for _ in 0..total {
        out.push(
            digits
                .iter()
                .zip(&counts)
                .map(|(&d, &n)| (d as f64 + 0.5) / n as f64)
                .collect(),
        );
        // Increment the mixed-radix counter, last factor fastest.
        for j in (0..counts.len()).rev() {
            digits[j] += 1;
            if digits[j] < counts[j] {
                break;
            }
            digits[j] = 0;
        }
    }
    Ok(out)
}

/// Point inside bin `bin` of `n` equal bins, jittered by `r ∈ [0, 1)`,
/// guaranteed to satisfy `floor(u · n) == bin`.
pub(super) fn in_bin(bin: usize, n: usize, r: f64) -> f64 {
    let nf = n as f64;
    let mut u = (bin as f64 + r) / nf;
    // Guard against rounding pushing u into a neighbouring bin.
    for _ in 0..8 {
        let b = (u * nf).floor();
        if b > bin as f64 {
            u = f64::from_bits(u.to_bits() - 1);
        } else if b < bin as f64 {
            u = f64::from_bits(u.to_bits() + 1);
        } else {
            break;
        }
    }
    u
}

pub(super) fn lhs_units(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; k]; n];
    for j in 0..k {
        let mut rng = Stream::new(seed, DOMAIN_LHS, j as u64, Purpose::Design);
        let mut perm: Vec<usize> = (0..n).collect();
        perm.shuffle(&mut rng);
        for (row, &bin) in out.iter_mut().zip(&perm) {
            row[j] = in_bin(bin, n, rng.gen::<f64>());
        }
    }
    out
}

pub(super) fn random_units(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; k]; n];
    for j in 0..k {
        let mut rng = Stream::new(seed, DOMAIN_RANDOM, j as u64, Purpose::Design);
        for row in out.iter_mut() {
            row[j] = rng.gen::<f64>();
        }
    }
    out
}

/// Coordinate `dim` of base sample `i` of the seeded scrambled Sobol'
/// sequence, shifted to the centre of its 2⁻²³ grid cell so it lies in
/// `(0, 1)`. Dimensions beyond the crate's table are padded by reseeding.
pub(super) fn sobol_coord(i: usize, dim: usize, seed: u64) -> f64 {
    let ndim = sobol_burley::NUM_DIMENSIONS as usize;
    let set = (dim / ndim) as u64;
    let s = stream_seed(seed, DOMAIN_SALTELLI, set);
    let s32 = (s ^ (s >> 32)) as u32;
    let v = sobol_burley::sample(i as u32, (dim % ndim) as u32, s32);
    f64::from(v) + 0.5 / (1u64 << 23) as f64
}

pub(super) fn saltelli_units(
    n: usize,
    k: usize,
    seed: u64,
) -> Vec<(Vec<f64>, Option<SaltelliTag>)> {
    let (a, b): (Vec<Vec<f64>>, Vec<Vec<f64>>) = if n <= MAX_SOBOL_BASE_SAMPLES {
        (0..n)
            .map(|i| {
                let a = (0..k).map(|d| sobol_coord(i, d, seed)).collect();
                let b = (0..k).map(|d| sobol_coord(i, k + d, seed)).collect();
                (a, b)
            })
            .unzip()
    } else {
        let u = random_units(n, 2 * k, seed ^ 0x5A17_E111);
        u.into_iter()
            .map(|mut r| {
                let b = r.split_off(k);
                (r, b)
            })
            .unzip()
    };
    let tag = |block, row| Some(SaltelliTag { block, row });
    let mut out = Vec::with_capacity((k + 2) * n);
    out.extend(
        a.iter()
            .enumerate()
            .map(|(r, x)| (x.clone(), tag(SaltelliBlock::A, r))),
    );
    out.extend(
        b.iter()
            .enumerate()
            .map(|(r, x)| (x.clone(), tag(SaltelliBlock::B, r))),
    );
    for i in 0..k {
        for r in 0..n {
            let mut row = a[r].clone();
            row[i] = b[r][i];
            out.push((row, tag(SaltelliBlock::AB(i), r)));
        }
    }
    out
}
