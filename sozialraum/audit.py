"""The audit trail (django-pghistory): which models are tracked and how."""

import pghistory


def audited(*, exclude: list[str] | None = None):
    """Track inserts, updates and deletes of a model in the database, with the acting user.

    Triggers write the events, so bulk updates and raw SQL cannot bypass the trail. A fresh set of
    trackers per model: pghistory must not share tracker instances between models. ``exclude``
    names fields kept out of the snapshots; changing only those records no event.
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=exclude,
    )
