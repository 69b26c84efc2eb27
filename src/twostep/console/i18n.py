"""English and Korean: gettext catalogs (.po) read with Babel at startup, and the choice of language.

The .po files are the source of truth and are read directly (no compile step): Babel parses each one and
writes an in-memory .mo that the standard gettext machinery (and Jinja2's i18n extension) uses.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Catalogs:
    translations: dict[str, Translations]

    def get(self, language: str) -> Translations:
        return self.translations.get(language) or self.translations[DEFAULT_LANGUAGE]


def read_catalog(language: str) -> Translations:
    po = resources.files("twostep.console").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def load_catalogs() -> Catalogs:
    return Catalogs({language: read_catalog(language) for language in LANGUAGES})


def negotiate(accept_language: str | None, preference: str | None = None) -> str:
    """The language from the switcher's cookie if it names one we have, else the best of Accept-Language."""
    if preference in LANGUAGES:
        assert preference is not None
        return preference
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for item in (accept_language or "")[:1000].split(","):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        if not 0 < q <= 1:
            continue
        if q > best_q:  # strictly greater: on a tie the earlier entry wins
            best, best_q = primary, q
    return best
