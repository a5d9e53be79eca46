# SPDX-License-Identifier: MIT
# ctcelery.py: a celery app module that reads its key at import time.
import os

from celery import Celery

KEY = os.getenv("OPENAI_API_KEY")  # @c
app = Celery("ctcelery", broker="memory://")
