"""Who sees what of subdistrict 1's campaign: the access helpers answer 404 to everyone outside it
(B's residents and clerk, a company rated nowhere here, B's officer, a stranger, anonymous), the
resident and the clerk of A1 see A1's results once published, and the admins and A's officer see
everything. The pages answer outsiders 404 for GET and POST and change nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse

from governance.ratings import permissions, services
from governance.ratings.models import Appeal, Ballot, Entry, Phase, Score, Snapshot

from .factories import answers, committee, enter, project, to_phase

OUTSIDERS = ["b_resident", "b_clerk", "outside_clerk", "other_officer", "stranger", "anonymous"]
STAFF = ["subdistrict_admin", "district_admin", "officer"]


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def cast(request):
    return lambda name: request.getfixturevalue(name)


@pytest.fixture
def scoring(campaign, world, resident, secretary, django_capture_on_commit_callbacks):
    """Scored, not yet published."""
    services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers=answers(campaign, world.a1))
    to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)
    enter(campaign, secretary, project(campaign), {"appraisal-lead": "4"})
    return to_phase(campaign, Phase.SCORING, django_capture_on_commit_callbacks)


def scores(campaign) -> list[Score]:
    return list(Score.objects.filter(snapshot_id=campaign.snapshot_id).order_by("subject__kind"))


def sees(user, campaign) -> dict:
    """What each access helper gives ``user``: True (the object) or False (404)."""

    def ok(helper, pk):
        try:
            helper(user, pk)
        except Http404:
            return False
        return True

    project_score, committee_score = (
        Score.objects.get(snapshot_id=campaign.snapshot_id, subject=s) for s in (project(campaign), committee(campaign))
    )
    return {
        "campaign": ok(permissions.access_campaign, campaign.pk),
        "project": ok(permissions.access_subject, project(campaign).pk),
        "committee": ok(permissions.access_subject, committee(campaign).pk),
        "project score": ok(permissions.access_score, project_score.pk),
        "committee score": ok(permissions.access_score, committee_score.pk),
    }


NOTHING = dict.fromkeys(["campaign", "project", "committee", "project score", "committee score"], False)
EVERYTHING = dict.fromkeys(NOTHING, True)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_for_the_campaign_its_subjects_and_its_scores_before_and_after_publication(
    who, scoring, cast, b_resident, outside_clerk, other_officer, django_capture_on_commit_callbacks
):
    user = cast(who)
    assert sees(user, scoring) == NOTHING

    to_phase(scoring, Phase.PUBLICATION, django_capture_on_commit_callbacks)
    assert sees(user, scoring) == NOTHING


@pytest.mark.parametrize("who", STAFF)
def test_the_admins_and_a_s_officer_see_everything_of_the_campaign_before_publication(who, scoring, cast):
    assert sees(cast(who), scoring) == EVERYTHING


def test_the_resident_of_a1_sees_a1_s_results_only_once_published(scoring, resident, django_capture_on_commit_callbacks):
    assert sees(resident, scoring) == NOTHING

    to_phase(scoring, Phase.PUBLICATION, django_capture_on_commit_callbacks)

    assert sees(resident, scoring) == EVERYTHING | {"campaign": False}


def test_the_clerk_sees_his_project_s_result_only_once_published(scoring, clerk, django_capture_on_commit_callbacks):
    # He may see that his project is rated (to know what is coming), never the score before publication.
    assert sees(clerk, scoring) == NOTHING | {"project": True}

    to_phase(scoring, Phase.PUBLICATION, django_capture_on_commit_callbacks)

    assert sees(clerk, scoring) == NOTHING | {"project": True, "project score": True}


def test_the_committee_s_seat_holder_sees_the_committee_s_result_once_published(
    scoring, committee_member, django_capture_on_commit_callbacks
):
    # committee_member is also a verified owner in A1: once published, A1's results are his to read.
    assert sees(committee_member, scoring) == NOTHING | {"committee": True}

    to_phase(scoring, Phase.PUBLICATION, django_capture_on_commit_callbacks)

    assert sees(committee_member, scoring) == EVERYTHING | {"campaign": False}


def test_a_score_of_an_earlier_run_is_shown_to_the_staff_only(
    scoring, resident, clerk, officer, subdistrict_admin, django_capture_on_commit_callbacks
):
    first = scores(scoring)
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_start(campaign=scoring, actor=subdistrict_admin)
    to_phase(scoring, Phase.PUBLICATION, django_capture_on_commit_callbacks)
    assert Snapshot.objects.filter(campaign=scoring).count() == 2

    for score in first:
        for outsider in (resident, clerk):
            with pytest.raises(Http404):
                permissions.access_score(outsider, score.pk)
        for staff in (officer, subdistrict_admin):
            assert permissions.access_score(staff, score.pk) == score


def test_a_malformed_or_unknown_id_is_404(scoring, subdistrict_admin):
    for helper in (permissions.access_campaign, permissions.access_subject, permissions.access_score):
        for pk in ("x", None, 10**9):
            with pytest.raises(Http404):
                helper(subdistrict_admin, pk)


# --- through the pages ------------------------------------------------------------------------------


def counts() -> tuple:
    return Ballot.objects.count(), Appeal.objects.count(), Entry.objects.count()


def urls(campaign) -> dict:
    project_score = Score.objects.get(snapshot_id=campaign.snapshot_id, subject=project(campaign))
    return {
        "detail": reverse("ratings:detail", args=[campaign.pk]),
        "survey": reverse("ratings:survey", args=[campaign.pk]),
        "score": reverse("ratings:score", args=[project_score.pk]),
    }


def post_data(campaign, world) -> dict:
    """Something a page might accept: answers, a household, an appeal, an entry."""
    data = {f"q{pk}": "1" for pk in answers(campaign, world.a1)}
    data |= {"household": str(world.home.pk), "reason": "我认为这个分数不公平，请复核。", "value": "5", "note": "违规"}
    return data


@pytest.mark.parametrize("who", [o for o in OUTSIDERS if o != "anonymous"])
@pytest.mark.parametrize("phase", [Phase.SCORING, Phase.PUBLICATION])
def test_outsiders_get_404_from_the_pages_for_get_and_post_and_nothing_changes(
    who, phase, scoring, world, client, cast, django_capture_on_commit_callbacks
):
    to_phase(scoring, phase, django_capture_on_commit_callbacks)
    client.force_login(cast(who))
    before = counts()

    for name, url in urls(scoring).items():
        assert client.get(url).status_code == 404, (name, url)
        assert client.post(url, post_data(scoring, world)).status_code == 404, (name, url)

    assert counts() == before


def test_outsiders_get_404_from_the_survey_page_while_the_survey_is_open(campaign, world, client, cast, b_resident, other_officer, outside_clerk):
    url = reverse("ratings:survey", args=[campaign.pk])
    data = {f"q{pk}": "5" for pk in answers(campaign, world.a1)} | {"household": str(world.b_home.pk)}
    for who in [o for o in OUTSIDERS if o != "anonymous"]:
        client.force_login(cast(who))
        assert client.get(url).status_code == 404, who
        assert client.post(url, data).status_code == 404, who
        data["household"] = str(world.home.pk)
        assert client.post(url, data).status_code == 404, who
    assert Ballot.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(scoring, world, client):
    before = counts()
    for url in urls(scoring).values():
        for response in (client.get(url), client.post(url, post_data(scoring, world))):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
    assert counts() == before


def test_insiders_reach_the_pages(scoring, world, client, resident, clerk, officer, subdistrict_admin, django_capture_on_commit_callbacks):
    pages = urls(scoring)
    for user in (officer, subdistrict_admin):
        client.force_login(user)
        assert client.get(pages["detail"]).status_code != 404
        assert client.get(pages["score"]).status_code != 404

    to_phase(scoring, Phase.PUBLICATION, django_capture_on_commit_callbacks)
    for user in (resident, clerk):
        client.force_login(user)
        assert client.get(pages["score"]).status_code != 404


def test_the_resident_reaches_the_survey_page_while_it_is_open(campaign, client, resident):
    client.force_login(resident)

    assert client.get(reverse("ratings:survey", args=[campaign.pk])).status_code != 404
