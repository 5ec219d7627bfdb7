"""The dashboard in a real browser against a real station and an independent central system.

Every test writes a screenshot of the page it checks under ``test-results/`` (pytest-playwright's
output directory), for review.
"""

from __future__ import annotations

import re

from ocpp.v16 import call
from playwright.sync_api import Page, expect

from tests.e2e.conftest import WAIT_S, Dashboard

WAIT_MS = WAIT_S * 1000


def test_it_logs_in_and_shows_the_station(operator_page: Page, dashboard: Dashboard, screenshots):
    page = operator_page
    identity = page.locator("#station-identity")
    expect(identity).to_contain_text("CP-DEMO-1")
    expect(identity).to_contain_text(dashboard.central_system.csms.url)
    expect(page.locator("#station-status")).to_contain_text("Connected", timeout=WAIT_MS)
    expect(page.locator("#connector-1 [data-status]")).to_be_visible()
    page.screenshot(path=screenshots / "overview.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.screenshot(path=screenshots / "overview-phone.png", full_page=True)

    page.get_by_role("button", name=re.compile("Log out")).click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_connector_card_turns_charging_live(operator_page: Page, dashboard: Dashboard, screenshots):
    page = operator_page
    status = page.locator("#connector-1 [data-status]")
    expect(status).to_have_text("Available", timeout=WAIT_MS)
    # the websocket is up before anything happens (the page gets its first push on connect)
    expect(page.locator("#station-status")).to_contain_text("Connected", timeout=WAIT_MS)

    assert dashboard.api("POST", "/api/v1/connectors/1/plug") == 202
    expect(status).to_have_text("Preparing", timeout=WAIT_MS)
    assert dashboard.api("POST", "/api/v1/connectors/1/present-token", {"id_tag": "E2E-TAG"}) == 202

    expect(status).to_have_text("Charging", timeout=WAIT_MS)  # no reload: pushed over the websocket
    card = page.locator("#connector-1")
    expect(card).to_contain_text("E2E-TAG")
    expect(card.locator("dd").filter(has_text=re.compile(r"kW$"))).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#event-log")).to_contain_text("Connector 1: Preparing → Charging")
    page.screenshot(path=screenshots / "overview-charging.png", full_page=True)

    page.get_by_role("link", name="Transactions").click()
    page.get_by_role("link", name=re.compile(r"^\d+$")).first.click()
    expect(page.get_by_role("heading", name=re.compile("Transaction"), level=1)).to_be_visible()
    page.screenshot(path=screenshots / "transaction.png", full_page=True)


def test_a_config_key_edited_in_the_form_reaches_get_configuration(
    operator_page: Page, dashboard: Dashboard, screenshots
):
    page = operator_page
    page.get_by_role("link", name="Configuration").click()
    row = page.locator("#key-MeterValueSampleInterval")
    field = row.get_by_label("New value of MeterValueSampleInterval")

    field.fill("not a number")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#key-MeterValueSampleInterval [role=alert]")).to_contain_text("is not a non-negative integer")

    page.locator("#key-MeterValueSampleInterval").get_by_label("New value of MeterValueSampleInterval").fill("45")
    page.locator("#key-MeterValueSampleInterval").get_by_role("button", name="Save").click()
    expect(page.locator("#key-MeterValueSampleInterval [role=status]")).to_contain_text(
        "MeterValueSampleInterval = '45'"
    )
    page.screenshot(path=screenshots / "configuration.png", full_page=True)

    answer = dashboard.central_system.call(call.GetConfiguration(key=["MeterValueSampleInterval"]))
    assert answer.configuration_key == [{"key": "MeterValueSampleInterval", "readonly": False, "value": "45"}]

    page.reload()
    expect(page.locator("#key-MeterValueSampleInterval td.value")).to_have_text("45")
    expect(page.locator("body")).to_contain_text("Changes made here")
    expect(page.locator("#config-changes")).to_contain_text("operator")


def test_the_trace_filter_finds_a_message(operator_page: Page, dashboard: Dashboard, screenshots):
    page = operator_page
    dashboard.central_system.call(call.GetConfiguration(key=["HeartbeatInterval"]))
    page.get_by_role("link", name="Message trace").click()
    page.get_by_label("Action", exact=True).select_option("GetConfiguration")
    page.get_by_label("Direction", exact=True).select_option("in")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"action=GetConfiguration"))
    rows = page.locator("#trace-rows tr")
    expect(rows.first).to_contain_text("GetConfiguration")
    expect(rows.first).to_contain_text("HeartbeatInterval")
    for text in rows.all_inner_texts():
        assert "GetConfiguration" in text and "← CS" in text

    # live tail: a new matching frame appears without a reload
    before = rows.count()
    dashboard.central_system.call(call.GetConfiguration(key=["NumberOfConnectors"]))
    expect(rows).to_have_count(before + 1, timeout=WAIT_MS)
    expect(rows.first).to_contain_text("NumberOfConnectors")

    # the frame in full, with its answer
    rows.first.get_by_role("link").first.click()
    detail = page.locator("#trace-detail")
    expect(detail).to_contain_text('"NumberOfConnectors"')
    expect(detail).to_contain_text("CALLRESULT")
    page.screenshot(path=screenshots / "trace.png", full_page=True)

    page.get_by_label("Text", exact=True).fill("no frame contains this")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#trace-rows")).to_contain_text("No frames match")


def test_every_page_renders(operator_page: Page, dashboard: Dashboard, screenshots):
    page = operator_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    for name, heading in (
        ("Overview", "Overview"),
        ("Message trace", "Message trace"),
        ("Configuration", "Configuration"),
        ("Authorization", "Authorization"),
        ("Charging profiles", "Charging profiles"),
        ("Transactions", "Transactions"),
        ("Firmware", "Firmware and diagnostics"),
        ("Simulator", "Simulator panel"),
    ):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(page.get_by_role("link", name=name, exact=True)).to_have_attribute("aria-current", "page")
        page.screenshot(path=screenshots / f"{name.lower().replace(' ', '-')}.png", full_page=True)
    assert not errors, errors


def test_the_simulator_panel_drives_a_connector(operator_page: Page, dashboard: Dashboard, screenshots):
    page = operator_page
    page.get_by_role("link", name="Simulator").click()
    panel = page.locator("#sim-2")
    panel.get_by_role("button", name="Plug in").click()
    expect(page.locator("#sim-2 [role=status]")).to_contain_text("Connector 2: EV plugged in.")
    expect(page.locator("#sim-state-2 [data-status]")).to_have_text("Preparing", timeout=WAIT_MS)
    page.locator("#sim-2").get_by_role("button", name="Unplug").click()
    expect(page.locator("#sim-state-2 [data-status]")).to_have_text("Available", timeout=WAIT_MS)
    page.locator("#sim-2").get_by_role("button", name="Unplug").click()  # the simulator refuses: not plugged
    expect(page.locator("#sim-2 [role=alert]")).to_contain_text("Connector 2:")
    page.keyboard.press("Tab")  # keyboard reachable: focus moves through the controls
    page.screenshot(path=screenshots / "simulator.png", full_page=True)
