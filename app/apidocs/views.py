"""`GET /api/openapi.json` and the human-readable `GET /api/docs`."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from app.apidocs.openapi import build_openapi

bp = Blueprint("apidocs", __name__)


def _document() -> dict:
    # Built once per process: the URL map does not change after start-up.
    document = current_app.extensions.get("openapi_document")
    if document is None:
        document = current_app.extensions["openapi_document"] = build_openapi(current_app)
    return document


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(_document())


@bp.get("/api/docs")
def docs_page():
    document = _document()
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operations.append({"path": path, "method": method.upper(), **operation})
    operations.sort(key=lambda o: (o["tags"][0], o["path"], o["method"]))
    return render_template("apidocs/docs.html", document=document, operations=operations)
