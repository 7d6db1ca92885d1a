"""Periodic jobs of the circulation app (listed in ``periodic.PERIODIC``, registered from
``CirculationConfig.ready``)."""

from __future__ import annotations

from django_tasks import task

from skaitykla.circulation.services import history, holds, notices, orders


@task()
def send_due_notices() -> int:
    """Due-soon and overdue (1st, 2nd, 3rd) notices for open loans."""
    return notices.send_due_notices()


@task()
def send_hold_notices() -> int:
    """ "Hold ready" and "hold expired" notices."""
    return notices.send_hold_notices()


@task()
def expire_stack_orders() -> int:
    """Closed-stack orders whose pickup or keep window (open days) has passed."""
    return orders.expire_stack_orders()


@task()
def expire_holds() -> int:
    """Unfilled holds past their "not needed after" date or maximum age."""
    return holds.expire_holds()


@task()
def expire_hold_shelf() -> int:
    """Ready holds not picked up in time: the item passes to the next reader."""
    return holds.expire_hold_shelf()


@task()
def anonymise_loan_history() -> int:
    """Returned loans whose reader's history choice says they should lose the reader link."""
    return history.anonymise_loan_history()
