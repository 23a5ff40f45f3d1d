"""Background jobs of the register (django-tasks; ImmediateBackend in development and tests)."""

import contextlib

from django.contrib.auth import get_user_model
from django_tasks import task

from guanjia.core.errors import ServiceError

from .importing import import_commit
from .models import ImportBatch


@task()
def commit_import(batch_id: int, user_id: int) -> str:
    """Write a confirmed import batch. A refusal or failure is recorded on the batch itself."""
    batch = ImportBatch.objects.select_related("community").get(pk=batch_id)
    actor = get_user_model().objects.get(pk=user_id)
    # import_commit stores the reason on the batch (errors found again, or FAILED with the cause).
    with contextlib.suppress(ServiceError):
        import_commit(batch=batch, actor=actor)
    batch.refresh_from_db(fields=["status"])
    return batch.status
