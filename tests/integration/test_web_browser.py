# test_web_browser.py URL SHOTDIR REASON EXPIRY: drive Debian's chromium (headless,
# through chromium-driver and python3-selenium) over the lookup pages of
# a daemon serving the store test_web_browser.sh filled: the lookup, then
# the removal form. Prints one "ok NAME" or "FAIL NAME: why" line per
# check; writes PNG screenshots of the lookup page (listed, not listed, a
# range) and of the request page into SHOTDIR.
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, shots = sys.argv[1], sys.argv[2]
fails = 0


def check(name, got, want):
    global fails
    if got == want:
        print("ok   " + name)
    else:
        print("FAIL %s: got %r, want %r" % (name, got, want))
        fails += 1


def settle(cond):
    """Wait up to 20 s for cond(driver); the check after it says what came."""
    try:
        WebDriverWait(drv, 20).until(cond)
    except TimeoutException:
        pass


opts = Options()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
          "--disable-dev-shm-usage", "--window-size=1000,1100",
          "--no-first-run", "--disable-extensions"):
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
drv.set_page_load_timeout(20)
try:
    drv.get(base + "/")
    field = drv.find_element(By.ID, "ip")
    check("the form holds the visitor's address",
          field.get_attribute("value"), "127.0.0.1")
    field.clear()
    field.send_keys("192.0.2.1")
    drv.find_element(By.CSS_SELECTOR, "form.search button").click()
    # click() returns before the navigation ends (seen under ASan).
    settle(lambda d: d.current_url != base + "/")
    check("the form leads to the lookup page", drv.current_url,
          base + "/lookup/192.0.2.1")
    check("verdict", "listed" in drv.find_element(By.ID, "verdict")
          .get_attribute("class"), True)
    check("reason, as text", drv.find_element(By.CSS_SELECTOR,
          "dd.reason").text, sys.argv[3])
    check("evidence", drv.find_element(By.CSS_SELECTOR,
          "dd.evidence").text, "trap=t1 <b>hit</b>")
    check("expiry", drv.find_element(By.CSS_SELECTOR,
          "dd.expires").text, sys.argv[4])
    # The reason held <script>: nothing ran, no script element exists.
    check("no script element", len(drv.find_elements(By.TAG_NAME,
          "script")), 0)
    check("no alert", drv.execute_script("return document.title")
          .endswith("fairlist"), True)
    check("style sheet applied", drv.find_element(By.CSS_SELECTOR,
          ".verdict").value_of_css_property("border-left-style"), "solid")
    drv.save_screenshot(shots + "/web-listed.png")
    drv.find_element(By.CSS_SELECTOR, "form.removal textarea").send_keys(
        "fixed: the trap hits were a compromised account")
    drv.find_element(By.CSS_SELECTOR, "form.removal button").click()
    settle(lambda d: "/lookup/" not in d.current_url)
    check("the form leads to the request page",
          "/request/" in drv.current_url, True)
    check("the request's state", drv.find_element(By.ID, "state").text,
          "State: DONE")
    drv.save_screenshot(shots + "/web-request.png")
    print("request " + drv.current_url)
    drv.get(base + "/lookup/203.0.113.50")
    check("not listed", drv.find_element(By.CSS_SELECTOR,
          "#verdict h2").text, "Not listed here")
    drv.save_screenshot(shots + "/web-not-listed.png")
    drv.get(base + "/lookup/198.51.100.7")
    check("range", "198.51.100.0/24" in drv.find_element(By.CSS_SELECTOR,
          "dd.range").text, True)
    drv.save_screenshot(shots + "/web-range.png")
    # The "paste the rejection you got" form (issue 12).
    drv.get(base + "/bounce")
    drv.find_element(By.ID, "text").send_keys(
        "554 5.7.1 Service unavailable; Client host [198.51.100.7] "
        "blocked using bl.fairlist.test")
    drv.find_element(By.CSS_SELECTOR, "form.bounce button").click()
    check("bounce: the verdict", drv.find_element(By.CSS_SELECTOR,
          "p.verdict").text.startswith("Yes: the address is listed on our "
          "list."), True)
    check("bounce: our list", drv.find_element(By.CSS_SELECTOR,
          "dd.list").text, "bl.fairlist.test (our list)")
    check("bounce: no script element", len(drv.find_elements(By.TAG_NAME,
          "script")), 0)
    drv.find_element(By.CSS_SELECTOR, "a.lookup-link").click()
    check("bounce: the link leads to the lookup page",
          drv.current_url.endswith("/lookup/198.51.100.7"), True)
    drv.get(base + "/bounce")
    drv.find_element(By.ID, "text").send_keys(
        "554 5.7.1 Client host [203.0.113.5] blocked using zen.spamhaus.org;"
        " Error: open resolver; "
        "https://www.spamhaus.org/returnc/pub/203.0.113.1")
    drv.find_element(By.CSS_SELECTOR, "form.bounce button").click()
    check("bounce: the resolver at fault", drv.find_element(
          By.CSS_SELECTOR, "dd.resolver").text,
          "yes: the receiver must fix its DNS")
    check("bounce: not listed", drv.find_element(By.CSS_SELECTOR,
          "p.verdict").text.startswith("You are not listed"), True)
finally:
    drv.quit()
sys.exit(1 if fails else 0)
