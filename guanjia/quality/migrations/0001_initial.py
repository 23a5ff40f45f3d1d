"""The quality app (issue 9): corrective and preventive actions with their fishbone causes (out of
engagement), written rectification notices to a person or a contractor and the office manager's spot
checks (out of servicedesk). The tables are new; 0002 moves the rows into them, keeping their ids."""

import django.db.models.deletion
import django_fsm
import guanjia.core.clock
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0010_approval_one_running'),
        ('engagement', '0005_vs5_summary_duty'),
        ('estates', '0005_monthly_lists'),
        ('servicedesk', '0006_rc10_summary_duty'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Cause',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category', models.CharField(choices=[('man', '人'), ('machine', '机'), ('material', '料'), ('method', '法'), ('environment', '环')], max_length=20, verbose_name='类别')),
                ('text', models.CharField(max_length=200, verbose_name='原因')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='causes', to='engagement.surveyitem')),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='quality.cause')),
            ],
            options={
                'verbose_name': '原因',
                'verbose_name_plural': '原因',
                'ordering': ['item', 'category', 'parent_id', 'position', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Action',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('corrective', '纠正措施'), ('preventive', '预防措施')], default='corrective', max_length=20, verbose_name='类型')),
                ('problem', models.CharField(max_length=200, verbose_name='问题')),
                ('cause_text', models.CharField(blank=True, max_length=200, verbose_name='原因')),
                ('measure', models.TextField(verbose_name='措施')),
                ('due_on', models.DateField(verbose_name='完成期限')),
                ('status', django_fsm.FSMField(choices=[('open', '进行中'), ('done', '已完成待验证'), ('verified', '已验证有效')], default='open', max_length=20, protected=True, verbose_name='状态')),
                ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('done_note', models.TextField(blank=True, verbose_name='完成情况')),
                ('verification', models.TextField(blank=True, verbose_name='验证结果')),
                ('verified_at', models.DateTimeField(blank=True, null=True, verbose_name='验证时间')),
                ('created_at', models.DateTimeField(default=guanjia.core.clock.now, editable=False)),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='core.community', verbose_name='小区')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='actions', to='engagement.surveyitem')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='责任人')),
                ('survey', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='engagement.survey')),
                ('verified_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('cause', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='actions', to='quality.cause')),
            ],
            options={
                'verbose_name': '纠正/预防措施',
                'verbose_name_plural': '纠正/预防措施',
                'ordering': ['due_on', 'id'],
                'indexes': [models.Index(fields=['community', 'status', 'due_on'], name='qa_action_comm_status_due')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='RectificationNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='编号')),
                ('source', models.CharField(max_length=40, verbose_name='来源')),
                ('subject_id', models.PositiveBigIntegerField()),
                ('recipient_kind', models.CharField(choices=[('staff', '本处人员'), ('person', '个人'), ('contractor', '施工/承包单位')], default='staff', max_length=20, verbose_name='整改对象')),
                ('recipient_name', models.CharField(blank=True, help_text='不是本处人员时填写：个人姓名或单位名称', max_length=100, verbose_name='整改人/单位')),
                ('problem', models.TextField(verbose_name='存在问题')),
                ('requirement', models.TextField(blank=True, verbose_name='整改要求')),
                ('status', django_fsm.FSMField(choices=[('issued', '整改中'), ('closed', '已完成')], default='issued', max_length=20, protected=True, verbose_name='状态')),
                ('issued_at', models.DateTimeField(verbose_name='下达时间')),
                ('due_at', models.DateTimeField(verbose_name='整改期限')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='整改完成时间')),
                ('result', models.TextField(blank=True, verbose_name='整改结果')),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='core.community', verbose_name='小区')),
                ('household', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='estates.room', verbose_name='房屋')),
                ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='下达人')),
                ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rectification_notices', to=settings.AUTH_USER_MODEL, verbose_name='整改人')),
                ('subject_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype')),
            ],
            options={
                'verbose_name': '整改通知书',
                'verbose_name_plural': '整改通知书',
                'ordering': ['-issued_at', '-id'],
                'indexes': [models.Index(fields=['community', 'status', 'due_at'], name='qa_notice_comm_status_due'), models.Index(fields=['subject_type', 'subject_id'], name='qa_notice_subject')],
                'constraints': [models.UniqueConstraint(fields=('source', 'subject_type', 'subject_id'), name='qa_uniq_notice_subject')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='SpotCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40, verbose_name='抽查类别')),
                ('period', models.CharField(help_text='如 2026-11（月）、2026-Q4（季度）', max_length=10, verbose_name='期间')),
                ('record_id', models.PositiveBigIntegerField()),
                ('drawn_at', models.DateTimeField(default=guanjia.core.clock.now, editable=False)),
                ('checked_at', models.DateTimeField(blank=True, null=True, verbose_name='抽查时间')),
                ('passed', models.BooleanField(blank=True, null=True, verbose_name='抽查结论')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='抽查意见')),
                ('checked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='core.community', verbose_name='小区')),
                ('drawn_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('record_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype')),
            ],
            options={
                'verbose_name': '管理抽查',
                'verbose_name_plural': '管理抽查',
                'ordering': ['period', 'id'],
                'indexes': [models.Index(fields=['community', 'kind', 'period'], name='qa_spot_check_comm_kind')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'period', 'record_type', 'record_id'), name='qa_uniq_spot_check')],
            },
        ),
    ]
