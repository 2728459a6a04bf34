"""Filing through ``services.issue_file``: bad input gets a clear error and stores nothing (no
issue, photo, event, notification or media file); outsiders are refused."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from governance.issues import services
from governance.issues.images import MAX_BYTES
from governance.issues.models import DESCRIPTION_MAX, Category, Channel, Issue

from .factories import category, file_issue, photo, pixel_flood_png
from .snapshots import tables


def _file(actor, world, **kwargs):
    kwargs.setdefault("compound", world.a1)
    kwargs.setdefault("category", category("sanitation"))
    kwargs.setdefault("description", "楼道灯坏了。")
    if "household" not in kwargs and "common_area" not in kwargs:
        kwargs.setdefault("building", world.home.building)
    return services.issue_file(actor=actor, **kwargs)


def _refused(exc_type, call):
    before = tables()
    with pytest.raises(exc_type) as info:
        call()
    assert tables() == before
    return info.value


def _oversized_jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buf, format="JPEG")
    data = buf.getvalue()
    data += b"\0" * (MAX_BYTES + 1 - len(data))
    return SimpleUploadedFile("big.jpg", data, content_type="image/jpeg")


def _image(fmt, name):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_oversized_jpeg, "larger than 10 MB"),
        (lambda: SimpleUploadedFile("photo.jpg", b"just some text, not a photo", content_type="image/jpeg"), "not a photo"),
        (pixel_flood_png, "declares too many pixels"),
        (lambda: _image("GIF", "anim.gif"), "only JPEG, PNG and WebP"),
        (lambda: _image("BMP", "scan.bmp"), "only JPEG, PNG and WebP"),
        (lambda: SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"), "empty"),
    ],
    ids=["oversized", "fake", "pixel_flood", "gif", "bmp", "empty"],
)
def test_a_bad_photo_is_refused_with_a_message_and_stores_nothing(world, resident, make, message):
    exc = _refused(ValidationError, lambda: _file(resident, world, photos=[photo(), make()]))
    assert "photos" in exc.message_dict
    assert any(message in m for m in exc.message_dict["photos"]), exc.message_dict


def test_an_oversized_photo_is_refused_even_when_its_upload_claims_to_be_small(world, resident):
    upload = _oversized_jpeg()
    upload.size = 1000  # the size an attacker-controlled client might claim
    exc = _refused(ValidationError, lambda: _file(resident, world, photos=[upload]))
    assert "larger than 10 MB" in exc.message_dict["photos"][0]


def test_seven_photos_are_refused_and_six_are_accepted(world, resident):
    exc = _refused(ValidationError, lambda: _file(resident, world, photos=[photo(f"{i}.jpg") for i in range(7)]))
    assert exc.message_dict["photos"] == ["At most 6 photos."]
    issue = _file(resident, world, photos=[photo(f"{i}.jpg") for i in range(6)])
    assert issue.photos.count() == 6


def test_a_building_of_another_compound_is_refused(world, resident):
    b_building = world.b_home.building
    exc = _refused(ValidationError, lambda: _file(resident, world, building=b_building))
    assert exc.message_dict["building"] == [f"This building is not in {world.a1.name}."]


def test_a_household_of_another_compound_is_refused(world, resident):
    exc = _refused(ValidationError, lambda: _file(resident, world, household=world.b_home))
    assert exc.message_dict["household"] == [f"This household is not in {world.a1.name}."]


def test_a_resident_cannot_name_a_neighbours_household(world, resident, neighbour):
    exc = _refused(ValidationError, lambda: _file(resident, world, household=world.next_door))
    assert "your own household only" in exc.message_dict["household"][0]


def test_a_household_outside_the_chosen_building_is_refused(world, resident):
    other_building = world.households[("WA1", "2 号楼", "101")].building
    exc = _refused(ValidationError, lambda: _file(resident, world, building=other_building, household=world.home))
    assert exc.message_dict["household"] == ["This household is not in the building you chose."]


def test_no_location_at_all_is_refused(world, resident):
    exc = _refused(ValidationError, lambda: _file(resident, world, common_area="   "))
    assert "common_area" in exc.message_dict


def test_an_inactive_category_is_refused(world, resident):
    Category.objects.filter(code="other").update(active=False)
    exc = _refused(ValidationError, lambda: _file(resident, world, category=category("other")))
    assert exc.message_dict["category"] == ["This category is no longer in use."]


def test_a_description_of_4001_characters_is_refused_and_4000_is_accepted(world, resident):
    exc = _refused(ValidationError, lambda: _file(resident, world, description="噪" * (DESCRIPTION_MAX + 1)))
    assert exc.message_dict["description"] == ["At most 4000 characters (you wrote 4001)."]
    issue = _file(resident, world, description="噪" * DESCRIPTION_MAX)
    assert len(Issue.objects.get(pk=issue.pk).description) == 4000


def test_an_empty_description_unknown_kind_and_contact_are_refused_together(world, resident):
    exc = _refused(
        ValidationError, lambda: _file(resident, world, description="  ", kind="rant", contact_preference="pigeon")
    )
    assert set(exc.message_dict) >= {"description", "kind", "contact_preference"}


def test_a_stranger_cannot_file(world, stranger):
    _refused(PermissionDenied, lambda: _file(stranger, world))


def test_a_resident_of_b1_cannot_file_for_a1(world, b_resident):
    _refused(PermissionDenied, lambda: _file(b_resident, world))


def test_an_officer_of_b_cannot_file_on_behalf_in_a1(world, other_officer):
    _refused(
        PermissionDenied,
        lambda: _file(other_officer, world, channel=Channel.PHONE, reporter_name="王大爷", reporter_phone="13811112222"),
    )


def test_a_resident_cannot_file_on_behalf(world, resident, neighbour):
    _refused(PermissionDenied, lambda: _file(resident, world, channel=Channel.VISIT, reporter=neighbour))


def test_filing_on_behalf_needs_the_residents_name_or_phone(world, secretary):
    exc = _refused(ValidationError, lambda: _file(secretary, world, channel=Channel.PHONE))
    assert "reporter_name" in exc.message_dict


def test_anonymous_and_private_are_kept_and_private_defaults_from_the_category(world, resident, neighbour):
    issue = _file(resident, world, anonymous=True)
    assert issue.anonymous and not issue.private
    help_issue = _file(resident, world, category=category("help"))
    assert help_issue.private  # "help" is private by default
    public_help = file_issue(neighbour, world.next_door, code="help", private=False)
    assert not public_help.private


def test_open_issues_of_the_same_category_in_the_same_building_are_offered_before_filing(world, resident, neighbour):
    from governance.issues import selectors

    same = file_issue(neighbour, world.next_door, code="noise")
    file_issue(neighbour, world.next_door, code="other")  # another category
    file_issue(neighbour, world.next_door, code="help")  # private
    done = file_issue(neighbour, world.next_door, code="noise")
    services.issue_cancel(actor=neighbour, issue=done)
    other_building = world.households[("WA1", "2 号楼", "101")].building
    found = selectors.similar_open(compound=world.a1, category=category("noise"), building=world.home.building)
    assert list(found) == [same]
    assert list(selectors.similar_open(compound=world.a1, category=category("noise"), building=other_building)) == []
