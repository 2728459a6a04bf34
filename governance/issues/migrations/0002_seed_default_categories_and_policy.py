"""The default categories and the one policy row. Admins change them afterwards; this runs once."""

from django.db import migrations


def seed(apps, schema_editor):
    from governance.issues.defaults import ensure_defaults

    ensure_defaults(apps.get_model("issues", "Category"), apps.get_model("issues", "IssuePolicy"))


class Migration(migrations.Migration):
    dependencies = [("issues", "0001_issue_loop_categories_issues_timeline_summons_open311")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
