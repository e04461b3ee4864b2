"""`flask fraud scan` shows its steps as a progress bar and prints the summary."""


def test_cli_scan_reports_progress_and_summary(app):
    result = app.test_cli_runner().invoke(args=["fraud", "scan", "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "2026-10: 0 ratings scanned" in result.stdout
    assert "2026-10 扫描" in result.stderr        # the bar (a terminal redraws it per step)
