"""report.html as an app, in a real browser: Debian's chromium, headless, driven by Selenium
through Debian's chromium-driver (`scripts/setup.sh --test` installs both; nothing is downloaded).

The page is opened from disk (file://); the filters are applied through the form and through the
URL fragment, and the test checks which person cards are shown. Set HEADSHOT_AUDIT_SCREENSHOTS to
a folder to keep the screenshots the test takes."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

from audit.pipeline import AuditConfig, run_audit
from audit.report.write import write_outputs

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (the test extra) is not installed")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="needs Debian's chromium and chromium-driver (bash scripts/setup.sh --test)")

STAFF = ("employee_id,name,title,department,photo,photo_date,photo_source,client_facing,seniority,platforms\n"
         "E1,Helen Marsh,Chief Executive Officer,Executive,photos/E1.jpg,2021-01-01,ai,yes,executive,website;press\n"
         "E2,Bo Chan,Engineer,Engineering,photos/E2.jpg,2026-06-01,photographer,no,mid,internal\n"
         "E3,Cy Diaz,Partner,Legal,photos/E3.jpg,2019-03-01,photographer,yes,senior,website\n"
         "E4,Dee Marshall,Associate,Legal,photos/E4.jpg,2026-05-01,photographer,yes,junior,website\n"
         "E5,Eve Ng,Counsel,Legal,photos/E5.jpg,2020-02-01,photographer,yes,senior,website\n"
         "E6,Fay Orr,Designer,Marketing,photos/E6.jpg,2026-07-01,photographer,no,mid,internal\n"
         "E7,Gil Park,Writer,Marketing,photos/E7.jpg,2018-09-01,self,no,junior,internal\n")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from tests.conftest import noise_image

    root = tmp_path_factory.mktemp("portfolio")
    (root / "photos").mkdir()
    (root / "staff.csv").write_text(STAFF)
    for i in range(1, 8):
        noise_image(i).save(root / "photos" / f"E{i}.jpg", quality=90)
    result = run_audit(AuditConfig(portfolio=root, as_of=date(2026, 11, 29), jobs=1))
    out = tmp_path_factory.mktemp("out")
    write_outputs(result, out, ("html",))
    return out / "report.html"


@pytest.fixture(scope="module")
def browser():
    opts = Options()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chromium-profile-")  # an empty profile: no state between runs
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,1600"):
        opts.add_argument(arg)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never try to download a driver
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shown_cards(driver) -> list[tuple[str, str, str]]:
    """(name, department, action) of the person cards the page shows."""
    return [(c.find_element(By.CSS_SELECTOR, "h3").text.split(" E")[0], c.get_attribute("data-department"),
             c.get_attribute("data-action"))
            for c in driver.find_elements(By.CSS_SELECTOR, "article.person") if c.get_attribute("hidden") is None]


def click(driver, element) -> None:
    """Click as a reader does: with the element in view, not under the sticky contents bar."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def shot(driver, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("HEADSHOT_AUDIT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(folder / f"{name}.png"))


def test_filters_from_the_form_and_from_the_link(report, browser, tmp_path):
    url = report.as_uri()
    browser.get(url)
    everyone = shown_cards(browser)
    assert len(everyone) == 7
    assert browser.find_element(By.CSS_SELECTOR, "nav.toc a[href='#contact']")
    shot(browser, "1-everyone", tmp_path)

    Select(browser.find_element(By.NAME, "department")).select_by_visible_text("Legal")
    legal = shown_cards(browser)
    assert sorted(n for n, _, _ in legal) == ["Cy Diaz", "Dee Marshall", "Eve Ng"]
    assert browser.execute_script("return location.hash") == "#department=Legal"
    # the action rows and the contact-sheet tiles follow the same filter
    for sel in ("tr[data-p]", "figure.cell[data-p]"):
        visible = [e for e in browser.find_elements(By.CSS_SELECTOR, sel) if e.get_attribute("hidden") is None]
        assert visible and all(e.get_attribute("data-department") == "Legal" for e in visible), sel

    browser.execute_script("document.getElementById('actions').scrollIntoView()")
    shot(browser, "2-legal-actions", tmp_path)
    search = browser.find_element(By.NAME, "q")
    search.send_keys("marsh")
    assert [n for n, _, _ in shown_cards(browser)] == ["Dee Marshall"]
    assert "Showing 1 of 7 people" in browser.find_element(By.ID, "filter-status").text
    assert set(browser.execute_script("return location.hash")[1:].split("&")) == {"department=Legal", "q=marsh"}
    browser.execute_script("document.getElementById('people').scrollIntoView()")
    shot(browser, "3-legal-marsh-people", tmp_path)

    click(browser, browser.find_element(By.CSS_SELECTOR, "form.controls button[type=reset]"))
    assert len(shown_cards(browser)) == 7

    # a link someone sent: opening it applies the filters it carries (the select takes any case)
    browser.get("about:blank")
    browser.get(url + "#department=legal&q=marsh")
    assert [n for n, _, _ in shown_cards(browser)] == ["Dee Marshall"]
    assert Select(browser.find_element(By.NAME, "department")).first_selected_option.text == "Legal"
    assert browser.find_element(By.NAME, "q").get_attribute("value") == "marsh"
    browser.get(url + "#q=marsh")  # the same page, a new fragment: applied without a reload
    assert sorted(n for n, _, _ in shown_cards(browser)) == ["Dee Marshall", "Helen Marsh"]
    browser.get("about:blank")
    browser.get(url + "#department=Marketing&severity=medium")
    cards = shown_cards(browser)
    assert cards and all(d == "Marketing" for _, d, _ in cards)
    sev = {c.get_attribute("data-p"): c.get_attribute("data-severity") for c in browser.find_elements(By.CSS_SELECTOR, "article.person")}
    marketing = [c for c in browser.find_elements(By.CSS_SELECTOR, "article.person[data-department=Marketing]")]
    expect = {c.get_attribute("data-p") for c in marketing if sev[c.get_attribute("data-p")] in ("medium", "high", "critical")}
    assert {c.get_attribute("data-p") for c in marketing if c.get_attribute("hidden") is None} == expect
    browser.get("about:blank")
    browser.get(url + "#action=keep")
    assert all(a == "keep" for _, _, a in shown_cards(browser))


def test_tiles_link_to_cards_tables_sort_and_print_hides_the_controls(report, browser, tmp_path):
    browser.get(report.as_uri())
    tiles = browser.find_elements(By.CSS_SELECTOR, "figure.cell a[href^='#p-']")
    assert len(tiles) == 7
    tile = tiles[-1]
    target = browser.find_element(By.ID, tile.get_attribute("href").split("#")[1])
    assert target.get_attribute("data-p") == tile.find_element(By.XPATH, "..").get_attribute("data-p")
    click(browser, tile)
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", target)
    assert 0 <= top < 400, top  # scrolled to the card
    shot(browser, "4-card-from-tile", tmp_path)

    table = browser.find_element(By.CSS_SELECTOR, "section.budget table.list")
    names = lambda: [r.find_elements(By.TAG_NAME, "td")[1].text for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]  # noqa: E731
    head = table.find_elements(By.CSS_SELECTOR, "thead th button.sort")[1]
    click(browser, head)
    people = [int(n.replace(",", "").split("–")[0]) for n in names()]
    assert people == sorted(people)
    click(browser, head)
    people = [int(n.replace(",", "").split("–")[0]) for n in names()]
    assert people == sorted(people, reverse=True)

    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.CSS_SELECTOR, "nav.toc").is_displayed()
        assert not browser.find_element(By.NAME, "department").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, "section.people h2").is_displayed()
        browser.execute_script("window.scrollTo(0, 0)")
        shot(browser, "5-print", tmp_path)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
