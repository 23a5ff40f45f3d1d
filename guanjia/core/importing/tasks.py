"""The importer's background jobs (django-tasks: ImmediateBackend in development and tests, the
database backend and `db_worker` in production), so no web worker reads or writes a whole file."""

import contextlib
import logging

from django.contrib.auth import get_user_model
from django_tasks import task

from ..errors import ServiceError
from .models import ImportBatch, ImportStatus

logger = logging.getLogger(__name__)


@task()
def check_batch(batch_id: int) -> str:
    """Read and check an uploaded file; the preview page polls the batch's progress meanwhile."""
    from .services import import_check, import_check_failed

    batch = ImportBatch.objects.select_related("community", "created_by").get(pk=batch_id)
    if batch.status != ImportStatus.CHECKING:
        return batch.status  # a late job: the batch was taken as stale meanwhile, or checked already
    try:
        import_check(batch=batch)
    except ServiceError as error:
        if error.code != "bad_status":
            raise
        return batch.status  # superseded: another attempt checks it
    except Exception as error:
        logger.exception("import batch %s: the check failed", batch_id)
        import_check_failed(batch=batch, reason=str(error) or error.__class__.__name__)
        raise
    return batch.status


@task()
def commit_batch(batch_id: int, user_id: int, attempt: int | None = None) -> str:
    """Write a confirmed batch (the confirmation's `attempt`). A refusal or a failure is recorded on the batch."""
    from .services import import_commit, import_commit_finished, import_commit_started

    batch = ImportBatch.objects.select_related("community", "created_by").get(pk=batch_id)
    current = attempt is None or batch.attempt == attempt
    if batch.status != ImportStatus.QUEUED or not current or not import_commit_started(batch=batch):
        return batch.status  # a late job: the batch was taken as stale (and perhaps confirmed again)
    actor = get_user_model().objects.get(pk=user_id)
    # A refusal leaves the batch previewed (checked again, or refused with why) or failed, with why.
    with contextlib.suppress(ServiceError):
        import_commit(batch=batch, actor=actor)
    batch.refresh_from_db()
    import_commit_finished(batch=batch, actor=actor)
    return batch.status
