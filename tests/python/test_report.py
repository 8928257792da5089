"""`migrasim report` and `migrasim.report`: the self-contained HTML page of output files.

The browser tests open the pages in headless Chromium (Debian `chromium`, `chromium-driver`, driven by
`python3-selenium`, all installed by ./run.sh) with the network switched off, and check what is drawn against
the HDF5 file. They skip, saying what is missing, only where those packages are not installed. Screenshots go to
out/test-artifacts/ (MIGRASIM_TEST_ARTIFACTS overrides the folder); each test prints the path it saved.
"""
import json
import os
import pathlib
import re
import shutil
import time
import urllib.parse

import h5py
import numpy as np
import pytest

from migrasim import report_outlines

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _artifacts() -> pathlib.Path:
    folder = pathlib.Path(os.environ.get("MIGRASIM_TEST_ARTIFACTS", ROOT / "out" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def outputs(cli, tmp_path_factory):
    """The demo, a second seed of it and the Eta/Iota drill, run once for the session."""
    folder = tmp_path_factory.mktemp("report")
    runs = {"demo": ("scenarios/central_america.yaml",),
            "demo_seed2": ("scenarios/central_america.yaml", "--seed", "2"),
            "drill": ("scenarios/eta_iota_2020.yaml",)}
    paths = {}
    for name, (scenario, *extra) in runs.items():
        paths[name] = folder / f"{name}.h5"
        r = cli("run", ROOT / scenario, "-o", paths[name], "-q", *extra)
        assert r.returncode == 0, r.stderr
    return paths


@pytest.fixture(scope="session")
def pages(cli, outputs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    made = {}
    for name, files in (("demo", [outputs["demo"]]), ("drill", [outputs["drill"]]),
                        ("comparison", [outputs["demo"], outputs["demo_seed2"]])):
        made[name] = folder / f"{name}.html"
        r = cli("report", *files, "-o", made[name])
        assert r.returncode == 0, r.stderr
        assert str(made[name]) in r.stdout
    return made


@pytest.fixture(scope="session")
def browser():
    missing = [what for what, path in (("chromium", CHROMIUM), ("chromium-driver", CHROMEDRIVER))
               if not os.path.exists(path)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("python3-selenium")
    if missing:
        pytest.skip(f"headless browser tests need the Debian packages {', '.join(missing)} (./run.sh installs them)")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1600,1000"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    # Offline, as the page must work: no tile server, nothing fetched.
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    yield driver
    driver.quit()


def _open(browser, page):
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(page.as_uri())
    browser.execute_script("return document.readyState")
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def _labels(f, name):
    return [v.decode() for v in f[name][()]]


def _set_day(browser, frame):
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = arguments[0]; s.dispatchEvent(new Event('input'));",
        frame)


def _drawn_flows(browser):
    return browser.execute_script(
        "const out = {}; document.querySelectorAll('path.ms-route').forEach((p) => "
        "{ out[p.getAttribute('data-route')] = [Number(p.getAttribute('data-flow')), "
        "Number(p.getAttribute('stroke-width'))]; }); return out;")


def _screenshot(browser, name):
    path = _artifacts() / f"report_{name}.png"
    assert browser.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def test_report_verb_help(cli):
    assert "report" in cli("--help").stdout
    r = cli("report", "--help")
    assert r.returncode == 0
    for word in ("FILES", "--output", "--title", "HTML"):
        assert word in r.stdout


def test_page_is_self_contained(pages, outputs):
    text = pages["demo"].read_text()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", text), "the page fetches something"
    assert "Leaflet" in text and "migrasimReport" in text
    data = json.loads(re.search(r'<script id="migrasim-data" type="application/json">(.*?)</script>', text,
                                re.S).group(1).replace("<\\/", "</"))
    run = data["runs"][0]
    with h5py.File(outputs["demo"]) as f:
        assert run["frames"]["step"] == 1 and len(run["frames"]["first"]) == f["time"].shape[0]
        assert run["places"]["name"] == _labels(f, "location")
        np.testing.assert_array_equal(run["map"]["flow"], f["flow"][()])
    size = len(json.dumps(data, separators=(",", ":")))
    assert size < 1_500_000  # the demo's data, embedded: about 1.09 MB (docs/report.md)
    assert "one frame per day" in data["note"] and "Embedded data" in data["note"]


def test_bad_input_exits_2_and_leaves_no_page(cli, tmp_path, outputs):
    page = tmp_path / "r.html"
    r = cli("report", tmp_path / "none.h5", "-o", page)
    assert r.returncode == 2 and "none.h5: no such file" in r.stderr and "migrasim output" in r.stderr
    text = tmp_path / "notes.h5"
    text.write_text("not HDF5")
    r = cli("report", outputs["demo"], text, "-o", page)
    assert r.returncode == 2 and "notes.h5: not a migrasim output file (not HDF5" in r.stderr
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = [1, 2, 3]
    r = cli("report", other, "-o", page)
    assert r.returncode == 2 and "other.h5: not a migrasim output file (no population" in r.stderr
    ensemble = tmp_path / "ensemble.h5"
    assert cli("ensemble", ROOT / "scenarios/central_america.yaml", "--seeds", "2", "--set", "run.days=5", "-q",
               "-o", ensemble).returncode == 0
    r = cli("report", ensemble, "-o", page)
    assert r.returncode == 2 and "ensemble.h5: an ensemble file" in r.stderr and "one run" in r.stderr
    r = cli("report", outputs["demo"], "-o", tmp_path / "no_such_folder" / "r.html")
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ensemble.h5", "notes.h5", "other.h5"]  # no page


def test_python_report_of_a_result(outputs, tmp_path):
    import migrasim

    result = migrasim.open_result(outputs["drill"])
    written = migrasim.report(result, tmp_path / "drill.html")
    assert written.path == str(tmp_path / "drill.html") and written.frame_step == 1 and written.runs == 1
    assert 0 < written.data_bytes < 600_000  # the drill's: about 0.42 MB
    assert os.listdir(tmp_path) == ["drill.html"]
    with pytest.raises(TypeError, match="expected a path to an output file or a migrasim.Result"):
        migrasim.report(object(), tmp_path / "x.html")
    with pytest.raises(ValueError, match="no such file"):
        migrasim.report(tmp_path / "missing.h5", tmp_path / "x.html")
    assert os.listdir(tmp_path) == ["drill.html"]


def test_long_runs_are_shown_by_week_and_the_cap_holds(cli, tmp_path):
    from migrasim import report_data
    from migrasim.report_page import build_data

    out = tmp_path / "long.h5"
    r = cli("run", ROOT / "scenarios/central_america.yaml", "--days", "450", "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    run = report_data.RunFile(out)
    data = json.loads(build_data([run])[0])["runs"][0]
    assert data["frames"]["step"] == 7 and len(data["frames"]["first"]) == 65  # 450 days: 64 weeks and 2 days
    with h5py.File(out) as f:
        flow, population = f["flow"][()], f["population"][()]
        kept = [i for i, s in enumerate(_labels(f, "legal_status")) if population[:, :, i].any()]
    k = 10  # days 70..76: entries summed, people at places on the last day
    np.testing.assert_array_equal(data["map"]["flow"][k], flow[70:77].sum(axis=0))
    np.testing.assert_array_equal(np.reshape(data["map"]["population"][k], (population.shape[1], -1)),
                                  population[76][:, kept])
    np.testing.assert_array_equal(data["map"]["flow"][-1], flow[448:450].sum(axis=0))
    text, step = build_data([run], max_bytes=100_000)
    assert step > 7 and len(text) <= 100_000 and "the data cap required it" in text


def test_demo_page_in_browser(browser, pages, outputs):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.common.action_chains import ActionChains

    assert _open(browser, pages["demo"]) == []
    with h5py.File(outputs["demo"]) as f:
        places, routes, flow = _labels(f, "location"), _labels(f, "edge"), f["flow"][()]
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.ms-place")) == len(places)
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.ms-route")) == len(routes)
    outlines = len(browser.find_elements(By.CSS_SELECTOR, "path.ms-outline"))
    if report_outlines.DCW_FILE.is_file():  # Debian gmt-dcw, installed by ./run.sh
        assert outlines > 10  # Mexico, the US, the seven countries of Central America, the Caribbean
    else:
        assert outlines == 0 and "gmt-dcw" in browser.find_element(By.ID, "note").text
    assert sorted(e.get_attribute("data-place") for e in browser.find_elements(By.CSS_SELECTOR, "path.ms-place")) \
        == sorted(places)
    busy, quiet = int(flow.sum(axis=1).argmax()), 5
    for day in (busy, quiet):
        _set_day(browser, day)
        drawn = _drawn_flows(browser)
        assert {r: v[0] for r, v in drawn.items()} == {r: int(flow[day, i]) for i, r in enumerate(routes)}
        assert f"day {day} " in browser.find_element(By.ID, "day").text
    widths_busy = {r: v[1] for r, v in _drawn_flows(browser).items()}
    _set_day(browser, busy)
    widths = {r: v[1] for r, v in _drawn_flows(browser).items()}
    assert widths != widths_busy  # the drawn widths follow the flows
    top = max(widths, key=widths.get)
    assert flow[busy, routes.index(top)] == flow[busy].max()
    # The keyboard moves the slider one day on; the routes show the next day's entries.
    browser.find_element(By.ID, "slider").send_keys(Keys.ARROW_RIGHT)
    assert {r: v[0] for r, v in _drawn_flows(browser).items()} == {r: int(flow[busy + 1, i]) for i, r in
                                                                    enumerate(routes)}
    # Border crossings are sized by the people who crossed on the border routes that touch them that day.
    with h5py.File(outputs["demo"]) as f:
        border, crossed = _labels(f, "border_edge"), f["crossings"][()].sum(axis=(2, 3))
    drawn = {e.get_attribute("data-place"): int(e.get_attribute("data-crossings"))
             for e in browser.find_elements(By.CSS_SELECTOR, "path.ms-kind-border_crossing[data-crossings]")}
    expected = {}
    for b, name in enumerate(border):
        for end in name.split("--"):
            if end in drawn:
                expected[end] = expected.get(end, 0) + int(crossed[busy + 1, b])
    assert drawn and drawn == expected
    # Each chart's CSV link gives its numbers: the route entries per day are the file's flows, summed.
    browser.execute_script("document.addEventListener('click', (e) => e.preventDefault(), true);")
    link = browser.find_element(By.CSS_SELECTOR, "#chart-flows a.csv")
    link.click()
    href = link.get_attribute("href")
    assert href.startswith("data:text/csv")
    rows = [line.split(",") for line in urllib.parse.unquote(href.split(",", 1)[1]).strip().split("\n")]
    assert rows[0] == ["date", "first_day", "last_day", "departures", "route entries"]
    assert [int(r[4]) for r in rows[1:]] == flow.sum(axis=1).tolist()
    # Play runs through the days; pausing leaves the map on a day with that day's flows.
    _set_day(browser, 0)
    browser.find_element(By.ID, "play").click()
    time.sleep(0.6)
    browser.find_element(By.ID, "play").click()
    day = int(browser.find_element(By.ID, "slider").get_attribute("value"))
    assert 0 < day < len(flow)
    assert {r: v[0] for r, v in _drawn_flows(browser).items()} == {r: int(flow[day, i]) for i, r in enumerate(routes)}
    # Hovering a place shows its numbers: the most populous marker not covered by another at its centre.
    _set_day(browser, busy)
    uncovered = [e for e in browser.find_elements(By.CSS_SELECTOR, "path.ms-place") if browser.execute_script(
        "const b = arguments[0].getBoundingClientRect();"
        "return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === arguments[0];", e)]
    biggest = max(uncovered, key=lambda e: int(e.get_attribute("data-population")))
    ActionChains(browser).move_to_element(biggest).perform()
    tip = browser.find_element(By.CSS_SELECTOR, ".leaflet-tooltip").text
    assert biggest.get_attribute("data-place") in tip and f"{int(biggest.get_attribute('data-population')):,}" in tip
    assert len(browser.find_elements(By.CSS_SELECTOR, "#charts .chart svg")) >= 6
    assert len(browser.find_elements(By.CSS_SELECTOR, "#charts a.csv")) == len(
        browser.find_elements(By.CSS_SELECTOR, "#charts .chart"))
    assert "seed" in browser.find_element(By.ID, "provenance").text
    _screenshot(browser, "demo")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_drill_page_in_browser(browser, pages, outputs):
    from selenium.webdriver.common.by import By

    assert _open(browser, pages["drill"]) == []
    with h5py.File(outputs["drill"]) as f:
        places, routes = _labels(f, "location"), _labels(f, "edge")
        shelters, occupancy = _labels(f, "shelter"), f["shelter_occupancy"][()]
    capacity = {}
    for line in (ROOT / "scenarios/eta_iota_2020/locations.csv").read_text().splitlines()[1:]:
        cells = line.split(",")
        if cells[2] == "shelter":
            capacity[cells[0]] = int(cells[6])
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.ms-place")) == len(places)
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.ms-route")) == len(routes)
    peak = int(occupancy.sum(axis=1).argmax())
    _set_day(browser, peak)
    drawn = {e.get_attribute("data-place"): (int(e.get_attribute("data-occupancy")),
                                             "ms-over" in e.get_attribute("class"))
             for e in browser.find_elements(By.CSS_SELECTOR, "path.ms-kind-shelter")}
    assert drawn == {s: (int(occupancy[peak, k]), int(occupancy[peak, k]) > capacity[s])
                     for k, s in enumerate(shelters)}
    assert any(over for _, over in drawn.values())  # the drill overfills some shelters at its peak
    assert browser.find_element(By.ID, "chart-shelters").is_displayed()
    _screenshot(browser, "drill")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_comparison_page_in_browser(browser, pages, outputs):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    assert _open(browser, pages["comparison"]) == []
    with h5py.File(outputs["demo"]) as a, h5py.File(outputs["demo_seed2"]) as b:
        departures = [int(a["spawned"][()].sum()), int(b["spawned"][()].sum())]
        flow_b = b["flow"][()]
        routes = _labels(b, "edge")
    rows = {r.find_elements(By.TAG_NAME, "td")[0].text: [c.text for c in r.find_elements(By.TAG_NAME, "td")[1:]]
            for r in browser.find_elements(By.CSS_SELECTOR, "#comparison table.headline tr")[1:]}
    diff = departures[1] - departures[0]
    assert rows["departures (all days)"][:2] == [f"{departures[0]:,}", f"{departures[1]:,}"]
    assert rows["departures (all days)"][2].startswith(f"{diff:+,}")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#comparison .chart svg")) >= 2
    Select(browser.find_element(By.ID, "run")).select_by_index(1)  # the map and charts of the second file
    _set_day(browser, 100)
    assert {r: v[0] for r, v in _drawn_flows(browser).items()} == {r: int(flow_b[100, i]) for i, r in enumerate(routes)}
    _screenshot(browser, "comparison")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
