"""Identity providers as a user manages them: the real `iamctl` against a moto server. Apply, then
plan in sync and a second apply that does nothing; drift caught and fixed; prune; export.

moto lacks AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider and the
SAML tag calls: here client id drift is shown to be caught, and tests/test_providers_aws.py checks
the calls that fix it (and SAML tags) with botocore's Stubber.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.files import write_account
from tests.iamctl_runs import assert_in_sync
from tests.provider_factories import GITHUB, GITHUB_ARN, OKTA_ARN, THUMB_A, THUMB_B, saml_metadata

EKS = "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789"
EKS_ARN = f"arn:aws:iam::123456789012:oidc-provider/{EKS}"
PROVIDERS = f"""\
    oidc_providers:
      - url: https://{GITHUB}
        client_ids: [sts.amazonaws.com]
        thumbprints: [{THUMB_A}]
        tags: {{team: platform}}
      - url: https://{EKS}
        client_ids: [sts.amazonaws.com]
    saml_providers:
      - name: okta
        metadata_file: saml/okta.xml
    """


def applied(run_iamctl: Any, tmp_path: Path, body: str = PROVIDERS) -> str:
    path = write_account(tmp_path, body, beside={"saml/okta.xml": saml_metadata()})
    result = run_iamctl("apply", path, "--yes")
    assert result.code == 0, result.stderr
    return path


def test_providers_apply_then_plan_in_sync_and_apply_again_does_nothing(
    run_iamctl, server_iam, tmp_path
):
    path = write_account(tmp_path, PROVIDERS, beside={"saml/okta.xml": saml_metadata()})
    first = run_iamctl("apply", path, "--yes")
    assert first.code == 0, first.stderr
    assert f"+ OIDC provider {GITHUB}" in first.stdout
    assert f"+ OIDC provider {EKS}" in first.stdout
    assert "+ SAML provider okta (metadata sha256:" in first.stdout
    github = server_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=GITHUB_ARN)
    assert github["ClientIDList"] == ["sts.amazonaws.com"]
    assert github["ThumbprintList"] == [THUMB_A]
    assert github["Tags"] == [{"Key": "team", "Value": "platform"}]
    okta = server_iam.get_saml_provider(SAMLProviderArn=OKTA_ARN)
    assert okta["SAMLMetadataDocument"] == saml_metadata().strip()
    assert_in_sync(run_iamctl, path)
    second = run_iamctl("apply", path, "--yes")
    assert second.code == 0
    assert "No changes" in second.stdout and "+ " not in second.stdout


def test_drift_in_thumbprints_tags_and_metadata_is_caught_and_fixed(
    run_iamctl, server_iam, tmp_path
):
    path = applied(run_iamctl, tmp_path)
    server_iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=GITHUB_ARN, ThumbprintList=[THUMB_B])
    server_iam.tag_open_id_connect_provider(
        OpenIDConnectProviderArn=GITHUB_ARN,
        Tags=[{"Key": "team", "Value": "hijacked"}, {"Key": "extra", "Value": "x"}])
    rotated = saml_metadata(certificate="Z")
    server_iam.update_saml_provider(SAMLProviderArn=OKTA_ARN, SAMLMetadataDocument=rotated)
    planned = run_iamctl("plan", path, "--detailed-exitcode")
    assert planned.code == 2
    assert f"~ OIDC provider {GITHUB}: thumbprints: {THUMB_B} -> {THUMB_A}" in planned.stdout
    assert (f'~ OIDC provider {GITHUB}: tags: {{"extra": "x", "team": "hijacked"}} -> '
            f'{{"team": "platform"}}') in planned.stdout
    assert "~ SAML provider okta: metadata changed (sha256:" in planned.stdout
    assert "EntityDescriptor" not in planned.stdout  # a digest, never the document
    assert run_iamctl("apply", path, "--yes").code == 0
    github = server_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=GITHUB_ARN)
    assert github["ThumbprintList"] == [THUMB_A]
    assert github["Tags"] == [{"Key": "team", "Value": "platform"}]
    okta = server_iam.get_saml_provider(SAMLProviderArn=OKTA_ARN)
    assert okta["SAMLMetadataDocument"] == saml_metadata().strip()
    assert_in_sync(run_iamctl, path)


def test_metadata_that_differs_only_in_whitespace_at_its_ends_is_no_drift(
    run_iamctl, server_iam, tmp_path
):
    path = applied(run_iamctl, tmp_path)
    server_iam.update_saml_provider(SAMLProviderArn=OKTA_ARN,
                                    SAMLMetadataDocument="\n\n  " + saml_metadata() + "\n\n")
    assert_in_sync(run_iamctl, path)


def test_client_ids_changed_by_hand_are_drift(run_iamctl, server_iam, tmp_path):
    server_iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com", "attacker-app"],
        ThumbprintList=[THUMB_A])
    body = (f"oidc_providers:\n  - url: https://{GITHUB}\n"
            "    client_ids: [sts.amazonaws.com, app]\n")
    path = write_account(tmp_path, body)
    planned = run_iamctl("plan", path, "--detailed-exitcode", "--json")
    assert planned.code == 2
    changes = json.loads(planned.stdout)["changes"]
    assert [(c["action"], c["kind"], c["name"], c["after"] or c["before"]) for c in changes] == [
        ("create", "oidc_client_id", GITHUB, "app"),
        ("delete", "oidc_client_id", GITHUB, "attacker-app"),
    ]
    assert {c["target"] for c in changes} == {GITHUB_ARN}


UNDECLARED = f"""\
    oidc_providers:
      - url: https://{GITHUB}
        client_ids: [sts.amazonaws.com]
    ignore:
      oidc_providers: ["oidc.eks.*"]
    """


def test_undeclared_providers_are_listed_and_pruned_ignored_ones_kept(
    run_iamctl, server_iam, tmp_path
):
    server_iam.create_open_id_connect_provider(Url="https://gitlab.com", ClientIDList=["x"])
    server_iam.create_open_id_connect_provider(Url=f"https://{EKS}", ClientIDList=["x"])
    server_iam.create_saml_provider(Name="old-idp", SAMLMetadataDocument=saml_metadata())
    path = write_account(tmp_path, UNDECLARED)
    listed = run_iamctl("apply", path, "--yes")
    assert listed.code == 0, listed.stderr
    assert "unmanaged oidc providers (in the account, not in the file): 1: gitlab.com" in (
        listed.stdout)
    assert "unmanaged saml providers (in the account, not in the file): 1: old-idp" in (
        listed.stdout)
    pruning = write_account(tmp_path, UNDECLARED + "prune: true\n")
    pruned = run_iamctl("apply", pruning, "--yes")
    assert pruned.code == 0, pruned.stderr
    assert "- OIDC provider gitlab.com" in pruned.stdout
    assert "- SAML provider old-idp" in pruned.stdout
    assert EKS not in pruned.stdout
    arns = [p["Arn"] for p in server_iam.list_open_id_connect_providers()[
        "OpenIDConnectProviderList"]]
    assert sorted(arns) == sorted([GITHUB_ARN, EKS_ARN])
    assert server_iam.list_saml_providers()["SAMLProviderList"] == []
    assert_in_sync(run_iamctl, pruning)


def test_an_exported_account_with_providers_plans_in_sync(run_iamctl, server_iam, tmp_path):
    server_iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=[THUMB_A.upper()], Tags=[{"Key": "team", "Value": "ci"}])
    server_iam.create_open_id_connect_provider(Url=f"https://{EKS}", ClientIDList=["x"])
    server_iam.create_saml_provider(Name="okta", SAMLMetadataDocument=saml_metadata())
    out = tmp_path / "exported" / "account.yaml"
    out.parent.mkdir()
    exported = run_iamctl("export", "--out", str(out))
    assert exported.code == 0, exported.stderr
    metadata = out.parent / "saml" / "okta.xml"
    assert f"wrote {metadata}" in exported.stderr
    assert metadata.read_text().strip() == saml_metadata().strip()
    text = out.read_text()
    assert f"- url: https://{GITHUB}\n" in text
    assert "  metadata_file: saml/okta.xml\n" in text
    assert "not written" not in text
    assert_in_sync(run_iamctl, str(out))


def test_an_export_to_standard_output_says_where_the_metadata_goes(run_iamctl, server_iam):
    server_iam.create_saml_provider(Name="okta", SAMLMetadataDocument=saml_metadata())
    exported = run_iamctl("export")
    assert exported.code == 0, exported.stderr
    lines = exported.stdout.splitlines()
    at = lines.index("  metadata_file: saml/okta.xml")
    assert lines[at - 1].startswith("  # not written with an export to standard output")
    assert "EntityDescriptor" not in exported.stdout
