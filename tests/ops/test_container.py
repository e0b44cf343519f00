"""The container image, built and run on this machine against its PostgreSQL and Redis.

Marked ``docker``: it needs a Docker engine. Without one it is skipped, except under CI, where it
fails (``.ci/run`` installs and starts the engine). The base image is built locally by
``scripts/build_base_image.sh`` (debootstrap + ``docker import``: no registry is needed) unless
``HP_DOCKER_BASE_IMAGE`` names one; a CPU build of torch is served to the build from
``HP_DOCKER_WHEELS`` (default ``/opt/wheels``, where this machine keeps it) over loopback.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import http.server
import json
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from hp_agent.db import scratch
from tests.chat.chat_client import Chat, new_user
from tests.ops.serve_process import free_port

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(3600)]

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "happy-path:ci"
LOCAL_BASE = "happy-path-base:bookworm-py311"
BUILD_SECONDS = 45 * 60
WHEEL_PORT = 38765
CRISIS = "I want to kill myself. I can't do this anymore."


def _docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=check)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the container test: .ci/run starts the engine)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def docker() -> None:
    if shutil.which("docker") is None:
        _unavailable("no docker client: `apt-get install docker.io`")
    try:
        _docker("info", timeout=30)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        _unavailable("the Docker engine does not answer: start dockerd")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def wheel_server(directory: Path) -> Iterator[str | None]:
    """Serve ``directory`` on loopback as a page of links for pip (``PIP_FIND_LINKS``)."""
    if not any(directory.glob("torch-*.whl")):
        yield None
        return
    handler = functools.partial(_QuietHandler, directory=str(directory))
    try:
        # A fixed port when free: the URL is a build argument, and a new value every run would
        # invalidate the cached dependency layer.
        server = http.server.ThreadingHTTPServer(("127.0.0.1", WHEEL_PORT), handler)
    except OSError:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def image(docker: None) -> str:
    base = os.environ.get("HP_DOCKER_BASE_IMAGE")
    if not base:
        script = ROOT / "scripts" / "build_base_image.sh"
        subprocess.run(["bash", str(script), LOCAL_BASE], check=True, timeout=1800)
        base = LOCAL_BASE
    wheels = Path(os.environ.get("HP_DOCKER_WHEELS", "/opt/wheels"))
    with wheel_server(wheels) as links:
        cmd = ["build", "--network", "host", "--build-arg", f"BASE_IMAGE={base}", "-t", IMAGE]
        if links:
            cmd += ["--build-arg", f"PIP_FIND_LINKS={links}"]
        built = subprocess.run(
            ["docker", *cmd, str(ROOT)],
            capture_output=True,
            text=True,
            timeout=BUILD_SECONDS,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},  # the classic builder: no frontend image to pull
        )
    assert built.returncode == 0, built.stdout[-6000:] + built.stderr[-3000:]
    return IMAGE


def test_image_has_no_torch_and_reports_its_size(image: str) -> None:
    size = int(_docker("image", "inspect", image, "--format", "{{.Size}}").stdout.strip())
    print(f"\nimage {image}: {size / 1e6:.0f} MB")  # recorded in README.md (Deployment)
    probe = _docker(
        "run", "--rm", "--entrypoint", "python", image, "-c",
        "import importlib.util as u, json, os; print(json.dumps({'torch': u.find_spec('torch') is not None, "
        "'uid': os.getuid(), 'onnx': sorted(p.name for p in __import__('pathlib').Path("
        "os.environ['XDG_CACHE_HOME'], 'happy-path', 'crisis-engine').glob('*.onnx'))}))",
    )  # fmt: skip
    facts = json.loads(probe.stdout.strip().splitlines()[-1])
    assert facts["torch"] is False
    assert facts["uid"] == 10001
    assert facts["onnx"], "the encoder's ONNX graph is exported at build time"
    assert size < 2_000_000_000


def _service_env(database: str, redis_url: str, port: int) -> dict[str, str]:
    return {
        "HP_DATABASE_URL": database,
        "HP_REDIS_URL": redis_url,
        "HP_REDIS_PREFIX": f"hpdocker-{uuid.uuid4().hex[:8]}",
        "HP_PORT": str(port),
        # Production mode refuses the development secrets: these are throwaway ones.
        "HP_JWT_SECRET": secrets.token_urlsafe(48),
        "HP_ENCRYPTION_KEYS": "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "HP_APP_DB_PASSWORD": secrets.token_urlsafe(24),
        "HP_WORKER_DB_PASSWORD": secrets.token_urlsafe(24),
    }


async def _health_sign_up_and_chat(port: int) -> str:
    """What both ways of running the image must do; returns the chat user's id."""
    http_url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=http_url, timeout=30) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        user = await new_user(http_url)  # sign-up and sign-in through the container
        chat = await Chat.connect(ws_url, user["access_token"])
        user_id = str(next(f["user_id"] for f in chat.frames if f["type"] == "ready"))
        _session, greeting = await chat.start("listener")
        assert greeting["text"]
        ack, _tokens, reply = await chat.turn("Work was long today and I'm tired.")
        assert ack["seq"] == 2
        assert reply["seq"] == 3
        assert reply["text"]
        # The crisis engine runs in the image (ONNX, no torch): a crisis message gets the crisis flow.
        await chat.say(CRISIS)
        await chat.expect("safety")
        await chat.close()
        scrape = (await http.get("/metrics")).text
        assert 'hp_chat_messages_total{author="user"} 2.0' in scrape
    return user_id


async def test_container_serves_health_sign_up_and_a_chat_round_trip(
    image: str, pg_server_url: str, redis_url: str
) -> None:
    if not redis_url.startswith("redis://"):
        pytest.skip("the container reaches Redis over TCP; HP_TEST_REDIS_URL is a unix socket")
    database = await scratch.create_database(pg_server_url, "hp_docker")
    port = free_port()
    name = f"hp-test-{uuid.uuid4().hex[:8]}"
    run = ["run", "-d", "--name", name, "--network", "host"]
    for key, val in _service_env(database, redis_url, port).items():
        run += ["-e", f"{key}={val}"]
    try:
        _docker(*run, image)
        await asyncio.to_thread(_wait_healthy, name, f"http://127.0.0.1:{port}")
        await _health_sign_up_and_chat(port)
        _docker("stop", "-t", "60", name, timeout=90)
        state = json.loads(_docker("inspect", name, "--format", "{{json .State}}").stdout)
        logs = _docker("logs", name, check=False)
        assert state["ExitCode"] == 0, (logs.stdout + logs.stderr)[-3000:]
        assert "Work was long today" not in logs.stdout + logs.stderr
        assert '"msg": "request"' in logs.stderr  # JSON access lines
    finally:
        _docker("rm", "-f", name, check=False)
        await scratch.drop_database(pg_server_url, database)


def host_compose_file(image: str, service: dict[str, str], target: Path) -> Path:
    """``compose.yaml`` with its api and worker on the host network, on this machine's servers.

    The postgres:16 and redis:7 images cannot be pulled here, so those two services are dropped
    and the api and worker are pointed at the machine's PostgreSQL and Redis; their command,
    environment (the secrets the file requires included) and image are the file's own. Host
    networking cannot publish ports, and compose v1 cannot remove a key in an override file,
    hence a derived file rather than ``-f compose.yaml -f override``.
    """
    spec = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = spec["services"]
    for name in ("postgres", "redis"):
        services.pop(name)
    for name in ("api", "worker"):
        svc = services[name]
        for key in ("build", "ports", "depends_on"):
            svc.pop(key, None)
        svc.update(image=image, network_mode="host")
        overrides = {k: service[k] for k in ("HP_DATABASE_URL", "HP_REDIS_URL", "HP_REDIS_PREFIX")}
        if name == "api":
            overrides["HP_PORT"] = service["HP_PORT"]
        else:  # on the host network the file's fixed metrics port could be taken
            overrides["HP_WORKER_METRICS_PORT"] = service["HP_WORKER_METRICS_PORT"]
        svc["environment"] = {**svc["environment"], **overrides}
    spec.pop("volumes", None)
    target.write_text(yaml.safe_dump(spec))
    return target


async def test_compose_api_and_worker_on_the_machines_servers(
    image: str, pg_server_url: str, redis_url: str, tmp_path: Path
) -> None:
    if shutil.which("docker-compose") is None:
        _unavailable("no docker-compose: `apt-get install docker-compose`")
    if not redis_url.startswith("redis://"):
        pytest.skip("the container reaches Redis over TCP; HP_TEST_REDIS_URL is a unix socket")
    database = await scratch.create_database(pg_server_url, "hp_compose")
    port = free_port()
    service = {**_service_env(database, redis_url, port), "HP_WORKER_METRICS_PORT": str(free_port())}
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),  # compose.yaml requires it (postgres is not started)
        **{
            k: service[k]
            for k in ("HP_JWT_SECRET", "HP_ENCRYPTION_KEYS", "HP_APP_DB_PASSWORD", "HP_WORKER_DB_PASSWORD")
        },
    }
    project = f"hpci{uuid.uuid4().hex[:8]}"
    compose_file = host_compose_file(image, service, tmp_path / "compose.yaml")
    compose = ["docker-compose", "-p", project, "-f", str(compose_file)]

    def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*compose, *args], env=env, capture_output=True, text=True, timeout=timeout)

    try:
        up = run("up", "-d", "--no-build", "api", "worker")
        assert up.returncode == 0, up.stdout + up.stderr
        api = f"{project}_api_1"
        await asyncio.to_thread(_wait_healthy, api, f"http://127.0.0.1:{port}")
        user_id = await _health_sign_up_and_chat(port)
        # The escalation's outbox rows reach the stream through the compose worker (the api
        # service runs no relay when HP_REDIS_URL is set).
        for _ in range(60):
            left = await _unpublished(database, user_id)
            if left == 0:
                break
            await asyncio.sleep(1)
        assert left == 0, run("logs", "worker").stdout[-3000:]
        # The worker's own /metrics, as compose.yaml exposes it, counted those rows.
        async with httpx.AsyncClient(timeout=10) as http:
            scraped = (await http.get(f"http://127.0.0.1:{service['HP_WORKER_METRICS_PORT']}/metrics")).text
        assert re.search(r"^hp_outbox_lag_seconds_count [1-9]", scraped, re.M), scraped[-2000:]
        stopped = run("stop", "-t", "60", timeout=120)
        assert stopped.returncode == 0, stopped.stderr
        states = _docker("inspect", api, f"{project}_worker_1", "--format", "{{.State.ExitCode}}")
        assert states.stdout.split() == ["0", "0"]
    finally:
        run("down", timeout=120)
        await scratch.drop_database(pg_server_url, database)


async def _unpublished(database: str, user_id: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(scratch.plain_url(database))
    try:
        total, left = await conn.fetchrow(
            "SELECT count(*), count(*) FILTER (WHERE published_at IS NULL) FROM outbox_events"
            " WHERE payload->>'user_id' = $1",
            user_id,
        )
    finally:
        await conn.close()
    assert total >= 1, "a crisis message writes an outbox row"
    return int(left)


def _wait_healthy(name: str, http_url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = json.loads(_docker("inspect", name, "--format", "{{json .State}}").stdout)
        if not state["Running"]:
            logs = _docker("logs", name, check=False)
            tail = (logs.stdout + logs.stderr)[-4000:]
            raise AssertionError(f"container exited {state['ExitCode']}:\n{tail}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(http_url + "/readyz", timeout=2).status_code == 200:
                return
        time.sleep(1)
    tail = _docker("logs", name, check=False).stderr[-4000:]
    raise AssertionError(f"the container did not become ready:\n{tail}")
