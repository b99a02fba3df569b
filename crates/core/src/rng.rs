//! Counter-based random streams.
//!
//! Every random draw in woundsim comes from a [`Stream`] keyed by
//! `(run seed, entity id, step, purpose)`. A stream is a pure function of its
//! key and a draw counter, so the result never depends on which thread runs an
//! agent or in which order agents are visited: the same scenario and seed give
//! bit-identical output at any thread count.
//!
//! The generator is a keyed SplitMix64-style finaliser over a 64-bit counter
//! (a "counter-based" generator in the sense of Salmon et al. 2011). Streams
//! implement [`rand::RngCore`], so `rand`/`rand_distr` distributions sample
//! from them directly.

use crate::math;
use rand::RngCore;
use rand_distr::Distribution;

/// What a random draw is for; part of every stream key so that two mechanisms
/// never share draws.
#[repr(u64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Initial placement of pre-existing vessels and agents.
    Setup = 1,
    /// MSC death, senescence.
    MscFate = 2,
    /// MSC motility.
    MscMove = 3,
    /// MSC release from a carrier.
    MscRelease = 4,
    /// Macrophage recruitment at a vessel voxel.
    Recruit = 5,
    /// Macrophage death.
    MacFate = 6,
    /// Macrophage motility.
    MacMove = 7,
    /// Efferocytosis of a dead MSC.
    Efferocytosis = 8,
    /// Tip-cell sprouting at a vessel voxel.
    Sprout = 9,
    /// Tip-cell motility.
    TipMove = 10,
    /// Vessel regression.
    Regress = 11,
    /// Epithelial closure at a margin voxel.
    Closure = 12,
    /// Dose placement.
    Dose = 13,
    /// Per-replicate patient variability.
    Cohort = 14,
    /// Sweep designs (Latin hypercube permutations, random designs).
    Design = 15,
    /// Bootstrap resampling of sensitivity indices.
    Bootstrap = 16,
    /// Neutrophil recruitment at a vessel voxel.
    NeutrophilRecruit = 17,
    /// Neutrophil apoptosis and efferocytosis.
    NeutrophilFate = 18,
    /// Neutrophil motility.
    NeutrophilMove = 19,
    /// Product lots (donor or batch potency) of cohorts and trials.
    Lot = 20,
    /// Deaths and shedding of an aggregate's cells (binomial draws).
    MscAggregate = 23,
    /// Where an aggregate's shed cells land.
    MscShed = 24,
    /// Randomized allocation and patient screening of virtual trials.
    Allocation = 21,
    /// Fibroblast arrival in a recruitment bin.
    FibroblastRecruit = 30,
    /// Fibroblast apoptosis, differentiation and division.
    FibroblastFate = 31,
    /// Fibroblast motility.
    FibroblastMove = 32,
    /// Whether a cohort patient's wound starts with an established biofilm.
    Biofilm = 33,
    /// Neutrophil arrival from the tissue under the bed, per bin.
    NeutrophilBaseRecruit = 34,
    /// Macrophage arrival from the tissue under the bed, per bin.
    MacrophageBaseRecruit = 35,
    /// Vertical (z) motility of agents in 3D (a number apart from the
    /// others, so kinds added elsewhere keep theirs).
    DepthMove = 40,
}

#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash a list of words into one 64-bit key (order-sensitive).
///
/// Used to derive replicate and sweep-run seeds from a master seed:
/// `derive_seed(master, &[point, replicate])`, never `seed + i`.
#[inline]
pub fn hash_words(words: &[u64]) -> u64 {
    let mut h = 0x6a09_e667_f3bc_c909_u64;
    for &w in words {
        h = mix(h ^ mix(w.wrapping_add(0x9e37_79b9_7f4a_7c15)));
    }
    h
}

/// Derive a child seed from a master seed and a path of indices.
pub fn derive_seed(master: u64, path: &[u64]) -> u64 {
    let mut words = Vec::with_capacity(path.len() + 1);
    words.push(master);
    words.extend_from_slice(path);
    hash_words(&words)
}

/// A counter-based random stream for one (seed, id, step, purpose) key.
#[derive(Clone, Debug)]
pub struct Stream {
    key: u64,
    counter: u64,
}

impl Stream {
    /// The stream for `(seed, id, step, purpose)`.
    #[inline]
    pub fn new(seed: u64, id: u64, step: u64, purpose: Purpose) -> Self {
        let key = mix(seed ^ mix(id ^ mix(step ^ mix(purpose as u64))));
        Stream { key, counter: 0 }
    }

    /// A uniform draw in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A Bernoulli trial with probability `p` (clamped to [0, 1]).
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// A Bernoulli trial for an event of hazard `rate_per_min` over
    /// `dt_min`: the same draw and result as
    /// `chance(hazard_prob(rate_per_min, dt_min))`, without evaluating the
    /// exponential when the draw cannot succeed. Since 1 − e^(−λ) ≤ λ, a
    /// draw at or above λ (with a margin far above `exp_m1`'s rounding
    /// error) fails whatever the exponential gives; most draws of rare
    /// events stop there.
    #[inline]
    pub fn hazard(&mut self, rate_per_min: f64, dt_min: f64) -> bool {
        hazard_hit(self.uniform(), rate_per_min, dt_min)
    }

    /// A standard normal draw (Box–Muller, one of the pair).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * math::ln(u1)).sqrt() * math::cos(std::f64::consts::TAU * u2)
    }

    /// A uniformly distributed unit vector in the plane (von Neumann's
    /// rejection method, `rand_distr::UnitCircle`: no trigonometry, so the
    /// same bits on every platform).
    #[inline]
    pub fn direction(&mut self) -> (f64, f64) {
        let [x, y] = rand_distr::UnitCircle.sample(self);
        (x, y)
    }
}

impl RngCore for Stream {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        mix(self.key ^ self.counter.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// Probability that an event with constant hazard `rate_per_min` happens in
/// `dt_min` minutes: `1 - exp(-rate·dt)`.
#[inline]
pub fn hazard_prob(rate_per_min: f64, dt_min: f64) -> f64 {
    -math::exp_m1(-(rate_per_min * dt_min).max(0.0))
}

/// Whether a uniform draw `u` in [0, 1) is a hit for an event of hazard
/// `rate_per_min` over `dt_min`: `u < hazard_prob(rate_per_min, dt_min)`,
/// decided without the exponential when `u` is at or above
/// [`hazard_bound`]`(rate_per_min, dt_min)`.
#[inline]
pub fn hazard_hit(u: f64, rate_per_min: f64, dt_min: f64) -> bool {
    u < hazard_bound(rate_per_min, dt_min) && u < hazard_prob(rate_per_min, dt_min)
}

/// An upper bound of `hazard_prob(rate_per_min, dt_min)` that needs no
/// exponential: λ = rate·dt, since 1 − e^(−λ) ≤ λ, raised by a relative
/// 1e-9, far above the rounding error of `exp_m1`. A draw at or above the
/// bound of any rate at least as large as the true one is a miss, which lets
/// a mechanism reject most draws of a rare event before computing its rate.
#[inline]
pub fn hazard_bound(rate_per_min: f64, dt_min: f64) -> f64 {
    (rate_per_min * dt_min).max(0.0) * (1.0 + 1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_draws_and_keys_differ() {
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(Stream::new(1, 2, 3, Purpose::MscFate), |s, _| {
                Some(s.next_u64())
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(Stream::new(1, 2, 3, Purpose::MscFate), |s, _| {
                Some(s.next_u64())
            })
            .collect();
        assert_eq!(a, b);
        let c = Stream::new(1, 2, 3, Purpose::MscMove).next_u64();
        let d = Stream::new(1, 3, 3, Purpose::MscFate).next_u64();
        let e = Stream::new(2, 2, 3, Purpose::MscFate).next_u64();
        assert!(c != a[0] && d != a[0] && e != a[0]);
    }

    #[test]
    fn uniform_mean_and_variance() {
        let mut s = Stream::new(42, 0, 0, Purpose::Setup);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| s.uniform()).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n as f64;
        assert!((m - 0.5).abs() < 0.005, "mean {m}");
        assert!((v - 1.0 / 12.0).abs() < 0.002, "var {v}");
        let mut s = Stream::new(42, 1, 0, Purpose::Setup);
        let zs: Vec<f64> = (0..n).map(|_| s.normal()).collect();
        let zm = zs.iter().sum::<f64>() / n as f64;
        let zv = zs.iter().map(|x| (x - zm).powi(2)).sum::<f64>() / n as f64;
        assert!(zm.abs() < 0.01 && (zv - 1.0).abs() < 0.02, "{zm} {zv}");
    }

    #[test]
    fn derived_seeds_are_not_sequential() {
        let s0 = derive_seed(7, &[0]);
        let s1 = derive_seed(7, &[1]);
        assert_ne!(s1.wrapping_sub(s0), 1);
        assert_ne!(derive_seed(7, &[0, 1]), derive_seed(7, &[1, 0]));
    }

    #[test]
    fn hazard_draw_equals_the_chance_of_its_probability() {
        // Rates from rare to certain, including the edge cases.
        let rates = [
            0.0,
            -1.0,
            f64::NAN,
            1e-300,
            1e-12,
            1e-6,
            1e-3,
            0.05,
            0.3,
            1.0,
            7.0,
            1e3,
        ];
        for (i, &rate) in rates.iter().enumerate() {
            for dt in [1e-3, 1.0, 15.0, 60.0] {
                for id in 0..2000u64 {
                    let mut a = Stream::new(9, id, i as u64, Purpose::Setup);
                    let mut b = a.clone();
                    assert_eq!(
                        a.hazard(rate, dt),
                        b.chance(hazard_prob(rate, dt)),
                        "rate {rate}, dt {dt}, id {id}"
                    );
                    assert_eq!(a.next_u64(), b.next_u64(), "one draw each");
                }
            }
        }
        // Draws just below and at the bound λ: a uniform u is compared with
        // p < λ, so u in [p, λ) must fail and u < p succeed.
        for lambda in [1e-300, 1e-20, 1e-8, 0.01, 0.5] {
            let p = hazard_prob(lambda, 1.0);
            assert!(p <= lambda * (1.0 + 1e-9), "p {p} above the bound {lambda}");
        }
    }

    #[test]
    fn hazard_probability() {
        assert!((hazard_prob(0.01, 10.0) - (1.0 - (-0.1f64).exp())).abs() < 1e-12);
        assert_eq!(hazard_prob(-1.0, 1.0), 0.0);
    }
}
