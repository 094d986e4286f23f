"""The AWS managed policies the test emulators hold: the ones the tests and examples name.

moto ships about 1,600 AWS managed policies, and every plan lists the catalog (`ListPolicies`
with `Scope=AWS`): through moto that is about 0.7 s of CPU a plan, and rebuilding the catalog
at every reset another 0.2 s, most of what a CLI test costs. The policies no test names change
nothing a test checks, so the emulators of the tests (in-process `moto_iam`, the server of
`run_iamctl`) hold these only. A test that names another fails with "unknown policy": add it
here. The demo and the bench keep moto's whole catalog.
"""

from __future__ import annotations

import functools
import json

import moto.iam.models
from moto.iam.aws_managed_policies import aws_managed_policies_data

# By name; the ones at a path other than "/" by their last part (moto's keys).
POLICIES = (
    "AWSDenyAll",
    "AWSLambdaBasicExecutionRole",
    "AWSLambda_FullAccess",
    "AWSLambda_ReadOnlyAccess",
    "AWSServiceRoleForAmazonEKSNodegroup",
    "AdministratorAccess",
    "AdministratorAccess-Amplify",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonS3ReadOnlyAccess",
    "AssuranceServiceRolePolicy",
    "Billing",
    "CloudWatchReadOnlyAccess",
    "DataScientist",
    "IAMFullAccess",
    "IAMReadOnlyAccess",
    "IAMUserChangePassword",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "ViewOnlyAccess",
)


@functools.cache
def catalog_json() -> str:
    """moto's data for POLICIES, in the form moto reads (`aws_managed_policies_data`)."""
    every = json.loads(aws_managed_policies_data)
    return json.dumps({name: every[name] for name in POLICIES})


def use_the_test_catalog() -> None:
    """From now on, every IAM account moto makes in this process holds POLICIES only."""
    # moto's module global, which IAMBackend reads each time it makes an account
    moto.iam.models.aws_managed_policies_data = catalog_json()  # type: ignore[attr-defined]
