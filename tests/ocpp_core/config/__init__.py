"""Tests of ocpp_core.config, with the config files they share."""

from __future__ import annotations

import copy
from typing import Any

#: The example of CONTROL_API.md §2, exactly as given there.
CONTROL_API_EXAMPLE: dict[str, Any] = {
    "Internal": {
        "ChargePointId": "CP1",
        "CentralSystemURI": "ws://127.0.0.1:9000/",
        "ChargeBoxSerialNumber": "SN-0001",
        "ChargePointModel": "Model",
        "ChargePointVendor": "Vendor",
        "FirmwareVersion": "1.0.0",
    },
    "Core": {
        "HeartbeatInterval": 60,
        "MeterValueSampleInterval": 10,
        "NumberOfConnectors": 2,
        "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
        "SupportedFeatureProfiles": "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
    },
    "LocalAuthListManagement": {"LocalAuthListEnabled": True},
    "SmartCharging": {"ChargeProfileMaxStackLevel": 10},
    "Security": {"SecurityProfile": 0},
}

#: A libocpp-style file with every section and (almost) every key set, after libocpp's
#: config-full.json, with its values made valid.
FULL_CONFIG: dict[str, Any] = {
    "Internal": {
        "ChargePointId": "cp001",
        "CentralSystemURI": "127.0.0.1:8180/steve/websocket/CentralSystemService/",
        "ChargeBoxSerialNumber": "cp001",
        "ChargePointModel": "Yeti",
        "ChargePointSerialNumber": "cp001",
        "ChargePointVendor": "Pionix",
        "FirmwareVersion": "0.1",
        "ICCID": "891004234814455936F",
        "IMSI": "262 01 9876543210",
        "HostName": "station.local",
        "IFace": "eth0",
        "MeterSerialNumber": "123-456-789",
        "MeterType": "AC",
        "SupportedCiphers12": ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"],
        "SupportedCiphers13": ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"],
        "UseTPM": False,
        "UseTPMSeccLeafCertificate": False,
        "RetryBackoffRandomRange": 10,
        "RetryBackoffRepeatTimes": 3,
        "RetryBackoffWaitMinimum": 3,
        "AuthorizeConnectorZeroOnConnectorOne": True,
        "LogMessages": True,
        "LogMessagesRaw": False,
        "LogMessagesFormat": ["log", "html", "session_logging", "security"],
        "LogRotation": False,
        "LogRotationDateSuffix": False,
        "LogRotationMaximumFileSize": 0,
        "LogRotationMaximumFileCount": 0,
        "SupportedChargingProfilePurposeTypes": ["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"],
        "IgnoredProfilePurposesOffline": "TxProfile",
        "MaxCompositeScheduleDuration": 31536000,
        "CompositeScheduleDefaultLimitAmps": 48,
        "CompositeScheduleDefaultLimitWatts": 33120,
        "CompositeScheduleDefaultNumberPhases": 3,
        "SupplyVoltage": 230.5,
        "WebsocketPingPayload": "Hello from EVerest!",
        "WebsocketPongTimeout": 5,
        "UseSslDefaultVerifyPaths": True,
        "VerifyCsmsCommonName": True,
        "VerifyCsmsAllowWildcards": True,
        "OcspRequestInterval": 604800,
        "SeccLeafSubjectCommonName": "DEPNX100001",
        "SeccLeafSubjectCountry": "DE",
        "SeccLeafSubjectOrganization": "Pionix",
        "ConnectorEvseIds": "DE*PNX*100001,DE*PNX*100002",
        "AllowChargingProfileWithoutStartSchedule": False,
        "WaitForStopTransactionsOnResetTimeout": 60,
        "QueueAllMessages": True,
        "MessageTypesDiscardForQueueing": "Heartbeat",
        "MessageQueueSizeThreshold": 5000,
        "SupportedMeasurands": "Energy.Active.Import.Register,Energy.Active.Export.Register,Power.Active.Import,"
        "Voltage,Current.Import,Frequency,Current.Offered,Power.Offered,SoC",
        "MaxMessageSize": 65000,
        "TLSKeylogFile": "/tmp/ocpp_tls_keylog.txt",
        "EnableTLSKeylog": False,
        "StopTransactionIfUnlockNotSupported": False,
        "MeterPublicKeys": ["KEY-ONE", "KEY-TWO"],
    },
    "Core": {
        "AllowOfflineTxForUnknownId": True,
        "AuthorizationCacheEnabled": True,
        "AuthorizeRemoteTxRequests": True,
        "BlinkRepeat": 0,
        "ClockAlignedDataInterval": 900,
        "ConnectionTimeOut": 120,
        "ConnectorPhaseRotation": "0.RST,1.RST,2.RTS",
        "ConnectorPhaseRotationMaxLength": 100,
        "GetConfigurationMaxKeys": 1024,
        "HeartbeatInterval": 900,
        "LightIntensity": 0,
        "LocalAuthorizeOffline": True,
        "LocalPreAuthorize": True,
        "MaxEnergyOnInvalidId": 500,
        "MessageTimeout": 30,
        "MeterValuesAlignedData": "Energy.Active.Import.Register",
        "MeterValuesAlignedDataMaxLength": 1024,
        "MeterValuesSampledData": "Energy.Active.Import.Register",
        "MeterValuesSampledDataMaxLength": 1024,
        "MeterValueSampleInterval": 300,
        "MinimumStatusDuration": 1,
        "NumberOfConnectors": 2,
        "ResetRetries": 1,
        "StopTransactionOnEVSideDisconnect": True,
        "StopTransactionOnInvalidId": True,
        "StopTransactionMaxMeterValues": 100,
        "StopTxnAlignedData": "Energy.Active.Import.Register",
        "StopTxnAlignedDataMaxLength": 1024,
        "StopTxnSampledData": "Energy.Active.Import.Register",
        "StopTxnSampledDataMaxLength": 1024,
        "SupportedFeatureProfiles": "Core,FirmwareManagement,RemoteTrigger,Reservation,LocalAuthListManagement,"
        "SmartCharging",
        "SupportedFeatureProfilesMaxLength": 1024,
        "TransactionMessageAttempts": 1,
        "TransactionMessageRetryInterval": 10,
        "UnlockConnectorOnEVSideDisconnect": True,
        "WebSocketPingInterval": 10,
    },
    "FirmwareManagement": {"SupportedFileTransferProtocols": "FTP,HTTPS"},
    "LocalAuthListManagement": {
        "LocalAuthListEnabled": True,
        "LocalAuthListMaxLength": 1024,
        "SendLocalListMaxLength": 1024,
    },
    "Reservation": {"ReserveConnectorZeroSupported": False},
    "SmartCharging": {
        "ChargeProfileMaxStackLevel": 1000,
        "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
        "ChargingScheduleMaxPeriods": 1000,
        "MaxChargingProfilesInstalled": 1000,
        "ConnectorSwitch3to1PhaseSupported": True,
    },
    "Security": {
        "SecurityProfile": 1,
        "AdditionalRootCertificateCheck": False,
        "AuthorizationKey": "DEADBEEFDEADBEEF",
        "CertificateSignedMaxChainSize": 10000,
        "CertificateStoreMaxLength": 1000,
        "CpoName": "Pionix",
        "DisableSecurityEventNotifications": False,
    },
    "PnC": {
        "ISO15118CertificateManagementEnabled": True,
        "ISO15118PnCEnabled": True,
        "ContractValidationOffline": True,
        "CentralContractValidationAllowed": True,
        "CertSigningWaitMinimum": 30,
        "CertSigningRepeatTimes": 2,
    },
    "CostAndPrice": {
        "CustomDisplayCostAndPrice": True,
        "NumberOfDecimalsForCostValues": 4,
        "DefaultPrice": {
            "priceText": "This is the price",
            "priceTextOffline": "Show this price text when offline!",
            "chargingPrice": {"kWhPrice": 3.14, "hourPrice": 0.42, "flatFee": 42.42},
        },
        "DefaultPriceText": {
            "priceTexts": [
                {"priceText": "This is the price", "priceTextOffline": "Offline price", "language": "en"},
                {"priceText": "Dit is de prijs", "language": "nl"},
            ]
        },
        "TimeOffset": "02:00",
        "NextTimeOffsetTransitionDateTime": "2024-01-01T00:00:00",
        "TimeOffsetNextTransition": "+01:00",
        "CustomIdleFeeAfterStop": False,
        "SupportedLanguages": "en, nl, de, nb_NO",
        "CustomMultiLanguageMessages": True,
        "Language": "en",
        "WaitForSetUserPriceTimeout": 5000,
    },
    "Custom": {"ExampleConfigurationKey": "example", "ExampleNumber": 7, "ExampleFlag": True},
}


def example(**sections: dict[str, Any]) -> dict[str, Any]:
    """CONTROL_API_EXAMPLE with keys merged into the given sections (``None`` deletes a key)."""
    data = copy.deepcopy(CONTROL_API_EXAMPLE)
    for section, keys in sections.items():
        target = data.setdefault(section, {})
        for key, value in keys.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
    return data


def full(**sections: dict[str, Any]) -> dict[str, Any]:
    """FULL_CONFIG with keys merged into the given sections (``None`` deletes a key)."""
    data = copy.deepcopy(FULL_CONFIG)
    for section, keys in sections.items():
        target = data.setdefault(section, {})
        for key, value in keys.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
    return data
