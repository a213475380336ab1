from django.db import migrations


def load(apps, schema_editor):
    """The NCCIS activity codes from careershub/destinations/data/nccis_activity_codes.csv."""
    from careershub.destinations.loaders import load_activity_codes

    load_activity_codes(apps)


class Migration(migrations.Migration):
    dependencies = [("destinations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=False)]
