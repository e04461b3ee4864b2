"""The pay tariff (SPEC "Rules" and "The whole pay sheet"): install unit prices, area coefficients,
grade cut-offs and bonuses, maintenance prices, the assessment score's thresholds and the fines.

Plain values in, plain values out; no database, no Flask. Money is integer fen (分) everywhere
inside the service — never float — and becomes a yuan string ("12.50") only at the edges.

The defaults are SPEC's (from the source document's 附件3). An operator overrides any part with a
JSON file (config TARIFF_FILE) of the same shape as DEFAULT_TARIFF; every report names the tariff
it used by `Tariff.version`: the document's `name` plus a hash of its full content, so two reports
with the same version string were priced by exactly the same numbers. A top-level key of the file
replaces the default's, except `assessment` and `penalties`, whose keys replace one by one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from app.reports.payrules import URGE_KINDS, AssessmentRules, PenaltyRules, RankingRules

STARS = (1, 2, 3, 4, 5)

DEFAULT_TARIFF: dict = {
    "name": "spec-2019",
    # yuan per order by effective star (5★ … 1★)
    "unit_prices": {
        "broadband": {"5": "40", "4": "35", "3": "30", "2": "20", "1": "10"},
        "iptv": {"5": "20", "4": "15", "3": "10", "2": "5", "1": "5"},
        "iptv_bundled": {"5": "15", "4": "10", "3": "5", "2": "3", "1": "3"},
        "landline": {"5": "10", "4": "8", "3": "5", "2": "3", "1": "3"},
    },
    # 校园宽带 is not star-rated: a flat price per order whatever the star or eligibility.
    "flat_prices": {"campus": "40"},
    # Only these order types carry install pay; repair is rated and reported but pays no star pay.
    "paid_order_types": ["install", "move"],
    # 地理位置倾斜系数, by the order's area; areas not listed use the default.
    "default_area_coefficient": "1.0",
    "area_coefficients": {},
    # Quarterly grade: cumulative shares (percent) for 5★, 4★, 3★, 2★, 1★ and the rest (none).
    "grade_cutoffs_percent": ["10", "20", "50", "80", "90", "100"],
    # Monthly bonus (yuan) by quarterly grade; grades not listed get 0.
    "grade_bonus": {"5": "500", "4": "300", "3": "200"},
    # 标准维护单价 (yuan per completed repair order) before × area coefficient × score ÷ 100.
    # The seeds' 附件3 with the real prices is missing: placeholders the operator sets.
    "maintenance_prices": {"broadband": "15", "iptv": "8", "iptv_bundled": "8", "landline": "6",
                           "campus": "10"},
    # 当月考核得分 = base + Σ item points, clamped to min..max; the two items computed here lose
    # floor(gap × 100) points below the satisfaction target / above the urge-rate limit.
    "assessment": {"base": "100", "min": "0", "max": "120", "satisfaction_target": "0.90",
                   "satisfied_min_stars": 4, "urge_rate_limit": "0.05"},
    # 服务扣罚 (yuan).
    "penalties": {
        "overdue_per_day": "20", "repair_deadline_hours": 24, "overdue_step_hours": 24,
        "overdue_exempt_fault_causes": ["olt", "cable"],
        "urge": {"procedure": "20", "overdue_with_appointment": "20",
                 "overdue_without_appointment": "30", "excused": "0"},
        "false_closure": "100",
    },
    # 月度考核排名: how many are the month's service stars and its bottom list, and after how
    # many consecutive months at the bottom 待岗培训 / 清退 is recommended.
    "ranking": {"stars": 10, "bottom": 10, "training_months": 3, "removal_months": 6},
}
MERGED_KEYS = ("assessment", "penalties", "ranking")     # overridden key by key, not whole

PAY_RULES = {
    "star": "按有效星级单价",
    "ineligible": "当月无星级资格，按一星单价",
    "flat": "不参与星级评定，固定单价",
    "unpaid_type": "维修工单不计星级酬金",
    "false_closure": "虚假回单，不计酬金",
}


class TariffError(ValueError):
    """The tariff document is not usable; the message says where."""


@dataclass(frozen=True)
class Tariff:
    name: str
    unit_prices_fen: Mapping[str, Mapping[int, int]]
    flat_prices_fen: Mapping[str, int]
    paid_order_types: tuple[str, ...]
    default_area_coefficient: Decimal
    area_coefficients: Mapping[str, Decimal]
    grade_cutoffs: tuple[Fraction, ...]
    grade_bonus_fen: Mapping[int, int]
    maintenance_prices_fen: Mapping[str, int]
    assessment: AssessmentRules
    penalties: PenaltyRules
    ranking: RankingRules
    document: Mapping
    version: str

    def coefficient(self, area: str | None) -> Decimal:
        return self.area_coefficients.get(area or "", self.default_area_coefficient)

    def is_star_rated(self, product: str) -> bool:
        return product not in self.flat_prices_fen

    def bonus_fen(self, grade: int | None) -> int:
        return self.grade_bonus_fen.get(grade, 0) if grade is not None else 0


@dataclass(frozen=True)
class PayLine:
    """What one order earns and why: the rule applied, the unit price, the coefficient, the amount."""

    rule: str                 # a key of PAY_RULES
    priced_star: int | None   # the star whose price was used (1 when not eligible)
    unit_price_fen: int
    coefficient: Decimal
    amount_fen: int


def order_pay(tariff: Tariff, *, order_type: str, product: str | None, stars: int,
              area: str | None, star_eligible: bool, false_closure: bool = False) -> PayLine:
    """Install pay of one completed order: unit_price[product][star] × area coefficient
    (0 for a false closure, 虚假回单: 扣除当月装移核算结算量)."""
    if order_type not in tariff.paid_order_types:
        return PayLine("unpaid_type", None, 0, Decimal(0), 0)
    coefficient = tariff.coefficient(area)
    if false_closure:
        return PayLine("false_closure", None, 0, coefficient, 0)
    if product in tariff.flat_prices_fen:
        rule, star, unit = "flat", None, tariff.flat_prices_fen[product]
    else:
        prices = tariff.unit_prices_fen.get(product or "")
        if prices is None:
            raise TariffError(f"no unit price for product {product!r}")
        rule, star = ("star", stars) if star_eligible else ("ineligible", 1)
        unit = prices[star]
    return PayLine(rule, star, unit, coefficient, apply_coefficient(unit, coefficient))


def apply_coefficient(unit_fen: int, coefficient: Decimal) -> int:
    """Whole fen, half up: each order's amount is rounded once, so a ledger's lines add up to the
    report's total exactly."""
    return int((Decimal(unit_fen) * coefficient).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_to_fen(value, where: str = "amount") -> int:
    try:
        fen = Decimal(str(value)) * 100
    except InvalidOperation:
        raise TariffError(f"{where}: {value!r} is not an amount") from None
    if fen != fen.to_integral_value() or fen < 0:
        raise TariffError(f"{where}: {value!r} must be a non-negative amount in whole fen")
    return int(fen)


def _decimal(value, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise TariffError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise TariffError(f"{where}: {value!r} must be a non-negative number")
    return number


def _merged(override: Mapping | None) -> dict:
    document = json.loads(json.dumps(DEFAULT_TARIFF))
    for key, value in (override or {}).items():
        if key not in DEFAULT_TARIFF:
            raise TariffError(f"unknown tariff key {key!r}")
        if key in MERGED_KEYS:
            if not isinstance(value, Mapping) or not set(value) <= set(document[key]):
                raise TariffError(f"{key}: an object with keys among {sorted(document[key])}")
            document[key] = {**document[key], **value}
        else:
            document[key] = value
    return document


def _fraction(value, where: str) -> Fraction:
    return Fraction(str(_decimal(value, where)))


def _hours(value, where: str) -> timedelta:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise TariffError(f"{where}: a positive whole number of hours")
    return timedelta(hours=value)


def _assessment_rules(doc: Mapping) -> AssessmentRules:
    low, high = _decimal(doc["min"], "assessment.min"), _decimal(doc["max"], "assessment.max")
    stars = doc["satisfied_min_stars"]
    if low > high or stars not in STARS:
        raise TariffError("assessment: min ≤ max, satisfied_min_stars one of 1..5")
    return AssessmentRules(base=_decimal(doc["base"], "assessment.base"), low=low, high=high,
                           satisfaction_target=_fraction(doc["satisfaction_target"],
                                                         "assessment.satisfaction_target"),
                           satisfied_min_stars=stars,
                           urge_rate_limit=_fraction(doc["urge_rate_limit"],
                                                     "assessment.urge_rate_limit"))


def _ranking_rules(doc: Mapping) -> RankingRules:
    values = {key: doc[key] for key in ("stars", "bottom", "training_months", "removal_months")}
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in values.values()):
        raise TariffError("ranking: positive whole numbers")
    return RankingRules(**values)


def _penalty_rules(doc: Mapping) -> PenaltyRules:
    urge = doc["urge"]
    if not isinstance(urge, Mapping) or set(urge) != set(URGE_KINDS):
        raise TariffError(f"penalties.urge: a fine for each of {', '.join(URGE_KINDS)}")
    return PenaltyRules(
        overdue_fen_per_day=yuan_to_fen(doc["overdue_per_day"], "penalties.overdue_per_day"),
        repair_deadline=_hours(doc["repair_deadline_hours"], "penalties.repair_deadline_hours"),
        overdue_step=_hours(doc["overdue_step_hours"], "penalties.overdue_step_hours"),
        exempt_fault_causes=frozenset(doc["overdue_exempt_fault_causes"]),
        urge_fen=MappingProxyType({kind: yuan_to_fen(amount, f"penalties.urge.{kind}")
                                   for kind, amount in urge.items()}),
        false_closure_fen=yuan_to_fen(doc["false_closure"], "penalties.false_closure"))


def parse_tariff(override: Mapping | None = None) -> Tariff:
    """SPEC's defaults with `override`'s top-level keys replacing theirs, checked and frozen."""
    doc = _merged(override)
    unit_prices = {}
    for product, prices in doc["unit_prices"].items():
        if set(prices) != {str(s) for s in STARS}:
            raise TariffError(f"unit_prices.{product}: give a price for each of 1..5 stars")
        unit_prices[product] = MappingProxyType(
            {int(star): yuan_to_fen(price, f"unit_prices.{product}.{star}")
             for star, price in prices.items()})
    flat = {product: yuan_to_fen(price, f"flat_prices.{product}")
            for product, price in doc["flat_prices"].items()}
    cutoffs = tuple(Fraction(str(_decimal(c, "grade_cutoffs_percent"))) / 100
                    for c in doc["grade_cutoffs_percent"])
    if len(cutoffs) != 6 or list(cutoffs) != sorted(cutoffs) or cutoffs[-1] != 1:
        raise TariffError("grade_cutoffs_percent: six rising cumulative shares ending at 100")
    bonus = {int(grade): yuan_to_fen(amount, f"grade_bonus.{grade}")
             for grade, amount in doc["grade_bonus"].items()}
    if not set(bonus) <= set(STARS):
        raise TariffError("grade_bonus: grades are 1..5")
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
    return Tariff(
        name=str(doc["name"]),
        unit_prices_fen=MappingProxyType(unit_prices),
        flat_prices_fen=MappingProxyType(flat),
        paid_order_types=tuple(doc["paid_order_types"]),
        default_area_coefficient=_decimal(doc["default_area_coefficient"],
                                          "default_area_coefficient"),
        area_coefficients=MappingProxyType({
            area: _decimal(c, f"area_coefficients.{area}")
            for area, c in doc["area_coefficients"].items()}),
        grade_cutoffs=cutoffs,
        grade_bonus_fen=MappingProxyType(bonus),
        maintenance_prices_fen=MappingProxyType({
            product: yuan_to_fen(price, f"maintenance_prices.{product}")
            for product, price in doc["maintenance_prices"].items()}),
        assessment=_assessment_rules(doc["assessment"]),
        penalties=_penalty_rules(doc["penalties"]),
        ranking=_ranking_rules(doc["ranking"]),
        document=MappingProxyType(doc),
        version=f"{doc['name']}@{digest}",
    )


_cache: dict[tuple, Tariff] = {}


def load_tariff(path: str | None = None) -> Tariff:
    """The tariff in force: SPEC's defaults, overridden by the JSON file at `path` if given.

    Re-read when the file changes, so a new tariff needs no restart (and gets a new version)."""
    if not path:
        key: tuple = ("default",)
    else:
        file = Path(path)
        stat = file.stat()
        key = (str(file), stat.st_mtime_ns, stat.st_size)
    if key not in _cache:
        override = json.loads(Path(path).read_text(encoding="utf-8")) if path else None
        _cache.clear()
        _cache[key] = parse_tariff(override)
    return _cache[key]
