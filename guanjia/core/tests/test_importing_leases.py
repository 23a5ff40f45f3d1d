"""A batch whose worker died (issue 10): seen as stale after the lease, marked failed with why,
checked or committed again, and then written exactly once (all or nothing), whatever a late
worker of the dead attempt does."""

import contextlib
import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing import kinds, services
from guanjia.core.importing.models import ImportBatch
from guanjia.core.importing.services import (
    import_check,
    import_commit,
    import_expire_stale,
    import_queue,
    import_recheck,
)
from guanjia.core.models import ActivityLog, Holiday
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.test_importing import GOOD, NOW, TOY, toy, toy_commit, upload

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """What `kill -9` leaves behind: the transaction rolled back, no handler of ours run."""


@pytest.fixture(autouse=True)
def toy_kind():
    kinds.register(toy(start_url=lambda batch: reverse("core:calendar")))
    yield
    kinds.unregister(TOY)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


def died_checking(batch, at=NOW):
    """The state a check's worker leaves when it dies halfway: its attempt started, 40% read."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="checking", attempt=batch.attempt + 1, heartbeat_at=at, progress=40, checked_at=None
    )
    batch.refresh_from_db()
    return batch


def died_committing(community, manager):
    """A commit whose worker died inside its transaction: rows were being written, then nothing."""
    batch = upload(community, manager, GOOD)

    def killed(commit):
        toy_commit(commit)
        raise Killed

    kinds.register(toy(commit=killed))
    with clock.frozen(NOW):
        import_queue(batch=batch, actor=manager)  # the worker starts the commit, and is killed in it
    kinds.register(toy())
    batch.refresh_from_db()
    assert batch.status == "queued" and batch.heartbeat_at == NOW and not Holiday.objects.exists()
    return batch


def test_a_check_whose_worker_died_is_failed_after_the_lease_and_checked_again(client, community, manager):
    batch = died_checking(upload(community, manager, GOOD))
    with clock.frozen(NOW + dt.timedelta(minutes=4)):
        assert not import_expire_stale(batch=batch)  # within the lease (5 minutes by default)
    assert ImportBatch.objects.get(pk=batch.pk).status == "checking"
    client.force_login(manager)
    with clock.frozen(NOW + dt.timedelta(minutes=6)):
        html = client.get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.failure.startswith("检查中断：后台任务超过 5 分钟没有进展")
    assert "未写入任何数据" in batch.failure and batch.failure in html and 'id="recheck-import"' in html
    assert ActivityLog.objects.filter(verb="core.import.stale", subject_id=str(batch.pk)).count() == 1
    with pytest.raises(ServiceError) as refused:
        import_queue(batch=batch, actor=manager)  # nothing was checked: nothing to commit
    assert refused.value.status == 409
    with clock.frozen(NOW + dt.timedelta(minutes=7)):
        response = client.post(reverse("core:import_recheck", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "previewed" and batch.valid_rows == 2 and not batch.failure
    assert ActivityLog.objects.filter(verb="core.import.rechecked", actor=manager).count() == 1
    import_queue(batch=batch, actor=manager)
    assert Holiday.objects.count() == 2


def test_a_commit_whose_worker_died_is_committed_again_exactly_once(community, manager):
    batch = died_committing(community, manager)
    with clock.frozen(NOW + dt.timedelta(minutes=1)), pytest.raises(ServiceError) as refused:
        import_queue(batch=batch, actor=manager)  # still within the lease: it may be alive
    assert refused.value.status == 409 and ImportBatch.objects.get(pk=batch.pk).status == "queued"
    late = ImportBatch.objects.get(pk=batch.pk)  # what the dead attempt's worker had in hand
    with clock.frozen(NOW + dt.timedelta(minutes=6)):
        batch = import_queue(batch=batch, actor=manager)
    assert batch.status == "committed" and Holiday.objects.count() == 2
    stale = ActivityLog.objects.get(verb="core.import.stale", subject_id=str(batch.pk))
    assert "导入中断：后台任务超过 5 分钟没有进展" in stale.summary and stale.actor is None
    # A worker of the dead attempt that wakes up now writes nothing.
    with clock.frozen(NOW + dt.timedelta(minutes=7)), pytest.raises(ServiceError) as refused:
        import_commit(batch=late, actor=manager)
    assert refused.value.status == 409
    assert Holiday.objects.count() == 2
    assert ActivityLog.objects.filter(verb="core.import.committed", subject_id=str(batch.pk)).count() == 1


def test_a_commit_taken_over_before_its_transaction_writes_nothing(community, manager, monkeypatch):
    batch = upload(community, manager, GOOD)
    real = services.bulk_session

    @contextlib.contextmanager
    def retried_meanwhile():
        # Between this attempt's start and its transaction, another attempt starts (a retry).
        ImportBatch.objects.filter(pk=batch.pk).update(attempt=batch.attempt + 1)
        with real():
            yield

    monkeypatch.setattr(services, "bulk_session", retried_meanwhile)
    with clock.frozen(NOW), pytest.raises(ServiceError) as refused:
        import_commit(batch=batch, actor=manager)
    assert refused.value.status == 409 and not Holiday.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == "previewed"  # the other attempt's, untouched


def test_a_late_job_of_an_earlier_confirmation_does_nothing(community, manager):
    from guanjia.core.importing.tasks import commit_batch

    batch = died_committing(community, manager)
    with clock.frozen(NOW + dt.timedelta(minutes=6)):
        batch = import_queue(batch=batch, actor=manager)  # taken as stale, confirmed again: committed
    assert commit_batch.call(batch.pk, manager.pk, batch.attempt - 1) == "committed"
    ImportBatch.objects.filter(pk=batch.pk).update(status="queued")  # even were it still queued …
    assert commit_batch.call(batch.pk, manager.pk, batch.attempt - 1) == "queued"  # … the late job skips it
    assert Holiday.objects.count() == 2


def test_a_check_taken_over_while_it_ran_reports_nothing(community, manager):
    batch = upload(community, manager, GOOD)
    before = list(batch.row_errors.values_list("id", flat=True))

    def taken_over(check):
        found = toy().check(check)
        # Meanwhile the batch was taken as stale and another attempt started checking it.
        ImportBatch.objects.filter(pk=check.batch.pk).update(attempt=check.batch.attempt + 1)
        return found

    kinds.register(toy(check=taken_over))
    with clock.frozen(NOW), pytest.raises(ServiceError) as refused:
        import_check(batch=batch)
    assert refused.value.status == 409
    fresh = ImportBatch.objects.get(pk=batch.pk)
    assert fresh.status == "checking" and fresh.attempt == batch.attempt + 1  # left to that attempt
    assert list(fresh.row_errors.values_list("id", flat=True)) == before


def test_the_lease_is_a_setting(community, manager, settings):
    settings.IMPORT_LIMITS = {"lease_seconds": 60}
    batch = died_checking(upload(community, manager, GOOD))
    with clock.frozen(NOW + dt.timedelta(seconds=59)):
        assert not import_expire_stale(batch=batch)
    with clock.frozen(NOW + dt.timedelta(seconds=61)):
        assert import_expire_stale(batch=batch)
    assert "超过 1 分钟没有进展" in ImportBatch.objects.get(pk=batch.pk).failure


def test_a_check_that_is_working_beats_and_is_not_stale(community, manager, settings):
    """The check's progress is its heartbeat, written also when the percentage has not moved."""
    settings.IMPORT_LIMITS = {"lease_seconds": 60}
    beats = []

    def slow(check):
        for minutes in (1, 2):  # a minute per step, the percentage hardly moving; the lease is a minute
            with clock.frozen(NOW + dt.timedelta(minutes=minutes)):
                check.progress(0.01 * minutes)
            beats.append(ImportBatch.objects.get(pk=check.batch.pk).heartbeat_at)
            with clock.frozen(NOW + dt.timedelta(minutes=minutes, seconds=30)):
                assert not import_expire_stale(batch=ImportBatch.objects.get(pk=check.batch.pk))
        return toy().check(check)

    kinds.register(toy(check=slow))
    batch = upload(community, manager, GOOD)
    assert beats == [NOW + dt.timedelta(minutes=1), NOW + dt.timedelta(minutes=2)]
    assert batch.status == "previewed"


def test_recheck_refuses_a_batch_that_is_not_failed(community, manager):
    batch = upload(community, manager, GOOD)
    with pytest.raises(ServiceError) as refused:
        import_recheck(batch=batch, actor=manager)
    assert refused.value.status == 409
