"""The tariff as plain functions: SPEC's table, campus, eligibility, repair, coefficients, versions."""
import json
from decimal import Decimal

import pytest

from app.reports.tariff import (
    TariffError, apply_coefficient, fen_to_yuan, load_tariff, order_pay, parse_tariff, yuan_to_fen)

SPEC_TABLE = {  # yuan, 5★..1★, copied from SPEC "Rules"
    "broadband": (40, 35, 30, 20, 10), "iptv": (20, 15, 10, 5, 5),
    "iptv_bundled": (15, 10, 5, 3, 3), "landline": (10, 8, 5, 3, 3),
}


def pay(tariff=None, **kw):
    args = {"order_type": "install", "product": "broadband", "stars": 5, "area": "城区",
            "star_eligible": True, **kw}
    return order_pay(tariff or parse_tariff(), **args)


@pytest.mark.parametrize("product", SPEC_TABLE)
@pytest.mark.parametrize("stars", [5, 4, 3, 2, 1])
@pytest.mark.parametrize("order_type", ["install", "move"])
def test_default_unit_prices_are_specs(product, stars, order_type):
    line = pay(product=product, stars=stars, order_type=order_type)
    assert line.unit_price_fen == SPEC_TABLE[product][5 - stars] * 100
    assert line.amount_fen == line.unit_price_fen and line.rule == "star"
    assert line.coefficient == Decimal("1.0")


@pytest.mark.parametrize("stars", [1, 3, 5])
@pytest.mark.parametrize("eligible", [True, False])
def test_campus_is_flat_and_not_star_rated(stars, eligible):
    line = pay(product="campus", stars=stars, star_eligible=eligible)
    assert (line.rule, line.amount_fen, line.priced_star) == ("flat", 4000, None)


@pytest.mark.parametrize("product", SPEC_TABLE)
def test_not_eligible_pays_the_one_star_price(product):
    line = pay(product=product, stars=5, star_eligible=False)
    assert line.rule == "ineligible" and line.priced_star == 1
    assert line.amount_fen == SPEC_TABLE[product][4] * 100


@pytest.mark.parametrize("product", [*SPEC_TABLE, "campus"])
def test_repair_carries_no_star_pay(product):
    assert pay(order_type="repair", product=product).amount_fen == 0
    assert pay(order_type="repair", product=product).rule == "unpaid_type"


def test_area_coefficient_applies_per_order_rounded_half_up():
    tariff = parse_tariff({"area_coefficients": {"阳高县": "1.15", "新荣区": "0.333"}})
    assert pay(tariff, area="阳高县").amount_fen == 4600          # 40 × 1.15
    assert pay(tariff, area="新荣区", product="landline", stars=2).amount_fen == 100  # 300×0.333=99.9
    assert pay(tariff, area="城区").amount_fen == 4000            # default 1.0
    assert apply_coefficient(5, Decimal("0.5")) == 3                # 2.5 → 3 (half up)
    assert apply_coefficient(5, Decimal("0.3")) == 2                # 1.5 → 2


def test_version_names_the_content():
    default = parse_tariff()
    assert default.version.startswith("spec-2019@")
    assert parse_tariff({}).version == default.version
    other = parse_tariff({"area_coefficients": {"阳高县": "1.2"}})
    assert other.version != default.version
    # A closed month stores the document; parsing it again gives the same version.
    assert parse_tariff(dict(other.document)).version == other.version


def test_tariff_file_overrides_and_reloads(tmp_path):
    path = tmp_path / "tariff.json"
    path.write_text(json.dumps({"name": "2027", "flat_prices": {"campus": "45.5"}}))
    tariff = load_tariff(str(path))
    assert tariff.version.startswith("2027@") and tariff.flat_prices_fen["campus"] == 4550
    assert tariff.unit_prices_fen["broadband"][5] == 4000       # the rest stays SPEC's
    path.write_text(json.dumps({"name": "2027", "flat_prices": {"campus": "50"}}))
    import os
    os.utime(path, ns=(1, 10**18))
    assert load_tariff(str(path)).flat_prices_fen["campus"] == 5000


@pytest.mark.parametrize("override", [
    {"unit_prices": {"broadband": {"5": "40"}}},
    {"unit_prices": {"broadband": {"5": "x", "4": 1, "3": 1, "2": 1, "1": 1}}},
    {"flat_prices": {"campus": "40.001"}},
    {"flat_prices": {"campus": "-1"}},
    {"grade_cutoffs_percent": ["10", "20", "50"]},
    {"grade_cutoffs_percent": ["20", "10", "50", "80", "90", "100"]},
    {"grade_bonus": {"6": "1"}},
    {"area_coefficients": {"a": "-1"}},
    {"unknown_key": 1},
])
def test_bad_tariffs_are_refused(override):
    with pytest.raises(TariffError):
        parse_tariff(override)


def test_money_conversions_are_exact():
    assert fen_to_yuan(0) == "0.00" and fen_to_yuan(123456) == "1234.56"
    assert fen_to_yuan(5) == "0.05"
    assert yuan_to_fen("0.1") + yuan_to_fen("0.2") == yuan_to_fen("0.3")


def test_pay_sheet_parts_of_the_tariff_merge_key_by_key_and_are_checked():
    from app.reports.tariff import TariffError, parse_tariff
    tariff = parse_tariff({"penalties": {"false_closure": "80"},
                           "assessment": {"satisfaction_target": "0.85"},
                           "ranking": {"stars": 5},
                           "maintenance_prices": {"broadband": "18.5", "campus": "9"}})
    assert tariff.penalties.false_closure_fen == 8000
    assert tariff.penalties.urge_fen["overdue_without_appointment"] == 3000    # kept from SPEC
    assert (tariff.ranking.stars, tariff.ranking.bottom) == (5, 10)
    assert tariff.maintenance_prices_fen == {"broadband": 1850, "campus": 900}
    assert str(tariff.assessment.satisfaction_target) == "17/20"
    for bad in ({"penalties": {"fine_per_minute": "1"}}, {"penalties": {"false_closure": "-1"}},
                {"assessment": {"min": "130"}}, {"ranking": {"bottom": 0}},
                {"penalties": {"urge": {"procedure": "20"}}},
                {"penalties": {"overdue_step_hours": 0}}):
        with pytest.raises(TariffError):
            parse_tariff(bad)
