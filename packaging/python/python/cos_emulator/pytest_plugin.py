"""pytest fixtures for the cos-emulator, registered through the ``pytest11`` entry point.

* ``cos_emulator_session``: one emulator for the whole test session.
* ``cos_emulator``: the session's emulator, reset before each test (empty buckets, no issued
  keys, no faults, clock back at its start), so tests share no state.

Options: ``--cos-emulator-bucket`` (default ``examplebucket-1250000000``),
``--cos-emulator-region`` (default ``ap-guangzhou``), ``--cos-emulator-https`` (serve HTTPS
with a generated CA, whose path is ``ca_cert_path``). Fixed keys come from the environment
(``COS_EMULATOR_ROOT_SECRET_ID``/``COS_EMULATOR_ROOT_SECRET_KEY``) when set.
"""

import pytest

from . import start


def pytest_addoption(parser):
    group = parser.getgroup("cos-emulator")
    group.addoption(
        "--cos-emulator-bucket",
        default="examplebucket-1250000000",
        help="bucket served by the cos-emulator fixture",
    )
    group.addoption(
        "--cos-emulator-region",
        default="ap-guangzhou",
        help="region of the cos-emulator fixture",
    )
    group.addoption(
        "--cos-emulator-https",
        action="store_true",
        help="serve the cos-emulator fixture over HTTPS with a generated CA",
    )


@pytest.fixture(scope="session")
def cos_emulator_session(request):
    """One emulator for the session; yields a :class:`cos_emulator.Emulator`."""
    config = request.config
    emulator = start(
        bucket=config.getoption("--cos-emulator-bucket"),
        region=config.getoption("--cos-emulator-region"),
        https=config.getoption("--cos-emulator-https"),
    )
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def cos_emulator(cos_emulator_session):
    """The session's emulator, reset before the test."""
    cos_emulator_session.reset()
    return cos_emulator_session
