//! The shared style: the Okabe–Ito palette and viridis colour map, the embedded font and text styles, number formats, ranges and ticks.

use super::*;

// ---------------------------------------------------------------------------
// Palette and colour map
// ---------------------------------------------------------------------------

/// Okabe–Ito black.
pub const OI_BLACK: RGBColor = RGBColor(0, 0, 0);
/// Okabe–Ito orange.
pub const OI_ORANGE: RGBColor = RGBColor(230, 159, 0);
/// Okabe–Ito sky blue.
pub const OI_SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
/// Okabe–Ito bluish green.
pub const OI_BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
/// Okabe–Ito yellow.
pub const OI_YELLOW: RGBColor = RGBColor(240, 228, 66);
/// Okabe–Ito blue.
pub const OI_BLUE: RGBColor = RGBColor(0, 114, 178);
/// Okabe–Ito vermillion.
pub const OI_VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// Okabe–Ito reddish purple.
pub const OI_REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);

/// The full Okabe–Ito colour-blind-safe palette, in its customary order.
pub const OKABE_ITO: [RGBColor; 8] = [
    OI_BLACK,
    OI_ORANGE,
    OI_SKY_BLUE,
    OI_BLUISH_GREEN,
    OI_YELLOW,
    OI_BLUE,
    OI_VERMILLION,
    OI_REDDISH_PURPLE,
];

/// Okabe–Ito colours in the order used for successive lines on a white
/// background (the low-contrast yellow comes last).
pub const SERIES_COLORS: [RGBColor; 8] = [
    OI_BLUE,
    OI_VERMILLION,
    OI_BLUISH_GREEN,
    OI_ORANGE,
    OI_REDDISH_PURPLE,
    OI_SKY_BLUE,
    OI_BLACK,
    OI_YELLOW,
];

/// Neutral grey for "inactive" categories (dead cells, reference lines).
pub const NEUTRAL_GREY: RGBColor = RGBColor(140, 140, 140);

/// Colour used for missing (NaN) values in heat maps.
pub const NAN_GREY: RGBColor = RGBColor(205, 205, 205);

/// Viridis sampled at 33 evenly spaced points (matplotlib's table, CC0);
/// intermediate values are linearly interpolated.
pub(super) const VIRIDIS: [[u8; 3]; 33] = [
    [68, 1, 84],
    [71, 13, 96],
    [72, 24, 106],
    [72, 35, 116],
    [71, 45, 123],
    [69, 55, 129],
    [66, 64, 134],
    [62, 73, 137],
    [59, 82, 139],
    [55, 91, 141],
    [51, 99, 141],
    [47, 107, 142],
    [44, 114, 142],
    [41, 122, 142],
    [38, 130, 142],
    [35, 137, 142],
    [33, 145, 140],
    [31, 151, 139],
    [31, 159, 136],
    [33, 166, 133],
    [39, 173, 129],
    [49, 181, 123],
    [61, 188, 116],
    [76, 194, 108],
    [92, 200, 99],
    [110, 206, 88],
    [129, 211, 77],
    [149, 216, 64],
    [170, 220, 50],
    [192, 223, 37],
    [213, 226, 26],
    [234, 229, 26],
    [253, 231, 37],
];

/// Perceptually uniform colour map (viridis): `t` in `[0, 1]` (clamped) to a
/// colour; a non-finite `t` gives [`NAN_GREY`].
pub fn colormap(t: f64) -> RGBColor {
    let [r, g, b] = colormap_rgb(t);
    RGBColor(r, g, b)
}

pub(crate) fn colormap_rgb(t: f64) -> [u8; 3] {
    if !t.is_finite() {
        return rgb(NAN_GREY);
    }
    let s = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (s.floor() as usize).min(VIRIDIS.len() - 2);
    let f = s - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |k: usize| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * f).round() as u8;
    [mix(0), mix(1), mix(2)]
}

pub(crate) fn rgb(c: RGBColor) -> [u8; 3] {
    [c.0, c.1, c.2]
}

/// Position of `v` in `range` as a fraction (not clamped).
pub(crate) fn normalise(v: f64, range: (f64, f64)) -> f64 {
    (v - range.0) / (range.1 - range.0)
}

// ---------------------------------------------------------------------------
// Fonts and text
// ---------------------------------------------------------------------------

pub(super) static FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/DejaVuSans.ttf"
));
pub(super) static FONT_ONCE: Once = Once::new();

/// The font family every figure uses (registered from the embedded font).
pub(crate) const FONT_FAMILY: &str = "sans-serif";
pub(crate) const TITLE_PX: f64 = 22.0;
pub(crate) const LABEL_PX: f64 = 17.0;
pub(crate) const TICK_PX: f64 = 14.0;
pub(crate) const SMALL_PX: f64 = 13.0;

/// Registers the embedded DejaVu Sans as "sans-serif" (once per process).
pub(crate) fn ensure_fonts() {
    FONT_ONCE.call_once(|| {
        // The font is embedded and known to parse; a failure would only mean
        // text is not drawn, which the tests would catch.
        let _ = plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES);
    });
}

/// Black text of `px` pixels in the shared font.
pub(crate) fn text_style<'a>(px: f64) -> TextStyle<'a> {
    TextStyle::from((FONT_FAMILY, px).into_font()).color(&BLACK)
}

/// Text style anchored at the given position of its bounding box.
pub(crate) fn anchored<'a>(px: f64, h: HPos, v: VPos) -> TextStyle<'a> {
    text_style(px).pos(Pos::new(h, v))
}

/// Compact number formatting for tick and colour-bar labels.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    let decimals = (3 - a.log10().floor() as i32 - 1).clamp(0, 4) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// Tick label for `v` on an axis spanning `span`: rounding noise around zero
/// (e.g. `-5.6e-17`) prints as "0".
pub(crate) fn fmt_axis(v: f64, span: f64) -> String {
    if v.abs() <= span.abs() * 1e-9 {
        "0".to_string()
    } else {
        fmt_num(v)
    }
}

/// Labels for a set of factor levels, all in the same notation: scientific
/// for every level if any one needs it, [`fmt_num`] otherwise.
pub fn fmt_levels(levels: &[f64]) -> Vec<String> {
    let sci = levels
        .iter()
        .any(|v| v.is_finite() && *v != 0.0 && !(1e-3..1e5).contains(&v.abs()));
    levels
        .iter()
        .map(|v| {
            if sci && v.is_finite() && *v != 0.0 {
                let s = format!("{v:.2e}");
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            } else {
                fmt_num(*v)
            }
        })
        .collect()
}

/// "7" for day 7.0, "7.5" for day 7.5.
pub(crate) fn fmt_day(day: f64) -> String {
    let s = format!("{day:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Human-readable name of a simulated field ("il10" → "IL-10").
pub(crate) fn field_display_name(field: &str) -> String {
    match field.to_ascii_lowercase().as_str() {
        "oxygen" | "o2" => "O₂".to_string(),
        "vegf" => "VEGF".to_string(),
        "il10" => "IL-10".to_string(),
        "tnf" => "TNF-α".to_string(),
        "tgfb" => "TGF-β".to_string(),
        "pge2" => "PGE₂".to_string(),
        "ifng" => "IFN-γ".to_string(),
        "ev" => "Vesicles".to_string(),
        "mmp" => "MMP-9".to_string(),
        "timp" => "TIMP-1".to_string(),
        "planktonic" => "Planktonic bacteria".to_string(),
        "biofilm" => "Biofilm".to_string(),
        "provisional" => "Provisional matrix".to_string(),
        "collagen" => "Collagen".to_string(),
        _ => field.to_uppercase(),
    }
}

/// Units a field is assumed to have when the snapshot index does not say.
pub(crate) fn default_units(field: &str) -> &'static str {
    match field.to_ascii_lowercase().as_str() {
        "oxygen" | "o2" => "mmHg",
        // The tissue maps: bacteria as fractions of the bed's carrying
        // capacity, matrix as fractions of a filled bed.
        "planktonic" | "biofilm" => "of capacity",
        "provisional" | "collagen" => "of full bed",
        _ => "ng/mL",
    }
}

// ---------------------------------------------------------------------------
// Ranges and ticks
// ---------------------------------------------------------------------------

/// Min and max of the finite values, if there are any.
pub(crate) fn finite_range(vals: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    vals.into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A usable axis range: widens degenerate ranges, pads by `pad` of the span.
pub(crate) fn padded_range(r: Option<(f64, f64)>, pad: f64) -> (f64, f64) {
    let (lo, hi) = r.unwrap_or((0.0, 1.0));
    let (lo, hi) = widen(lo, hi);
    let d = (hi - lo) * pad;
    (lo - d, hi + d)
}

/// Makes `lo < hi` for a degenerate range.
pub(crate) fn widen(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        let d = lo.abs() * 0.1;
        (lo - d, hi + d)
    }
}

/// About `target` "nice" tick values (1, 2, 2.5, 5 × 10^k steps) within
/// `[lo, hi]`.
pub(crate) fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let k0 = (lo / step - 1e-9).ceil() as i64;
    let k1 = (hi / step + 1e-9).floor() as i64;
    (k0..=k1).map(|k| k as f64 * step).collect()
}
