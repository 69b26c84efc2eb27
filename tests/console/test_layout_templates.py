"""The console's layout pieces rendered on their own (issue 16, items 5-7): the long-value macro, times written for
the browser to convert, the no-MFA warning's button, the compatible apps by platform. The browser tests
(test_layout_browser.py) show them at work; these pin what the server writes, in English and Korean."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import ClassVar

import pytest

from twostep.console.authenticator_apps import COMPATIBLE_APPS
from twostep.console.rendering import Templates

ASSIGN = "/security-credentials/mfa/assign"


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.load()


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def find(self, tag: str, **attrs: str) -> Element | None:
        """The first element below this one with this tag whose attributes contain these words."""
        for child in self.children:
            if child.tag == tag and all(word in (child.attrs.get(k) or "").split() for k, word in attrs.items()):
                return child
            found = child.find(tag, **attrs)
            if found is not None:
                return found
        return None


class Tree(HTMLParser):
    """Just enough of an HTML tree for these fragments (every element they use is closed)."""

    VOID: ClassVar[set[str]] = {"br", "input", "meta", "link", "img"}

    def __init__(self) -> None:
        super().__init__()
        self.root = Element("root", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1].tag == tag, (self.open[-1].tag, tag)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def render_source(templates: Templates, language: str, source: str, **values: object) -> Element:
    template = templates.environments[language].from_string(source)
    tree = Tree()
    tree.feed(template.render(values))
    tree.close()
    return tree.root


@pytest.mark.parametrize(("language", "copy_arn"), [("en", "Copy ARN"), ("ko", "ARN 복사")])
def test_a_long_value_keeps_the_whole_value_in_its_title_and_copy_button(
    templates: Templates, language: str, copy_arn: str
) -> None:
    arn = "arn:aws:iam::123456789012:user/" + "a" * 64
    page = render_source(
        templates,
        language,
        '{% from "_long_value.html" import long_value %}{{ long_value(arn, "ARN", code=True, clamp=True) }}',
        arn=arn,
    )
    value = page.find("span", **{"class": "clamp"})
    assert value is not None and "long-value" in str(value.attrs["class"])
    text = value.find("span", **{"class": "long-value-text"})
    assert text is not None and text.attrs["title"] == arn and text.text == arn
    assert text.find("code") is not None
    button = value.find("button", **{"class": "copy"})
    assert button is not None
    assert button.attrs["data-copy-text"] == arn and button.attrs["aria-label"] == copy_arn
    assert "hidden" in button.attrs  # shown by console.js where the clipboard works


def test_a_long_value_may_be_a_link_and_is_escaped(templates: Templates) -> None:
    page = render_source(
        templates,
        "en",
        '{% from "_long_value.html" import long_value %}{{ long_value(name, "User name", href="/users/x") }}',
        name='<b>"x"</b>',
    )
    link = page.find("a", **{"class": "long-value-text"})
    assert link is not None and link.attrs["href"] == "/users/x" and link.text == '<b>"x"</b>'
    assert page.find("b") is None


@pytest.mark.parametrize(("language", "shown"), [("en", "Dec 3, 2026, 6:55:31\u202fAM UTC"), ("ko", "UTC")])
def test_times_are_written_in_utc_for_the_browser_to_convert(templates: Templates, language: str, shown: str) -> None:
    moment = datetime(2026, 12, 3, 6, 55, 31, tzinfo=UTC).timestamp()
    page = render_source(templates, language, "<p>{{ moment|when }}</p>", moment=moment)
    time = page.find("time")
    assert time is not None and time.attrs["datetime"] == "2026-12-03T06:55:31Z" and "data-local" in time.attrs
    assert shown in time.text and time.text.endswith(" UTC")
    assert render_source(templates, language, "<p>{{ none|when }}</p>", none=None).find("time") is None


@pytest.mark.parametrize(
    ("language", "is_root", "warning", "button"),
    [
        ("en", True, "Your root user has no MFA device", "Assign MFA device"),
        ("en", False, "You have no MFA device", "Assign MFA device"),
        ("ko", True, "루트 사용자에게 MFA 디바이스가 없습니다", "MFA 디바이스 할당"),
        ("ko", False, "MFA 디바이스가 없습니다", "MFA 디바이스 할당"),
    ],
)
def test_the_no_mfa_warning_has_a_button_to_the_wizard(
    templates: Templates, language: str, is_root: bool, warning: str, button: str
) -> None:
    current = SimpleNamespace(user=SimpleNamespace(is_root=is_root))
    page = render_source(templates, language, '{% include "_mfa_warning.html" %}', devices=[], current=current)
    alert = page.find("div", role="alert")
    assert alert is not None and warning in alert.text
    link = alert.find("a", **{"class": "button"})
    assert link is not None and link.attrs["href"] == ASSIGN and link.text == button
    with_device = render_source(templates, language, '{% include "_mfa_warning.html" %}', devices=[1], current=current)
    assert with_device.text.strip() == "" and not with_device.children


def test_the_compatible_apps_come_by_platform() -> None:
    assert [group.key for group in COMPATIBLE_APPS] == ["android", "ios", "desktop", "password-managers"]
    assert all(group.apps and len(set(group.apps)) == len(group.apps) for group in COMPATIBLE_APPS)
