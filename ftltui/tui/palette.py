"""The ctrl+p palette: the same command registry as the ``:`` line."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class FtlCommands(Provider):
    def _lines(self) -> list[tuple[str, str]]:
        app = self.app
        lines = list(app.registry.palette_lines())  # type: ignore[attr-defined]
        lines += [(f"theme {name}", "Switch theme") for name in app.ftl_theme_names]  # type: ignore[attr-defined]
        return lines

    async def discover(self) -> Hits:
        for line, help_ in self._lines():
            yield DiscoveryHit(f":{line}", partial(self.app.run_command_line, line), help=help_)  # type: ignore[attr-defined]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for line, help_ in self._lines():
            score = matcher.match(line)
            if score > 0:
                yield Hit(score, matcher.highlight(f":{line}"), partial(self.app.run_command_line, line),  # type: ignore[attr-defined]
                          help=help_)
