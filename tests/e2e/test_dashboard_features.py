"""The dashboard's local list, charging profiles, reservations, firmware page and roles, in a browser.

Against the real station and the independent central system of ``conftest.py``; what the central
system installs (profiles, reservations) it sends as CALLs, and each test undoes what it set up so
the session's station stays as the other tests expect it. Every test writes screenshots under
``test-results/``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ocpp.v16 import call
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.conftest import WAIT_S, Dashboard

WAIT_MS = WAIT_S * 1000
PHONE: ViewportSize = {"width": 390, "height": 844}


def test_a_local_list_entry_added_in_the_form_shows_in_the_list(operator_page: Page, dashboard: Dashboard, screenshots):
    page = operator_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Authorization").click()
    section = page.locator("#local-list")
    form = section.get_by_role("group", name="Add an entry")

    form.get_by_label("idTag", exact=True).fill("E2E-LIST-1")  # keyboard and labels: no clicking on coordinates
    form.get_by_label("Status", exact=True).select_option("Blocked")
    form.get_by_label("Parent idTag (optional)").fill("E2E-GROUP")
    form.get_by_role("button", name="Add to the list").click()

    status = page.locator("#local-list [role=status]")
    expect(status).to_contain_text("E2E-LIST-1 (Blocked) was added to the local list")
    row = page.locator("#local-list table.local-list tbody tr").filter(has_text="E2E-LIST-1")
    expect(row).to_contain_text("Blocked")
    expect(row).to_contain_text("E2E-GROUP")
    expect(page.locator("#local-list table.changes")).to_contain_text("operator")
    page.screenshot(path=screenshots / "local-list-added.png", full_page=True)

    # a bad entry: the field says what is wrong, nothing is added (the browser already stops at 20 characters)
    page.locator("#local-list").get_by_role("group", name="Add an entry").get_by_label("idTag", exact=True).fill(
        " LEAD"
    )
    page.locator("#local-list").get_by_role("button", name="Add to the list").click()
    expect(page.locator("#local-list [role=alert]").first).to_contain_text("must not start or end with a space")
    expect(page.locator("#local-list table.local-list tbody tr")).to_have_count(1)
    page.screenshot(path=screenshots / "local-list-refused.png", full_page=True)

    # change it on its own page, then remove it (confirming the browser's dialog)
    page.locator("#local-list").get_by_role("link", name="Change E2E-LIST-1").click()
    expect(page.get_by_role("heading", name="Change a local list entry", level=1)).to_be_visible()
    page.get_by_label("Status", exact=True).select_option("Accepted")
    page.screenshot(path=screenshots / "local-list-edit.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="was changed in the local list")).to_be_visible()
    row = page.locator("#local-list table.local-list tbody tr").filter(has_text="E2E-LIST-1")
    expect(row).to_contain_text("Accepted")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove E2E-LIST-1").click()
    expect(page.locator("#local-list [role=status]")).to_contain_text("E2E-LIST-1 was removed from the local list")
    expect(page.locator("#local-list table.local-list")).to_have_count(0)  # the list is empty again


def test_the_charging_profiles_page_draws_the_composite_schedule(
    operator_page: Page, dashboard: Dashboard, screenshots
):
    page = operator_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Charging profiles").click()
    expect(page.get_by_role("heading", name="Charging profiles", level=1)).to_be_visible()
    expect(page.locator("#installed-profiles")).to_contain_text("No charging profile is installed.")
    page.screenshot(path=screenshots / "charging-profiles-empty.png", full_page=True)

    start = (datetime.now(UTC) - timedelta(minutes=5)).replace(microsecond=0)
    answer = dashboard.central_system.call(
        call.SetChargingProfile(
            connector_id=1,
            cs_charging_profiles={
                "chargingProfileId": 501,
                "stackLevel": 1,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "startSchedule": start.isoformat().replace("+00:00", "Z"),
                    "duration": 12 * 3600,
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 16},
                        {"startPeriod": 3 * 3600, "limit": 10},
                        {"startPeriod": 6 * 3600, "limit": 24},
                    ],
                },
            },
        )
    )
    assert answer.status == "Accepted"
    try:
        page.reload()
        profile = page.locator("#profile-1-501")
        expect(profile).to_contain_text("Stack level")
        expect(page.locator("#profiles-1-title")).to_have_text("Connector 1")
        expect(page.locator("#installed-profiles h4")).to_have_text(["Default for transactions (TxDefaultProfile)"])
        expect(profile.locator("table.periods tbody tr")).to_have_count(3)
        chart = page.locator("#composite-1 svg.chart")
        expect(chart).to_be_visible()
        expect(chart.locator("desc")).to_contain_text("16 A from")
        page.screenshot(path=screenshots / "charging-profiles.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=screenshots / "charging-profiles-phone.png", full_page=True)
        page.locator("#composite-1 summary").focus()
        page.keyboard.press("Enter")  # the steps as a table, opened from the keyboard
        expect(page.locator("#composite-1 table")).to_be_visible()
    finally:
        dashboard.central_system.call(call.ClearChargingProfile(id=501))


def test_a_reservation_shows_on_its_card_and_in_the_list(operator_page: Page, dashboard: Dashboard, screenshots):
    page = operator_page
    expect(page.locator("#reservations")).to_contain_text("No reservation is in force.")
    expect(page.locator("#station-status")).to_contain_text("Connected", timeout=WAIT_MS)
    expiry = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    answer = dashboard.central_system.call(
        call.ReserveNow(
            connector_id=2,
            expiry_date=expiry.isoformat().replace("+00:00", "Z"),
            id_tag="E2E-RES",
            reservation_id=4242,
        )
    )
    assert answer.status == "Accepted"
    try:
        card = page.locator("#connector-2")
        expect(card.locator("[data-status]")).to_have_text("Reserved", timeout=WAIT_MS)  # pushed, no reload
        expect(card).to_contain_text("E2E-RES")
        expect(page.locator("#reservations")).to_contain_text("4242")
        page.screenshot(path=screenshots / "overview-reservation.png", full_page=True)
    finally:
        assert dashboard.central_system.call(call.CancelReservation(reservation_id=4242)).status == "Accepted"
    expect(page.locator("#connector-2 [data-status]")).to_have_text("Available", timeout=WAIT_MS)
    expect(page.locator("#reservations")).to_contain_text("No reservation is in force.")


def test_the_firmware_page_shows_status_and_history(operator_page: Page, dashboard: Dashboard, screenshots):

    page = operator_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Firmware").click()
    expect(page.get_by_role("heading", name="Firmware and diagnostics", level=1)).to_be_visible()
    expect(page.locator("#firmware-status [data-status]")).to_be_visible()
    expect(page.locator("#diagnostics-status [data-status]")).to_be_visible()
    expect(page.locator("#firmware-history")).to_be_visible()
    page.screenshot(path=screenshots / "firmware.png", full_page=True)
    # an update scheduled far ahead: shown live, its location's password masked
    retrieve = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    dashboard.central_system.call(
        call.UpdateFirmware(location="ftp://fw-user:s3cret@files.example/fw.bin", retrieve_date=retrieve)
    )
    expect(page.locator("#firmware-status")).not_to_contain_text("Nothing in progress.", timeout=WAIT_MS)
    expect(page.locator("body")).not_to_contain_text("s3cret")
    page.screenshot(path=screenshots / "firmware-scheduled.png", full_page=True)


def test_a_viewer_sees_pages_without_forms(viewer_page: Page, dashboard: Dashboard, screenshots):
    page = viewer_page
    expect(page.locator(".role-tag")).to_have_text("viewer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Configuration").click()
    expect(page.get_by_text("changing it needs an operator account")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    page.screenshot(path=screenshots / "configuration-viewer.png", full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Authorization").click()
    expect(page.get_by_role("group", name="Add an entry")).to_have_count(0)
    expect(page.get_by_role("button", name="Clear the cache")).to_have_count(0)
    page.screenshot(path=screenshots / "authorization-viewer.png", full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Simulator").click()
    expect(page.get_by_role("button", name="Plug in")).to_have_count(0)
    expect(page.locator("#sim-state-1 [data-status]")).to_be_visible()

    # a post made anyway (an old tab, a script) is refused with the reason, in the page's message area
    status = page.evaluate(
        """async () => {
            const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
            const r = await fetch('/simulator/1/plug/', {method: 'POST', headers: {'X-CSRFToken': token}});
            return r.status;
        }"""
    )
    assert status == 403
    page.evaluate(
        "htmx.ajax('POST', '/authorization/cache/clear/', {source: document.body, target: '#main', swap: 'none'})"
    )
    expect(page.locator("#flash [role=alert]")).to_contain_text(re.compile(r"Not allowed: your account \(viewer\)"))
    page.screenshot(path=screenshots / "viewer-refused.png", full_page=True)
