"""`oidc_providers` and `saml_providers` in the file: the desired state they build, and the mistakes
refused at their line (the corpus in bad_files/ has more, run through the CLI too)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config.desired import load, resolve
from reconciler.core.errors import ConfigError
from reconciler.core.kinds.providers import declared_provider_arns
from tests.files import write_account
from tests.provider_factories import GITHUB, THUMB_A, THUMB_B, saml_metadata

BOTH = f"""\
    oidc_providers:
      - url: https://{GITHUB}
        client_ids: [sts.amazonaws.com]
        thumbprints: [{THUMB_A.upper()}, {THUMB_B}]
        tags: {{team: platform}}
      - url: https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789
        client_ids: []
    saml_providers:
      - name: okta
        metadata_file: saml/okta.xml
        tags: {{idp: okta}}
    ignore:
      oidc_providers: ["https://oidc.eks.us-*", "gitlab.*"]
      saml_providers: ["legacy-*"]
    """


def load_one(path: str):
    (config,) = load([path])
    return config


def error_of(path: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load([path])
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_providers_build_the_desired_state(tmp_path: Path):
    metadata = "\n\n" + saml_metadata() + "\n   \n"
    config = load_one(write_account(tmp_path, BOTH, beside={"saml/okta.xml": metadata}))
    state = config.state
    github = state.oidc_providers[GITHUB]
    assert github.client_ids == {"sts.amazonaws.com"}
    assert github.thumbprints == {THUMB_A, THUMB_B}  # hex in either case is one thumbprint
    assert github.tags == {"team": "platform"}
    eks = state.oidc_providers["oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789"]
    assert eks.client_ids == frozenset()
    assert eks.thumbprints is None and eks.tags is None  # absent: left alone
    okta = state.saml_providers["okta"]
    assert okta.metadata == saml_metadata().strip()
    assert okta.tags == {"idp": "okta"}
    # Patterns are matched against the URL without https://, however they are written.
    assert state.ignore.oidc_providers == ("oidc.eks.us-*", "gitlab.*")
    assert state.ignore.saml_providers == ("legacy-*",)


def test_the_declared_provider_arns_are_those_iam_will_give_them(tmp_path: Path):
    config = load_one(write_account(tmp_path, BOTH, beside={"saml/okta.xml": saml_metadata()}))
    arns = declared_provider_arns(resolve(config, {}, partition="aws-us-gov"))
    assert arns.github_actions() == f"arn:aws-us-gov:iam::123456789012:oidc-provider/{GITHUB}"
    assert arns.saml_named("OKTA") == "arn:aws-us-gov:iam::123456789012:saml-provider/okta"
    assert arns.saml_named("entra") is None
    assert len(arns.oidc) == 2


def test_a_file_without_the_github_provider_has_no_arn_for_it(tmp_path: Path):
    body = "oidc_providers:\n  - url: https://gitlab.com\n    client_ids: [x]\n"
    arns = declared_provider_arns(load_one(write_account(tmp_path, body)).state)
    assert arns.github_actions() is None


def test_one_url_declared_in_two_files_of_one_account_names_both(tmp_path: Path):
    body = f"oidc_providers:\n  - url: https://{GITHUB}\n    client_ids: [sts.amazonaws.com]\n"
    first = write_account(tmp_path / "a", body)
    second = write_account(tmp_path / "b", body)
    with pytest.raises(ConfigError) as caught:
        load([first, second])
    assert str(caught.value).startswith(f"{second}:5:")
    assert f"already declared at {first}:5:" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        f"https://{GITHUB}:443",  # IAM's URL has no port
        f"https://{GITHUB}?a=b",
        "https://Token.Actions.GitHubUserContent.com",  # a host in another case: another ARN
        f"{GITHUB}",
        "https://",
    ],
)
def test_a_url_iam_would_not_key_as_written_is_refused(tmp_path: Path, url: str):
    body = f'oidc_providers:\n  - url: "{url}"\n    client_ids: [sts.amazonaws.com]\n'
    message = error_of(write_account(tmp_path, body))
    assert "oidc_providers[0].url: invalid OIDC provider URL" in message


def test_thumbprints_are_forty_hex_digits_at_most_five_and_each_once(tmp_path: Path):
    def thumbprints(values: str) -> str:
        body = (f"oidc_providers:\n  - url: https://{GITHUB}\n    client_ids: [a]\n"
                f"    thumbprints: {values}\n")
        return error_of(write_account(tmp_path, body))

    assert "thumbprints[0]: invalid thumbprint" in thumbprints("[abc]")
    six = ", ".join(letter * 40 for letter in "abcdef")
    assert "6 thumbprints: AWS allows 5" in thumbprints(f"[{six}]")
    message = thumbprints(f"[{THUMB_A}, {THUMB_A.upper()}]")
    assert "thumbprints[1]: listed twice (as thumbprints[0]" in message


def test_more_client_ids_than_iam_allows_are_refused(tmp_path: Path):
    ids = ", ".join(f"app-{number}" for number in range(101))
    body = f"oidc_providers:\n  - url: https://{GITHUB}\n    client_ids: [{ids}]\n"
    assert "101 client ids: AWS allows 100" in error_of(write_account(tmp_path, body))


def test_saml_names_are_unique_without_regard_to_case(tmp_path: Path):
    body = """\
        saml_providers:
          - name: okta
            metadata_file: okta.xml
          - name: Okta
            metadata_file: okta.xml
        """
    message = error_of(write_account(tmp_path, body, beside={"okta.xml": saml_metadata()}))
    assert "saml_providers[1].name: SAML provider 'Okta' is already declared at" in message


SAML = "saml_providers:\n  - name: okta\n    metadata_file: idp.xml\n"
SECRET = "AKIAEXAMPLESECRET0001"


def metadata_error(tmp_path: Path, content: str | bytes) -> str:
    path = write_account(tmp_path, SAML)
    file = tmp_path / "idp.xml"
    if isinstance(content, bytes):
        file.write_bytes(content)
    else:
        file.write_text(content)
    message = error_of(path)
    assert message.startswith(f"{path}:6:20: saml_providers[0].metadata_file: idp.xml:")
    assert SECRET not in message  # what the file holds is never shown
    return message.split("idp.xml", 1)[1].removeprefix(": ")


def test_metadata_must_be_well_formed_xml_and_says_where_it_is_not(tmp_path: Path):
    broken = saml_metadata().replace("</md:KeyDescriptor>", f"<{SECRET}>")
    message = metadata_error(tmp_path, broken)
    # Where, in the metadata file's own lines: the closing tag that does not match.
    closing = broken.split("\n").index("  </md:IDPSSODescriptor>") + 1
    assert message == f":{closing}:5: not well-formed XML: mismatched tag"


def test_metadata_with_a_dtd_is_refused_before_any_entity_expands(tmp_path: Path):
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{n} "{"&lol;" * 10 if n == 1 else f"&lol{n - 1};" * 10}">'
                  for n in range(1, 10))
        + ']>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        + "&lol9;</md:EntityDescriptor>" + " " * 1000
    )
    assert "has a DOCTYPE declaration" in metadata_error(tmp_path, laughs)


def test_metadata_whose_root_is_not_an_entity_descriptor_is_refused(tmp_path: Path):
    other_namespace = saml_metadata().replace(
        "urn:oasis:names:tc:SAML:2.0:metadata", "urn:example:not-saml")
    assert metadata_error(tmp_path, other_namespace).startswith("not SAML metadata")


def test_metadata_shorter_than_iam_accepts_is_refused(tmp_path: Path):
    short = '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>'
    message = metadata_error(tmp_path, "\n" + short + "\n" * 2000)
    assert message == f"{len(short)} characters; AWS accepts SAML metadata of 1,000 to 10,000,000"


def test_metadata_that_is_not_utf8_is_refused_without_echoing_it(tmp_path: Path):
    content = saml_metadata().encode().replace(b"exk1", SECRET.encode() + b"\xff")
    assert metadata_error(tmp_path, content) == "not UTF-8 text"


def test_a_missing_metadata_file_is_an_error_at_its_field(tmp_path: Path):
    message = error_of(write_account(tmp_path, SAML))
    assert message.endswith("saml_providers[0].metadata_file: idp.xml: no such file")


def test_a_metadata_file_reached_through_a_link_out_of_the_tree_is_refused(tmp_path: Path):
    outside = tmp_path / "elsewhere.xml"
    outside.write_text(saml_metadata())
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "idp.xml").symlink_to(outside)
    message = error_of(write_account(tmp_path / "config", SAML))
    assert "idp.xml: resolves outside" in message
