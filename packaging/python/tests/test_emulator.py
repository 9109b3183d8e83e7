"""The installed wheel against itself: the pytest fixture (loaded through the pytest11 entry
point, no conftest), keys that sign real COS requests, reset between tests, the admin API
and HTTPS. Run by `cargo xtask wheel` in a fresh venv holding only the wheel and pytest."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import os

import cos_emulator as package


def cos_request(emu, method, key, body=None, context=None):
    """One COS request signed with the root key (q-sign-algorithm=sha1, host signed)."""
    host = emu.cos_endpoint.split("://", 1)[1]
    now = int(time.time())
    key_time = "%d;%d" % (now - 60, now + 900)
    path = "/" + key
    http_string = "%s\n%s\n\nhost=%s\n" % (
        method.lower(),
        path,
        urllib.parse.quote(host, safe=""),
    )
    sign_key = hmac.new(emu.secret_key.encode(), key_time.encode(), hashlib.sha1).hexdigest()
    string_to_sign = "sha1\n%s\n%s\n" % (
        key_time,
        hashlib.sha1(http_string.encode()).hexdigest(),
    )
    signature = hmac.new(sign_key.encode(), string_to_sign.encode(), hashlib.sha1).hexdigest()
    authorization = (
        "q-sign-algorithm=sha1&q-ak=%s&q-sign-time=%s&q-key-time=%s"
        "&q-header-list=host&q-url-param-list=&q-signature=%s"
        % (emu.secret_id, key_time, key_time, signature)
    )
    request = urllib.request.Request(
        emu.cos_endpoint + urllib.parse.quote(path),
        data=body,
        method=method,
        headers={"Authorization": authorization, "Host": host},
    )
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_the_fixture_yields_endpoints_and_keys(cos_emulator):
    assert cos_emulator.cos_endpoint.startswith("http://127.0.0.1:")
    assert cos_emulator.sts_endpoint.startswith("http://127.0.0.1:")
    assert cos_emulator.bucket == "examplebucket-1250000000"
    assert cos_emulator.region == "ap-guangzhou"
    assert cos_emulator.secret_id.startswith("AKID")
    assert cos_emulator.secret_key
    assert cos_emulator.health() == {"status": "ok", "listener": "cos"}


def test_the_package_and_binary_are_the_ones_the_wheel_installed():
    assert "site-packages" in package.__file__
    path = package.binary()
    assert "site-packages" not in path
    assert path.endswith("cos-sts")


def test_the_keys_sign_real_requests(cos_emulator):
    assert cos_request(cos_emulator, "PUT", "left/behind.txt", b"hello")[0] == 200
    status, body = cos_request(cos_emulator, "GET", "left/behind.txt")
    assert (status, body) == (200, b"hello")
    entries = cos_emulator.access_log()
    assert [e["status"] for e in entries] == [200, 200]
    assert entries[0]["caller_key"] == cos_emulator.secret_id
    assert entries[0]["decisions"][0]["action"] == "name/cos:PutObject"
    assert entries[0]["decisions"][0]["allowed"] is True
    assert cos_emulator.secret_key not in json.dumps(entries)


def test_each_test_starts_from_a_reset_emulator(cos_emulator):
    status, body = cos_request(cos_emulator, "GET", "left/behind.txt")
    assert status == 404, body
    assert b"<Code>NoSuchKey</Code>" in body
    assert cos_emulator.sts_calls() == []


def test_faults_and_clock_through_the_admin_api(cos_emulator):
    cos_emulator.set_faults(
        {"rules": [{"match": {"key_prefix": "flaky/"}, "action": "slow_down", "times": 1}]}
    )
    assert cos_request(cos_emulator, "PUT", "flaky/a", b"x")[0] == 503
    assert cos_request(cos_emulator, "PUT", "flaky/a", b"x")[0] == 200
    cos_emulator.set_clock_offset(3600)
    status, body = cos_request(cos_emulator, "GET", "flaky/a")
    assert status == 403 and b"Request has expired" in body
    try:
        cos_emulator.set_faults({"rules": [{"action": "explode"}]})
    except package.EmulatorError as e:
        assert "400" in str(e)
    else:
        raise AssertionError("a bad plan must be refused")


def test_https_with_the_generated_ca():
    with package.start(https=True) as emu:
        assert emu.sts_endpoint.startswith("https://")
        assert emu.ca_cert_path
        assert emu.health()["status"] == "ok"
        assert cos_request(emu, "PUT", "tls.txt", b"x", context=emu._ssl)[0] == 200
        ca_path = emu.ca_cert_path
    assert not os.path.exists(ca_path)
