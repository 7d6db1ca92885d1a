"""``skaitykla worker``: runs background tasks from the database queue (django-tasks-db)."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run background tasks (the database task queue). Stop with Ctrl-C or SIGTERM."
