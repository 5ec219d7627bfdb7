"""Times on the dashboard in the browser's own time zone (static/station/times.js), in a real browser.

The browser runs in Asia/Kolkata (UTC+05:30, no daylight saving): the server writes every time in
UTC; the header's toggle rewrites them, and the "UTC" labels, in local time; the choice survives a
reload, applies to fragments pushed later over the websocket, and can be taken back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from playwright.sync_api import Browser, Locator, expect

from tests.e2e.conftest import USER, WAIT_S, Dashboard, log_in

WAIT_MS = WAIT_S * 1000
KOLKATA = timezone(timedelta(hours=5, minutes=30))


def local_text(time: Locator) -> str:
    """What a <time data-fmt="H:i:s"> must read in Kolkata."""
    moment = datetime.fromisoformat(str(time.get_attribute("datetime")))
    assert time.get_attribute("data-fmt") == "H:i:s"
    return moment.astimezone(KOLKATA).strftime("%H:%M:%S")


def utc_text(time: Locator) -> str:
    return datetime.fromisoformat(str(time.get_attribute("datetime"))).astimezone(UTC).strftime("%H:%M:%S")


def test_times_can_be_shown_in_the_browser_s_time_zone(browser: Browser, dashboard: Dashboard, screenshots):
    context = browser.new_context(timezone_id="Asia/Kolkata")
    page = log_in(context.new_page(), dashboard, USER)
    expect(page.locator("#station-status")).to_contain_text("Connected", timeout=WAIT_MS)
    toggle = page.get_by_role("button", name="Times: UTC")
    first = page.locator("#event-log time").first
    expect(first).to_have_text(utc_text(first))
    expect(page.locator("#event-log .tz")).to_have_text("UTC")

    toggle.click()
    expect(page.get_by_role("button", name="Times: local")).to_have_attribute("aria-pressed", "true")
    expect(first).to_have_text(local_text(first))
    expect(first).to_have_attribute("title", f"{str(first.get_attribute('datetime'))[:10]} {utc_text(first)} UTC")
    expect(page.locator("#event-log .tz")).to_have_text("local time, UTC+05:30")

    # A fragment pushed afterwards is written in local time too.
    assert dashboard.api("POST", "/api/v1/connectors/2/plug") == 202
    newest = page.locator("#event-log li").first  # the log is newest first
    expect(newest).to_contain_text("Connector 2: Available → Preparing", timeout=WAIT_MS)
    pushed = newest.locator("time")
    expect(pushed).to_have_text(local_text(pushed))
    page.screenshot(path=screenshots / "overview-local-times.png", full_page=True)

    page.reload()  # the choice is kept
    expect(page.get_by_role("button", name="Times: local")).to_be_visible()
    first = page.locator("#event-log time").first
    expect(first).to_have_text(local_text(first))

    page.get_by_role("button", name="Times: local").click()
    expect(page.get_by_role("button", name="Times: UTC")).to_have_attribute("aria-pressed", "false")
    expect(first).to_have_text(utc_text(first))
    expect(page.locator("#event-log .tz")).to_have_text("UTC")
    context.close()
    assert dashboard.api("POST", "/api/v1/connectors/2/unplug") == 202  # as the other tests found it
