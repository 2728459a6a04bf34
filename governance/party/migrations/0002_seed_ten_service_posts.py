from django.db import migrations

# The ten standing duties of in-service members (DOMAIN.md, "ServicePost"); admins can change them.
POSTS = [
    ("party_guidance", "党建指导岗", "Party-building guidance"),
    ("civility", "文明宣传岗", "Civility promotion"),
    ("sanitation", "环境卫生岗", "Environment and sanitation"),
    ("patrol", "安全巡逻岗", "Safety patrol"),
    ("legal", "法律咨询岗", "Legal advice"),
    ("elder_care", "助老助残岗", "Help for the elderly and disabled"),
    ("culture_sport", "文体活动岗", "Culture and sports"),
    ("health", "健康医疗岗", "Health and medical care"),
    ("mediation", "矛盾调解岗", "Dispute mediation"),
    ("other", "其他", "Other"),
]


def seed(apps, schema_editor):
    ServicePost = apps.get_model("party", "ServicePost")
    for position, (code, zh, en) in enumerate(POSTS):
        ServicePost.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "position": position})


class Migration(migrations.Migration):
    dependencies = [("party", "0001_branches_members_zones_checkins")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
