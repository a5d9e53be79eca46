# SPDX-License-Identifier: MIT
# tasks.py: the celery recipe's app (tests/cases/55-recipes.sh): a filesystem broker in RECIPE_BROKER
# (no network), a client made and warmed up at import time against the fake API; the test appends the
# documented fix for the fixed run.
import os

import requests
from celery import Celery


def make_api_client():
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + os.environ.get("OPENAI_API_KEY", "")
    s.get(os.environ["OPENAI_BASE_URL"] + "/models", timeout=30)
    return s


client = make_api_client()
folder = os.environ["RECIPE_BROKER"]
app = Celery("tasks", broker="filesystem://")
app.conf.broker_transport_options = {"data_folder_in": folder, "data_folder_out": folder}


@app.task
def ping():
    return client.get(os.environ["OPENAI_BASE_URL"] + "/models", timeout=30).status_code
