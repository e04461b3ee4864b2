"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from pathlib import Path

from app import create_app
from app.devrun import follow_running_app

# A command in another terminal links to the app bin/run is serving (app/devrun.py).
follow_running_app(Path(__file__).resolve().parent / "instance" / "run.env")
app = create_app()
