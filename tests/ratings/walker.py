"""Rating records in community B for the URL walker (tests/compounds/test_url_walker.py): a
subdistrict campaign of S2 (B's subdistrict) rating B1's property project, scored and published
through the services, with an appeal by the company's clerk. B's officer oversees it all; the
people the walker tries (A's officer, the admin of S1, a resident of A, a stranger) do not."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from committees import services as committee_services
from compounds import services as place_services
from governance.accounts.roles import Role
from governance.ratings import services
from governance.ratings.models import Template
from tests import factories
from tests.committees.factories import walker_object


def ratings_of(scene) -> dict:
    if "rating_records" in scene.cache:
        return scene.cache["rating_records"]
    world = scene.world
    admin = factories.UserFactory(username="s2_admin")
    place_services.role_grant(user=admin, role=Role.SUBDISTRICT_ADMIN, scope=world.s2)
    # B1's contract and owners' committee are the committees walker's (built once per scene).
    company = walker_object(scene, "company")
    walker_object(scene, "committee")
    clerk = factories.UserFactory(username="b_rating_clerk")
    committee_services.staff_add(actor=None, company=company, user=clerk, title="管家")
    start = timezone.localdate() - timedelta(days=60)
    resident = factories.UserFactory(username="b_rating_resident")
    residency = place_services.residency_claim(user=resident, household=world.households[("WB1", "1 号楼", "102")], relation="owner")
    place_services.residency_verify(actor=scene.insider, residency=residency)
    campaign = services.campaign_open(
        actor=admin, year=start.year - 1, scope="subdistrict", subdistrict=world.s2, title="云集街道星级评价",
        project_template=Template.objects.get(code="property-project", version=1),
        committee_template=Template.objects.get(code="owners-committee", version=1),
        survey_starts=start, appraisal_starts=start + timedelta(days=10), scoring_starts=start + timedelta(days=20),
        publication_starts=start + timedelta(days=55), appeal_days=30,
    )
    # What beat and the worker would do, in this thread (tests run inside one transaction).
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.scoring_starts)
    campaign.refresh_from_db()
    while services.snapshot_score_chunk(snapshot_id=campaign.snapshot_id):
        pass
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.publication_starts)
    campaign.refresh_from_db()
    subject = campaign.subjects.get(kind="project")
    score = subject.scores.get()
    image = Image.new("RGB", (40, 30), (20, 120, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    photo = SimpleUploadedFile("现场照片.png", buffer.getvalue(), content_type="image/png")
    appeal = services.appeal_file(actor=clerk, score=score, reason="检查记录与实际不符，请复核。", files=[photo])
    records = {"campaign": campaign, "subject": subject, "score": score, "appeal": appeal, "company": company,
               "attachment": appeal.attachments.get(), "template": campaign.project_template, "resident": resident}
    scene.cache["rating_records"] = records
    return records
