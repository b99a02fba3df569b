"""Drive woundsim's web app in headless Chromium and compare it with the CLI.

Run by scripts/browser-check.sh (which builds the site and the CLI first):

    python scripts/browser_check.py --bin target/release/woundsim \
        --site target/site --out target/site-check [--bench]

Checks, each of which fails loudly:
  * the page loads without console errors;
  * pressing play (button and Space key) advances the day;
  * after 3 simulated days of the tour's small default wound, the closure
    shown equals the native run's (`woundsim run default --preset small
    --days 3`), and the exported time series equals its timeseries.csv;
  * the exported TOML runs in the CLI and reproduces the browser's series;
  * changing the route control changes the MSC count curve (data and chart);
  * importing a TOML file loads it; A/B mode runs two arms;
  * a screenshot is saved and its field map is not a single colour.
With --bench: simulated days per second (6 mm tour wound, 1 cm default),
field-map frame time and the gzipped bundle size, into bench.json.
"""

import argparse
import csv
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append((name, bool(ok)))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
    return ok


def start_server(binary, site):
    proc = subprocess.Popen(
        [binary, "serve", "--port", "0", "--dir", site],
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stderr.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"woundsim serve did not start: {line!r}")
    return proc, f"http://127.0.0.1:{m.group(1)}/"


def browser(downloads):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1300",
              "--disable-dev-shm-usage"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    opts.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "profile.default_content_setting_values.automatic_downloads": 1,
    })
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def console_errors(d):
    return [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]


def wait_for(d, js, timeout=120, what="condition"):
    try:
        return WebDriverWait(d, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(js))
    except Exception:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def day(d):
    return float(d.find_element(By.ID, "day").get_attribute("data-value"))


def play_to_end(d, use_key=False):
    Select(d.find_element(By.ID, "speed")).select_by_value("1000")
    if use_key:
        d.find_element(By.TAG_NAME, "body").click()
        d.find_element(By.TAG_NAME, "body").send_keys(Keys.SPACE)
    else:
        d.find_element(By.ID, "play").click()
    wait_for(d, "return window.woundsim.arms.every(a => a.sim.finished)"
                " && document.getElementById('play').getAttribute('aria-pressed') === 'false'",
             timeout=300, what="the end of the scenario")


def set_control(d, arm, key, value):
    el = d.find_element(By.ID, f"c-{arm}-{key.replace('.', '-')}")
    if el.tag_name == "select":
        Select(el).select_by_value(value)
    else:
        el.clear()
        el.send_keys(value)
        el.send_keys(Keys.TAB)
    # The arm rebuilds from day 0.
    wait_for(d, f"return window.woundsim.arms[0].sim.value_of('{key}') !== undefined", what=key)


def download(d, downloads, button, name, timeout=30):
    target = downloads / name
    if target.exists():
        target.unlink()
    d.find_element(By.ID, button).click()
    t0 = time.time()
    while time.time() - t0 < timeout:
        if target.exists() and target.stat().st_size > 0 and not list(downloads.glob("*.crdownload")):
            return target.read_text()
        time.sleep(0.1)
    raise AssertionError(f"no download {name} from #{button}")


def cli_run(binary, out, args):
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([binary, "run", *args, "--out", str(out), "--quiet", "--no-plots",
                    "--no-snapshots", "--threads", "1"], check=True)
    return (out / "timeseries.csv").read_text()


def column(csv_text, name):
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    return [r[name] for r in rows]


def distinct_colours(png_bytes, box=None):
    img = Image.open(io.BytesIO(png_bytes)).convert("RGB")
    if box:
        img = img.crop(box)
    return len(img.getcolors(maxcolors=1 << 24))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--site", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bench", action="store_true")
    a = ap.parse_args()
    out = Path(a.out).resolve()
    if out.exists():
        shutil.rmtree(out)
    downloads = out / "downloads"
    downloads.mkdir(parents=True)
    binary = str(Path(a.bin).resolve())

    server, url = start_server(binary, a.site)
    d = browser(downloads)
    try:
        run_checks(d, url, binary, out, downloads)
        if a.bench:
            bench(d, url, a.site, out)
    except AssertionError as e:
        check("browser session", False, str(e))
    finally:
        try:
            d.save_screenshot(str(out / "last.png"))
        except Exception:
            pass
        d.quit()
        server.kill()
    passed = sum(ok for _, ok in RESULTS)
    failed = len(RESULTS) - passed
    print(f"browser-check: {passed} passed, {failed} failed")
    sys.exit(1 if failed or not RESULTS else 0)


def run_checks(d, url, binary, out, downloads):
    d.get(url)
    wait_for(d, "return window.woundsim && window.woundsim.ready", what="the page to start")
    errs = console_errors(d)
    check("page loads without console errors", not errs, "; ".join(e["message"] for e in errs))
    check("the tour preset is loaded", d.execute_script("return window.woundsim.arms.length") == 1)

    # Play advances the day (the tour's 21-day default on the 6 mm slice).
    Select(d.find_element(By.ID, "speed")).select_by_value("5")
    d.find_element(By.ID, "play").click()
    wait_for(d, "return Number(document.getElementById('day').dataset.value) > 0.2", timeout=60,
             what="the day to advance")
    d.find_element(By.ID, "play").click()
    d1 = day(d)
    time.sleep(0.5)
    check("pressing play advances the day; pause stops it", d1 > 0.2 and day(d) == d1, f"day {d1}")

    # Three days of the small default wound, against the CLI.
    set_control(d, "A", "time.days", "3")
    check("a changed control restarts at day 0", day(d) == 0.0)
    play_to_end(d, use_key=True)
    check("the Space key plays to the end", abs(day(d) - 3.0) < 1e-9, f"day {day(d)}")
    closure = float(d.find_element(By.ID, "closure").get_attribute("data-value"))
    native = cli_run(binary, out / "native-default-3d", ["default", "--preset", "small", "--days", "3"])
    native_closure = column(native, "closure_pct")[-1]
    check("closure after 3 days equals the native run", closure == float(native_closure),
          f"browser {closure!r}, native {native_closure}")
    browser_csv = download(d, downloads, "export-csv", "timeseries.csv")
    check("the browser's time series equals the native timeseries.csv", browser_csv == native,
          f"{len(browser_csv.splitlines())} vs {len(native.splitlines())} lines")

    # Exported TOML reproduces the series in the CLI.
    toml_text = download(d, downloads, "export-toml", "scenario.toml")
    (out / "exported.toml").write_text(toml_text)
    from_toml = cli_run(binary, out / "native-exported", [str(out / "exported.toml")])
    check("the exported TOML runs in the CLI and reproduces the browser's series", from_toml == browser_csv)

    # Screenshot; the field map is not one colour.
    shot = out / "screenshot.png"
    d.save_screenshot(str(shot))
    canvas_png = d.execute_script(
        "return document.querySelector('.fieldmap').toDataURL('image/png').split(',')[1]")
    import base64
    n_canvas = distinct_colours(base64.b64decode(canvas_png))
    n_shot = distinct_colours(shot.read_bytes())
    check("screenshot saved; the field map is not a single colour", shot.exists() and n_canvas > 20 and n_shot > 20,
          f"{shot}: {n_canvas} colours in the map, {n_shot} on the page")

    # The route control changes the MSC curve.
    msc_topical = column(browser_csv, "msc_live")
    chart_before = d.execute_script("return document.querySelectorAll('.chart canvas')[1].toDataURL()")
    set_control(d, "A", "treatment.delivery.route", "intravenous")
    play_to_end(d)
    iv_csv = download(d, downloads, "export-csv", "timeseries.csv")
    msc_iv = column(iv_csv, "msc_live")
    chart_after = d.execute_script("return document.querySelectorAll('.chart canvas')[1].toDataURL()")
    check("changing the route changes the MSC count curve", msc_iv != msc_topical and chart_after != chart_before,
          f"msc_live topical {msc_topical}, intravenous {msc_iv}")

    # Any key by name, with a bad value refused (named key in the status).
    d.find_element(By.CSS_SELECTOR, "[data-arm=A] .any-key summary").click()
    d.find_element(By.CSS_SELECTOR, "[data-arm=A] .key-name").send_keys("msc.hypoxia_death_per_day")
    d.find_element(By.CSS_SELECTOR, "[data-arm=A] .key-value").send_keys("-1")
    d.find_element(By.CSS_SELECTOR, "[data-arm=A] .key-set").click()
    msg = d.find_element(By.ID, "status").text
    check("a bad value is refused with the core's message", "msc.hypoxia_death_per_day" in msg, msg)

    # Import the exported TOML.
    d.find_element(By.ID, "import").send_keys(str(out / "exported.toml"))
    wait_for(d, "return document.querySelector('.arm-title').textContent.includes('exported.toml')",
             what="the imported scenario")
    check("importing a TOML file loads it", day(d) == 0.0)

    # A/B: two arms side by side.
    Select(d.find_element(By.ID, "preset")).select_by_value("tour:6")
    d.find_element(By.ID, "ab").click()
    wait_for(d, "return window.woundsim.arms.length === 2", what="two arms")
    d.find_element(By.ID, "play").click()
    wait_for(d, "return window.woundsim.arms.every(a => a.sim.day > 0.5)", timeout=120, what="both arms")
    d.find_element(By.ID, "play").click()
    days = d.execute_script("return window.woundsim.arms.map(a => a.sim.day)")
    check("A/B mode runs two arms in step", len(days) == 2 and days[0] == days[1] and days[0] > 0.5, str(days))
    titles = d.execute_script("return [...document.querySelectorAll('.arm-title')].map(e => e.textContent)")
    check("A/B arms are the preset's two arms", "onto the wound" in titles[0] and "into a vein" in titles[1], str(titles))
    Select(d.find_element(By.ID, "preset")).select_by_value("tour:4")
    Select(d.find_element(By.ID, "arm-b")).select_by_value("2")
    titles = d.execute_script("return [...document.querySelectorAll('.arm-title')].map(e => e.textContent)")
    check("any arm of an experiment can be arm B", "10 × dose" in titles[1], str(titles))
    d.save_screenshot(str(out / "screenshot-ab.png"))

    errs = console_errors(d)
    check("no console errors during the session", not errs, "; ".join(e["message"] for e in errs))


def descendants(pid):
    """Process ids below `pid` (from /proc)."""
    parent = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
                parent[int(p.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        q = todo.pop()
        kids = [c for c, pp in parent.items() if pp == q]
        out += kids
        todo += kids
    return out


def cpu_seconds(pids):
    """User + system CPU time of `pids` (seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except (OSError, ValueError, IndexError):
            pass
    return total / tick


def bench(d, url, site, out):
    """Days per second in the page, map frame time, bundle size. Each is
    given in wall time and in the CPU time of the browser's processes (the
    speed on a free core: on a busy machine the wall time includes waiting
    for the CPU)."""
    d.get(url)
    wait_for(d, "return window.woundsim && window.woundsim.ready", what="the page")
    res = {}
    for label, preset, days in [("6 mm tour wound (default, small)", "tour:0", 3),
                                ("1 cm default (full size)", "full:default", 1)]:
        Select(d.find_element(By.ID, "preset")).select_by_value(preset)
        wait_for(d, f"return document.getElementById('preset').value === '{preset}'", what=preset)
        procs = descendants(d.service.process.pid)
        c0 = cpu_seconds(procs)
        r = d.execute_script(f"""
            const a = window.woundsim.arms[0], s = a.sim;
            const t0 = performance.now(); s.run_to_day({days}); const t1 = performance.now();
            return {{days: s.day, seconds: (t1 - t0) / 1000, nx: s.nx, ny: s.ny}};
        """)
        c1 = cpu_seconds(procs)
        m = d.execute_script("""
            const a = window.woundsim.arms[0], n = 20, m0 = performance.now();
            for (let i = 0; i < n; i++) a.draw();
            return (performance.now() - m0) / n;
        """)
        c2 = cpu_seconds(procs)
        r.update(cpu_seconds=c1 - c0, map_ms=m, map_cpu_ms=(c2 - c1) * 1000 / 20)
        r["days_per_second"] = r["days"] / r["seconds"]
        r["days_per_cpu_second"] = r["days"] / max(r["cpu_seconds"], 1e-9)
        res[label] = r
        print(f"bench: {label} ({r['nx']}x{r['ny']} voxels), days 0-{days}: "
              f"{r['days_per_second']:.2f} simulated days/s wall, {r['days_per_cpu_second']:.2f} per CPU second; "
              f"field map {r['map_ms']:.1f} ms per frame wall, {r['map_cpu_ms']:.1f} ms CPU", flush=True)
    wasm = Path(site) / "pkg" / "woundsim_wasm_bg.wasm"
    raw = wasm.read_bytes()
    total = sum(p.stat().st_size for p in Path(site).rglob("*") if p.is_file())
    gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in Path(site).rglob("*") if p.is_file())
    res["bundle"] = {"wasm_bytes": len(raw), "wasm_gzip_bytes": len(gzip.compress(raw, 9)),
                     "site_bytes": total, "site_gzip_bytes": gz}
    print(f"bench: bundle: wasm {len(raw)} bytes, {res['bundle']['wasm_gzip_bytes']} gzipped; "
          f"whole site {gz} bytes gzipped (goal <= 3 MB)", flush=True)
    res["load_average"] = os.getloadavg()
    (out / "bench.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
