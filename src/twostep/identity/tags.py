"""Tags on IAM resources (users, MFA devices): IAM User Guide, "Tagging IAM resources".

At most 50 tags per resource; keys are unique case-insensitively within a resource (adding a tag whose key
exists replaces that tag); keys starting with ``aws:`` are reserved for AWS.
"""

from __future__ import annotations

from collections.abc import Iterable

from twostep.identity.errors import InvalidTags, TooManyTags
from twostep.identity.models import Tag

MAX_TAGS_PER_RESOURCE = 50


def checked_tags(tags: Iterable[Tag]) -> tuple[Tag, ...]:
    """The tags of one request: no key twice (in any case), none reserved."""
    seen: set[str] = set()
    checked = []
    for tag in tags:
        folded = tag.key.lower()
        if folded in seen:
            raise InvalidTags("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        if folded.startswith("aws:"):
            raise InvalidTags(f"The tag key {tag.key} uses the prefix 'aws:', which is reserved for AWS use.")
        seen.add(folded)
        checked.append(tag)
    if len(checked) > MAX_TAGS_PER_RESOURCE:
        raise TooManyTags(f"The number of tags has reached the maximum limit of {MAX_TAGS_PER_RESOURCE}.")
    return tuple(checked)


def with_tags(existing: Iterable[Tag], added: Iterable[Tag]) -> tuple[Tag, ...]:
    """TagUser / TagMFADevice: add, replacing any tag whose key matches in any case."""
    new = checked_tags(added)
    replaced = {tag.key.lower() for tag in new}
    return checked_tags([*(tag for tag in existing if tag.key.lower() not in replaced), *new])


def without_tags(existing: Iterable[Tag], keys: Iterable[str]) -> tuple[Tag, ...]:
    """UntagUser / UntagMFADevice: keys that are not there are ignored, as in IAM."""
    removed = {key.lower() for key in keys}
    return tuple(tag for tag in existing if tag.key.lower() not in removed)
