# SPDX-License-Identifier: MIT
# snap_httpx_conf.py: gunicorn config for the post_fork twin: each worker builds its own client.
import snap_httpx_app


def post_fork(server, worker):
    snap_httpx_app.make_client()
