"""Background jobs (Hintergrundaufträge): long work such as large exports runs in a worker
process beside the web server, on the PostgreSQL queue of procrastinate. The user follows its
progress on the job page and downloads the result from there.

Start one with ``sozialraum.jobs.services.job_start``; run the worker with
``python manage.py run_worker``.
"""
