"""The scoring engine against hand computations: every indicator kind, the bonus cap, cards, star
bands and the renewal and listing rules, and the determinism the published digest relies on.

Pure functions of a spec and inputs written out here: no database. Each expected figure has its
arithmetic beside it; rounding is half-up to 0.01 at each indicator.
"""

import hashlib

import pytest

from governance.ratings import engine

BANDS = [["60.00", 1], ["70.00", 2], ["80.00", 3], ["90.00", 4], ["95.00", 5]]


def ind(code, source, top, **config) -> dict:
    return {"code": code, "name_zh": code, "name_en": code, "source": source, "max": top, "config": config}


def make_spec(*sections, **rules) -> dict:
    """``sections``: (name, [indicator, …]) pairs."""
    spec = {
        "code": "hand",
        "version": 1,
        "name": "Hand-computed template",
        "star_bands": BANDS,
        "bonus_cap": "15.00",
        "renew_min_stars": 3,
        "rectify_days": 90,
        "white_list_stars": 5,
        "black_list_starless_years": 2,
        "sections": [{"name_zh": name, "name_en": name, "indicators": inds} for name, inds in sections],
    }
    spec.update(rules)
    return spec


def line_for(indicator: dict, inputs: dict) -> dict:
    """The breakdown line of one indicator scored alone."""
    return engine.score(make_spec(("only", [indicator])), inputs)["sections"][0]["indicators"][0]


def total_of(points: str, **inputs) -> dict:
    """The score of a subject whose whole total is one appraisal entry out of 100."""
    spec = make_spec(("all", [ind("all", "appraisal", "100.00")]))
    return engine.score(spec, {"final_on": "2026-01-08", "entries": {"all": points}, **inputs})


RESPONSE = {"metric": "response_rate", "thresholds": [[95, 4], [90, 3], [80, 2], [60, 1]]}
RESOLUTION = {"metric": "resolution_rate", "thresholds": [[95, 6], [90, 5], [80, 3], [60, 1]]}
SATISFACTION = {"metric": "satisfaction_rate", "thresholds": [[90, 5], [80, 4], [70, 2], [60, 1]]}
OVERDUE = {"metric": "overdue_share", "thresholds": [[5, 3], [10, 2], [20, 1]]}
REOPEN = {"metric": "reopen_share", "thresholds": [[3, 2], [8, 1]]}
ISSUES = {"metric": "issues_per_100_households", "thresholds": [[10, 3], [30, 2], [50, 1]]}


# --- metrics ------------------------------------------------------------------------------------


def test_the_response_rate_scores_the_first_threshold_it_reaches():
    line = line_for(
        ind("response", "metric", "4.00", **RESPONSE), {"metrics": {"response_base": 38, "responded": 35}}
    )
    assert line["value"] == "92.11"  # 35 / 38 × 100 = 92.105… → 92.11
    assert line["points"] == "3.00"  # 92.11 < 95, ≥ 90 → 3
    assert line["applied"] == ["90.00", "3.00"]
    assert line["lower_is_better"] is False


def test_the_resolution_rate_rounds_two_thirds_to_66_67_percent():
    line = line_for(
        ind("resolution", "metric", "6.00", **RESOLUTION), {"metrics": {"resolution_base": 3, "resolved": 2}}
    )
    assert line["value"] == "66.67"  # 2 / 3 × 100 = 66.666… → 66.67
    assert line["points"] == "1.00"  # 66.67 < 80, ≥ 60 → 1
    assert line["applied"] == ["60.00", "1.00"]


def test_the_satisfaction_rate_counts_a_basic_answer_as_nine_tenths():
    metrics = {"rated": 20, "satisfied": 15, "basic": 3}
    line = line_for(ind("satisfaction", "metric", "5.00", **SATISFACTION), {"metrics": metrics})
    assert line["value"] == "88.50"  # (15 + 0.9 × 3) / 20 × 100 = 17.7 / 20 × 100 = 88.50
    assert line["points"] == "4.00"  # 88.50 < 90, ≥ 80 → 4


def test_the_satisfaction_rate_rounds_half_up():
    metrics = {"rated": 16, "satisfied": 10, "basic": 1}
    line = line_for(ind("satisfaction", "metric", "5.00", **SATISFACTION), {"metrics": metrics})
    assert line["value"] == "68.13"  # (10 + 0.9) / 16 × 100 = 68.125 → 68.13 (half-even would say 68.12)
    assert line["points"] == "1.00"  # 68.13 < 70, ≥ 60 → 1


def test_the_overdue_share_is_lower_is_better_with_inclusive_upper_bounds():
    line = line_for(ind("overdue", "metric", "3.00", **OVERDUE), {"metrics": {"counted": 40, "overdue": 4}})
    assert line["value"] == "10.00"  # 4 / 40 × 100 = 10.00
    assert line["points"] == "2.00"  # 10.00 > 5, ≤ 10 → 2
    assert line["applied"] == ["10.00", "2.00"]
    assert line["lower_is_better"] is True


def test_the_overdue_share_is_rounded_half_up_before_it_meets_a_bound():
    line = line_for(ind("overdue", "metric", "3.00", **OVERDUE), {"metrics": {"counted": 160, "overdue": 17}})
    assert line["value"] == "10.63"  # 17 / 160 × 100 = 10.625 → 10.63
    assert line["points"] == "1.00"  # 10.63 > 10, ≤ 20 → 1


def test_the_reopen_share_is_lower_is_better():
    line = line_for(ind("reopen", "metric", "2.00", **REOPEN), {"metrics": {"counted": 40, "reopened": 2}})
    assert line["value"] == "5.00"  # 2 / 40 × 100 = 5.00
    assert line["points"] == "1.00"  # 5.00 > 3, ≤ 8 → 1
    assert line["lower_is_better"] is True


def test_issues_per_100_households_are_lower_is_better():
    line = line_for(
        ind("issues", "metric", "3.00", **ISSUES), {"households": 120, "metrics": {"counted": 40}}
    )
    assert line["value"] == "33.33"  # 40 / 120 × 100 = 33.333… → 33.33
    assert line["points"] == "1.00"  # 33.33 > 30, ≤ 50 → 1
    assert line["lower_is_better"] is True


def test_a_rate_reaching_no_threshold_scores_nothing():
    line = line_for(
        ind("response", "metric", "4.00", **RESPONSE), {"metrics": {"response_base": 10, "responded": 5}}
    )
    assert line["value"] == "50.00"  # 5 / 10 × 100 = 50.00 < 60
    assert line["points"] == "0.00"
    assert line["applied"] is None


def test_a_share_above_every_bound_scores_nothing():
    line = line_for(ind("overdue", "metric", "3.00", **OVERDUE), {"metrics": {"counted": 100, "overdue": 21}})
    assert line["value"] == "21.00"  # 21 / 100 × 100 = 21.00 > 20
    assert line["points"] == "0.00"
    assert line["applied"] is None


def test_thresholds_are_read_in_their_order_and_the_first_reached_wins():
    config = {"metric": "response_rate", "thresholds": [[60, 1], [95, 4]]}
    line = line_for(
        ind("response", "metric", "4.00", **config), {"metrics": {"response_base": 10, "responded": 10}}
    )
    assert line["value"] == "100.00"  # 10 / 10 × 100
    assert line["points"] == "1.00"  # 100 ≥ 60 is the first pair reached


def test_threshold_points_never_exceed_the_maximum():
    config = {"metric": "response_rate", "thresholds": [[90, 9]]}
    line = line_for(
        ind("response", "metric", "4.00", **config), {"metrics": {"response_base": 10, "responded": 10}}
    )
    assert line["points"] == "4.00"  # min(9, 4)


def test_a_metric_without_data_scores_its_maximum_by_default():
    line = line_for(
        ind("response", "metric", "4.00", **RESPONSE), {"metrics": {"response_base": 0, "responded": 0}}
    )
    assert line["value"] is None
    assert line["points"] == "4.00"  # no_data_points defaults to the max
    assert line["applied"] == "no_data"


def test_a_metric_without_data_scores_its_no_data_points_when_set():
    line = line_for(ind("response", "metric", "4.00", **RESPONSE, no_data_points="1.5"), {"metrics": {}})
    assert line["points"] == "1.50"
    assert line["applied"] == "no_data"


def test_issues_per_100_households_without_households_is_no_data():
    line = line_for(ind("issues", "metric", "3.00", **ISSUES), {"households": 0, "metrics": {"counted": 5}})
    assert line["value"] is None
    assert line["points"] == "3.00"  # the max


# --- survey -------------------------------------------------------------------------------------


def test_a_survey_question_scores_the_maximum_times_the_average_over_five():
    inputs = {"survey": {"questions": {"q": {"answers": 4, "sum": 18}}}}
    line = line_for(ind("q", "survey", "10.00"), inputs)
    assert line["average"] == "4.50"  # 18 / 4
    assert line["points"] == "9.00"  # 10 × 4.5 / 5
    assert line["answers"] == 4
    assert line["applied"] == "average_of_5"


def test_a_survey_question_rounds_its_points_half_up():
    inputs = {"survey": {"questions": {"q": {"answers": 48, "sum": 190}}}}
    line = line_for(ind("q", "survey", "15.00"), inputs)
    assert line["average"] == "3.96"  # 190 / 48 = 3.9583…
    assert line["points"] == "11.88"  # 15 × 190 / 48 / 5 = 2850 / 240 = 11.875 → 11.88


def test_a_survey_question_rounds_an_exact_half_cent_up_whatever_the_average():
    inputs = {"survey": {"questions": {"q": {"answers": 112, "sum": 393}}}}
    line = line_for(ind("q", "survey", "14.00"), inputs)
    assert line["points"] == "9.83"  # 14 × 393 / (112 × 5) = 5502 / 560 = 9.825 → 9.83


def test_a_survey_question_without_answers_scores_zero_by_default():
    line = line_for(ind("q", "survey", "6.00"), {"survey": {"questions": {}}})
    assert line["average"] is None
    assert line["points"] == "0.00"
    assert line["applied"] == "no_data"


def test_a_survey_question_without_answers_scores_its_no_data_points_when_set():
    line = line_for(ind("q", "survey", "6.00", no_data_points=3), {})
    assert line["points"] == "3.00"


# --- appraisal and bonus ------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["appraisal", "bonus"])
def test_entered_points_count_as_entered(source):
    line = line_for(ind("e", source, "5.00"), {"entries": {"e": "3.456"}})
    assert line["entered"] == "3.46"
    assert line["points"] == "3.46"  # 3.456 → 3.46
    assert line["applied"] == "entered"


@pytest.mark.parametrize("source", ["appraisal", "bonus"])
def test_entered_points_are_capped_at_the_maximum(source):
    line = line_for(ind("e", source, "5.00"), {"entries": {"e": "7"}})
    assert line["points"] == "5.00"  # min(7, 5)


@pytest.mark.parametrize("source", ["appraisal", "bonus"])
def test_a_missing_entry_scores_nothing(source):
    line = line_for(ind("e", source, "5.00"), {"entries": {}})
    assert line["entered"] is None
    assert line["points"] == "0.00"
    assert line["applied"] == "missing"


# --- inspection ---------------------------------------------------------------------------------


def test_an_inspection_deducts_per_defect_from_the_maximum():
    line = line_for(ind("i", "inspection", "7.00", per_defect=1), {"entries": {"i": "3"}})
    assert line["deducted"] == "3.00"  # 3 × 1
    assert line["points"] == "4.00"  # 7 − 3


def test_an_inspection_deducts_fractional_points_per_defect():
    line = line_for(ind("i", "inspection", "7.00", per_defect="1.5"), {"entries": {"i": "3"}})
    assert line["deducted"] == "4.50"  # 3 × 1.5
    assert line["points"] == "2.50"  # 7 − 4.5


def test_an_inspection_deducts_one_point_per_defect_by_default():
    line = line_for(ind("i", "inspection", "7.00"), {"entries": {"i": "2"}})
    assert line["points"] == "5.00"  # 7 − 2 × 1


def test_an_inspections_deduction_is_capped_at_the_maximum_by_default():
    line = line_for(ind("i", "inspection", "7.00", per_defect=1), {"entries": {"i": "10"}})
    assert line["cap"] == "7.00"
    assert line["deducted"] == "7.00"  # min(10 × 1, 7)
    assert line["points"] == "0.00"  # 7 − 7


def test_an_inspections_deduction_is_capped_at_its_cap():
    line = line_for(ind("i", "inspection", "7.00", per_defect=1, cap=2), {"entries": {"i": "5"}})
    assert line["deducted"] == "2.00"  # min(5 × 1, 2)
    assert line["points"] == "5.00"  # 7 − 2


def test_an_inspections_cap_above_the_maximum_is_the_maximum():
    line = line_for(ind("i", "inspection", "7.00", per_defect=1, cap=20), {"entries": {"i": "9"}})
    assert line["cap"] == "7.00"  # min(20, 7)
    assert line["points"] == "0.00"  # 7 − min(9, 7)


def test_a_missing_inspection_scores_nothing():
    line = line_for(ind("i", "inspection", "7.00", per_defect=1), {"entries": {}})
    assert line["deducted"] is None
    assert line["points"] == "0.00"
    assert line["applied"] == "missing"


# --- bonus cap and cards ------------------------------------------------------------------------


def test_bonus_items_above_the_cap_are_capped():
    spec = make_spec(("bonus", [ind(f"b{n}", "bonus", "5.00") for n in range(4)]))
    result = engine.score(spec, {"entries": {"b0": "5", "b1": "5", "b2": "5", "b3": "3"}})
    assert result["bonus_raw"] == "18.00"  # 5 + 5 + 5 + 3
    assert result["bonus_cap"] == "15.00"
    assert result["bonus"] == "15.00"  # min(18, 15)
    assert result["base"] == "0.00"  # bonus items are not base points
    assert result["computed"] == "15.00"
    assert result["sections"][0]["max"] == "0.00"


def test_bonus_items_within_the_cap_count_in_full():
    spec = make_spec(("bonus", [ind(f"b{n}", "bonus", "5.00") for n in range(4)]))
    result = engine.score(spec, {"entries": {"b0": "5", "b1": "3"}})
    assert result["bonus_raw"] == result["bonus"] == "8.00"  # 5 + 3 + 0 + 0 ≤ 15


def test_yellow_cards_deduct_per_card_each():
    spec = make_spec(
        ("work", [ind("a", "appraisal", "50.00")]),
        ("cards", [ind("yellow", "card", "0.00", colour="yellow", per_card=5)]),
    )
    result = engine.score(spec, {"entries": {"a": "40", "yellow": "2"}})
    card = result["sections"][1]["indicators"][0]
    assert card["cards"] == 2
    assert card["deducted"] == "10.00"  # 2 × 5
    assert card["points"] == "0.00"
    assert result["yellow_cards"] == 2
    assert result["deductions"] == "10.00"
    assert result["computed"] == "30.00"  # 40 − 10


def test_yellow_cards_never_take_the_total_below_zero():
    spec = make_spec(
        ("all", [ind("a", "appraisal", "50.00"), ind("yellow", "card", "0.00", colour="yellow")])
    )
    result = engine.score(spec, {"entries": {"a": "4", "yellow": "3"}})
    assert result["deductions"] == "15.00"  # 3 × 5 (per_card defaults to 5)
    assert result["computed"] == "0.00"  # max(4 − 15, 0)
    assert result["stars"] == 0


def test_a_red_card_line_without_cards_changes_nothing():
    line = line_for(ind("red", "card", "0.00", colour="red"), {"entries": {}})
    assert line["cards"] == 0
    assert line["applied"] == "none"


def test_a_red_card_black_lists_whatever_the_score():
    spec = make_spec(("all", [ind("a", "appraisal", "100.00"), ind("red", "card", "0.00", colour="red")]))
    result = engine.score(spec, {"final_on": "2026-01-08", "entries": {"a": "98", "red": "1"}})
    assert result["computed"] == "98.00"  # a red card deducts nothing
    assert result["deductions"] == "0.00"
    assert result["red_card"] is True
    assert result["stars"] == 5  # 98 ≥ 95
    assert result["recommendation"] == "do_not_renew"
    assert result["rule"] == "red_card"
    assert result["rectify_by"] is None
    assert result["listing"] == "black"  # not white, though 5 stars
    assert result["listing_rule"] == "red_card"


# --- star bands and rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "stars", "band"),
    [
        ("59.99", 0, None),
        ("60.00", 1, ["60.00", 1]),
        ("69.99", 1, ["60.00", 1]),
        ("70.00", 2, ["70.00", 2]),
        ("80.00", 3, ["80.00", 3]),
        ("94.99", 4, ["90.00", 4]),
        ("95.00", 5, ["95.00", 5]),
        ("100.00", 5, ["95.00", 5]),
    ],
)
def test_star_bands_start_exactly_at_their_lowest_score(points, stars, band):
    result = total_of(points)
    assert result["computed"] == points
    assert result["stars"] == stars
    assert result["band"] == band


def test_star_bands_are_read_whatever_their_order():
    spec = make_spec(("all", [ind("all", "appraisal", "100.00")]), star_bands=list(reversed(BANDS)))
    assert engine.score(spec, {"entries": {"all": "85"}})["stars"] == 3  # 80 ≤ 85 < 90


def test_enough_stars_recommend_renewal():
    result = total_of("80.00")  # 3 stars = renew_min_stars
    assert result["recommendation"] == "renew"
    assert result["rule"] == "stars_renew"
    assert result["rectify_by"] is None
    assert result["listing"] == ""
    assert result["starless_years"] == 0


def test_fewer_stars_than_renewal_needs_recommend_rectifying_by_a_date():
    result = total_of("79.99")  # 2 stars: 1 ≤ 2 < 3
    assert result["stars"] == 2
    assert result["recommendation"] == "rectify"
    assert result["rule"] == "stars_rectify"
    assert result["rectify_by"] == "2026-04-08"  # 2026-01-08 + 90 days (23 + 28 + 31 + 8)
    assert result["listing"] == ""


def test_one_star_still_means_rectify():
    result = total_of("60.00", starless_years_before=3)
    assert result["recommendation"] == "rectify"
    assert result["listing"] == ""  # a star breaks the starless run
    assert result["starless_years"] == 0


def test_rectify_has_no_date_without_a_final_date():
    result = total_of("75.00", final_on=None)
    assert result["recommendation"] == "rectify"
    assert result["rectify_by"] is None


def test_no_star_recommends_not_renewing():
    result = total_of("59.99")
    assert result["stars"] == 0
    assert result["recommendation"] == "do_not_renew"
    assert result["rule"] == "no_star"
    assert result["rectify_by"] is None


def test_a_first_starless_year_does_not_black_list():
    result = total_of("59.99", starless_years_before=0)
    assert result["listing"] == ""  # 0 + 1 < 2
    assert result["starless_years"] == 1


def test_a_second_starless_year_black_lists():
    result = total_of("59.99", starless_years_before=1)
    assert result["listing"] == "black"  # 1 + 1 ≥ 2
    assert result["listing_rule"] == "starless_years"
    assert result["starless_years"] == 2


def test_five_stars_white_list():
    result = total_of("95.00")
    assert result["listing"] == "white"  # 5 ≥ white_list_stars 5
    assert result["listing_rule"] == "white_stars"
    assert total_of("94.99")["listing"] == ""  # 4 stars


# --- the whole score ----------------------------------------------------------------------------


FULL_SPEC = make_spec(
    (
        "Issue handling",
        [
            ind("response", "metric", "4.00", **RESPONSE),
            ind("resolution", "metric", "6.00", **RESOLUTION),
            ind("satisfaction", "metric", "5.00", **SATISFACTION),
            ind("overdue", "metric", "3.00", **OVERDUE),
            ind("reopen", "metric", "2.00", **REOPEN),
        ],
    ),
    ("Survey", [ind("survey-service", "survey", "15.00"), ind("survey-order", "survey", "15.00")]),
    (
        "Appraisal",
        [
            ind("appraisal-lead", "appraisal", "5.00"),
            ind("appraisal-meetings", "appraisal", "5.00"),
            ind("appraisal-disclosure", "appraisal", "5.00"),
        ],
    ),
    (
        "Inspection",
        [
            ind("inspect-service", "inspection", "7.00", per_defect=1),
            ind("inspect-order", "inspection", "7.00", per_defect=1),
            ind("inspect-sanitation", "inspection", "7.00", per_defect=2, cap=4),
            ind("inspect-greening", "inspection", "7.00", per_defect=1),
            ind("inspect-maintenance", "inspection", "7.00", per_defect=1),
        ],
    ),
    ("Bonus", [ind(f"bonus-{n}", "bonus", "5.00") for n in range(4)]),
    (
        "Cards",
        [
            ind("card-yellow", "card", "0.00", colour="yellow", per_card=5),
            ind("card-red", "card", "0.00", colour="red"),
        ],
    ),
)

FULL_INPUTS = {
    "households": 120,
    "final_on": "2026-01-08",
    "starless_years_before": 0,
    "metrics": {
        "counted": 40,
        "response_base": 38,
        "responded": 35,
        "resolution_base": 36,
        "resolved": 30,
        "rated": 20,
        "satisfied": 15,
        "basic": 3,
        "overdue": 4,
        "reopened": 2,
    },
    "survey": {
        "ballots": 50,
        "questions": {
            "survey-service": {"answers": 48, "sum": 190},
            "survey-order": {"answers": 50, "sum": 200},
        },
    },
    "entries": {
        "appraisal-lead": "5",
        "appraisal-meetings": "4.5",
        "inspect-service": "2",
        "inspect-order": "0",
        "inspect-sanitation": "3",
        "inspect-greening": "1",
        "bonus-0": "5",
        "bonus-1": "5",
        "bonus-2": "4",
        "bonus-3": "3",
        "card-yellow": "1",
    },
}


def test_a_full_score_equals_the_hand_computation():
    result = engine.score(FULL_SPEC, FULL_INPUTS)
    sections = {sec["name_en"]: sec for sec in result["sections"]}
    # response 35/38 = 92.11 → 3; resolution 30/36 = 83.33 → 3; satisfaction (15 + 2.7)/20 = 88.50 → 4;
    # overdue 4/40 = 10.00 → 2; reopen 2/40 = 5.00 → 1: 3 + 3 + 4 + 2 + 1 = 13 of 4 + 6 + 5 + 3 + 2 = 20
    issue_points = [ln["points"] for ln in sections["Issue handling"]["indicators"]]
    assert issue_points == ["3.00", "3.00", "4.00", "2.00", "1.00"]
    assert (sections["Issue handling"]["points"], sections["Issue handling"]["max"]) == ("13.00", "20.00")
    # 15 × 190/48 / 5 = 11.875 → 11.88; 15 × 200/50 / 5 = 12: 23.88 of 30
    assert (sections["Survey"]["points"], sections["Survey"]["max"]) == ("23.88", "30.00")
    # 5 + 4.5 + 0 (missing): 9.50 of 15
    assert (sections["Appraisal"]["points"], sections["Appraisal"]["max"]) == ("9.50", "15.00")
    # 7 − 2 = 5; 7 − 0 = 7; 7 − min(3 × 2, 4) = 3; 7 − 1 = 6; missing 0: 21 of 35
    inspection_points = [ln["points"] for ln in sections["Inspection"]["indicators"]]
    assert inspection_points == ["5.00", "7.00", "3.00", "6.00", "0.00"]
    assert (sections["Inspection"]["points"], sections["Inspection"]["max"]) == ("21.00", "35.00")
    assert result["base"] == "67.38"  # 13 + 23.88 + 9.50 + 21
    assert result["bonus_raw"] == "17.00"  # 5 + 5 + 4 + 3
    assert result["bonus"] == "15.00"  # min(17, 15)
    assert result["deductions"] == "5.00"  # 1 yellow × 5
    assert result["yellow_cards"] == 1
    assert result["red_card"] is False
    assert result["computed"] == "77.38"  # 67.38 + 15 − 5
    assert result["stars"] == 2  # 70 ≤ 77.38 < 80
    assert result["band"] == ["70.00", 2]
    assert result["recommendation"] == "rectify"  # 1 ≤ 2 < 3
    assert result["rectify_by"] == "2026-04-08"  # 2026-01-08 + 90 days
    assert result["listing"] == ""  # neither starless nor 5 stars
    assert result["starless_years"] == 0
    assert result["template"] == {"code": "hand", "version": 1, "name": "Hand-computed template"}


# --- determinism --------------------------------------------------------------------------------


def reversed_keys(obj):
    if isinstance(obj, dict):
        return {key: reversed_keys(obj[key]) for key in reversed(list(obj))}
    if isinstance(obj, list):
        return [reversed_keys(item) for item in obj]
    return obj


def test_the_canonical_breakdown_is_the_same_bytes_every_time():
    first = engine.canonical(engine.score(FULL_SPEC, FULL_INPUTS))
    second = engine.canonical(engine.score(FULL_SPEC, FULL_INPUTS))
    assert first.encode() == second.encode()


def test_the_canonical_breakdown_ignores_the_order_of_the_inputs_keys():
    reordered = reversed_keys(FULL_INPUTS)
    assert list(reordered) != list(FULL_INPUTS)
    assert list(reordered["metrics"]) != list(FULL_INPUTS["metrics"])
    assert reordered == FULL_INPUTS
    first = engine.canonical(engine.score(FULL_SPEC, FULL_INPUTS))
    assert engine.canonical(engine.score(FULL_SPEC, reordered)).encode() == first.encode()


def test_canonical_sorts_keys_without_spaces_and_keeps_chinese():
    assert engine.canonical({"b": 1, "a": ["五", None]}) == '{"a":["五",null],"b":1}'


def test_the_digest_is_a_stable_sha256_of_the_canonical_text():
    text = engine.canonical(engine.score(FULL_SPEC, FULL_INPUTS))
    again = engine.canonical(engine.score(FULL_SPEC, reversed_keys(FULL_INPUTS)))
    assert engine.digest(text) == engine.digest(again) == hashlib.sha256(text.encode()).hexdigest()
    assert engine.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
