/* SPDX-License-Identifier: MIT */
/* code_help.c: the rule descriptions of docs/findings.md, one entry per code, in enum code order. */
#include "code_help.h"

static const struct code_help help[C_COUNT] = {
    [C_MISSING] = {"CredentialMissing", "A process read a credential variable that its environment lacks.",
                   "Give the process the variable: the service's environment: or env_file:, the pod's "
                   "env: or envFrom:, or the env= of the call that starts it."},
    [C_EMPTY] = {"CredentialEmpty", "A credential read or passed on is empty or whitespace only.",
                 "Set the real value; empty values come from config merges (settings.key or \"\"), "
                 "KEY= in a .env or compose file, or ${KEY} expanded from an unset variable."},
    [C_NAME_MISMATCH] = {"CredentialNameMismatch",
                         "A read name is absent while a near-identical name is present in the same "
                         "process.",
                         "Rename the variable where the environment is defined, or read the name "
                         "that is set."},
    [C_LOST_ON_EXEC] = {"CredentialLostOnExec",
                        "A process started a program whose environment lacks a credential the process "
                        "had.",
                        "Pass the variable on (env={**os.environ, ...}, env: {...process.env}), or stop "
                        "clearing the environment."},
    [C_SOCKET_REUSED] = {"SocketReusedAfterFork",
                         "A connected client socket created before a fork is used after it by a "
                         "forked child.",
                         "Create clients and their pools after the fork (gunicorn post_fork, celery "
                         "worker_process_init, or lazily on first use), or run without --preload."},
    [C_DIVERGENT] = {"CredentialDivergent",
                     "The same variable has different values (fingerprints) across processes, or "
                     "changed during a process's life.",
                     "Use one source for the value (one Secret, one env_file) and restart after "
                     "rotation."},
    [C_MALFORMED] = {"CredentialMalformed",
                     "The value has a shape defect: whitespace or a newline, quotes, an unexpanded "
                     "reference, a placeholder, or another provider's key.",
                     "Strip the newline (printf %s, not echo), remove the quotes, put the value "
                     "instead of a reference, or replace the placeholder."},
    [C_READ_BEFORE_FORK] = {"CredentialReadBeforeFork",
                            "A credential was read only by an ancestor before it forked the workers "
                            "that do the work (a client built at import time).",
                            "Build the client in each worker after the fork, or lazily on first "
                            "use."},
    [C_UNTRACED] = {"UntracedProcess",
                    "A child was started but left no trace (LD_PRELOAD dropped, or a static or setuid "
                    "binary).",
                    "Keep LD_PRELOAD and CREDTRACE_DIR in the environment passed on, and give every "
                    "trace file to the report."},
    [C_SET_AT_RUNTIME] = {"CredentialSetAtRuntime",
                          "A process set, changed or removed a credential itself (dotenv, config "
                          "code).",
                          "A value set at run time exists only in that process and the children it "
                          "starts afterwards: set it in the deployment's environment instead."},
    [C_SOCKET_SHARED] = {"SocketShared",
                         "One connected client socket is held open by several processes at once "
                         "(seen in a snapshot).",
                         "Create the client in each worker after the fork (gunicorn post_fork, celery "
                         "worker_process_init, an ASGI lifespan handler), or close it in the parent "
                         "before forking."},
    [C_KEY_REJECTED] = {"KeyRejected",
                        "The server answered 401 or 403 to requests carrying a credential seen on the "
                        "wire.",
                        "Send the key the environment holds: build the client after the environment is "
                        "final, refuse an empty key at start, or rotate a key the provider refuses."},
    [C_KEY_SENT_DIFFERS] = {"KeySentDiffers",
                            "The credential a request carried is not the one the process's "
                            "environment now holds.",
                            "Construct the client in the process that uses it, after the environment "
                            "is final (after dotenv, after fork), or pass the key from the variable at "
                            "call time."},
};

const struct code_help *code_help(enum code c)
{
	static struct code_help unknown;

	if (help[c].title)
		return &help[c];
	unknown = (struct code_help){code_name(c), "", ""};
	return &unknown;
}
