"""Identity providers at the AWS boundary: reading them, and the calls each change makes.

moto (in-process) reads and writes most of it. Where moto lacks a call or answers unlike AWS,
botocore's Stubber checks the exact request against IAM's API model instead:
- AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider: not in moto;
- SAML provider tags: moto drops the Tags of CreateSAMLProvider, its GetSAMLProvider has none and
  it lacks TagSAMLProvider and UntagSAMLProvider;
- a provider created without thumbprints: moto leaves its list empty, where AWS retrieves one, so
  only the request (no ThumbprintList at all) can be checked.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.aws.client import Aws
from reconciler.aws.providers import read_providers
from reconciler.aws.writers import WRITERS, WriteContext
from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.errors import AwsError
from reconciler.core.payloads import OidcProviderSpec, SamlProviderSpec
from reconciler.core.state import OidcProvider, SamlProvider
from tests.provider_factories import GITHUB, GITHUB_ARN, OKTA_ARN, THUMB_A, THUMB_B, saml_metadata

METADATA = saml_metadata().strip()


def write(aws: Aws, change: Change) -> None:
    WRITERS[(change.kind, change.action)](WriteContext(aws, None, None), change)


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


def test_an_oidc_provider_is_created_updated_and_deleted(aws: Aws, moto_iam: Any):
    spec = OidcProviderSpec(f"https://{GITHUB}", ("sts.amazonaws.com",), (THUMB_A,), {"team": "ci"})
    creation = Change(Action.CREATE, ChangeKind.OIDC_PROVIDER, GITHUB, target=GITHUB_ARN,
                      after=spec)
    write(aws, creation)
    write(aws, Change(Action.UPDATE, ChangeKind.OIDC_THUMBPRINTS, GITHUB, target=GITHUB_ARN,
                      before=[THUMB_A], after=[THUMB_A, THUMB_B]))
    write(aws, Change(Action.UPDATE, ChangeKind.OIDC_PROVIDER_TAGS, GITHUB, target=GITHUB_ARN,
                      before={"team": "ci"}, after={"owner": "platform"}))
    got = moto_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=GITHUB_ARN)
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    assert got["ThumbprintList"] == [THUMB_A, THUMB_B]
    assert got["Tags"] == [{"Key": "owner", "Value": "platform"}]
    deletion = Change(Action.DELETE, ChangeKind.OIDC_PROVIDER, GITHUB, target=GITHUB_ARN)
    write(aws, deletion)
    write(aws, deletion)  # already gone: done
    assert moto_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_a_saml_provider_is_created_updated_and_deleted(aws: Aws, moto_iam: Any):
    write(aws, Change(Action.CREATE, ChangeKind.SAML_PROVIDER, "okta", target=OKTA_ARN,
                      after=SamlProviderSpec(METADATA)))
    rotated = saml_metadata(certificate="B").strip()
    write(aws, Change(Action.UPDATE, ChangeKind.SAML_METADATA, "okta", target=OKTA_ARN,
                      before=METADATA, after=rotated))
    got = moto_iam.get_saml_provider(SAMLProviderArn=OKTA_ARN)
    assert got["SAMLMetadataDocument"] == rotated
    write(aws, Change(Action.DELETE, ChangeKind.SAML_PROVIDER, "okta", target=OKTA_ARN))
    assert moto_iam.list_saml_providers()["SAMLProviderList"] == []


def test_a_provider_created_without_thumbprints_leaves_them_to_aws():
    aws, stubber = stubbed()
    stubber.add_response(
        "create_open_id_connect_provider", {"OpenIDConnectProviderArn": GITHUB_ARN},
        # No ThumbprintList at all (an empty one was refused by IAM), and no empty Tags.
        {"Url": f"https://{GITHUB}", "ClientIDList": ["sts.amazonaws.com"]})
    spec = OidcProviderSpec(f"https://{GITHUB}", ("sts.amazonaws.com",), None, {})
    write(aws, Change(Action.CREATE, ChangeKind.OIDC_PROVIDER, GITHUB, target=GITHUB_ARN,
                      after=spec))
    stubber.assert_no_pending_responses()


def test_client_ids_are_added_and_removed_one_call_each():
    aws, stubber = stubbed()
    stubber.add_response("add_client_id_to_open_id_connect_provider", {},
                         {"OpenIDConnectProviderArn": GITHUB_ARN, "ClientID": "app"})
    stubber.add_response("remove_client_id_from_open_id_connect_provider", {},
                         {"OpenIDConnectProviderArn": GITHUB_ARN, "ClientID": "old"})
    # The provider deleted meanwhile: a client id of it is gone too, which was wanted.
    stubber.add_client_error("remove_client_id_from_open_id_connect_provider", "NoSuchEntity",
                             expected_params={"OpenIDConnectProviderArn": GITHUB_ARN,
                                              "ClientID": "older"})
    write(aws, Change(Action.CREATE, ChangeKind.OIDC_CLIENT_ID, GITHUB, target=GITHUB_ARN,
                      after="app"))
    write(aws, Change(Action.DELETE, ChangeKind.OIDC_CLIENT_ID, GITHUB, target=GITHUB_ARN,
                      before="old"))
    write(aws, Change(Action.DELETE, ChangeKind.OIDC_CLIENT_ID, GITHUB, target=GITHUB_ARN,
                      before="older"))
    stubber.assert_no_pending_responses()


def test_saml_provider_tags_are_written_with_the_saml_calls():
    aws, stubber = stubbed()
    stubber.add_response(
        "create_saml_provider", {"SAMLProviderArn": OKTA_ARN},
        {"Name": "okta", "SAMLMetadataDocument": METADATA,
         "Tags": [{"Key": "idp", "Value": "okta"}]})
    stubber.add_response("untag_saml_provider", {},
                         {"SAMLProviderArn": OKTA_ARN, "TagKeys": ["idp"]})
    stubber.add_response("tag_saml_provider", {},
                         {"SAMLProviderArn": OKTA_ARN, "Tags": [{"Key": "team", "Value": "it"}]})
    write(aws, Change(Action.CREATE, ChangeKind.SAML_PROVIDER, "okta", target=OKTA_ARN,
                      after=SamlProviderSpec(METADATA, {"idp": "okta"})))
    write(aws, Change(Action.UPDATE, ChangeKind.SAML_PROVIDER_TAGS, "okta", target=OKTA_ARN,
                      before={"idp": "okta"}, after={"team": "it"}))
    stubber.assert_no_pending_responses()


def test_a_creation_whose_answer_was_lost_is_done_if_the_provider_is_what_was_asked():
    aws, stubber = stubbed()
    # botocore retried after a lost answer; the retry finds the provider made by the first try.
    stubber.add_client_error("create_saml_provider", "EntityAlreadyExists",
                             response_meta={"RetryAttempts": 1})
    stubber.add_response("get_saml_provider", {"SAMLMetadataDocument": METADATA + "\n"},
                         {"SAMLProviderArn": OKTA_ARN})
    write(aws, Change(Action.CREATE, ChangeKind.SAML_PROVIDER, "okta", target=OKTA_ARN,
                      after=SamlProviderSpec(METADATA)))
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(("kind", "operation"), [
    (ChangeKind.OIDC_PROVIDER, "create_open_id_connect_provider"),
    (ChangeKind.SAML_PROVIDER, "create_saml_provider"),  # moto would overwrite the one there
])
def test_a_name_taken_since_the_plan_stays_an_error(kind: ChangeKind, operation: str):
    aws, stubber = stubbed()
    stubber.add_client_error(operation, "EntityAlreadyExists")  # a first attempt: no retry
    after: OidcProviderSpec | SamlProviderSpec = SamlProviderSpec(METADATA)
    name, arn = ("okta", OKTA_ARN)
    if kind == ChangeKind.OIDC_PROVIDER:
        after = OidcProviderSpec(f"https://{GITHUB}", ("sts.amazonaws.com",))
        name, arn = GITHUB, GITHUB_ARN
    with pytest.raises(AwsError, match="EntityAlreadyExists"):
        write(aws, Change(Action.CREATE, kind, name, target=arn, after=after))
