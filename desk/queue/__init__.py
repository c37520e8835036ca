"""OCR off the web servers: captures as jobs on a PostgreSQL-backed queue (pgqueuer), run by `python -m desk worker`.

`capture_work` is the work itself (also run by the in-process pool), `tables` the tasks and their
pages, `task_store` their rows, `client` the web server's side, `worker` the worker's.
"""
