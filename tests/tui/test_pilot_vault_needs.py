"""The console's vault prompt after a failed run asks for the ids the run lacked, known as
data, never read out of the job's reason (session 11, defect 1; 157469d's missing test).

The asker parsed the failed job's reason for "(vault id 'X'): no vault password given" and
"(vault id 'X'): wrong vault password", and that reason carries a host's message: a host
could pop a prompt for any id it named, or make the console drop a password the operator
had typed. Now the keyring notes the vault id where decryption fails for want of the
right password, into the job's own collector, and the failure's ``JobChanged`` carries it.

Also the test 157469d left out: with two vault ids, the closing notice names only the job
that failed for want of them, not one that failed for another reason meanwhile. (The
earlier attempt hung at ``jobs_finished``: the console asks each vault id in turn at start,
so after one ``esc`` the second id's prompt was up and took the typed ``run`` command, and
no job was ever queued. Here both prompts are answered before the command is typed.)
Real app through the pilot, a real inventory with inline values for two vault ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuihelpers import enter_command, jobs_finished, ready, wait_for

from ftltui.tui.screens.secret_prompt import SecretPrompt
from ftltui.vault.envelope import encrypt

PASSWORDS = {"alpha": "alpha horse battery", "beta": "beta staple correct"}
# what a host says when asked to read a file of this name: the words the asker used to parse
HOST_TEXT = ("/nonexistent/x (vault id 'evil'): no vault password given; "
             "(vault id 'alpha'): wrong vault password")


def _inventory(tmp_path: Path) -> Path:
    """Group ga (a1): ``token`` encrypted for vault id alpha; gb (b1): for beta."""
    inv = tmp_path / "vinv"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "hosts.ini").write_text("[ga]\na1 ansible_connection=local\n[gb]\nb1 ansible_connection=local\n")
    for group, vault_id in (("ga", "alpha"), ("gb", "beta")):
        envelope = encrypt(f"token-{vault_id}".encode(), PASSWORDS[vault_id].encode(), vault_id)
        body = "".join(f"  {line}\n" for line in envelope.strip().splitlines())
        (inv / "group_vars" / f"{group}.yml").write_text("token: !vault |\n" + body)
    return inv


async def _prompt(pilot: Any, answer: str | None) -> str:
    """The vault prompt on screen: answered (``None``: esc); returns its text."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
    prompt = app.screen
    await pilot.press(*(answer or ""), "enter" if answer else "escape")
    await wait_for(pilot, lambda: app.screen is not prompt)  # gone (the next id's may follow)
    return str(prompt.label_text)


async def _no_prompt_after(pilot: Any, job_id: int) -> None:
    """Job ``job_id`` finished and its update went through the feed: no prompt came."""
    app = pilot.app
    await wait_for(pilot, lambda: jobs_finished(app, job_id))
    app.flush_events()
    await pilot.pause()
    assert not isinstance(app.screen, SecretPrompt)


async def test_two_vault_ids_a_failed_run_asks_for_both_and_names_only_that_job(make_app, tmp_path: Path) -> None:
    app = make_app([str(_inventory(tmp_path))])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot)
        asked = [await _prompt(pilot, None), await _prompt(pilot, None)]  # one prompt per id at start
        assert "'alpha'" in asked[0] and "'beta'" in asked[1], asked
        await wait_for(pilot, lambda: not isinstance(app.screen, SecretPrompt))

        await enter_command(pilot, "run a1 command false")  # fails, not for a vault password
        await _no_prompt_after(pilot, 1)
        await enter_command(pilot, "run all shell echo {{ token }}")  # both ids lacked
        await wait_for(pilot, lambda: isinstance(app.screen, SecretPrompt))
        second = await app.services.submit_run("a1", "command", {"_raw_params": "false"})  # while asked
        assert "'alpha'" in await _prompt(pilot, PASSWORDS["alpha"])
        await wait_for(pilot, lambda: app.services.jobs[second.id].state == "failed")
        app.flush_events()
        assert "'beta'" in await _prompt(pilot, PASSWORDS["beta"])
        await wait_for(pilot, lambda: any("failed without it" in str(n.message) for n in app._notifications))
        notes = [str(n.message) for n in app._notifications if "failed without it" in str(n.message)]
        assert notes == [("vault password given: the inventory is read again with it; job 2 failed without it "
                          "(retry: r in the Jobs pane)")], notes


async def test_a_hosts_words_neither_ask_nor_drop_a_password(make_app, tmp_path: Path) -> None:
    app = make_app([str(_inventory(tmp_path))])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot)
        await _prompt(pilot, PASSWORDS["alpha"])  # typed here: a TYPED password for alpha
        await _prompt(pilot, None)
        await wait_for(pilot, lambda: not isinstance(app.screen, SecretPrompt) and app.inventory is not None)

        await enter_command(pilot, f"run a1 slurp src='{HOST_TEXT}'")
        await _no_prompt_after(pilot, 1)
        job = app.services.jobs[1]
        assert job.state == "failed" and "(vault id 'evil')" in job.reason, job.reason  # the host said it
        assert "evil" not in app.vault_asker.keyring.missing
        assert [s.vault_id for s in app.vault_asker.keyring.secrets] == ["alpha"]  # not dropped
        assert not [n for n in app._notifications if "wrong vault password" in str(n.message)]
