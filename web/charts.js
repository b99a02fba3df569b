// Live time-series charts on canvas: one panel per quantity, time in days
// along the bottom, one Okabe–Ito colour per column; in A/B mode arm A is a
// solid line and arm B a dashed one.

const PALETTE = [[0, 114, 178], [213, 94, 0], [0, 158, 115], [204, 121, 167], [230, 159, 0], [86, 180, 233], [0, 0, 0]];
const css = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

// Panels: title, columns (the first matching name of each entry), unit and,
// optionally, one colour per column (else the palette in order).
export const PANELS = [
  { title: "Wound closure", cols: ["closure_pct"], unit: "%" },
  { title: "MSCs", cols: ["msc_live", "msc_senescent", "msc_dead"], unit: "cells" },
  // As the PNG time-series figure (crates/plot/src/timeseries.rs): live
  // neutrophils bluish green, M1 vermillion, M2 blue. Runs without the
  // neutrophils column simply have no such line.
  {
    title: "Neutrophils and macrophages", cols: ["neutrophils", "mac_m1", "mac_m2"], unit: "cells",
    colours: [[0, 158, 115], [213, 94, 0], [0, 114, 178]],
  },
  { title: "Vessels", cols: ["vessel_density_rel", "abnormal_vessel_density_rel"], unit: "× normal" },
  { title: "Oxygen", cols: ["o2_mean_mmHg"], unit: "mmHg" },
  { title: "Cytokines", cols: ["vegf_mean_ng_per_ml", "il10_mean_ng_per_ml", "tnf_mean_ng_per_ml", "tgfb_mean_ng_per_ml"], unit: "ng/mL" },
  { title: "Inflammation index", cols: ["inflammation_index_per_mm2"], unit: "neutrophils + M1 per mm²" },
  {
    title: "Immune cells inside the wound", cols: ["neutrophils_in_wound", "macrophages_in_wound"], unit: "cells",
    colours: [[0, 158, 115], [0, 114, 178]],
  },
  { title: "Fibroblasts", cols: ["fibroblasts", "myofibroblasts"], unit: "cells" },
  { title: "Matrix", cols: ["provisional_matrix_mean", "collagen_mean"], unit: "fraction of a filled bed" },
  { title: "Bacteria", cols: ["bacterial_burden", "biofilm_burden", "biofilm_fraction"], unit: "fraction" },
];

const LABELS = {
  closure_pct: "closure", msc_live: "living", msc_senescent: "senescent", msc_dead: "dead",
  neutrophils: "neutrophils", mac_m1: "M1", mac_m2: "M2", vessel_density_rel: "perfused", abnormal_vessel_density_rel: "leaky",
  o2_mean_mmHg: "O₂ in the wound", vegf_mean_ng_per_ml: "VEGF", il10_mean_ng_per_ml: "IL-10",
  tnf_mean_ng_per_ml: "TNF-α", tgfb_mean_ng_per_ml: "TGF-β",
  inflammation_index_per_mm2: "inflammation index",
  neutrophils_in_wound: "neutrophils inside", macrophages_in_wound: "macrophages inside", fibroblasts: "fibroblasts", myofibroblasts: "myofibroblasts",
  provisional_matrix_mean: "provisional matrix", collagen_mean: "collagen",
  bacterial_burden: "bacterial burden", biofilm_burden: "biofilm burden", biofilm_fraction: "share with biofilm",
};

export class Charts {
  constructor(root) {
    this.root = root;
    this.panels = PANELS.map((p) => {
      const fig = document.createElement("figure");
      fig.className = "chart";
      const cap = document.createElement("figcaption");
      const canvas = document.createElement("canvas");
      canvas.width = 380; canvas.height = 200;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `${p.title} over time`);
      fig.append(cap, canvas);
      root.append(fig);
      return { ...p, canvas, cap };
    });
  }

  // arms: [{label, columns, rows (flat Float64Array-like), days}]
  draw(arms) {
    for (const p of this.panels) this.drawPanel(p, arms);
  }

  drawPanel(p, arms) {
    const g = p.canvas.getContext("2d");
    const W = p.canvas.width, H = p.canvas.height;
    const L = 46, R = 8, T = 8, B = 24;
    g.clearRect(0, 0, W, H);
    g.fillStyle = "#fff"; g.fillRect(0, 0, W, H);
    let xmax = 1, ymax = 0;
    const lines = [];
    arms.forEach((arm, ai) => {
      const nc = arm.columns.length;
      const ti = arm.columns.indexOf("time_d");
      const n = Math.floor(arm.rows.length / nc);
      xmax = Math.max(xmax, arm.days);
      p.cols.forEach((col, ci) => {
        const k = arm.columns.indexOf(col);
        if (k < 0) return;
        const pts = new Float64Array(2 * n);
        for (let r = 0; r < n; r++) {
          pts[2 * r] = arm.rows[r * nc + ti];
          const v = arm.rows[r * nc + k];
          pts[2 * r + 1] = v;
          if (v > ymax) ymax = v;
        }
        lines.push({ pts, colour: p.colours ? p.colours[ci] : PALETTE[ci % PALETTE.length], dash: ai === 1, col, arm: arm.label });
      });
    });
    if (p.title === "Wound closure") ymax = Math.max(ymax, 100);
    ymax = niceMax(ymax);
    const X = (x) => L + ((W - L - R) * x) / xmax;
    const Y = (y) => T + (H - T - B) * (1 - y / ymax);
    // Axes and ticks.
    g.strokeStyle = "#ccc"; g.fillStyle = "#333"; g.lineWidth = 1;
    g.font = "11px system-ui, sans-serif";
    for (const t of ticks(ymax)) {
      g.beginPath(); g.moveTo(L, Y(t) + 0.5); g.lineTo(W - R, Y(t) + 0.5); g.stroke();
      g.textAlign = "right"; g.fillText(fmt(t), L - 4, Y(t) + 4);
    }
    for (const t of ticks(xmax)) {
      g.textAlign = "center"; g.fillText(fmt(t), X(t), H - 8);
    }
    g.strokeStyle = "#000";
    g.strokeRect(L + 0.5, T + 0.5, W - L - R - 1, H - T - B - 1);
    g.textAlign = "left";
    // Lines.
    for (const ln of lines) {
      g.strokeStyle = css(ln.colour); g.lineWidth = 2;
      g.setLineDash(ln.dash ? [6, 4] : []);
      g.beginPath();
      // An undefined value (NaN, e.g. the M2 fraction with no macrophages)
      // breaks the line.
      let pen = false;
      for (let i = 0; i < ln.pts.length; i += 2) {
        if (!Number.isFinite(ln.pts[i + 1])) { pen = false; continue; }
        const x = X(ln.pts[i]), y = Y(ln.pts[i + 1]);
        pen ? g.lineTo(x, y) : g.moveTo(x, y);
        pen = true;
      }
      g.stroke();
    }
    g.setLineDash([]);
    const seen = new Set();
    const keys = lines.filter((l) => !seen.has(l.col) && seen.add(l.col));
    p.cap.innerHTML = `<b>${p.title}</b> [${p.unit}] — time in days · ` +
      keys.map((l) => `<span style="color:${css(l.colour)}">■</span> ${LABELS[l.col] || l.col}`).join(" ");
  }
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(max) {
  const raw = max / 4;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) || raw;
  const out = [];
  for (let t = 0; t <= max + 1e-9; t += step) out.push(t);
  return out;
}

function fmt(v) {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2) return v.toExponential(0);
  return (+v.toPrecision(3)).toString();
}
