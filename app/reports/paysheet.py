"""A technician's line of the pay sheet (装维酬金核算表) from counted facts, and the roll-ups — pure.

The database hands back counts and sums (`payqueries`); `PayFacts` gathers them per technician
whether they come grouped (the live sheet) or one order at a time (the ledger), and `pay_row`
turns them into money with `payrules`. So both paths compute every yuan the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Iterable

from app.reports import payrules
from app.reports.payrules import PENALTY_KINDS
from app.reports.tariff import PayLine, Tariff, fen_to_yuan, order_pay

REPAIR = "repair"
ITEM_LABELS = {"satisfaction": "服务满意度", "urge_rate": "宽带催修率"}
MONEY = ("install_pay", "maintenance_pay", "commissions", "quarterly_bonus", "penalties_total",
         "total_pay")


@dataclass
class PayFacts:
    """What one technician's month is made of, before any money is computed from the score."""

    orders_completed: int = 0
    repair_orders: int = 0
    star_rated: int = 0              # campus excluded
    satisfied: int = 0               # of those, effective star ≥ satisfied_min_stars
    urged_repairs: int = 0           # repairs with an urge that is not excused
    install_fen: int = 0
    # (product, area, false closure?) → completed repair orders: maintenance pay by the score
    repairs: dict[tuple, int] = field(default_factory=dict)
    penalties_fen: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PENALTY_KINDS, 0))
    commissions_fen: int = 0
    items_centi: dict[str, int] = field(default_factory=dict)
    item_notes: dict[str, str] = field(default_factory=dict)
    grade: int | None = None
    bonus_fen: int = 0
    fraud_sanctioned: bool = False
    justified_complaint: bool = False

    def add_orders(self, tariff: Tariff, *, order_type: str, product: str, area: str | None,
                   stars: int, false_closure: bool, count: int = 1) -> PayLine:
        """Count `count` alike orders; returns the install pay line of one of them."""
        self.orders_completed += count
        if tariff.is_star_rated(product):
            self.star_rated += count
            if stars >= tariff.assessment.satisfied_min_stars:
                self.satisfied += count
        pay = order_pay(tariff, order_type=order_type, product=product, stars=stars, area=area,
                        star_eligible=not self.fraud_sanctioned, false_closure=false_closure)
        self.install_fen += pay.amount_fen * count
        if order_type == REPAIR:
            self.repair_orders += count
            key = (product, area, false_closure)
            self.repairs[key] = self.repairs.get(key, 0) + count
        return pay

    def add_urges(self, tariff: Tariff, kinds: Iterable[str], *, is_repair: bool,
                  count: int = 1) -> int:
        """`count` orders with urges of these kinds; returns the fine of one of them."""
        kinds = list(kinds)
        fen = payrules.urge_fen(kinds, tariff.penalties)
        self.penalties_fen["urge"] += fen * count
        if is_repair and payrules.counts_as_urged(kinds):
            self.urged_repairs += count
        return fen

    def add_penalty(self, kind: str, fen: int) -> None:
        self.penalties_fen[kind] += fen

    def add_item(self, item: str, centi: int, note: str = "") -> None:
        self.items_centi[item] = centi
        self.item_notes[item] = note


def assessment(facts: PayFacts, tariff: Tariff) -> tuple[Decimal, dict]:
    """The month's score and how it was reached, item by item."""
    rules = tariff.assessment
    satisfaction = payrules.satisfaction_points(facts.satisfied, facts.star_rated, rules)
    urge_rate = payrules.urge_rate_points(facts.urged_repairs, facts.repair_orders, rules)
    items = [
        {"item": "satisfaction", "label": ITEM_LABELS["satisfaction"], "source": "computed",
         "points": satisfaction, "basis": {"satisfied": facts.satisfied, "rated": facts.star_rated,
                                           "rate": _rate(facts.satisfied, facts.star_rated)}},
        {"item": "urge_rate", "label": ITEM_LABELS["urge_rate"], "source": "computed",
         "points": urge_rate, "basis": {"urged": facts.urged_repairs,
                                        "repairs": facts.repair_orders,
                                        "rate": _rate(facts.urged_repairs, facts.repair_orders)}},
    ]
    imported = {item: payrules.points_from_centi(c) for item, c in facts.items_centi.items()}
    for item in sorted(imported):
        items.append({"item": item, "label": item, "source": "imported",
                      "points": payrules.score_number(imported[item]),
                      "note": facts.item_notes.get(item, "")})
    points = [Decimal(satisfaction), Decimal(urge_rate), *imported.values()]
    score = payrules.assessment_score(points, rules)
    raw = rules.base + sum(points, Decimal(0))
    return score, {"base": payrules.score_number(rules.base), "items": items,
                   "raw": payrules.score_number(raw), "score": payrules.score_number(score)}


def _rate(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    exact = Decimal(numerator) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.0001"), ROUND_HALF_UP))


def maintenance_line_fen(tariff: Tariff, *, product: str, area: str | None, score: Decimal,
                         false_closure: bool) -> tuple[int, int]:
    """(unit price, amount) of one completed repair: 0 for a false closure."""
    price = tariff.maintenance_prices_fen.get(product, 0)
    if false_closure:
        return price, 0
    return price, payrules.maintenance_fen(price, tariff.coefficient(area), score)


def pay_row(who: dict, facts: PayFacts, tariff: Tariff, bonus_quarter: str) -> dict:
    """One technician's line: every component in fen and yuan, the score and its items."""
    score, detail = assessment(facts, tariff)
    maintenance = sum(
        maintenance_line_fen(tariff, product=product, area=area, score=score,
                             false_closure=closed)[1] * count
        for (product, area, closed), count in facts.repairs.items())
    penalties = dict(facts.penalties_fen)
    total = payrules.total_pay_fen(install=facts.install_fen, maintenance=maintenance,
                                   commissions=facts.commissions_fen,
                                   quarterly_bonus=facts.bonus_fen, penalties=penalties)
    fen = {"install_pay": facts.install_fen, "maintenance_pay": maintenance,
           "commissions": facts.commissions_fen, "quarterly_bonus": facts.bonus_fen,
           "penalties_total": sum(penalties.values()), "total_pay": total}
    return {**who, "orders_completed": facts.orders_completed,
            "repair_orders": facts.repair_orders,
            **{name: fen_to_yuan(value) for name, value in fen.items()},
            **{f"{name}_fen": value for name, value in fen.items()},
            "assessment_score": payrules.score_number(score), "assessment": detail,
            "quarterly_grade": facts.grade, "bonus_quarter": bonus_quarter,
            "penalties": {kind: fen_to_yuan(v) for kind, v in penalties.items()},
            "penalties_fen": penalties,
            "star_eligible": not facts.fraud_sanctioned,
            "fraud_sanctioned": facts.fraud_sanctioned,
            "justified_complaint": facts.justified_complaint}


def on_sheet(row: dict) -> bool:
    """SPEC: every technician with a completed order or any non-zero component in the month."""
    return bool(row["orders_completed"]) or any(
        row[f"{name}_fen"] for name in MONEY[:4]) or any(row["penalties_fen"].values())


# --- roll-ups ------------------------------------------------------------------------------------

GROUPINGS = {"team": ("area", "team"), "area": ("area",), "vendor": ("vendor",)}


def totals(rows: Iterable[dict]) -> dict:
    """Sums of every component over `rows`, and their average score (exact, then 2 decimals)."""
    sums = {f"{name}_fen": 0 for name in MONEY}
    penalties = dict.fromkeys(PENALTY_KINDS, 0)
    count, orders, scores = 0, 0, Fraction(0)
    for row in rows:
        count += 1
        orders += row["orders_completed"]
        scores += Fraction(str(row["assessment_score"]))
        for name in sums:
            sums[name] += row[name]
        for kind in penalties:
            penalties[kind] += row["penalties_fen"][kind]
    average = (Decimal(scores.numerator) / Decimal(scores.denominator) / count
               if count else None)
    return {"technicians": count, "orders_completed": orders,
            "average_score": float(average.quantize(Decimal("0.01"), ROUND_HALF_UP))
            if average is not None else None,
            **sums, **{name[:-4]: fen_to_yuan(v) for name, v in sums.items()},
            "penalties": {k: fen_to_yuan(v) for k, v in penalties.items()},
            "penalties_fen": penalties}


def roll_up(rows: list[dict], by: str) -> list[dict]:
    """Totals per team (within its area), per area or per vendor."""
    keys = GROUPINGS[by]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return [{**dict(zip(keys, key)), **totals(members)}
            for key, members in sorted(groups.items())]


# --- what changed between two versions -----------------------------------------------------------

DIFF_FIELDS = ("install_pay_fen", "maintenance_pay_fen", "assessment_score", "commissions_fen",
               "quarterly_bonus_fen", "penalties_total_fen", "total_pay_fen")


def _components(row: dict) -> dict:
    flat = {name: row.get(name) for name in DIFF_FIELDS}
    flat.update({f"penalty_{kind}_fen": fen for kind, fen in row["penalties_fen"].items()})
    return flat


def diff_rows(old: list[dict], new: list[dict]) -> dict:
    """Per technician (by employee_no), each pay component whose value changed."""
    before = {r["employee_no"]: _components(r) for r in old}
    after = {r["employee_no"]: _components(r) for r in new}
    changed = []
    for employee_no in sorted(before.keys() & after.keys()):
        was, now = before[employee_no], after[employee_no]
        changes = {name: {"old": was.get(name), "new": now.get(name)}
                   for name in sorted(was.keys() | now.keys()) if was.get(name) != now.get(name)}
        if changes:
            changed.append({"employee_no": employee_no, "changes": changes})
    return {"changed": changed, "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys())}
