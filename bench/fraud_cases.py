"""Case benchmark: grouping open flags into cases after a scan, a reviewer's case page, and one
decision with its preview (a dry run through the reports service and back).

    . .venv/bin/activate && python bench/fraud_cases.py [--technicians 400] [--flags 6]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_cases]

Data (untimed, written with Core): `--technicians` technicians, each with `--flags` flagged
ratings in one month; every tenth technician's flags also share an evidence group with the next
technician's (a ring over two people). Timed: the first regroup (every flag placed), a regroup
with nothing to move (what each later scan pays), the queue's first page, a case file, the
preview of confirming a case, and the decision itself.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def timed(label: str, fn, runs: int = 1):
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    print(f"{label:<44}{statistics.median(samples):>10.1f} ms")
    return result


def seed(db, technicians: int, per_technician: int) -> None:
    from sqlalchemy import insert

    from app.fraud.models import FraudFlag
    from app.identity.models import WeChatUser
    from app.masterdata.models import BroadbandAccount, Technician, WorkOrder
    from app.rating.models import Rating

    done = datetime(2026, 10, 12, 2, tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    db.session.execute(insert(Technician), [
        {"id": t, "employee_no": f"B{t:05d}", "name": f"装维{t}", "phone": f"138{t:08d}",
         "team": f"{t % 9}班", "area": "城区", "vendor": "自营", "status": "active",
         "created": now, "updated": now} for t in range(1, technicians + 1)])
    db.session.execute(insert(WeChatUser), [{"id": 1, "token_version": 0, "created_at": now}])
    rows = technicians * per_technician
    db.session.execute(insert(BroadbandAccount), [
        {"id": i, "account_no": f"BA{i:08d}", "holder_name": "户主", "phone": f"139{i:08d}",
         "address": f"迎宾街{i}号", "area": "城区", "created": now, "updated": now}
        for i in range(1, rows + 1)])
    db.session.execute(insert(WorkOrder), [
        {"id": i, "order_no": f"BGD{i:08d}", "account_id": i,
         "technician_id": (i - 1) // per_technician + 1, "order_type": "install",
         "product": "broadband", "area": "城区", "created_at": done - timedelta(hours=3),
         "completed_at": done + timedelta(minutes=i % 600), "status": "completed",
         "created": now, "updated": now} for i in range(1, rows + 1)])
    db.session.execute(insert(Rating), [
        {"id": i, "order_id": i, "technician_id": (i - 1) // per_technician + 1, "user_id": 1,
         "stars": 5, "tags": [], "comment": "", "channel": "h5",
         "created_at": done + timedelta(days=2)} for i in range(1, rows + 1)])
    flags = []
    for i in range(1, rows + 1):
        tech = (i - 1) // per_technician + 1
        ring = (tech - 1) // 2 if tech % 10 in (1, 2) else None
        evidence = {"group": f"ring:{ring}"} if ring is not None else {}
        flags.append({"id": i, "rating_id": i, "order_id": i, "technician_id": tech,
                      "month": "2026-10", "score": 0.5 + (i % 50) / 100, "detectors": ",burst,",
                      "reasons": [{"detector": "burst", "score": 0.9, "weight": 0.7,
                                   "detail": "集中评价", "detail_en": "burst",
                                   "evidence": evidence}],
                      "status": "open", "created_at": now, "updated_at": now})
    db.session.execute(insert(FraudFlag), flags)
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technicians", type=int, default=400)
    parser.add_argument("--flags", type=int, default=6, help="flagged ratings per technician")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    import os
    OUT.mkdir(exist_ok=True)
    url = args.database_url
    if url is None:
        path = OUT / "fraud_cases.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db
    from app.fraud import service
    from app.reports import service as reports

    app = create_app({"LOG_LEVEL": "WARNING", "SECRET_KEY": "bench-" + "k" * 40})
    with app.app_context():
        if url.startswith("postgresql"):
            downgrade(revision="base")
        upgrade()
        seed(db, args.technicians, args.flags)
        service.case_counts()          # mappers are configured once per process: not timed
        print(f"{args.technicians} technicians × {args.flags} open flags = "
              f"{args.technicians * args.flags} flags ({url.split(':')[0]})")
        first = timed("regroup: every flag placed", service.regroup)
        db.session.commit()
        print(f"  → {first.cases_created} cases")
        timed("regroup: nothing to move (each later scan)",
              lambda: (service.regroup(), db.session.commit()), runs=3)
        page = timed("queue: first page of 50 cases",
                     lambda: service.list_cases(status="open", per_page=50), runs=5)
        case = page.items[0]
        today = datetime.now(timezone.utc).date()
        timed(f"case file ({case.flag_count} ratings)",
              lambda: service.case_file(case, today=today), runs=5)
        ctx = service.context(app.config, by="bench")
        tariff = reports.load_tariff(None)

        def pay_of(technician, month):
            return reports.pay_ledger(month=month, technician=technician, tariff=tariff,
                                      tz_name=ctx.tz_name, live=True)

        def decide(dry_run: bool):
            return service.consequences.run(
                lambda: service.decide_case(case_id=case.id, decision="confirmed", note="bench",
                                            ctx=ctx),
                scope=list(service.get_case(case.id).flags), pay_of=pay_of, ctx=ctx,
                dry_run=dry_run)

        timed("preview of confirming that case (dry run)", lambda: decide(True), runs=5)
        _, found = timed("the decision with its consequences", lambda: decide(False))
        db.session.commit()
        print(f"  → {'; '.join(found[0]['lines'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
