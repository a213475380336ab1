"""Load the RONI indicator catalogue from careershub/risk/data/indicators.yaml."""

from django.db import migrations


def load(apps, schema_editor):
    from careershub.risk.loading import load_indicators

    load_indicators(apps.get_model("risk", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_risk_of_neet")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
