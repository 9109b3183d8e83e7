#!/usr/bin/env python3
"""Differential test: `cos-sts sign` against the official cos-python-sdk-v5 (CosS3Auth).

Usage: cos_sign_vs_python.py COS_STS_BINARY [COUNT] [SEED]
(defaults: 300 requests, seed 20241122). Run by `cargo xtask differential`.

Generates COUNT random, deterministic (seeded) COS requests inside the domain where
shared/reference/signing-spec.md and the Python SDK agree, signs each with the SDK's own
CosS3Auth (time frozen so its KeyTime is the request's key_time) and with
`cos-sts sign --input -`, and compares the signature and the whole Authorization value byte
for byte. On a mismatch it prints the request, both http strings and both signatures and
exits 1.

Left out, because the spec deliberately differs from the Python SDK (signing-spec.md 6):
* leading/trailing SP/HTAB in header values and whitespace around header names (row 3: the
  spec trims, Python does not);
* header names equal after lowercasing (row 4: the spec rejects, Python keeps the last);
* repeated query parameter names, or names equal after encoding and lowercasing (row 11:
  a Python dict cannot express them);
* `header_policy: all` (Python only has its allow-list, `filter_headers`);
* the token as `x-ci-security-token` (CI hosts) and a token together with a caller-supplied
  `x-cos-security-token` header.
"""
import json
import logging
import random
import subprocess
import sys
import types
from unittest import mock
from urllib.parse import quote

from qcloud_cos import CosConfig
from qcloud_cos import cos_auth
from qcloud_cos.cos_auth import CosS3Auth

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Characters that stress UriEncode: unreserved, sub-delims, gen-delims, space, '+', '%'.
SPECIAL = " +~*'()!-_.;:@&=$,/?#[]{}%\"<>^`|\\"
UNICODE = "中文腾讯云éÉßØøñÑżЖжΩω€ü😀\u00a0\u3000"
KEY_CHARS = ALNUM * 3 + SPECIAL + UNICODE
# Header names are HTTP tokens (tchar); the x-cos-meta- suffix draws from these.
TCHAR = ALNUM + "!#$%&'*+.^_`|~-"
HEADER_VALUE_CHARS = ALNUM * 2 + SPECIAL + UNICODE
ALLOW_LISTED = [
    "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Length",
    "Content-MD5", "Content-Type", "Expect", "Expires", "If-Match", "If-Modified-Since",
    "If-None-Match", "If-Unmodified-Since", "Origin", "Range", "Transfer-Encoding",
    "Pic-Operations", "x-cos-acl", "x-cos-storage-class", "x-ci-process",
]
NOT_SIGNED = ["Date", "User-Agent", "Accept", "Connection", "Authorization",
              "abc-x-cos-foo", "X-Forwarded-For"]
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS"]
SUBRESOURCES = ["acl", "uploads", "versions", "tagging", "cors", "partNumber", "uploadId",
                "prefix", "delimiter", "max-keys", "response-content-type", "x-cos-traffic-limit"]
SP_HTAB = " \t"


def rand_text(rng, chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def rand_path(rng):
    kind = rng.random()
    if kind < 0.08:
        return "/"
    segments = [rand_text(rng, KEY_CHARS, 1, 12) for _ in range(rng.randint(1, 4))]
    path = "/" + "/".join(segments)
    if kind < 0.15:
        path = "/" + path  # a key that itself starts with '/'
    elif kind < 0.22:
        path += "/"
    return path


def encoded_lower(name):
    return quote(name.encode("utf-8"), "-_.~").lower()


def rand_params(rng):
    params, seen = [], set()
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if r < 0.4:
            name = rng.choice(SUBRESOURCES)
        elif r < 0.7:
            name = rand_text(rng, ALNUM + "-_.~", 1, 10)
        else:
            name = rand_text(rng, KEY_CHARS, 1, 8)
        if encoded_lower(name) in seen:
            continue  # row 11: repeated names are not expressible in the SDK
        seen.add(encoded_lower(name))
        value = "" if rng.random() < 0.3 else rand_text(rng, KEY_CHARS, 1, 16)
        params.append([name, value])
    return params


def header_value(rng):
    if rng.random() < 0.15:
        return ""
    value = rand_text(rng, HEADER_VALUE_CHARS, 1, 24)
    # Row 3: the spec trims SP/HTAB at both ends and Python does not; keep them inside only.
    return value.strip(SP_HTAB) or "v"


def rand_headers(rng, token):
    headers, seen = [], set()
    if rng.random() < 0.8:
        headers.append([rng.choice(["Host", "host", "HOST"]),
                        "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"])
        seen.add("host")
    for _ in range(rng.randint(0, 6)):
        r = rng.random()
        if r < 0.45:
            name = rng.choice(ALLOW_LISTED)
            if rng.random() < 0.3:
                name = name.upper()
        elif r < 0.8:
            name = rng.choice(["x-cos-meta-", "X-Cos-Meta-", "x-ci-"]) + rand_text(rng, TCHAR, 1, 8)
        else:
            name = rng.choice(NOT_SIGNED)
        low = name.lower()
        if low in seen or (token is not None and low == "x-cos-security-token"):
            continue  # row 4: case-colliding names are rejected by the spec
        seen.add(low)
        headers.append([name, header_value(rng)])
    return headers


def rand_request(rng, index):
    start = rng.randint(1_500_000_000, 1_900_000_000)
    end = start + rng.randint(1, 200_000)
    token = None
    if rng.random() < 0.35:
        token = rand_text(rng, ALNUM + "-_+/=", 8, 80)
    return {
        "secret_id": "AKID" + rand_text(rng, ALNUM, 8, 32),
        "secret_key": rand_text(rng, ALNUM, 16, 40),
        "key_time": "%d;%d" % (start, end),
        "method": rng.choice(METHODS),
        "path": rand_path(rng),
        "params": rand_params(rng),
        "headers": rand_headers(rng, token),
        "header_policy": "whitelist",
        **({"token": token} if token is not None else {}),
        "_index": index,
    }


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def find(self, prefix):
        for message in self.messages:
            if message.startswith(prefix):
                return message[len(prefix):]
        return None


def python_sign(req):
    """The SDK's own CosS3Auth, time frozen so that KeyTime == req['key_time']."""
    start, end = (int(t) for t in req["key_time"].split(";"))
    conf = CosConfig(Region="ap-beijing", SecretId=req["secret_id"],
                     SecretKey=req["secret_key"], Token=req.get("token"))
    auth = CosS3Auth(conf, key=req["path"], params={k: v for k, v in req["params"]},
                     expire=end - start - 60, sign_host=False)
    headers = {k: v for k, v in req["headers"]}
    if req.get("token") is not None:
        # What CosS3Client.send_request does before signing (non-CI request).
        headers["x-cos-security-token"] = req["token"]
    request = types.SimpleNamespace(
        method=req["method"],
        url="https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
            + quote(req["path"].encode("utf-8"), safe="/"),
        headers=headers)
    capture = Capture()
    logger = logging.getLogger("qcloud_cos.cos_auth")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.handlers = [capture]
    with mock.patch.object(cos_auth.time, "time", return_value=start + 60):
        auth(request)
    authorization = request.headers["Authorization"]
    return {
        "authorization": authorization,
        "signature": authorization.rsplit("q-signature=", 1)[-1],
        "http_string": capture.find("format str: "),
        "string_to_sign": capture.find("str_to_sign: "),
    }


def ours_sign(binary, req):
    body = {k: v for k, v in req.items() if not k.startswith("_")}
    done = subprocess.run([binary, "sign", "--input", "-"],
                          input=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                          capture_output=True, check=False)
    if done.returncode != 0:
        return {"error": "exit %d: %s" % (done.returncode, done.stderr.decode("utf-8", "replace"))}
    return json.loads(done.stdout.decode("utf-8"))


def report(req, ours, theirs):
    shown = {k: v for k, v in req.items() if not k.startswith("_")}
    print("MISMATCH on request #%d:" % req["_index"])
    print(json.dumps(shown, ensure_ascii=False, indent=1))
    if "error" in ours:
        print("cos-sts failed:", ours["error"])
    print("python http_string:  %r" % theirs["http_string"])
    print("cos-sts http_string: %r" % ours.get("http_string"))
    print("python signature:  %s" % theirs["signature"])
    print("cos-sts signature: %s" % ours.get("signature"))
    print("python authorization:  %s" % theirs["authorization"])
    print("cos-sts authorization: %s" % ours.get("authorization"))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20241122
    rng = random.Random(seed)
    failures = 0
    stats = {"token": 0, "unicode": 0, "params": 0, "empty_values": 0}
    for index in range(count):
        req = rand_request(rng, index)
        theirs = python_sign(req)
        ours = ours_sign(binary, req)
        same = ("error" not in ours
                and ours.get("signature") == theirs["signature"]
                and ours.get("authorization") == theirs["authorization"])
        if not same:
            report(req, ours, theirs)
            failures += 1
            if failures >= 5:
                break
            continue
        stats["token"] += "token" in req
        stats["unicode"] += any(ord(c) > 127 for c in json.dumps(req, ensure_ascii=False))
        stats["params"] += bool(req["params"])
        stats["empty_values"] += any(v == "" for _, v in req["params"] + req["headers"])
    if failures:
        print("differential: %d mismatch(es) between cos-sts sign and cos-python-sdk-v5"
              % failures)
        return 1
    print("differential: %d requests (seed %d): cos-sts sign == cos-python-sdk-v5 CosS3Auth "
          "byte for byte (signature and Authorization); %d with a token, %d with non-ASCII "
          "text, %d with query parameters, %d with empty values"
          % (count, seed, stats["token"], stats["unicode"], stats["params"],
             stats["empty_values"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
