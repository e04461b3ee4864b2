"""Fraud benchmark on months the detectors were not tuned on.

    . .venv/bin/activate && python bench/fraud_bench.py [--tune 1,2,3] [--report 21,22,23,24,25]
        [--camouflage 2] [--database-url postgresql://postgres@127.0.0.1:5432/h13]

Each seed is one realistic month (bench/fraud_world.py: 60 technicians, ~6,000 orders, ~2,500
ratings, five planted kinds and the honest hard cases), loaded into a fresh database THROUGH the
imports (technicians, accounts, orders, callbacks, ratings), scanned with `scan_month`, then
re-scanned. Thresholds were tuned on the `--tune` seeds only; the `--report` seeds are held out.
Per seed and pooled it prints precision@k (k = planted fakes, flagged ratings ranked by score),
recall per planted kind, honest technicians flagged, the best honest rating's score against the
median planted score, and what the re-scan added. Every rating's score (also those under the
threshold) comes from the same detectors with the threshold at 0.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fraud_world  # noqa: E402  (bench/ sibling module)


def fresh_app(url: str):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app({"APP_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "LOG_LEVEL": "WARNING", "TASKS_BACKEND": "inline"})
    with app.app_context():
        if url.startswith("postgres"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        logging.disable(logging.INFO)        # alembic's one line per migration
        upgrade(revision="heads")
        logging.disable(logging.NOTSET)
    return app


def load(world, app) -> dict:
    """Everything through the imports (the ratings import included); sightings by the service."""
    from app.extensions import db
    from app.fraud.service.facts import record_sighting
    from app.masterdata import service as masterdata

    counts = {}
    with app.app_context():
        for kind, rows in (("technicians", world.technicians), ("accounts", world.accounts),
                           ("orders", world.orders), ("callbacks", world.callbacks),
                           ("ratings", world.ratings)):
            clean = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
            result = masterdata.import_json(kind, json.dumps(clean, ensure_ascii=False).encode(),
                                            batch_size=2000)
            if result.rejected_count:
                raise SystemExit(f"{kind}: {result.rejected_count} rejected, e.g. {result.rejected[:3]}")
            counts[kind] = result.created
            db.session.commit()
        for employee_no, ip, ua, at in world.sightings:
            technician = masterdata.get_technician(employee_no)
            record_sighting(technician_id=technician.id, client_ip=ip, user_agent=ua, now=at)
        db.session.commit()
    return counts


def scan(world, app) -> dict:
    from sqlalchemy import select

    from app.extensions import db
    from app.fraud import service
    from app.fraud.detectors.run import judge
    from app.fraud.models import FraudFlag
    from app.fraud.service.facts import month_context
    from app.masterdata.models import Technician, WorkOrder
    from app.rating.models import Rating
    from app.timeutil import month_bounds

    with app.app_context():
        settings = service.settings(app.config)
        started = time.perf_counter()
        first = service.scan_month(month=fraud_world.MONTH, **settings)
        db.session.commit()
        seconds = time.perf_counter() - started
        again = service.scan_month(month=fraud_world.MONTH, **settings)
        db.session.commit()
        order_of = dict(db.session.execute(
            select(Rating.id, WorkOrder.order_no).join(WorkOrder, WorkOrder.id == Rating.order_id)
        ).all())
        tech_of = dict(db.session.execute(
            select(Rating.id, Technician.employee_no)
            .join(Technician, Technician.id == Rating.technician_id)).all())
        flags = {rid: (score, dets) for rid, score, dets in db.session.execute(
            select(FraudFlag.rating_id, FraudFlag.score, FraudFlag.detectors))}
        start, end = month_bounds(fraud_world.MONTH, settings["tz_name"])
        everything = judge(month_context(start, end, label=fraud_world.MONTH),
                           weights=settings["weights"], threshold=0.0)
        scores = {rid: v.score for rid, v in everything.items()}
    return {"first": first, "again": again, "seconds": seconds, "order_of": order_of,
            "tech_of": tech_of, "flags": flags, "scores": scores, "threshold": settings["threshold"]}


def measure(world, run) -> dict:
    kind_of = {rid: world.truth.get(order_no) for rid, order_no in run["order_of"].items()}
    cover = {rid for rid, order_no in run["order_of"].items() if order_no in world.camouflage}
    planted = [rid for rid, kind in kind_of.items() if kind]
    honest = [rid for rid, kind in kind_of.items() if not kind and rid not in cover]
    ranked = sorted(run["flags"], key=lambda rid: (-run["flags"][rid][0], rid))[:len(planted)]
    recall = {}
    for kind in fraud_world.KINDS:
        mine = [rid for rid in planted if kind_of[rid] == kind]
        recall[kind] = (sum(1 for rid in mine if rid in run["flags"]), len(mine))
    honest_techs = {t["employee_no"] for t in world.technicians} - world.planted_technicians
    flagged_techs = {run["tech_of"][rid] for rid in run["flags"]
                     if rid not in planted and rid not in cover}
    score = lambda rid: run["scores"].get(rid, 0.0)  # noqa: E731
    best_honest = max(honest, key=score)
    honest_reasons = Counter(run["flags"][rid][1] for rid in honest if rid in run["flags"])
    return {
        "planted": len(planted), "ratings": len(kind_of),
        "precision_at_k": sum(1 for rid in ranked if kind_of[rid]) / len(planted),
        "recall": recall,
        "honest_technicians": len(honest_techs),
        "honest_technicians_flagged": sorted(flagged_techs & honest_techs),
        "best_honest": score(best_honest), "best_honest_tech": run["tech_of"][best_honest],
        "median_planted": statistics.median(score(rid) for rid in planted),
        "honest_flag_reasons": dict(honest_reasons.most_common(5)),
        "rescan_created": run["again"].flags_created, "rescan_updated": run["again"].flags_updated,
        "rescan_removed": run["again"].flags_removed, "scan_seconds": run["seconds"],
        "lookalikes": {case: sorted(techs) for case, techs in world.lookalikes.items()},
    }


def print_seed(seed: int, m: dict) -> None:
    recall = "  ".join(f"{k} {a}/{b}" for k, (a, b) in m["recall"].items())
    print(f"  seed {seed}: {m['ratings']} ratings, {m['planted']} planted; precision@k "
          f"{m['precision_at_k']:.3f}; recall {recall}; honest technicians flagged "
          f"{len(m['honest_technicians_flagged'])}/{m['honest_technicians']} "
          f"{m['honest_technicians_flagged']}; best honest {m['best_honest']:.3f} "
          f"({m['best_honest_tech']}) vs median planted {m['median_planted']:.3f}; re-scan "
          f"+{m['rescan_created']} ~{m['rescan_updated']} -{m['rescan_removed']}; scan "
          f"{m['scan_seconds']:.2f} s")
    if m["honest_flag_reasons"]:
        print(f"    honest ratings flagged, by detectors: {m['honest_flag_reasons']}")


def pooled(results: list[dict]) -> str:
    planted = sum(m["planted"] for m in results)
    hits = sum(m["precision_at_k"] * m["planted"] for m in results)
    recall = {k: (sum(m["recall"][k][0] for m in results), sum(m["recall"][k][1] for m in results))
              for k in fraud_world.KINDS}
    techs = sum(m["honest_technicians"] for m in results)
    flagged = sum(len(m["honest_technicians_flagged"]) for m in results)
    above = sum(1 for m in results if m["best_honest"] > m["median_planted"])
    return (f"precision@k {hits / planted:.3f} (target ≥ 0.9)\n"
            + "".join(f"    recall {k:17} {a}/{b} = {a / b:.2f} (target ≥ 0.8)\n"
                      for k, (a, b) in recall.items())
            + f"    honest technicians flagged {flagged}/{techs} = {flagged / techs:.1%} (target ≤ 2%)\n"
            f"    seeds where the best honest rating scores above the median planted: {above}/"
            f"{len(results)} (target 0); best honest {max(m['best_honest'] for m in results):.3f}, "
            f"lowest median planted {min(m['median_planted'] for m in results):.3f}\n"
            f"    re-scan added {sum(m['rescan_created'] for m in results)} flags, changed "
            f"{sum(m['rescan_updated'] for m in results)}, removed "
            f"{sum(m['rescan_removed'] for m in results)} (target 0)")


def run_seeds(seeds: list[int], url_for, camouflage: int = 1) -> list[dict]:
    results = []
    for seed in seeds:
        world = fraud_world.build(seed, camouflage=camouflage)
        app = fresh_app(url_for(seed))
        t = time.perf_counter()
        load(world, app)
        loaded = time.perf_counter() - t
        m = measure(world, scan(world, app))
        m["load_seconds"] = loaded
        print_seed(seed, m)
        results.append(m)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tune", default="1,2,3", help="seeds the thresholds were tuned on")
    parser.add_argument("--report", default="21,22,23,24,25", help="held-out seeds")
    parser.add_argument("--camouflage", type=int, default=1,
                        help="cover ratings of the camouflaged ring: 1× or 2× its target ratings")
    parser.add_argument("--database-url", default=None,
                        help="a local PostgreSQL database of its own (recreated per seed); "
                             "default: SQLite files under bench/out/")
    args = parser.parse_args()
    if args.database_url and "127.0.0.1" not in args.database_url \
            and "localhost" not in args.database_url:
        sys.exit("only local databases (127.0.0.1) are allowed")
    OUT.mkdir(parents=True, exist_ok=True)

    def url_for(seed: int) -> str:
        if args.database_url:
            return args.database_url
        path = OUT / f"fraud_bench_{seed}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"

    for title, seeds in (("tuning seeds", args.tune), ("HELD-OUT seeds", args.report)):
        chosen = [int(s) for s in seeds.split(",") if s.strip()]
        if not chosen:
            continue
        print(f"{title} {chosen}:")
        results = run_seeds(chosen, url_for, args.camouflage)
        print(f"  {title} pooled: " + pooled(results))


if __name__ == "__main__":
    main()
