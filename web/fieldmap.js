// Field map of the live tissue, drawn like the PNG field maps of
// `woundsim plot` (crates/plot/src/fieldmap.rs): viridis heat map (range
// from 0, or the lowest value if negative, to the highest), vessels in
// their class colours over it, the open-wound margin as a white line with
// black edges, agents as Okabe–Ito markers with their own shapes (living
// MSC sky-blue circle, senescent MSC hollow sky-blue circle, dead MSC grey
// ring, M1 vermillion square, M2 reddish-purple diamond, tip cell yellow
// triangle, neutrophil bluish-green plus sign, hollow when apoptotic), about
// 600 markers at most, a scale bar and the day.

// The viridis colour map of crates/plot/src/lib.rs (33 stops).
export const VIRIDIS = [[68,1,84],[71,13,96],[72,24,106],[72,35,116],[71,45,123],[69,55,129],[66,64,134],[62,73,137],[59,82,139],[55,91,141],[51,99,141],[47,107,142],[44,114,142],[41,122,142],[38,130,142],[35,137,142],[33,145,140],[31,151,139],[31,159,136],[33,166,133],[39,173,129],[49,181,123],[61,188,116],[76,194,108],[92,200,99],[110,206,88],[129,211,77],[149,216,64],[170,220,50],[192,223,37],[213,226,26],[234,229,26],[253,231,37]];

// Okabe–Ito colours and greys of crates/plot/src/lib.rs.
export const OI = {
  black: [0, 0, 0], orange: [230, 159, 0], skyBlue: [86, 180, 233], bluishGreen: [0, 158, 115],
  yellow: [240, 228, 66], blue: [0, 114, 178], vermillion: [213, 94, 0], reddishPurple: [204, 121, 167],
  neutralGrey: [140, 140, 140], nanGrey: [205, 205, 205], sproutGrey: [225, 225, 225],
};

// Vessel classes 1..4: sprout, perfused new, leaky new, mature.
export const VESSEL_COLOURS = [null, OI.sproutGrey, OI.orange, OI.blue, OI.black];
export const VESSEL_NAMES = ["", "sprout (no flow yet)", "new vessel with flow", "new leaky vessel", "original vessel"];

// Agent kinds of Simulation.agents(): 0 MSC, 1 senescent MSC, 2 dead MSC, 3 M1, 4 M2, 5 tip,
// 6 neutrophil, 7 apoptotic neutrophil.
export const AGENT_COLOURS = [OI.skyBlue, OI.skyBlue, OI.neutralGrey, OI.vermillion, OI.reddishPurple, OI.yellow, OI.bluishGreen, OI.bluishGreen];
export const AGENT_NAMES = ["living MSC", "senescent MSC", "dead MSC", "M1 macrophage", "M2 macrophage", "tip cell", "neutrophil", "apoptotic neutrophil"];
export const MAX_MARKERS = 600;

const css = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

export function viridis(t) {
  if (!Number.isFinite(t)) return OI.nanGrey;
  const s = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(s), VIRIDIS.length - 2);
  const f = s - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f));
}

// Viridis sampled at LUT_LEVELS levels, as flat RGB bytes.
const LUT_LEVELS = 1024;
let lutCache = null;
function LUT() {
  if (!lutCache) {
    lutCache = new Uint8Array(3 * LUT_LEVELS);
    for (let q = 0; q < LUT_LEVELS; q++) lutCache.set(viridis(q / (LUT_LEVELS - 1)), 3 * q);
  }
  return lutCache;
}

// The colour range of a field: from min(0, lowest) to the highest value,
// widened when flat (as color_range/widen in the plot crate).
export function colourRange(data) {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  lo = Math.min(lo, 0);
  if (!(hi > lo)) hi = lo + (Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1);
  return [lo, hi];
}

// Marker radius as marker_radius in the plot crate: about one voxel, 2 to
// 5 px, smaller when markers would cover more than ~15 % of the map.
export function markerRadius(w, h, nx, n) {
  const pxPerVoxel = w / Math.max(nx, 1);
  const crowded = Math.sqrt((0.15 * w * h) / (Math.PI * Math.max(n, 1)));
  const r = Math.min(Math.min(Math.max(Math.round(pxPerVoxel), 2), 5), Math.round(crowded));
  return Math.max(r, 1);
}

export function drawMarker(g, kind, x, y, r) {
  const edged = r >= 3;
  g.lineWidth = 1;
  g.strokeStyle = "#000";
  g.fillStyle = css(AGENT_COLOURS[kind]);
  const poly = (pts) => {
    g.beginPath();
    pts.forEach(([px, py], i) => (i ? g.lineTo(px, py) : g.moveTo(px, py)));
    g.closePath();
    g.fill();
    if (edged) g.stroke();
  };
  switch (kind) {
    case 0:
      g.beginPath(); g.arc(x, y, r, 0, 2 * Math.PI); g.fill();
      if (edged) g.stroke();
      break;
    case 1: case 2:
      if (edged) { g.beginPath(); g.arc(x, y, r + 1, 0, 2 * Math.PI); g.stroke(); }
      g.lineWidth = 2; g.strokeStyle = css(AGENT_COLOURS[kind]);
      g.beginPath(); g.arc(x, y, r, 0, 2 * Math.PI); g.stroke();
      break;
    case 3: {
      const q = r - Math.floor((r + 2) / 5);
      poly([[x - q, y - q], [x + q, y - q], [x + q, y + q], [x - q, y + q]]);
      break;
    }
    case 4: {
      const q = r + 1;
      poly([[x, y - q], [x + q, y], [x, y + q], [x - q, y]]);
      break;
    }
    case 6: case 7: {
      // A plus sign (as draw_marker in crates/plot/src/fieldmap/maps.rs):
      // filled when live, a bluish-green outline when apoptotic.
      const q = r + 1, w = Math.max(Math.floor(q / 3), 1);
      const plus = [[x - w, y - q], [x + w, y - q], [x + w, y - w], [x + q, y - w], [x + q, y + w], [x + w, y + w],
        [x + w, y + q], [x - w, y + q], [x - w, y + w], [x - q, y + w], [x - q, y - w], [x - w, y - w]];
      if (kind === 6) {
        poly(plus);
      } else {
        g.lineWidth = 2; g.strokeStyle = css(AGENT_COLOURS[kind]);
        g.beginPath();
        plus.forEach(([px, py], i) => (i ? g.lineTo(px, py) : g.moveTo(px, py)));
        g.closePath();
        g.stroke();
      }
      break;
    }
    default:
      poly([[x, y - r - 1], [x - r - 1, y + r], [x + r + 1, y + r]]);
  }
}

// The wound margin as line segments in canvas pixels: the edges between
// open and closed voxels, merged into runs along each grid line (as the
// PNG maps do), drawn as a white line with black edges on a transparent
// layer that is kept while the mask and the canvas size stay the same.
function marginLayer(canvas, wound, nx, ny, sx, sy, W, H) {
  const c = canvas.__margin;
  if (c && c.H === H && c.W === W && sameBytes(c.wound, wound)) return c.layer;
  const segs = [];
  for (let i = 1; i < nx; i++) {
    let start = -1;
    for (let j = 0; j <= ny; j++) {
      const edge = j < ny && wound[j * nx + i - 1] !== wound[j * nx + i];
      if (edge && start < 0) start = j;
      else if (!edge && start >= 0) { segs.push([i * sx, H - start * sy, i * sx, H - j * sy]); start = -1; }
    }
  }
  for (let j = 1; j < ny; j++) {
    let start = -1;
    for (let i = 0; i <= nx; i++) {
      const edge = i < nx && wound[(j - 1) * nx + i] !== wound[j * nx + i];
      if (edge && start < 0) start = i;
      else if (!edge && start >= 0) { segs.push([start * sx, H - j * sy, i * sx, H - j * sy]); start = -1; }
    }
  }
  const layer = document.createElement("canvas");
  layer.width = W; layer.height = H;
  const g = layer.getContext("2d");
  for (const [style, width] of [["#000", 4], ["#fff", 2]]) {
    g.strokeStyle = style; g.lineWidth = width; g.lineCap = "square";
    g.beginPath();
    for (const [a, b, c2, d] of segs) { g.moveTo(a, b); g.lineTo(c2, d); }
    g.stroke();
  }
  canvas.__margin = { W, H, wound, layer };
  return layer;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Draw the map of `sim` (a Simulation) for `field` on `canvas`; returns
// the colour range and the thinning factor.
export function drawFieldMap(canvas, bar, sim, field, unit) {
  const nx = sim.nx, ny = sim.ny;
  const data = sim.field(field);
  const vessels = sim.vessels();
  const wound = sim.wound();
  const range = colourRange(data);
  const span = range[1] - range[0];
  // Canvas pixels keep the domain's aspect ratio.
  const W = canvas.width;
  const H = Math.max(20, Math.round((W * ny) / nx));
  if (canvas.height !== H) canvas.height = H;
  const g = canvas.getContext("2d");
  // One pixel per voxel, then scaled: y grows upwards in the model.
  const img = new ImageData(nx, ny);
  const px = img.data;
  const lut = LUT();
  const scale = (LUT_LEVELS - 1) / span;
  for (let j = 0; j < ny; j++) {
    const row = (ny - 1 - j) * nx;
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const o = (row + i) * 4;
      const v = vessels[k];
      if (v > 0 && v < 5) {
        const c = VESSEL_COLOURS[v];
        px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2];
      } else {
        const t = (data[k] - range[0]) * scale;
        const q = 3 * (t >= 0 ? (t <= LUT_LEVELS - 1 ? (t + 0.5) | 0 : LUT_LEVELS - 1) : 0);
        if (t === t) {
          px[o] = lut[q]; px[o + 1] = lut[q + 1]; px[o + 2] = lut[q + 2];
        } else {
          px[o] = OI.nanGrey[0]; px[o + 1] = OI.nanGrey[1]; px[o + 2] = OI.nanGrey[2];
        }
      }
      px[o + 3] = 255;
    }
  }
  const off = drawFieldMap.off || (drawFieldMap.off = document.createElement("canvas"));
  off.width = nx; off.height = ny;
  off.getContext("2d").putImageData(img, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(off, 0, 0, W, H);

  // Wound margin: edges between open and closed voxels.
  const sx = W / nx, sy = H / ny;
  g.drawImage(marginLayer(canvas, wound, nx, ny, sx, sy, W, H), 0, 0);

  // Agents.
  const a = sim.agents(MAX_MARKERS);
  const k = a[a.length - 1];
  const n = (a.length - 1) / 3;
  const ex = nx * sim.dx_um, ey = ny * sim.dx_um;
  const r = markerRadius(W, H, nx, n);
  for (let m = 0; m < n; m++) {
    const fx = a[3 * m + 1] / ex, fy = a[3 * m + 2] / ey;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) continue;
    drawMarker(g, a[3 * m], Math.round(fx * W), Math.round(H - fy * H), r);
  }

  // Scale bar (a round length of about a quarter of the width) and day.
  const target = ex / 4;
  const p10 = Math.pow(10, Math.floor(Math.log10(target)));
  const len = [1, 2, 5, 10].map((m) => m * p10).filter((v) => v <= target).pop() || p10;
  const bw = (len / ex) * W;
  g.fillStyle = "rgba(255,255,255,0.85)";
  g.fillRect(6, H - 30, bw + 12, 24);
  g.fillStyle = "#000";
  g.fillRect(12, H - 14, bw, 4);
  g.font = "12px system-ui, sans-serif";
  g.fillText(len >= 1000 ? `${len / 1000} mm` : `${len} µm`, 12, H - 18);
  const dayText = `day ${sim.day.toFixed(2)}`;
  g.fillStyle = "rgba(255,255,255,0.85)";
  g.fillRect(6, 6, g.measureText(dayText).width + 10, 20);
  g.fillStyle = "#000";
  g.fillText(dayText, 11, 21);
  g.strokeStyle = "#000"; g.lineWidth = 1;
  g.strokeRect(0.5, 0.5, W - 1, H - 1);

  drawColourBar(bar, range, unit);
  return { range, k, markers: n };
}

function drawColourBar(bar, range, unit) {
  const g = bar.getContext("2d");
  const W = bar.width, H = bar.height;
  g.clearRect(0, 0, W, H);
  const x0 = 10, x1 = W - 10, h = 12;
  if (!bar.__ramp || bar.__ramp.width !== x1 - x0) {
    const ramp = new ImageData(x1 - x0, 1);
    for (let x = 0; x < x1 - x0; x++) {
      const c = viridis(x / (x1 - x0 - 1));
      ramp.data.set([c[0], c[1], c[2], 255], 4 * x);
    }
    bar.__ramp = ramp;
  }
  for (let y = 2; y < 2 + h; y++) g.putImageData(bar.__ramp, x0, y);
  g.strokeStyle = "#000"; g.strokeRect(x0 + 0.5, 2.5, x1 - x0 - 1, h);
  g.fillStyle = "#000"; g.font = "11px system-ui, sans-serif";
  const fmt = (v) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : +v.toPrecision(3)).toString();
  g.textAlign = "left"; g.fillText(fmt(range[0]), x0, H - 3);
  g.textAlign = "center"; g.fillText(`${fmt((range[0] + range[1]) / 2)}  [${unit}]`, W / 2, H - 3);
  g.textAlign = "right"; g.fillText(fmt(range[1]), x1, H - 3);
  g.textAlign = "left";
}

// The legend of markers and vessel colours, as HTML.
export function legendHTML(k) {
  const sw = (kind) => {
    const c = document.createElement("canvas");
    c.width = 14; c.height = 14;
    drawMarker(c.getContext("2d"), kind, 7, 7, 4);
    return c.toDataURL();
  };
  const items = AGENT_NAMES.map((name, i) => `<span><img alt="" src="${sw(i)}" width="14" height="14">${name}</span>`);
  for (let v = 1; v <= 4; v++) {
    items.push(`<span><i style="display:inline-block;width:12px;height:12px;border:1px solid #444;background:${css(VESSEL_COLOURS[v])}"></i>${VESSEL_NAMES[v]}</span>`);
  }
  items.push(`<span><i style="display:inline-block;width:14px;height:4px;background:#fff;border:1px solid #000"></i>wound edge</span>`);
  if (k > 1) items.push(`<span>1 in ${k} cells of each kind drawn</span>`);
  return items.join("");
}
