"""A playbook job's end adds no invented per-host result lines to the Logs pane (hD finding 6).

A playbook's host results arrive as playbook events (its PLAY/TASK lines and the recap),
never as a run's host results, so the session's end-of-job close took every host for one
"closed without a result event" and the Logs pane got, after ``-- job 1 failed: ...``,
``w1 = SUCCESS (0.00s) => {"msg": ""}`` for each host: an ad-hoc-shaped result with an
invented duration. Now the job's lines end with its recap and its end line, as
``ftl-tui jobs logs`` shows them, and the Inventory pane still gets each host's status.
"""

from __future__ import annotations

from pathlib import Path

from tuihelpers import enter_command, jobs_finished, ready, wait_for

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: say hi
      command: echo hi
    - name: fail on b
      command: /bin/false
      when: inventory_hostname == 'b'
"""


async def test_a_playbook_job_ends_with_its_recap_and_end_line(make_app, tmp_path: Path) -> None:
    inv = tmp_path / "hosts.ini"
    inv.write_text("a ansible_connection=local\nb ansible_connection=local\n")
    book = tmp_path / "site.yml"
    book.write_text(PLAYBOOK)
    app = make_app([str(inv)])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await enter_command(pilot, f"play {book}")
        await wait_for(pilot, lambda: jobs_finished(app, 1))
        assert app.services.jobs[1].state == "failed", app.services.jobs[1].reason
        await wait_for(pilot, lambda: any(r.text.startswith("job 1 failed")
                                          for r in app.logs_pane().ring))
        lines = [r.text for r in app.logs_pane().ring]
        end = next(i for i, t in enumerate(lines) if t.startswith("job 1 failed"))
        assert lines[end - 1].startswith("b : ok=1"), lines  # the recap, then the job's end line
        assert lines[end + 1:] == [], lines[end:]  # nothing after the job's end line
        assert not [t for t in lines if " => {" in t], lines
        # the hosts' statuses still reach the Inventory pane
        status = app.inventory_pane().status
        assert status.get("a") in ("ok", "changed") and status.get("b") == "failed", status
