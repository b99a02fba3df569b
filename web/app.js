// woundsim live: the real simulation engine (WebAssembly) in a page.
import init, { Simulation, param_table_json, presets_json, version } from "./pkg/woundsim_wasm.js";
import { drawFieldMap, legendHTML } from "./fieldmap.js";
import { Charts } from "./charts.js";

const $ = (sel, root = document) => root.querySelector(sel);
const status = (msg, ok = false) => {
  const s = $("#status");
  s.textContent = msg;
  s.className = ok ? "ok" : "";
};

// State shared with tests and the benchmark (read-only use expected).
const app = (window.woundsim = { ready: false, arms: [], errors: [], perf: { mapMs: [], stepMs: [] } });

// The controls of each arm, in order; any other key is set by name.
// Plain names of the main controls (any other key shows its last part).
const NAMES = {
  "patient.wound_type": "wound type",
  "treatment.product.source": "MSC source",
  "treatment.product.form": "product form",
  "treatment.product.engineered": "engineering",
  "treatment.delivery.route": "route",
  "treatment.dose.dose_cells": "dose",
  "treatment.dose.per_cm2": "dose per cm²",
  "treatment.dose.days": "dosing days",
  "treatment.preconditioning.kind": "preconditioning",
  "treatment.standard_care.debridement_every_days": "debridement every",
  "treatment.standard_care.infection_control": "infection control",
  "treatment.standard_care.offloading": "offloading",
  "treatment.standard_care.compression": "compression",
  "treatment.standard_care.negative_pressure": "negative pressure",
  "treatment.standard_care.revascularisation_perfusion_gain": "revascularisation",
  "treatment.standard_care.oxygen_therapy_mmhg": "oxygen therapy",
  "time.days": "days simulated",
  "seed": "random seed",
};

const MAIN_KEYS = [
  "patient.wound_type",
  "treatment.product.source",
  "treatment.product.form",
  "treatment.product.engineered",
  "treatment.delivery.route",
  "treatment.dose.dose_cells",
  "treatment.dose.per_cm2",
  "treatment.dose.days",
  "treatment.preconditioning.kind",
  "treatment.standard_care.debridement_every_days",
  "treatment.standard_care.infection_control",
  "treatment.standard_care.offloading",
  "treatment.standard_care.compression",
  "treatment.standard_care.negative_pressure",
  "treatment.standard_care.revascularisation_perfusion_gain",
  "treatment.standard_care.oxygen_therapy_mmhg",
  "time.days",
  "seed",
];

let PARAMS = new Map();
let PRESETS = null;

// One live simulation with its scenario text, preset overrides and the
// user's changes; its map and controls live in a <section> of the page.
class Arm {
  constructor(slot, title, toml, label, sets) {
    this.slot = slot;
    this.title = title;
    this.toml = toml;
    this.label = label;
    this.sets = sets;
    this.user = new Map();
    this.field = "oxygen";
    this.el = $("#arm-template").content.firstElementChild.cloneNode(true);
    this.el.setAttribute("aria-label", `Arm ${slot}`);
    this.el.dataset.arm = slot;
    $("#arms").append(this.el);
    this.canvas = $(".fieldmap", this.el);
    this.bar = $(".colorbar", this.el);
    $(".field-select", this.el).addEventListener("change", (e) => {
      this.field = e.target.value;
      this.draw();
    });
    $(".key-name", this.el).addEventListener("input", (e) => {
      const p = PARAMS.get(e.target.value.trim());
      $(".key-explain", this.el).textContent = p ? p.explain : "";
    });
    $(".key-set", this.el).addEventListener("click", () => {
      const k = $(".key-name", this.el).value.trim();
      const v = $(".key-value", this.el).value.trim();
      if (!k || !v) return status("Give a key and a value, e.g. msc.hypoxia_death_per_day and 0.5");
      this.change(k, v);
    });
    if (!this.build()) throw new Error(app.errors[app.errors.length - 1]);
  }

  allSets() {
    return [...this.sets, ...[...this.user].map(([k, v]) => `${k}=${v}`)];
  }

  // (Re)build the simulation from the scenario and overrides; on bad
  // input keep the previous one and show the core's message.
  build() {
    try {
      const sim = new Simulation(this.toml, this.label, this.allSets());
      if (this.sim) this.sim.free();
      this.sim = sim;
    } catch (e) {
      const msg = String(e.message || e);
      app.errors.push(msg);
      status(msg);
      return false;
    }
    this.columns = this.sim.columns();
    this.samples = [];
    this.sampleEvery = Math.max(1, Math.round(this.sim.steps_per_day / 24));
    this.sample();
    this.fillFields();
    this.fillControls();
    this.fillOverrides();
    $(".arm-title", this.el).textContent = `${this.slot}: ${this.title}`;
    status(`Ready: ${this.label}`, true);
    return true;
  }

  change(key, value) {
    const old = this.user.get(key);
    this.user.set(key, value);
    if (!this.build()) {
      const msg = app.errors[app.errors.length - 1];
      if (old === undefined) this.user.delete(key);
      else this.user.set(key, old);
      this.build();
      status(`Not changed: ${msg}`);
      return false;
    }
    onChanged();
    return true;
  }

  remove(key) {
    this.user.delete(key);
    this.build();
    onChanged();
  }

  sample() {
    this.samples.push(...this.sim.current_row());
  }

  // Advance `n` base steps in chunks of one sample interval.
  advance(n) {
    let done = 0;
    while (done < n && !this.sim.finished) {
      const k = Math.min(this.sampleEvery - (this.stepsSinceSample || 0), n - done);
      const t = this.sim.step(k);
      if (t === 0) break;
      done += t;
      this.stepsSinceSample = (this.stepsSinceSample || 0) + t;
      if (this.stepsSinceSample >= this.sampleEvery || this.sim.finished) {
        this.stepsSinceSample = 0;
        this.sample();
      }
    }
    return done;
  }

  reset() {
    this.sim.reset();
    this.samples = [];
    this.stepsSinceSample = 0;
    this.sample();
  }

  fillFields() {
    const sel = $(".field-select", this.el);
    // The fields, then the tissue maps (bacteria and matrix of the bed).
    const names = [...this.sim.field_names(), ...this.sim.map_names()];
    const units = [...this.sim.field_units(), ...this.sim.map_units()];
    this.units = Object.fromEntries(names.map((n, i) => [n, units[i]]));
    if (!names.includes(this.field)) this.field = names[0];
    sel.innerHTML = names.map((n) => `<option value="${n}">${n} [${this.units[n]}]</option>`).join("");
    sel.value = this.field;
    sel.id = `field-${this.slot}`;
  }

  fillControls() {
    const box = $(".main-controls", this.el);
    box.innerHTML = "";
    for (const key of MAIN_KEYS) {
      const p = PARAMS.get(key);
      if (!p) continue;
      box.append(control(this, p));
    }
  }

  fillOverrides() {
    const ul = $(".overrides", this.el);
    ul.innerHTML = "";
    const all = [...this.sets.map((s) => [s, false]), ...[...this.user].map(([k, v]) => [`${k}=${v}`, k])];
    if (!all.length) ul.innerHTML = "<li>none</li>";
    for (const [text, key] of all) {
      const li = document.createElement("li");
      li.textContent = text + (key ? "" : " (preset)");
      if (key) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = "undo";
        b.setAttribute("aria-label", `Undo ${text}`);
        b.addEventListener("click", () => this.remove(key));
        li.append(b);
      }
      ul.append(li);
    }
  }

  draw() {
    const t0 = performance.now();
    const r = drawFieldMap(this.canvas, this.bar, this.sim, this.field, this.units[this.field]);
    app.perf.mapMs.push(performance.now() - t0);
    if (app.perf.mapMs.length > 200) app.perf.mapMs.shift();
    if (r.k !== this.lastK) {
      $(".legend", this.el).innerHTML = legendHTML(r.k);
      this.lastK = r.k;
    }
    $(".map-info", this.el).textContent = `${this.sim.nx} × ${this.sim.ny} voxels of ${this.sim.dx_um} µm`;
  }

  free() {
    this.el.remove();
    if (this.sim) this.sim.free();
  }
}

// One control row generated from the parameter table.
function control(arm, p) {
  const row = document.createElement("div");
  row.className = "control";
  const id = `c-${arm.slot}-${p.key.replaceAll(".", "-")}`;
  const short = NAMES[p.key] || p.key.split(".").pop().replaceAll("_", " ");
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = short;
  label.title = p.key;
  const current = arm.sim.value_of(p.key);
  let input;
  if (p.kind === "choice" || p.kind === "bool") {
    input = document.createElement("select");
    for (const c of p.choices) {
      const o = document.createElement("option");
      o.value = c;
      o.textContent = c.replaceAll("_", " ");
      input.append(o);
    }
    input.value = current === undefined ? "" : current.replace(/^"|"$/g, "");
  } else {
    input = document.createElement("input");
    if (p.kind === "number" || p.kind === "integer") {
      input.type = "number";
      input.step = p.kind === "integer" ? "1" : "any";
      if (p.min !== null && p.min !== undefined) input.min = p.min;
      if (p.max !== null && p.max !== undefined) input.max = p.max;
    } else {
      input.type = "text";
    }
    input.value = current === undefined ? "" : current;
    if (current === undefined) input.placeholder = p.default;
  }
  input.id = id;
  input.dataset.key = p.key;
  input.setAttribute("aria-describedby", `${id}-x`);
  input.addEventListener("change", () => {
    const v = input.value.trim();
    if (v === "") return;
    if (!arm.change(p.key, v)) input.classList.add("bad");
  });
  const unit = document.createElement("span");
  unit.className = "unit";
  unit.textContent = p.unit === "-" ? "" : p.unit;
  // The explanation: a "?" button shows or hides it under the row.
  const q = document.createElement("button");
  q.type = "button";
  q.className = "q";
  q.textContent = "?";
  q.setAttribute("aria-label", `Explain ${short}`);
  q.setAttribute("aria-expanded", "false");
  q.setAttribute("aria-controls", `${id}-x`);
  const pre = document.createElement("pre");
  pre.className = "explain";
  pre.id = `${id}-x`;
  pre.hidden = true;
  pre.textContent = p.explain;
  q.addEventListener("click", () => {
    pre.hidden = !pre.hidden;
    q.setAttribute("aria-expanded", String(!pre.hidden));
  });
  unit.append(q);
  row.append(label, input, unit, pre);
  return row;
}

// ---------------------------------------------------------------------------
// Presets, A/B, import and export
// ---------------------------------------------------------------------------

function presetOptions() {
  const sel = $("#preset");
  const tour = PRESETS.tour.map((e, i) => `<option value="tour:${i}">${e.title}</option>`).join("");
  const shipped = PRESETS.scenarios
    .map((s) => `<option value="scenario:${s.name}">${s.name} (6 mm slice)</option>`)
    .join("");
  const full = PRESETS.scenarios
    .map((s) => `<option value="full:${s.name}">${s.name} (full size)</option>`)
    .join("");
  sel.innerHTML = `<optgroup label="Guided tour (6 mm slice, 4 mm wound)">${tour}</optgroup>` +
    `<optgroup label="Shipped scenarios on the tour's 6 mm slice">${shipped}</optgroup>` +
    `<optgroup label="Shipped scenarios at full size (slower)">${full}</optgroup>`;
}

function shipped(name) {
  return PRESETS.scenarios.find((s) => s.name === name);
}

// The arm definitions of a preset: [{title, toml, label, sets}].
function presetArms(value) {
  const [kind, rest] = value.split(/:(.*)/s);
  if (kind === "tour") {
    const e = PRESETS.tour[Number(rest)];
    $("#preset-help").textContent = `What to look for: ${e.look_for}`;
    return e.arms.map((a) => ({
      title: a.label,
      toml: shipped(a.scenario).toml,
      label: `<shipped scenario ${a.scenario}>`,
      sets: [...PRESETS.small, `time.days=${e.days}`, ...a.sets],
    }));
  }
  const s = shipped(rest);
  const desc = (s.toml.match(/^description\s*=\s*"(.*)"/m) || [, ""])[1];
  $("#preset-help").textContent = desc;
  const sets = kind === "scenario" ? [...PRESETS.small] : [];
  const arm = { title: s.name, toml: s.toml, label: `<shipped scenario ${s.name}>`, sets };
  return [arm, { ...arm, sets: [...sets, "treatment.product.source=none"], title: `${s.name}, no MSCs` }];
}

// Fill the arm choosers with the preset's arms (A the first, B the second).
function armChoices(defs) {
  const opts = defs.map((d, i) => `<option value="${i}">${d.title}</option>`).join("");
  $("#arm-a").innerHTML = opts;
  $("#arm-b").innerHTML = opts;
  $("#arm-a").value = "0";
  $("#arm-b").value = String(Math.min(1, defs.length - 1));
}

function loadArms(defs) {
  for (const a of app.arms) a.free();
  app.arms = [];
  const ab = $("#ab").checked;
  $("#arm-b-box").hidden = !ab;
  const picks = [Number($("#arm-a").value) || 0];
  if (ab) picks.push(Number($("#arm-b").value) || 0);
  const slots = ["A", "B"];
  try {
    picks.forEach((k, i) => {
      const d = defs[Math.min(k, defs.length - 1)];
      app.arms.push(new Arm(slots[i], d.title, d.toml, d.label, d.sets));
    });
  } catch (e) {
    status(String(e.message || e));
  }
  app.defs = defs;
  $("#arms").classList.toggle("ab", app.arms.length === 2);
  onChanged();
}

function loadPreset() {
  pause();
  const defs = presetArms($("#preset").value);
  armChoices(defs);
  loadArms(defs);
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function exportToml() {
  for (const a of app.arms) {
    const name = app.arms.length > 1 ? `scenario-${a.slot}.toml` : "scenario.toml";
    download(name, a.sim.scenario_toml(), "application/toml");
  }
}

function exportCsv() {
  for (const a of app.arms) {
    const name = app.arms.length > 1 ? `timeseries-${a.slot}.csv` : "timeseries.csv";
    download(name, a.sim.timeseries_csv(), "text/csv");
  }
}

async function importToml(file) {
  const text = await file.text();
  pause();
  const def = { title: file.name, toml: text, label: file.name, sets: [] };
  $("#preset-help").textContent = `Imported ${file.name}`;
  const defs = [def, { ...def, title: `${file.name}, no MSCs`, sets: ["treatment.product.source=none"] }];
  armChoices(defs);
  loadArms(defs);
}

// ---------------------------------------------------------------------------
// Play loop
// ---------------------------------------------------------------------------

let playing = false;
let last = 0;
let carry = 0;

function play() {
  if (!app.arms.length) return;
  if (app.arms.every((a) => a.sim.finished)) return status("At the end of the scenario: reset, or raise time.days", true);
  playing = true;
  last = performance.now();
  carry = 0;
  $("#play").textContent = "❚❚ Pause";
  $("#play").setAttribute("aria-pressed", "true");
  requestAnimationFrame(frame);
}

function pause() {
  playing = false;
  $("#play").textContent = "▶ Play";
  $("#play").setAttribute("aria-pressed", "false");
}

function frame(now) {
  if (!playing) return;
  const dt = Math.min((now - last) / 1000, 0.25);
  last = now;
  const speed = Number($("#speed").value);
  const spd = app.arms[0].sim.steps_per_day;
  carry += speed * spd * dt;
  const budget = 45; // ms of stepping per frame
  const t0 = performance.now();
  const chunk = app.arms[0].sampleEvery;
  let stepped = 0;
  while (carry >= 1 && performance.now() - t0 < budget) {
    const n = Math.min(chunk, Math.floor(carry));
    let any = 0;
    for (const a of app.arms) any = Math.max(any, a.advance(n));
    if (any === 0) break;
    carry -= n;
    stepped += n;
  }
  if (performance.now() - t0 >= budget) carry = Math.min(carry, chunk);
  if (stepped) {
    app.perf.stepMs.push((performance.now() - t0) / stepped);
    if (app.perf.stepMs.length > 200) app.perf.stepMs.shift();
    render();
  }
  if (app.arms.every((a) => a.sim.finished)) {
    pause();
    status("End of the scenario", true);
    return;
  }
  requestAnimationFrame(frame);
}

function stepOnce() {
  pause();
  for (const a of app.arms) a.advance(a.sampleEvery * 6);
  render();
}

function resetAll() {
  pause();
  for (const a of app.arms) a.reset();
  render();
}

let charts;
function render() {
  const a = app.arms[0];
  if (!a) return;
  for (const arm of app.arms) arm.draw();
  const day = a.sim.day;
  const dayEl = $("#day");
  dayEl.textContent = day.toFixed(2);
  dayEl.dataset.value = String(day);
  $("#days-total").textContent = String(+a.sim.days_total.toFixed(2));
  const ci = a.columns.indexOf("closure_pct");
  const closures = app.arms.map((x) => x.sim.current_row()[ci]);
  const cl = $("#closure");
  cl.textContent = closures.map((c) => c.toFixed(1)).join(" | ");
  cl.dataset.value = String(closures[0]);
  charts.draw(app.arms.map((x) => ({ label: x.slot, columns: x.columns, rows: x.samples, days: x.sim.days_total })));
  $("#chart-legend").textContent = app.arms.length > 1 ? "solid: arm A, dashed: arm B" : "";
}

function onChanged() {
  render();
}

// ---------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------

async function main() {
  await init();
  PARAMS = new Map(JSON.parse(param_table_json()).map((p) => [p.key, p]));
  PRESETS = JSON.parse(presets_json());
  $("#all-keys").innerHTML = [...PARAMS.keys()].map((k) => `<option value="${k}">`).join("");
  document.title = `woundsim ${version()} live`;
  charts = new Charts($("#charts"));
  presetOptions();
  $("#preset").addEventListener("change", loadPreset);
  for (const id of ["#ab", "#arm-a", "#arm-b"]) {
    $(id).addEventListener("change", () => {
      pause();
      loadArms(app.defs);
    });
  }
  $("#play").addEventListener("click", () => (playing ? pause() : play()));
  $("#step").addEventListener("click", stepOnce);
  $("#reset").addEventListener("click", resetAll);
  $("#export-toml").addEventListener("click", exportToml);
  $("#export-csv").addEventListener("click", exportCsv);
  $("#import").addEventListener("change", (e) => e.target.files[0] && importToml(e.target.files[0]));
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t.closest && t.closest("input, select, textarea, button, summary")) return;
    if (e.key === " ") { e.preventDefault(); playing ? pause() : play(); }
    else if (e.key === "ArrowRight") stepOnce();
    else if (e.key === "r" || e.key === "R") resetAll();
    else if (e.key === "+" || e.key === "-") {
      const s = $("#speed");
      s.selectedIndex = Math.min(Math.max(s.selectedIndex + (e.key === "+" ? 1 : -1), 0), s.options.length - 1);
    }
  });
  loadPreset();
  app.ready = true;
}

main().catch((e) => {
  status(`Could not start: ${e.message || e}`);
  console.error(e);
});
