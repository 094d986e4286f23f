"""Builders for identity-provider tests: SAML metadata documents and the files that declare them."""

from __future__ import annotations

import textwrap

GITHUB = "token.actions.githubusercontent.com"
GITHUB_ARN = f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"
OKTA_ARN = "arn:aws:iam::123456789012:saml-provider/okta"
# GitHub's published thumbprints (they no longer matter to AWS, which checks GitHub's CA).
THUMB_A = "6938fd4d98bab03faadb97b34396831e3780aea1"
THUMB_B = "1c58a3a8518e8759bf075b76b750d4f2df264fcd"


def saml_metadata(entity_id: str = "http://www.okta.com/exk1", certificate: str = "A") -> str:
    """A SAML 2.0 IdP metadata document of realistic length (IAM wants 1,000 characters or
    more); `certificate` varies the signing key, as a rotation at the identity provider does."""
    key = (certificate * 900)[:900]
    return textwrap.dedent(f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">
          <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing">
              <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
                <ds:X509Data><ds:X509Certificate>{key}</ds:X509Certificate></ds:X509Data>
              </ds:KeyInfo>
            </md:KeyDescriptor>
            <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
                Location="https://example.okta.com/app/example/sso/saml"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>
        """)
