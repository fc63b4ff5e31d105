"""A console crash prints its traceback without the frames' local variables (session 10
review, finding 4): Textual's crash report shows locals, and a frame of the console may hold
a password it was given. The real app, crashed by an error in a callback holding one."""

from __future__ import annotations

import pytest

from tuihelpers import ready

SECRET = "crash-local-pw-8842"


async def test_a_crash_report_shows_no_local_value(make_app) -> None:
    app = make_app()
    printed: list[str] = []
    real_print = app._print_error_renderables

    def keep() -> None:  # what the app prints on exit (the renderables are cleared after)
        printed.extend(seg.text for r in app._exit_renderables for seg in r.segments)
        real_print()

    app._print_error_renderables = keep  # type: ignore[method-assign]

    def holds_a_password() -> None:
        password = SECRET  # noqa: F841 - what a prompt's handler holds
        raise RuntimeError("boom in a handler")

    with pytest.raises(RuntimeError, match="boom in a handler"):
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot)
            app.call_later(holds_a_password)
            await pilot.pause()
            await pilot.pause()
    report = "".join(printed)
    assert "boom in a handler" in report and "holds_a_password" in report  # the traceback is shown
    assert SECRET not in report
