"""`flask fraud scan` shows its steps as a progress bar and prints the summary."""


def test_cli_scan_reports_progress_and_summary(app):
    result = app.test_cli_runner().invoke(args=["fraud", "scan", "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "2026-10: 0 ratings scanned" in result.stdout
    assert "2026-10 扫描" in result.stderr        # the bar (a terminal redraws it per step)


def test_the_scan_task_reports_each_step(app):
    from app import tasks
    from app.extensions import db
    from tests.tasks_helpers import task_run
    task_id = tasks.enqueue("fraud.scan_month", month="2026-10")
    db.session.commit()
    assert tasks.drain() == 1
    run = task_run(task_id)
    assert run.status == "done" and run.result["month"] == "2026-10"
    assert run.progress_total is not None and run.progress_total >= 3
    assert run.progress_done == run.progress_total     # every step told, the last one named
    assert run.progress_note
