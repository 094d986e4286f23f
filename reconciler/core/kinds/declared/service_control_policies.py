"""Service control policies (`organization.service_control_policies`): what any principal of a
member account may do at most. Declared by `_org_policies.py`; its reader is
`aws/readers/organization_policies.py`, its writers `aws/writers/organization_policies.py`.

Pure.
"""

from ._org_policies import policy_kind
from ._org_policy_model import SCP

KIND, CHANGES = policy_kind(SCP, "service_control_policy")
