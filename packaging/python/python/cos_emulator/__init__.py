"""Start the cos-emulator (a local Tencent Cloud COS + STS) from Python tests.

The wheel ships the ``cos-sts`` binary; ``start()`` runs ``cos-sts emulator``, reads the one
JSON line it prints when ready and returns an :class:`Emulator` with its endpoints and keys.
The emulator stops when :meth:`Emulator.stop` is called or when this process exits (it is
started with ``--stop-on-stdin-eof`` and its standard input is a pipe held by this process).

    from cos_emulator import start
    with start(bucket="examplebucket-1250000000") as emu:
        print(emu.cos_endpoint, emu.secret_id)
        emu.reset()

The pytest plugin (``cos_emulator.pytest_plugin``, registered automatically) provides the
``cos_emulator`` fixture.
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request

__all__ = ["Emulator", "EmulatorError", "binary", "start"]

BINARY_NAME = "cos-sts.exe" if os.name == "nt" else "cos-sts"


class EmulatorError(RuntimeError):
    """The emulator could not start, or an admin call failed."""


def binary():
    """The ``cos-sts`` binary: ``$COS_EMULATOR_BIN``, else the one this wheel installed,
    else the first on ``PATH``."""
    explicit = os.environ.get("COS_EMULATOR_BIN")
    if explicit:
        return explicit
    candidates = [os.path.join(sysconfig.get_path("scripts"), BINARY_NAME)]
    candidates.append(os.path.join(os.path.dirname(sys.executable), BINARY_NAME))
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(BINARY_NAME)
    if found:
        return found
    raise EmulatorError("the cos-sts binary was not found (set COS_EMULATOR_BIN)")


class Emulator:
    """A running emulator: its endpoints, root key, admin API and process."""

    def __init__(self, process, ready):
        self._process = process
        self.ready = ready
        self.cos_endpoint = ready["cos_endpoint"]
        self.sts_endpoint = ready["sts_endpoint"]
        self.region = ready["region"]
        self.appid = ready["appid"]
        self.buckets = list(ready["buckets"])
        self.bucket = self.buckets[0]
        self.secret_id = ready["secret_id"]
        self.secret_key = ready["secret_key"]
        self.admin_token = ready["admin_token"]
        self.ca_cert_path = ready.get("ca_cert_path")
        self._ssl = (
            ssl.create_default_context(cafile=self.ca_cert_path)
            if self.ca_cert_path
            else None
        )

    def __repr__(self):
        return "Emulator(cos_endpoint=%r, sts_endpoint=%r, secret_id=%r)" % (
            self.cos_endpoint,
            self.sts_endpoint,
            self.secret_id,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def admin(self, method, path, body=None):
        """Calls the admin API (``/_emulator/<path>``) and returns its JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            "%s/_emulator/%s" % (self.cos_endpoint, path.lstrip("/")),
            data=data,
            method=method,
            headers={"Authorization": "Bearer " + self.admin_token},
        )
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._ssl) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as e:
            raise EmulatorError(
                "%s /_emulator/%s: %s %s" % (method, path, e.code, e.read().decode())
            ) from None

    def health(self):
        """``GET /_emulator/health`` on the COS listener."""
        with urllib.request.urlopen(
            self.cos_endpoint + "/_emulator/health", timeout=10, context=self._ssl
        ) as answer:
            return json.loads(answer.read())

    def reset(self):
        """Empties the buckets, forgets issued keys, clears logs and faults, resets the clock."""
        return self.admin("POST", "reset")

    def set_clock_offset(self, seconds):
        """Runs the emulator's clock ``seconds`` ahead of the host (negative: behind)."""
        return self.admin("PUT", "clock", {"offset_seconds": seconds})

    def set_faults(self, plan):
        """Installs faults in their JSON form (a dict: shares, ``latency_ms``, ``rules``)."""
        return self.admin("PUT", "faults", plan)

    def clear_faults(self):
        """Removes every fault."""
        return self.admin("DELETE", "faults")

    def access_log(self):
        """The COS requests: caller key, decisions (action, resource, allowed), status."""
        return self.admin("GET", "access-log")["entries"]

    def sts_calls(self):
        """The STS calls: action, caller key, error code, issued key id."""
        return self.admin("GET", "sts-calls")["entries"]

    def stop(self, timeout=15):
        """Stops the emulator (closes its standard input; kills it if it lingers)."""
        process = self._process
        if process.poll() is not None:
            return
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start(bucket=None, region=None, https=False, extra_args=(), env=None, timeout=30):
    """Starts ``cos-sts emulator`` and returns the running :class:`Emulator`.

    ``extra_args`` are passed on (for example ``["--root-secret-id", "AKID…",
    "--root-secret-key", "…"]``, ``["--fault-plan", "plan.json"]``, ``["--allow-anonymous"]``).
    """
    args = [binary(), "emulator", "--stop-on-stdin-eof"]
    if bucket:
        args += ["--bucket", bucket]
    if region:
        args += ["--region", region]
    if https:
        args.append("--https")
    args += list(extra_args)
    environment = dict(os.environ)
    environment.update(env or {})
    process = subprocess.Popen(
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    line = process.stdout.readline()
    if not line.startswith(b"{"):
        process.kill()
        _, err = process.communicate(timeout=timeout)
        raise EmulatorError(
            "cos-sts emulator did not start: %s" % (err.decode(errors="replace").strip(),)
        )
    return Emulator(process, json.loads(line))
