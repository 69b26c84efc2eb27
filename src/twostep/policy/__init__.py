"""The IAM policy language for identity-based policies: parse and validate documents, decide requests.

Pure domain code: no HTTP, SQL or web framework. Behaviour follows the IAM User Guide (policy evaluation
logic, condition operators, policy variables, the JSON policy element reference); each module cites its part.
"""

from twostep.policy.conditions import Condition, ConditionOperator, parse_operator
from twostep.policy.document import (
    CURRENT_VERSION,
    DEFAULT_MAX_SIZE,
    LEGACY_VERSION,
    PolicyDocument,
    Statement,
    parse_policy,
)
from twostep.policy.errors import MalformedPolicyDocument, PolicyTooLarge
from twostep.policy.evaluator import (
    ContextValue,
    Decision,
    Explanation,
    RequestContext,
    evaluate,
    explain,
    statement_applies,
)

__all__ = [
    "CURRENT_VERSION",
    "DEFAULT_MAX_SIZE",
    "LEGACY_VERSION",
    "Condition",
    "ConditionOperator",
    "ContextValue",
    "Decision",
    "Explanation",
    "MalformedPolicyDocument",
    "PolicyDocument",
    "PolicyTooLarge",
    "RequestContext",
    "Statement",
    "evaluate",
    "explain",
    "parse_operator",
    "parse_policy",
    "statement_applies",
]
