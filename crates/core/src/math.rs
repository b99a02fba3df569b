//! Portable elementary functions.
//!
//! The platform's maths library differs between systems in the last bit of
//! some results (glibc, macOS, a browser's wasm32 runtime), which would make
//! a run's output depend on where it ran. Every transcendental function the
//! core uses comes from here instead, implemented once by the `libm` crate
//! (a port of musl's libm) in plain IEEE-754 arithmetic, so the same
//! scenario and seed give bit-identical results on x86-64, other CPUs and
//! wasm32. Square roots and the basic operations are exactly rounded by
//! IEEE-754 everywhere and need no wrapper.

/// eˣ.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// eˣ − 1, accurate for small x.
#[inline]
pub fn exp_m1(x: f64) -> f64 {
    libm::expm1(x)
}

/// Cube root.
#[inline]
pub fn cbrt(x: f64) -> f64 {
    libm::cbrt(x)
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// Cosine (radians).
#[inline]
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// Sine (radians).
#[inline]
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

/// Arcsine (radians, in [−π/2, π/2]; NaN outside [−1, 1]).
#[inline]
pub fn asin(x: f64) -> f64 {
    libm::asin(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_platform_to_an_ulp_or_two() {
        for i in 0..2000 {
            let x = (i as f64 - 1000.0) * 0.0137;
            let close = |a: f64, b: f64| (a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1e-300);
            assert!(close(exp(x), x.exp()), "exp({x})");
            assert!(close(exp_m1(x), x.exp_m1()), "exp_m1({x})");
            assert!((cos(x) - x.cos()).abs() <= 4.0 * f64::EPSILON, "cos({x})");
            assert!((sin(x) - x.sin()).abs() <= 4.0 * f64::EPSILON, "sin({x})");
            if x > 0.0 {
                assert!(close(ln(x), x.ln()), "ln({x})");
            }
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(ln(1.0), 0.0);
        assert!(ln(0.0).is_infinite() && ln(-1.0).is_nan());
    }
}
