"""The importer's background jobs (django-tasks: ImmediateBackend in development and tests, the
database backend and `db_worker` in production), so no web worker reads or writes a whole file."""

import contextlib
import logging

from django.contrib.auth import get_user_model
from django_tasks import task

from ..errors import ServiceError
from .models import ImportBatch

logger = logging.getLogger(__name__)


@task()
def check_batch(batch_id: int) -> str:
    """Read and check an uploaded file; the preview page polls the batch's progress meanwhile."""
    from .services import import_check, import_check_failed

    batch = ImportBatch.objects.select_related("community", "created_by").get(pk=batch_id)
    try:
        import_check(batch=batch)
    except Exception as error:
        logger.exception("import batch %s: the check failed", batch_id)
        import_check_failed(batch=batch, reason=str(error) or error.__class__.__name__)
        raise
    return batch.status


@task()
def commit_batch(batch_id: int, user_id: int) -> str:
    """Write a confirmed batch. A refusal or a failure is recorded on the batch itself."""
    from .services import import_commit, import_commit_finished

    batch = ImportBatch.objects.select_related("community", "created_by").get(pk=batch_id)
    actor = get_user_model().objects.get(pk=user_id)
    # A refusal leaves the batch previewed (checked again, or refused with why) or failed, with why.
    with contextlib.suppress(ServiceError):
        import_commit(batch=batch, actor=actor)
    batch.refresh_from_db()
    import_commit_finished(batch=batch, actor=actor)
    return batch.status
