"""The IAM policy language: parse and validate documents, decide requests. No state: nothing here stores or reads
a policy (that is twostep.policy.stored).

Pure domain code: no HTTP, SQL or web framework. Behaviour follows the IAM User Guide (policy evaluation
logic, condition operators, policy variables, the JSON policy element reference); each module cites its part.
"""

from twostep.policy.language.conditions import Condition, ConditionOperator, parse_operator
from twostep.policy.language.document import (
    CURRENT_VERSION,
    DEFAULT_MAX_SIZE,
    LEGACY_VERSION,
    PolicyDocument,
    Statement,
    parse_policy,
)
from twostep.policy.language.errors import MalformedPolicyDocument, PolicyTooLarge
from twostep.policy.language.evaluator import (
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
