"""The white and black lists: a public notice once the campaign is final, the overseers' page before."""

import pytest
from django.urls import reverse

from governance.ratings.models import Listing, Phase, Score
from tests.ratings.factories import committee, enter, project, to_phase

APPRAISAL_CODES = ("appraisal-lead", "appraisal-meetings", "appraisal-disclosure")


@pytest.fixture
def scored(campaign, secretary, officer, django_capture_on_commit_callbacks):
    to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)
    enter(campaign, secretary, project(campaign), dict.fromkeys(APPRAISAL_CODES, "5"))
    enter(campaign, officer, committee(campaign), {"card-red": "1"}, {"card-red": "挪用公共收益"})
    return to_phase(campaign, Phase.PUBLICATION, django_capture_on_commit_callbacks)


def test_the_lists_are_not_public_before_the_campaign_is_final(client, scored, b_resident, resident):
    for person in (b_resident, resident):
        client.force_login(person)
        assert client.get(reverse("ratings:lists", args=[scored.pk])).status_code == 404


def test_once_final_anyone_signed_in_reads_the_whole_lists(client, scored, b_resident, django_capture_on_commit_callbacks):
    campaign = to_phase(scored, Phase.FINAL, django_capture_on_commit_callbacks)
    black = Score.objects.get(snapshot_id=campaign.snapshot_id, listing=Listing.BLACK)
    client.force_login(b_resident)  # lives in another subdistrict: a public notice all the same
    response = client.get(reverse("ratings:lists", args=[campaign.pk]))
    assert response.status_code == 200
    assert black.subject.compound.name in response.content.decode()
    assert client.post(reverse("ratings:lists", args=[campaign.pk])).status_code == 405


def test_the_lists_page_of_an_unknown_campaign_is_a_404(client, b_resident):
    client.force_login(b_resident)
    assert client.get(reverse("ratings:lists", args=[99999])).status_code == 404
