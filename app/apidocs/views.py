"""`GET /api/openapi.json` and `GET /api/docs`: Swagger UI over it (try calls with a key), served
from the flask-swagger-ui package's files, with a plain list of operations for readers without
JavaScript."""
from __future__ import annotations

import os

import flask_swagger_ui
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    send_from_directory,
)

from app.apidocs.openapi import build_openapi

bp = Blueprint("apidocs", __name__, static_folder="static", static_url_path="/api/docs/static")
SWAGGER_DIST = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")
SWAGGER_FILES = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                 "favicon-32x32.png"}


def document_of(app) -> dict:
    # Built once per process: the URL map does not change after start-up.
    document = app.extensions.get("openapi_document")
    if document is None:
        document = app.extensions["openapi_document"] = build_openapi(app)
    return document


def _document() -> dict:
    return document_of(current_app)


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(_document())


@bp.get("/api/docs/assets/<path:name>")
def docs_asset(name: str):
    """Swagger UI's own files, from the installed package (no CDN)."""
    if name not in SWAGGER_FILES:
        abort(404)
    return send_from_directory(SWAGGER_DIST, name, max_age=86400)


@bp.get("/api/docs")
def docs_page():
    document = _document()
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operations.append({"path": path, "method": method.upper(), **operation})
    operations.sort(key=lambda o: (o["tags"][0], o["path"], o["method"]))
    return render_template("apidocs/docs.html", document=document, operations=operations)
