"""Resource control policies (`organization.resource_control_policies`): what may be done to a
member account's resources at most, whoever asks. Declared by `_org_policies.py`; its reader is
`aws/readers/organization_policies.py`, its writers `aws/writers/organization_policies.py`.

Pure.
"""

from ._org_policies import policy_kind
from ._org_policy_model import RCP

KIND, CHANGES = policy_kind(RCP, "resource_control_policy")
