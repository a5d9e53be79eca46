# SPDX-License-Identifier: MIT
# gunicorn_conf.py: gunicorn hooks of the soak: per-worker setup after the fork, counters at exit.
# The app module is already imported in the master (--preload); these run in each worker.


def post_worker_init(worker):
    import soak_app
    soak_app.worker_init()


def worker_exit(server, worker):
    import soak_app
    soak_app.write_stats()
