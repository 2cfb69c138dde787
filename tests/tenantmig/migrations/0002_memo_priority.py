from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenantmig", "0001_initial")]
    operations = [migrations.AddField(model_name="memo", name="priority", field=models.IntegerField(default=0))]
