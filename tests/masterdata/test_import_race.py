"""Two imports of the same file racing on separate connections produce one row per key."""
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.masterdata import service
from app.masterdata.models import Technician
from tests.masterdata.conftest import TECH_HEADER, csv_body


@pytest.mark.real_commits
def test_concurrent_imports_of_the_same_file(app):
    import io
    body = csv_body(TECH_HEADER, *[f"R{i},王{i},138{i:08d},一班,城区,自营,active"
                                   for i in range(300)]).encode()
    results, errors = [], []
    barrier = threading.Barrier(4)

    def run():
        try:
            with app.app_context():
                barrier.wait()
                result = service.import_csv("technicians", io.BytesIO(body), batch_size=50)
                db.session.commit()
                results.append(result)
        except Exception as exc:     # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Technician)) == 300
    assert sum(r.created for r in results) == 300
    assert all(r.updated == 0 and r.rejected_count == 0 for r in results)
