"""The scoring rules, as pure functions of a template's spec and a subject's frozen inputs.

Nothing here reads the database or the clock: ``score(spec, inputs)`` with the same arguments gives
the same breakdown, and ``canonical`` turns it into the same bytes. All arithmetic is Decimal,
rounded half-up to 0.01 at each indicator, so a hand computation gives the same figures.

Inputs of one subject (built by ``snapshot.collect``)::

    {"households": 120, "final_on": "2026-01-08", "starless_years_before": 0,
     "metrics": {"counted": 40, "response_base": 38, "responded": 35, "resolution_base": 36,
                 "resolved": 30, "rated": 20, "satisfied": 15, "basic": 3, "overdue": 4,
                 "reopened": 2},
     "survey": {"ballots": 50, "questions": {"<indicator code>": {"answers": 48, "sum": 190}}},
     "entries": {"<indicator code>": "3.00"}}
"""

import hashlib
import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
BASIC_WEIGHT = Decimal("0.9")


def q(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def s(value) -> str:
    return str(q(value))


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def parse(text: str) -> dict:
    return json.loads(text)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- the template as data ---------------------------------------------------------------------


def template_spec(template) -> dict:
    """Everything of a template version that scoring reads, as plain data."""
    sections = []
    for section in template.sections.all():
        sections.append(
            {
                "name_zh": section.name_zh,
                "name_en": section.name_en,
                "indicators": [
                    {
                        "code": ind.code,
                        "name_zh": ind.name_zh,
                        "name_en": ind.name_en,
                        "source": ind.source,
                        "max": s(ind.max_points),
                        "config": ind.config or {},
                    }
                    for ind in section.indicators.all()
                ],
            }
        )
    return {
        "code": template.code,
        "version": template.version,
        "name": template.name,
        "star_bands": [[s(low), int(stars)] for low, stars in template.star_bands],
        "bonus_cap": s(template.bonus_cap),
        "renew_min_stars": template.renew_min_stars,
        "rectify_days": template.rectify_days,
        "white_list_stars": template.white_list_stars,
        "black_list_starless_years": template.black_list_starless_years,
        "sections": sections,
    }


# --- metrics ----------------------------------------------------------------------------------


def _pct(num, den) -> Decimal | None:
    return None if not den else q(Decimal(num) * HUNDRED / Decimal(den))


def metric_value(metric: str, m: dict, households: int) -> Decimal | None:
    """A metric in percent (rates and shares) or per 100 households; None when nothing to measure."""
    if metric == "response_rate":
        return _pct(m.get("responded", 0), m.get("response_base", 0))
    if metric == "resolution_rate":
        return _pct(m.get("resolved", 0), m.get("resolution_base", 0))
    if metric == "satisfaction_rate":
        rated = m.get("rated", 0)
        return None if not rated else q((Decimal(m.get("satisfied", 0)) + BASIC_WEIGHT * m.get("basic", 0)) * HUNDRED / rated)
    if metric == "overdue_share":
        return _pct(m.get("overdue", 0), m.get("counted", 0))
    if metric == "reopen_share":
        return _pct(m.get("reopened", 0), m.get("counted", 0))
    if metric == "issues_per_100_households":
        return None if not households else q(Decimal(m.get("counted", 0)) * HUNDRED / households)
    raise ValueError(f"unknown metric {metric!r}")


LOWER_IS_BETTER = {"overdue_share", "reopen_share", "issues_per_100_households"}


def _threshold_points(value: Decimal, thresholds, lower_is_better: bool, top: Decimal):
    """The first [bound, points] the value reaches; (points, the pair) or (0, None)."""
    for bound, points in thresholds:
        bound = Decimal(str(bound))
        if (value <= bound) if lower_is_better else (value >= bound):
            return min(q(Decimal(str(points))), top), [s(bound), s(Decimal(str(points)))]
    return ZERO, None


# --- one indicator ------------------------------------------------------------------------------


def _indicator(ind: dict, inputs: dict) -> dict:
    top = Decimal(ind["max"])
    cfg = ind.get("config") or {}
    source = ind["source"]
    line = {"code": ind["code"], "name_zh": ind["name_zh"], "name_en": ind["name_en"], "source": source, "max": s(top)}
    if source == "metric":
        metric = cfg["metric"]
        value = metric_value(metric, inputs.get("metrics", {}), inputs.get("households", 0))
        line["metric"] = metric
        line["thresholds"] = [[s(Decimal(str(b))), s(Decimal(str(p)))] for b, p in cfg.get("thresholds", [])]
        line["lower_is_better"] = metric in LOWER_IS_BETTER
        if value is None:
            points = min(q(Decimal(str(cfg.get("no_data_points", top)))), top)
            line.update(value=None, points=s(points), applied="no_data")
        else:
            points, pair = _threshold_points(value, cfg.get("thresholds", []), metric in LOWER_IS_BETTER, top)
            line.update(value=s(value), points=s(points), applied=pair)
        return line
    if source == "survey":
        qn = inputs.get("survey", {}).get("questions", {}).get(ind["code"], {})
        answers, total = int(qn.get("answers", 0)), int(qn.get("sum", 0))
        line["answers"] = answers
        if not answers:
            points = min(q(Decimal(str(cfg.get("no_data_points", 0)))), top)
            line.update(average=None, points=s(points), applied="no_data")
        else:
            # One division, after the multiplications: an exact half cent must round up.
            points = min(q(top * Decimal(total) / (Decimal(answers) * 5)), top)
            line.update(average=s(Decimal(total) / answers), points=s(points), applied="average_of_5")
        return line
    entered = inputs.get("entries", {}).get(ind["code"])
    value = Decimal(entered) if entered is not None else None
    line["entered"] = None if value is None else s(value)
    if source in ("appraisal", "bonus"):
        points = ZERO if value is None else min(max(q(value), ZERO), top)
        line.update(points=s(points), applied="missing" if value is None else "entered")
    elif source == "inspection":
        per = Decimal(str(cfg.get("per_defect", 1)))
        cap = min(Decimal(str(cfg.get("cap", top))), top)
        if value is None:
            # Not inspected: no points, since nothing shows the standard was met.
            line.update(points=s(ZERO), deducted=None, applied="missing")
        else:
            deducted = min(q(value * per), cap)
            line.update(points=s(top - deducted), deducted=s(deducted), per_defect=s(per), cap=s(cap), applied="deductions")
    elif source == "card":
        colour = cfg.get("colour", "yellow")
        cards = int(value or 0)
        line.update(colour=colour, cards=cards, points=s(ZERO))
        if colour == "yellow":
            per = Decimal(str(cfg.get("per_card", 5)))
            line.update(per_card=s(per), deducted=s(per * cards), applied="yellow")
        else:
            line.update(deducted=s(ZERO), applied="red" if cards else "none")
    else:
        raise ValueError(f"unknown source {source!r}")
    return line


# --- the whole score ----------------------------------------------------------------------------


def stars_for(spec: dict, total: Decimal) -> tuple[int, list | None]:
    stars, band = 0, None
    for low, n in sorted(spec["star_bands"], key=lambda b: Decimal(b[0])):
        if total >= Decimal(low):
            stars, band = int(n), [s(Decimal(low)), int(n)]
    return stars, band


def classify(spec: dict, total: Decimal, *, red_card: bool, starless_before: int, final_on: str | None) -> dict:
    """Stars, recommendation and list for a total: the rules that apply, named for the page."""
    stars, band = stars_for(spec, total)
    if red_card:
        recommendation, rule = "do_not_renew", "red_card"
    elif stars >= spec["renew_min_stars"]:
        recommendation, rule = "renew", "stars_renew"
    elif stars >= 1:
        recommendation, rule = "rectify", "stars_rectify"
    else:
        recommendation, rule = "do_not_renew", "no_star"
    rectify_by = None
    if recommendation == "rectify" and final_on:
        rectify_by = (date.fromisoformat(final_on) + timedelta(days=spec["rectify_days"])).isoformat()
    listing, listing_rule = "", ""
    if red_card:
        listing, listing_rule = "black", "red_card"
    elif stars == 0 and starless_before + 1 >= spec["black_list_starless_years"]:
        listing, listing_rule = "black", "starless_years"
    elif stars >= spec["white_list_stars"]:
        listing, listing_rule = "white", "white_stars"
    return {
        "stars": stars,
        "band": band,
        "recommendation": recommendation,
        "rule": rule,
        "rectify_by": rectify_by,
        "listing": listing,
        "listing_rule": listing_rule,
        "starless_years": (starless_before + 1) if stars == 0 else 0,
    }


def score(spec: dict, inputs: dict) -> dict:
    """The full breakdown of one subject's score."""
    sections, base, bonus_raw, deductions, red, yellow = [], ZERO, ZERO, ZERO, False, 0
    for section in spec["sections"]:
        lines = [_indicator(ind, inputs) for ind in section["indicators"]]
        scored = [ln for ln in lines if ln["source"] not in ("bonus", "card")]
        points = sum((Decimal(ln["points"]) for ln in scored), ZERO)
        for ln in lines:
            if ln["source"] == "bonus":
                bonus_raw += Decimal(ln["points"])
            elif ln["source"] == "card":
                deductions += Decimal(ln["deducted"])
                if ln["colour"] == "red" and ln["cards"]:
                    red = True
                elif ln["colour"] == "yellow":
                    yellow += ln["cards"]
        base += points
        sections.append(
            {
                "name_zh": section["name_zh"],
                "name_en": section["name_en"],
                "max": s(sum((Decimal(ln["max"]) for ln in scored), ZERO)),
                "points": s(points),
                "indicators": lines,
            }
        )
    cap = Decimal(spec["bonus_cap"])
    bonus = min(bonus_raw, cap)
    computed = max(base + bonus - deductions, ZERO)
    result = {
        "template": {"code": spec["code"], "version": spec["version"], "name": spec["name"]},
        "sections": sections,
        "base": s(base),
        "bonus_raw": s(bonus_raw),
        "bonus_cap": s(cap),
        "bonus": s(bonus),
        "deductions": s(deductions),
        "yellow_cards": yellow,
        "red_card": red,
        "computed": s(computed),
    }
    result.update(
        classify(
            spec,
            computed,
            red_card=red,
            starless_before=int(inputs.get("starless_years_before", 0)),
            final_on=inputs.get("final_on"),
        )
    )
    return result
