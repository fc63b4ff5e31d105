"""An inline ``!vault`` value the console could not open: the run that needs it brings the
vault password prompt back (hD finding 2).

Inline values load undecrypted when no password opens them and fail where they are used.
The console asked once at start; if that prompt was cancelled (or the operator's keys
went into it), a run using the value failed with "no vault password given; use
--vault-password-file, --vault-id or --ask-vault-pass": options of a command line the
operator is not on, and nothing said that ``:reload`` would ask again. Now the failed run
shows the same Vault password prompt a vault-encrypted file gets, the message says the
console asks, and once the password is given the inventory is read again and the
failed job's retry succeeds.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import enter_command, jobs_finished, ready, screen_text, wait_for

from ftltui.tui.screens.secret_prompt import SecretPrompt
from ftltui.vault.envelope import encrypt

PASSWORD = b"inline horse battery"
SECRET = "s3cret-inline-value"


def _inventory(tmp_path: Path) -> Path:
    inv = tmp_path / "vinv"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "hosts.ini").write_text("[db]\nd1 ansible_connection=local\n")
    envelope = encrypt(SECRET.encode(), PASSWORD)
    body = "".join(f"  {line}\n" for line in envelope.strip().splitlines())
    (inv / "group_vars" / "db.yml").write_text("db_password: !vault |\n" + body)
    return inv


async def test_a_run_needing_an_inline_vault_value_asks_for_its_password(make_app, tmp_path: Path) -> None:
    app = make_app([str(_inventory(tmp_path))])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))  # asked at start, as before
        await pilot.press("escape")  # ... and not answered
        await wait_for(pilot, lambda: not isinstance(app.screen, SecretPrompt))
        assert app.inventory is not None  # inline values load undecrypted

        await enter_command(pilot, "run db shell echo {{ db_password }}")
        await wait_for(pilot, lambda: jobs_finished(app, 1))
        job = app.services.jobs[1]
        assert job.state == "failed" and "vault id 'default'" in (job.reason or ""), job.reason
        assert "--vault-password-file" not in (job.reason or ""), job.reason  # no CLI flags to a console
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))  # the run brings the prompt back
        await pilot.press(*PASSWORD.decode(), "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SecretPrompt))
        await wait_for(pilot, lambda: any("job 1" in str(n.message) and "retry" in str(n.message)
                                          for n in app._notifications if n.title == "vault"))

        await wait_for(pilot, lambda: app.inventory_error is None and not any(
            w.group == "inventory" and not w.is_finished for w in app.workers))
        app.job_action("retry", 1)  # what the notification says: r on job 1
        await wait_for(pilot, lambda: jobs_finished(app, 2))
        assert app.services.jobs[2].state == "succeeded", app.services.jobs[2].reason
        shown = screen_text(app) + "".join(str(n.message) for n in app._notifications)
        assert SECRET not in shown and PASSWORD.decode() not in shown
