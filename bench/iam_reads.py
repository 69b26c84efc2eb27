"""IAM reads against moto's server: ListVirtualMFADevices and ListMFADevices on an account with 1,000 users,
each with an enabled virtual MFA device.

- a full paged listing of the 1,000 devices (MaxItems=100: ten requests, each carrying the previous Marker),
  one request at a time, repeated;
- the first page of ListVirtualMFADevices and ListMFADevices of one user, at concurrency 16 (requests are
  signed before the clock starts; reads can be repeated).
twostep is asked as its `admin` user (AdministratorAccess: the policy is evaluated on every call), moto with any key.
"""

from __future__ import annotations

import argparse
import http.client
import re
import time
from typing import Any

from bench import peers
from bench.common import (
    HOST,
    LoadResult,
    percentile,
    print_table,
    ratio,
    run_load,
    signed_query_request,
    twostep_instance,
    wait_until_quiet,
)
from bench.enrol import enrol

IAM_VERSION = "2010-05-08"
DEVICES = 1000
PAGE = 100
MOTO_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
_MARKER = re.compile(rb"<Marker>([^<]*)</Marker>")


class Iam:
    def __init__(self, port: int, key_id: str, secret: str) -> None:
        self.port = port
        self.key = (key_id, secret)
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)

    def request(self, params: dict[str, str]) -> bytes:
        return signed_query_request(self.port, "iam", {"Version": IAM_VERSION, **params}, *self.key)

    def call(self, params: dict[str, str]) -> tuple[int, bytes, float]:
        """One request on a kept-alive connection: (status, body, seconds for the exchange alone)."""
        raw = self.request(params)
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")[1:]
        headers = dict(line.split(": ", 1) for line in lines)
        for attempt in (0, 1):
            started = time.perf_counter()
            try:
                self.connection.request("POST", "/", body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
            except (ConnectionError, http.client.HTTPException):  # an idle kept-alive connection the server closed
                self.connection.close()
                if attempt:
                    raise
                continue
            return response.status, payload, time.perf_counter() - started
        raise ConnectionError("unreachable")


def full_listing(iam: Iam) -> tuple[float, int, int]:
    """Seconds spent in the exchanges of one full paged listing, the pages and the devices seen."""
    marker: str | None = None
    spent, pages, devices = 0.0, 0, 0
    while pages < DEVICES // PAGE + 5:
        params = {"Action": "ListVirtualMFADevices", "MaxItems": str(PAGE)}
        if marker:
            params["Marker"] = marker
        status, body, took = iam.call(params)
        if status != 200:
            raise RuntimeError(f"ListVirtualMFADevices: {status} {body[:300]!r}")
        spent += took
        pages += 1
        devices += body.count(b"<SerialNumber>")
        found = _MARKER.search(body)
        if b"<IsTruncated>true</IsTruncated>" not in body or found is None:
            break
        marker = found.group(1).decode().replace("&amp;", "&")
    return spent, pages, devices


def measure(iam: Iam, user_names: list[str], args: argparse.Namespace) -> dict[str, Any]:
    wait_until_quiet()
    listings = [full_listing(iam) for _ in range(args.listings)]
    ok = lambda status, body: status == 200  # noqa: E731
    first_page = iam.request({"Action": "ListVirtualMFADevices", "MaxItems": str(PAGE)})
    per_user = [iam.request({"Action": "ListMFADevices", "UserName": name}) for name in user_names[:200]]
    supply = iter(per_user * 10_000)
    results: dict[str, LoadResult] = {}
    run_load(iam.port, lambda: first_page, concurrency=16, duration=1, max_requests=100, ok=ok)
    results["ListVirtualMFADevices page"] = run_load(
        iam.port, lambda: first_page, concurrency=16, duration=args.duration, max_requests=args.max_requests, ok=ok
    )
    results["ListMFADevices"] = run_load(
        iam.port,
        lambda: next(supply, None),
        concurrency=16,
        duration=args.duration,
        max_requests=args.max_requests,
        ok=ok,
    )
    for name, result in results.items():
        if result.failures:
            print(f"  ! {name}: {result.failures} failed, first: {result.first_failure}", flush=True)
    return {"listings": listings, "load": results}


def twostep_reads(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    with twostep_instance(f"iam-{engine}", engine) as instance:
        services = instance.services()
        print(f"  twostep/{instance.engine_name}: {DEVICES} users with enabled devices ...", flush=True)
        made = enrol(services, instance.account_id, DEVICES, prefix="r", progress=False)
        services.close()
        instance.start()
        iam = Iam(instance.port, instance.admin_key, instance.admin_secret)
        return measure(iam, [m.name for m in made], args)


def moto_reads(args: argparse.Namespace) -> dict[str, Any]:
    with peers.moto_server() as port:
        iam = Iam(port, *MOTO_KEY)
        names = [f"r{i:07d}" for i in range(DEVICES)]
        print(f"  moto: {DEVICES} users with enabled devices ...", flush=True)
        for name in names:
            for params in (
                {"Action": "CreateUser", "UserName": name},
                {"Action": "CreateVirtualMFADevice", "VirtualMFADeviceName": f"{name}-phone"},
                {
                    "Action": "EnableMFADevice",
                    "UserName": name,
                    "SerialNumber": f"arn:aws:iam::123456789012:mfa/{name}-phone",
                    "AuthenticationCode1": "123456",
                    "AuthenticationCode2": "234567",
                },
            ):
                status, body, _ = iam.call(params)
                if status != 200:
                    raise RuntimeError(f"moto {params['Action']}: {status} {body[:300]!r}")
        return measure(iam, names, args)


def run(args: argparse.Namespace) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    for engine in args.engines:
        rows[f"twostep {engine}"] = twostep_reads(engine, args)
    if not args.no_peers:
        rows["moto"] = moto_reads(args)
    moto = rows.get("moto")
    table = []
    for name, measured in rows.items():
        spent = [s for s, _, _ in measured["listings"]]
        pages, devices = measured["listings"][0][1], measured["listings"][0][2]
        listing_ms = percentile(spent, 50) * 1000
        moto_ms = percentile([s for s, _, _ in moto["listings"]], 50) * 1000 if moto else float("nan")
        table.append(
            [
                name,
                f"full listing ({pages} pages, {devices} devices)",
                "1",
                f"{1000 / listing_ms:.1f} listings/s",
                f"{listing_ms:.1f}",
                "-",
                ratio(moto_ms, listing_ms) if moto else "-",
            ]
        )
        for label, result in measured["load"].items():
            theirs = moto["load"][label].rate if moto else float("nan")
            table.append(
                [
                    name,
                    label,
                    "16",
                    f"{result.rate:.0f} req/s",
                    f"{result.p(50):.1f}",
                    f"{result.p(99):.1f}",
                    ratio(result.rate, theirs) if moto else "-",
                ]
            )
    print_table(
        f"IAM reads, {DEVICES} users with devices (pages of {PAGE})",
        ["server", "call", "conc.", "throughput", "p50 ms", "p99 ms", "vs moto"],
        table,
    )
    return {"rows": rows}
