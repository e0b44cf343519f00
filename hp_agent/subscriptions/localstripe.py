"""A local Stripe for development and the tests: ``localstripe`` on a loopback port.

``localstripe`` is a stateful fake of Stripe's API (customers, payment methods, plans,
subscriptions, invoices, signed webhooks). Its own entry point listens on every interface and
pickles its state to one shared file in /tmp after each write; run this way it listens on
127.0.0.1 only and keeps its state in memory, so parallel runs never share or clobber it.

``hp-agent serve`` starts one when ``HP_STRIPE_API_KEY`` is unset, like the embedded PostgreSQL
and Redis; the tests start their own.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import time

import httpx

# localstripe accepts any key of this shape; it is not a secret.
API_KEY = "sk_test_localstripe"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalStripe:
    """A localstripe process owned by the caller (stop it with :meth:`stop`)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> LocalStripe:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hp_agent.subscriptions.localstripe", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("localstripe exited at start")
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.get(f"{self.url}/v1/customers", headers={"Authorization": f"Bearer {API_KEY}"})
                if r.status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("localstripe did not start")

    def register_webhook(self, url: str, secret: str, events: list[str] | None = None) -> None:
        """Have localstripe POST signed events to ``url`` (its ``/_config/webhooks`` API)."""
        body: dict[str, object] = {"url": url, "secret": secret}
        if events is not None:
            body["events"] = events
        httpx.post(f"{self.url}/_config/webhooks/happy-path", json=body).raise_for_status()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def main() -> None:
    from aiohttp import web
    from localstripe import resources
    from localstripe.server import app

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    resources.Store.dump_to_disk = lambda self: None
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
