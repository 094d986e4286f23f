"""Identity providers at the AWS boundary: reading them.

moto (in-process) has them, but not their SAML tags (its GetSAMLProvider has none): botocore's
Stubber answers as IAM's API model says AWS does.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.stub import Stubber
from provider_factories import GITHUB, GITHUB_ARN, OKTA_ARN, THUMB_A, saml_metadata

from reconciler.aws.client import Aws
from reconciler.aws.providers import read_providers
from reconciler.core.model import OidcProvider, SamlProvider

METADATA = saml_metadata().strip()


def test_providers_are_read_with_their_details(aws: Aws, moto_iam: Any):
    moto_iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com", "app"],
        ThumbprintList=[THUMB_A.upper()], Tags=[{"Key": "team", "Value": "ci"}])
    moto_iam.create_saml_provider(Name="okta", SAMLMetadataDocument="\n" + METADATA + "\n\n")
    found = read_providers(aws)
    assert found.oidc == {GITHUB: OidcProvider(
        GITHUB, frozenset({"sts.amazonaws.com", "app"}), frozenset({THUMB_A}), {"team": "ci"},
        GITHUB_ARN)}
    assert found.saml == {"okta": SamlProvider("okta", METADATA, {}, OKTA_ARN)}


def stubbed() -> tuple[Aws, Stubber]:
    aws = Aws(boto3.Session(region_name="us-east-1"))
    stubber = Stubber(aws._iam)
    stubber.activate()
    return aws, stubber


def test_saml_tags_and_a_provider_gone_since_listed_are_read_as_aws_answers():
    aws, stubber = stubbed()
    eks = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    stubber.add_response("list_open_id_connect_providers",
                         {"OpenIDConnectProviderList": [{"Arn": eks}]})
    stubber.add_client_error("get_open_id_connect_provider", "NoSuchEntity",
                             expected_params={"OpenIDConnectProviderArn": eks})
    stubber.add_response("list_saml_providers", {"SAMLProviderList": [
        {"Arn": OKTA_ARN, "ValidUntil": datetime(2030, 1, 1, tzinfo=timezone.utc),
         "CreateDate": datetime(2024, 1, 1, tzinfo=timezone.utc)}]})
    stubber.add_response(
        "get_saml_provider",
        {"SAMLMetadataDocument": METADATA + "\n", "Tags": [{"Key": "idp", "Value": "okta"}],
         "CreateDate": datetime(2024, 1, 1, tzinfo=timezone.utc)},
        {"SAMLProviderArn": OKTA_ARN})
    found = read_providers(aws)
    stubber.assert_no_pending_responses()
    assert found.oidc == {}
    assert found.saml == {"okta": SamlProvider("okta", METADATA, {"idp": "okta"}, OKTA_ARN)}
