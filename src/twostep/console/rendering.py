"""The console's templates in each language: a Jinja2 environment per language with its gettext catalog
installed, and the date filter the pages use.

Times are written in UTC, as the API gives them, inside ``<time datetime="...Z" data-local>``: static/console.js
shows them in the browser's own time zone, with the zone named (the UTC text stays in the tooltip). Without
JavaScript the UTC text is what the page shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jinja2
from babel.dates import format_datetime
from babel.support import Translations
from markupsafe import Markup

from twostep.console.i18n import LANGUAGES, Catalogs, load_catalogs


@dataclass(frozen=True)
class Templates:
    catalogs: Catalogs
    environments: dict[str, jinja2.Environment]

    @classmethod
    def load(cls) -> Templates:
        catalogs = load_catalogs()
        return cls(catalogs, {language: _environment(language, catalogs.get(language)) for language in LANGUAGES})

    def render(self, language: str, template: str, values: Mapping[str, Any]) -> str:
        return self.environments[language].get_template(template).render(values)

    def gettext(self, language: str, message: str) -> str:
        return self.catalogs.get(language).gettext(message)

    def ngettext(self, language: str, singular: str, plural: str, count: int) -> str:
        return self.catalogs.get(language).ngettext(singular, plural, count)


def _environment(language: str, translations: Translations) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("twostep.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]

    def when(timestamp: float | None) -> Markup:
        if timestamp is None:
            return Markup("")
        moment = datetime.fromtimestamp(timestamp, UTC)
        text = str(format_datetime(moment, "medium", tzinfo=UTC, locale=language)) + " UTC"
        iso = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
        return Markup('<time datetime="{}" data-local>{}</time>').format(iso, text)

    environment.filters["when"] = when
    return environment
