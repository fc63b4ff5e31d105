"""The console asks for an encrypted SSH key's passphrase: once per key per session.

The SSH runner's :class:`ftltui.engine.ssh.keys.KeyUnlocker` calls this only for a key
file that is encrypted and not held by the ssh-agent; hosts sharing the key wait for the
one answer, and the decrypted key is kept for the session (the passphrase is not). A wrong
passphrase asks again (up to three times, saying why); cancelling fails the hosts that
need the key with that reason. The dialog is :class:`SecretPrompt`: the value shows
nowhere else.
"""

from __future__ import annotations

import asyncio
from typing import Any


class KeyPassphrasePrompt:
    """An ``AskPassphrase`` for the engine that shows a dialog on ``app``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, path: str, attempt: int, why: str | None) -> str | None:
        from ftltui.tui.screens.secret_prompt import SecretPrompt

        loop = asyncio.get_running_loop()
        answer: asyncio.Future[str | None] = loop.create_future()

        def answered(value: str | None) -> None:
            def put() -> None:
                if not answer.done():
                    answer.set_result(value)

            loop.call_soon_threadsafe(put)

        label = f"The SSH key {path} is encrypted and no ssh-agent holds it. Passphrase:"
        if why:
            label = f"{why}. Try again ({attempt + 1} of 3). Passphrase for {path}:"

        def show() -> None:
            self.app.push_screen(SecretPrompt("SSH key passphrase", label, placeholder="passphrase"), answered)

        try:
            self.app.call_from_thread(show)  # the engine runs in a worker thread
        except RuntimeError:  # already on the app's thread (its event loop)
            show()
        return await answer
