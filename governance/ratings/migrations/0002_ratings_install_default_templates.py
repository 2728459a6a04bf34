from django.db import migrations


def install(apps, schema_editor):
    from governance.ratings import defaults

    defaults.install(apps.get_model("ratings", "Template"), apps.get_model("ratings", "Section"), apps.get_model("ratings", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_ratings_initial_models")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
