# SPDX-License-Identifier: MIT
# attr_mod.py: imported by attr_app.py; reads a credential at import time.
import os

MOD_KEY = os.environ.get("CT_MOD_API_KEY")  # @mod
