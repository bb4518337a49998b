"""The Singer SDK's standard target tests that apply to a target with a fixed set of streams.

The SDK's sample streams (`test_camelcase`, `test_array_data`, ...) are not ActiveCampaign
objects, so they are bound to `contacts` through the `*` fallback of `stream_objects`: none has
an email, so every record must come out as a reject, never as a crash. The tests that expect an
error (invalid schema, record before schema) must still raise one. `TargetRecordMissingKeyProperty`
does not apply: issue #4 wants such a record rejected by name while the run goes on (see
test_target_sandbox.py), where the SDK's default stops the run.
"""

from __future__ import annotations

import atexit

from singer_sdk.testing import get_target_test_class
from singer_sdk.testing.suites import SingerTestSuite
from singer_sdk.testing.target_tests import (
    TargetArrayData,
    TargetCamelcaseComplexSchema,
    TargetCamelcaseTest,
    TargetCliPrintsTest,
    TargetDuplicateRecords,
    TargetEncodedStringData,
    TargetInvalidSchemaTest,
    TargetNoPrimaryKeys,
    TargetOptionalAttributes,
    TargetRecordBeforeSchemaTest,
    TargetSchemaNoProperties,
    TargetSchemaUpdates,
    TargetSpecialCharsInAttributes,
)
from target_helpers import TOKEN

from activecampaign_sandbox import Sandbox
from target_activecampaign.target import TargetActiveCampaign

# The SDK builds the test class at import time, so the sandbox it points at starts here too.
_SANDBOX = Sandbox(token=TOKEN, seed=1, contacts=0).start()
atexit.register(_SANDBOX.stop)

_SUITE = SingerTestSuite(
    kind="target",
    tests=[
        TargetCliPrintsTest,
        TargetInvalidSchemaTest,
        TargetRecordBeforeSchemaTest,
        TargetSchemaNoProperties,
        TargetArrayData,
        TargetCamelcaseComplexSchema,
        TargetCamelcaseTest,
        TargetDuplicateRecords,
        TargetEncodedStringData,
        TargetNoPrimaryKeys,
        TargetOptionalAttributes,
        TargetSchemaUpdates,
        TargetSpecialCharsInAttributes,
    ],
)

TestTargetActiveCampaignStandard = get_target_test_class(
    TargetActiveCampaign,
    config={
        "api_url": _SANDBOX.api_url,
        "api_token": TOKEN,
        "requests_per_second": 1000,
        "stream_objects": {"*": "contacts"},
        "rejects_file": "/dev/null",
    },
    custom_suites=[_SUITE],
    include_target_tests=False,
)
