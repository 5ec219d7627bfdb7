"""OCTT Local Auth List Management cases, end to end: module 18 (local authorization list) and
TC_008_1/TC_008_2 (charging sessions authorized by the list).

``ocpp16-spec.md`` §5.2, §1.5 (SendLocalList / GetLocalListVersion) and checklist items 12-13.
The list only answers while online when ``LocalPreAuthorize`` is true, so the cases that present
an identification run with it (and the authorization cache off, as OCTT's prerequisites say):
an identification the list holds then starts a session without an Authorize.req, one it does not
hold is asked about with one -- which is how these tests see what the list holds.

"Not supported" has two forms (TC_042_1, TC_043_1): ``LocalAuthListEnabled=false`` and the profile
left out of SupportedFeatureProfiles. Both get the wire answers the messages have for it
(listVersion -1, status NotSupported), not a CALLERROR -- as TC_043_1 expects and libocpp does.
"""

from __future__ import annotations

from typing import Any

import pytest
from ocpp.v16 import call
from ocpp.v16.datatypes import AuthorizationData, IdTagInfo

from tests import csms as _csms
from tests.csms import Frame, TestCentralSystem
from tests.station import octt
from tests.station.octt import (
    CP_ID,
    StationUnderTest,
    barrier,
    boot_accepted,
    calls,
    last_seq,
    running_station,
    status_of,
    wait_answer,
    wait_status,
)

csms = _csms.csms
migrated_template = octt.migrated_template

#: OCTT's prerequisites: the list answers while online, the cache stays out of the way.
LOCAL_LIST = {"Core": {"LocalPreAuthorize": True, "AuthorizationCacheEnabled": False}}

#: The two ways a station does not support the list (TC_042_1, TC_043_1).
LIST_DISABLED = {"LocalAuthListManagement": {"LocalAuthListEnabled": False}}
PROFILE_UNSUPPORTED = {
    "Core": {"SupportedFeatureProfiles": "Core,FirmwareManagement,Reservation,SmartCharging,RemoteTrigger"}
}
NOT_SUPPORTED = pytest.mark.parametrize(
    "overrides", [LIST_DISABLED, PROFILE_UNSUPPORTED], ids=["list-disabled", "profile-unsupported"]
)


def entry(id_tag: str, status: str | None = "Accepted") -> AuthorizationData:
    """A list entry; ``status=None`` leaves out idTagInfo (a Differential deletes the idTag)."""
    return AuthorizationData(id_tag=id_tag, id_tag_info=None if status is None else IdTagInfo(status=status))


async def send_local_list(
    csms: TestCentralSystem, version: int, update_type: str, entries: list[AuthorizationData] | None = None
) -> str:
    """SendLocalList: the status the station answered (``entries=None``: no localAuthorizationList)."""
    request = call.SendLocalList(list_version=version, update_type=update_type, local_authorization_list=entries)
    result = await csms.call(CP_ID, request)
    return str(result.status)


async def list_version(csms: TestCentralSystem) -> int:
    """GetLocalListVersion: the listVersion the station answered."""
    result = await csms.call(CP_ID, call.GetLocalListVersion())
    return int(result.list_version)


async def present(station: StationUnderTest, csms: TestCentralSystem, connector: int, id_tag: str) -> list[Frame]:
    """Present ``id_tag`` at an idle ``connector``: the Authorize CALLs for it, once it is Preparing.

    An identification the list accepts goes straight to Preparing (none); one it does not hold is
    asked about first (one, answered Accepted by the central system).
    """
    mark = last_seq(csms)
    await station.token(connector, id_tag)
    await wait_status(csms, connector, "Preparing", after=mark)
    await barrier(csms)
    return [f for f in calls(csms, "Authorize", after=mark) if f.payload["idTag"] == id_tag]


async def configured(csms: TestCentralSystem, *keys: str) -> dict[str, Any]:
    """GetConfiguration of ``keys``: {key: value} of the known ones."""
    result = await csms.call(CP_ID, call.GetConfiguration(key=list(keys)))
    return {e["key"]: e.get("value") for e in result.configuration_key or []}


# --------------------------------------------------------------------------------------- module 02


async def test_it_tc_008_1_start_charging_session_id_in_local_list(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    """LocalPreAuthorize true, cache off, LAL on → GetLocalListVersion → SendLocalList(with id) →
    Accepted → present id → SN(Preparing) → plug → StartTransaction + SN(Charging)."""
    async with running_station(tmp_path, csms, migrated_template, overrides=LOCAL_LIST) as station:
        await boot_accepted(csms)
        assert await list_version(csms) == 0, "a new station's list is empty"
        assert await send_local_list(csms, 1, "Full", [entry("TAG-LOCAL")]) == "Accepted"
        assert await list_version(csms) == 1

        mark = last_seq(csms)
        await station.token(1, "TAG-LOCAL")
        await wait_status(csms, 1, "Preparing", after=mark)
        await station.plug(1)
        start = await csms.wait_for("StartTransaction")
        assert start.payload["idTag"] == "TAG-LOCAL" and start.payload["connectorId"] == 1
        await wait_status(csms, 1, "Charging", after=mark)  # either order with the StartTransaction
        assert calls(csms, "Authorize") == [], "an id the list accepts starts without Authorize.req"
        assert [status_of(f) for f in calls(csms, "StatusNotification", after=mark)] == [
            (1, "Preparing"),
            (1, "Charging"),
        ]
        answer = await wait_answer(csms, start)
        assert (await station.connector(1))["transaction_id"] == answer.payload["transactionId"]


async def test_it_tc_008_2_remote_start_charging_session_id_in_local_list(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    """SendLocalList → Accepted → RemoteStartTransaction(id) → Accepted → SN(Preparing) →
    StartTransaction → SN(Charging).

    With AuthorizeRemoteTxRequests the remote idTag is checked like a local one: the list answers.
    """
    overrides = octt.merge(LOCAL_LIST, {"Core": {"AuthorizeRemoteTxRequests": True}})
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        assert await send_local_list(csms, 1, "Full", [entry("TAG-LOCAL")]) == "Accepted"
        mark = last_seq(csms)
        result = await csms.call(CP_ID, call.RemoteStartTransaction(id_tag="TAG-LOCAL", connector_id=1))
        assert result.status == "Accepted"
        await wait_status(csms, 1, "Preparing", after=mark)
        assert calls(csms, "StartTransaction") == []
        await station.plug(1)
        start = await csms.wait_for("StartTransaction")
        assert start.payload["idTag"] == "TAG-LOCAL" and start.payload["connectorId"] == 1
        await wait_status(csms, 1, "Charging", after=mark)
        assert calls(csms, "Authorize") == [], "an id the list accepts starts without Authorize.req"
        assert [status_of(f) for f in calls(csms, "StatusNotification", after=mark)] == [
            (1, "Preparing"),
            (1, "Charging"),
        ]


# --------------------------------------------------------------------------------------- module 18


@NOT_SUPPORTED
async def test_it_tc_042_1_get_local_list_version_not_supported(
    tmp_path, csms: TestCentralSystem, migrated_template, overrides
):
    """(LAL unsupported or LocalAuthListEnabled=false) GetLocalListVersion → listVersion -1 or
    CALLERROR NotSupported."""
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides):
        await boot_accepted(csms)
        if overrides is LIST_DISABLED:
            assert (await configured(csms, "LocalAuthListEnabled")) == {"LocalAuthListEnabled": "false"}
        else:
            profiles = (await configured(csms, "SupportedFeatureProfiles"))["SupportedFeatureProfiles"]
            assert "LocalAuthListManagement" not in profiles.split(",")
        assert await list_version(csms) == -1
        answer = await csms.wait_for("GetLocalListVersion", message_type=3)
        assert answer.payload == {"listVersion": -1}


async def test_it_tc_042_2_get_local_list_version_empty(tmp_path, csms: TestCentralSystem, migrated_template):
    """SendLocalList(Full, listVersion 1, no list) → Accepted → GetLocalListVersion → 0."""
    async with running_station(tmp_path, csms, migrated_template):
        await boot_accepted(csms)
        assert await send_local_list(csms, 1, "Full") == "Accepted"
        sent = next(f for f in csms.frames if f.direction == "sent" and f.action == "SendLocalList")
        assert sent.payload == {"listVersion": 1, "updateType": "Full"}, "no localAuthorizationList"
        assert await list_version(csms) == 0, "an empty list reads 0 whatever its version"


async def test_it_tc_043_send_local_authorization_list(tmp_path, csms: TestCentralSystem, migrated_template):
    """SendLocalList(Full) → Accepted (version reported back) → SendLocalList(Differential) → Accepted.

    The Differential deletes one idTag (entry without idTagInfo) and adds another; the station
    then asks about the deleted one and starts on the added one without asking.
    """
    async with running_station(tmp_path, csms, migrated_template, overrides=LOCAL_LIST) as station:
        await boot_accepted(csms)
        assert await send_local_list(csms, 1, "Full", [entry("TAG-A"), entry("TAG-B")]) == "Accepted"
        assert await list_version(csms) == 1
        assert await send_local_list(csms, 2, "Differential", [entry("TAG-A", None), entry("TAG-C")]) == "Accepted"
        assert await list_version(csms) == 2

        assert len(await present(station, csms, 1, "TAG-A")) == 1, "TAG-A was deleted: Authorize.req"
        assert await present(station, csms, 2, "TAG-C") == [], "TAG-C was added: no Authorize.req"


@NOT_SUPPORTED
async def test_it_tc_043_1_send_local_authorization_list_not_supported(
    tmp_path, csms: TestCentralSystem, migrated_template, overrides
):
    """SendLocalList when LAL unsupported/disabled → NotSupported; nothing is stored."""
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides):
        await boot_accepted(csms)
        assert await send_local_list(csms, 1, "Full", [entry("TAG-A")]) == "NotSupported"
        assert await list_version(csms) == -1
        if overrides is LIST_DISABLED:
            # Enabled afterwards, the list is still empty: the refused update stored nothing.
            changed = await csms.call(CP_ID, call.ChangeConfiguration(key="LocalAuthListEnabled", value="true"))
            assert changed.status == "Accepted"
            assert await list_version(csms) == 0


async def test_it_tc_043_2_send_local_authorization_list_version_mismatch(
    tmp_path, csms: TestCentralSystem, migrated_template
):
    """Full v2 → Accepted, version 2 → Differential v5 → Accepted, version 5 → Differential v4 →
    VersionMismatch, version stays 5.

    The refused Differential would have deleted TAG-A: the station still starts on it without asking.
    """
    async with running_station(tmp_path, csms, migrated_template, overrides=LOCAL_LIST) as station:
        await boot_accepted(csms)
        assert await send_local_list(csms, 2, "Full", [entry("TAG-A")]) == "Accepted"
        assert await list_version(csms) == 2
        assert await send_local_list(csms, 5, "Differential", [entry("TAG-B")]) == "Accepted"
        assert await list_version(csms) == 5
        assert await send_local_list(csms, 4, "Differential", [entry("TAG-A", None)]) == "VersionMismatch"
        assert await list_version(csms) == 5
        assert await present(station, csms, 1, "TAG-A") == []


async def test_it_tc_043_3_send_local_authorization_list_failed(tmp_path, csms: TestCentralSystem, migrated_template):
    """A list the station cannot apply → Failed, version unchanged.

    Two stimuli: a SendLocalList with more entries than SendLocalListMaxLength, and a Differential
    within it whose result would exceed LocalAuthListMaxLength. Neither changes the list: the
    idTags of the refused Full (which would have replaced TAG-A) and of the refused Differential
    (TAG-C) are not in it, TAG-A still is.
    """
    limits = {"LocalAuthListManagement": {"SendLocalListMaxLength": 2, "LocalAuthListMaxLength": 3}}
    overrides = octt.merge(LOCAL_LIST, limits)
    async with running_station(tmp_path, csms, migrated_template, overrides=overrides) as station:
        await boot_accepted(csms)
        assert await configured(csms, "SendLocalListMaxLength", "LocalAuthListMaxLength") == {
            "SendLocalListMaxLength": "2",
            "LocalAuthListMaxLength": "3",
        }
        assert await send_local_list(csms, 1, "Full", [entry("TAG-A"), entry("TAG-B")]) == "Accepted"
        assert await list_version(csms) == 1

        too_many = [entry("TAG-C"), entry("TAG-D"), entry("TAG-E")]
        assert await send_local_list(csms, 2, "Full", too_many) == "Failed"
        assert await list_version(csms) == 1
        overflow = [entry("TAG-C"), entry("TAG-D")]  # 2 + 2 > LocalAuthListMaxLength
        assert await send_local_list(csms, 2, "Differential", overflow) == "Failed"
        assert await list_version(csms) == 1

        assert len(await present(station, csms, 1, "TAG-C")) == 1, "TAG-C is not in the list: Authorize.req"
        assert await present(station, csms, 2, "TAG-A") == [], "TAG-A is still in the list"
