"""Commands in another terminal follow the app bin/run serves (instance/run.env)."""
from app.devrun import follow_running_app


def test_unset_addresses_follow_the_running_app(tmp_path):
    run_env = tmp_path / "run.env"
    run_env.write_text("PUBLIC_BASE_URL=http://127.0.0.1:8000\nWECHAT_API_BASE_URL=http://127.0.0.1:8001/\n"
                       "SECRET_KEY=never-taken\n")
    environ = {}
    assert follow_running_app(run_env, environ) == {
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000", "WECHAT_API_BASE_URL": "http://127.0.0.1:8001/"}
    assert "SECRET_KEY" not in environ


def test_a_set_variable_production_or_no_file_wins(tmp_path):
    run_env = tmp_path / "run.env"
    run_env.write_text("PUBLIC_BASE_URL=http://127.0.0.1:8000\n")
    mine = {"PUBLIC_BASE_URL": "https://rating.example.cn"}
    assert follow_running_app(run_env, mine) == {} and mine["PUBLIC_BASE_URL"].startswith("https")
    production = {"APP_ENV": "production"}
    assert follow_running_app(run_env, production) == {} and "PUBLIC_BASE_URL" not in production
    assert follow_running_app(tmp_path / "missing.env", {}) == {}


def test_demo_scan_prints_the_running_apps_address(app, monkeypatch):
    from tests import factories
    factories.order()
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    output = app.test_cli_runner().invoke(args=["demo", "scan"]).output
    assert "http://127.0.0.1:8000/b/" in output and ":5000" not in output


def test_curl_demo_is_valid_bash_that_stops_with_the_services_message(app, tmp_path):
    import subprocess

    from tests import factories
    factories.order()
    script = app.test_cli_runner().invoke(args=["wechat", "demo"]).output
    assert script.startswith("set -e") and '["token"]' not in script
    path = tmp_path / "demo.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True, check=False).returncode == 0
    # the helper that reads a field: an error body stops the script with its message
    helper = script[script.index("field()"):script.index("# 1.")]
    run = subprocess.run(["bash", "-c", helper + '\necho \'{"error": {"code": "invalid_code", '
                          '"message": "授权码无效"}}\' | field token'],
                         capture_output=True, text=True, check=False)
    assert run.returncode != 0 and "授权码无效" in run.stderr and "Traceback" not in run.stderr
    good = subprocess.run(["bash", "-c", helper + '\necho \'{"token": "t-1"}\' | field token'],
                          capture_output=True, text=True, check=False)
    assert good.stdout.strip() == "t-1"
