"""A policy document as an AWS service answers it (Organizations' policy content, a permission
set's inline policy), read into a `Document`. AWS stores only JSON; an endpoint that answers
otherwise (an emulator keeps whatever it is sent) is said in one line naming what was read,
never with the content and never as a traceback.
"""

from __future__ import annotations

import json

from ..core.errors import IamctlError
from ..core.policy.documents import canonical
from ..core.state import Document


def answered_document(doing: str, content: str | None) -> Document | None:
    """`doing`: what iamctl was reading (`read policy Broken`); None for no content."""
    if not content:
        return None
    try:
        return canonical(content)
    except json.JSONDecodeError as error:
        raise IamctlError(f"{doing}: its content is not JSON ({error.msg} at character "
                          f"{error.pos}); AWS stores only JSON") from None
