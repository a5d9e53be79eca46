# SPDX-License-Identifier: MIT
# celery_prefork.py: the celery prefork pattern of docs/findings.md (CRED_READ_BEFORE_FORK): the key is
# read once, at import time, by the celery main process; the pool workers forked from it use KEY in
# their tasks and make no read of their own. Broker: kombu's filesystem transport in CELERY_FS_DIR.
# A task calls the fake API (FAKE_API_URL) with KEY, or (net=False) only signs a payload with it, as a
# webhook or request signer would; either way it writes its outcome to CELERY_FS_DIR/done.<n>.
import hashlib
import hmac
import http.client
import os
import urllib.parse

from celery import Celery

KEY = os.environ.get("OPENAI_API_KEY")  # @key: import time, main process only
DIR = os.environ["CELERY_FS_DIR"]

app = Celery("celery_prefork", broker="filesystem://")
app.conf.broker_transport_options = {"data_folder_in": DIR + "/q", "data_folder_out": DIR + "/q",
                                     "processed_folder": DIR + "/done-q", "store_processed": False}
app.conf.worker_hijack_root_logger = False
app.conf.broker_connection_retry_on_startup = True


@app.task
def call_api(n, net=True):
    if not net:
        sig = hmac.new((KEY or "").encode(), b"payload", hashlib.sha256).hexdigest()
        with open("%s/done.%d" % (DIR, n), "w") as f:
            f.write("signed %d\n" % len(sig))
        return 0
    url = urllib.parse.urlsplit(os.environ["FAKE_API_URL"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("POST", "/v1/chat/completions", body='{"model": "m", "messages": []}',
                 headers={"Authorization": "Bearer %s" % KEY, "Content-Type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    with open("%s/done.%d" % (DIR, n), "w") as f:
        f.write("%d\n" % status)
    return status
