# SPDX-License-Identifier: MIT
# check_yaml.py compose|kubernetes FILE: the recipe's YAML, read by a YAML parser, wires the shim and the
# traces as the recipe says: LD_PRELOAD names a file that a volume provides, CREDTRACE_DIR is on a
# volume, every volume used is declared. Prints what it checked; exits 1 with the reason otherwise.
import posixpath
import sys

import yaml


def under(path, mounts):
    return any(path == m or path.startswith(m.rstrip("/") + "/") for m in mounts)


def compose(doc):
    services = doc["services"]
    declared = set(doc.get("volumes") or {})
    traced = 0
    for name, svc in services.items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) for e in env)
        if "LD_PRELOAD" not in env:
            continue
        traced += 1
        assert "CREDTRACE_DIR" in env, name + ": LD_PRELOAD without CREDTRACE_DIR"
        mounts = {}
        for v in svc.get("volumes") or []:
            src, dst = v.split(":")[:2]
            mounts[dst] = src
            if not src.startswith((".", "/")):
                assert src in declared, name + ": volume " + src + " not declared"
        assert env["LD_PRELOAD"] in mounts, name + ": the shim is not mounted at LD_PRELOAD"
        assert under(env["CREDTRACE_DIR"], mounts), name + ": CREDTRACE_DIR is not on a volume"
    assert traced >= 2, "fewer than two traced services"
    return "%d traced services" % traced


def kubernetes(doc):
    spec = doc["spec"]
    vols = {v["name"]: v for v in spec["volumes"]}
    init, = spec["initContainers"]
    imounts = {m["mountPath"]: m["name"] for m in init["volumeMounts"]}
    dest = init["command"][-1]
    shim_vol = imounts[posixpath.dirname(dest)]
    assert "emptyDir" in vols[shim_vol], "the shim volume is not an emptyDir"
    app = spec["containers"][0]
    env = {e["name"]: e["value"] for e in app["env"]}
    amounts = {m["mountPath"]: m["name"] for m in app["volumeMounts"]}
    assert amounts.get(posixpath.dirname(env["LD_PRELOAD"])) == shim_vol, "LD_PRELOAD is not in the init container's volume"
    assert posixpath.basename(env["LD_PRELOAD"]) == posixpath.basename(dest), "copied under another name"
    assert under(env["CREDTRACE_DIR"], amounts), "CREDTRACE_DIR is not on a volume"
    for m in list(init["volumeMounts"]) + list(app["volumeMounts"]):
        assert m["name"] in vols, "volume " + m["name"] + " not declared"
    return "init container copies to %s, app preloads %s" % (dest, env["LD_PRELOAD"])


kind, path = sys.argv[1], sys.argv[2]
try:
    print(globals()[kind](yaml.safe_load(open(path))))
except (AssertionError, KeyError, ValueError, TypeError) as e:
    print("bad %s recipe: %r" % (kind, e))
    sys.exit(1)
