"""PR-4/AR-2: a month's two lists as one subject of review and hand-over; review comments of any length."""

import django.db.models.deletion
import guanjia.core.clock
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('estates', '0004_natural_sort_unknown_since'),
    ]

    operations = [
        migrations.AlterField(
            model_name='registerreview',
            name='comment',
            field=models.TextField(blank=True, verbose_name='审核意见'),
        ),
        migrations.CreateModel(
            name='MonthlyLists',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='该月第一天', verbose_name='月份')),
                ('created_at', models.DateTimeField(default=guanjia.core.clock.now, editable=False)),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='core.community', verbose_name='小区')),
            ],
            options={
                'verbose_name': '月度清单',
                'verbose_name_plural': '月度清单',
                'ordering': ['-month'],
                'constraints': [models.UniqueConstraint(fields=('community', 'month'), name='uniq_monthly_lists')],
            },
        ),
    ]
