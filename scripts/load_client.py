"""The load half of `scripts/smoke --load`: N API clients for S seconds against the stack smoke
started, with the import-upload attack alongside (issue 10's proof).

    python scripts/load_client.py BASE USERNAME PASSWORD MANAGER CLIENTS SECONDS RUN

Each client loops over the desk's work through the API: the ticket list (70 %), the overdue list
(10 %) and filing a repair (20 %) with an Idempotency-Key, retried with the same key after a
dropped connection or a 5xx, as a careful client would. Alongside, the office manager uploads a
register import of about 430 KB every few seconds through the console (the upload must answer at
once: the check runs in the worker). Prints p50/p95 per kind, the errors, and writes the numbers
of the tickets the server acknowledged to RUN.acked (one a line) for the lost-write check that
scripts/smoke runs in the database afterwards. Standard library only, besides openpyxl to make the
workbook. Every loop is bounded in time; only the given loopback address is contacted.
"""

import io
import json
import os
import random
import sys
import threading
import time
import uuid

from smoke_client import Client, check, console_login

UPLOAD_EVERY = 5.0  # seconds between the attacker's uploads
UPLOAD_ROWS = 15000  # about 430 KB of .xlsx


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["房号", "楼栋", "单元", "楼层", "房屋类型", "建筑面积", "套内面积", "备注"])
    for n in range(rows):
        building, unit, floor = 50 + n // 600, 1 + n // 120 % 5, 1 + n // 4 % 30
        code = f"{building}-{unit}-{floor:02d}{n % 4 + 1:02d}"
        sheet.append([code, f"{building}栋", f"{unit}单元", floor, "住宅", 89.5, 72.3, "负载测试导入"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def multipart(fields: dict, name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.acked: list[str] = []
        self.started = time.monotonic()
        self.first: dict[str, str] = {}  # the first answer of each kind of error, to read
        self.when: list[float] = []  # seconds into the run of each error

    def add(self, kind: str, seconds: float, status: int | str, content: bytes = b"") -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(seconds)
            if not (isinstance(status, int) and status < 400):
                key = f"{kind} {status}"
                self.errors[key] = self.errors.get(key, 0) + 1
                self.first.setdefault(key, content[:300].decode(errors="replace"))
                self.when.append(time.monotonic() - self.started)


def timed(stats: Stats, kind: str, client: Client, method: str, path: str, **kwargs):
    started = time.monotonic()
    try:
        status, headers, content = client.request(method, path, **kwargs)
    except OSError as error:
        stats.add(kind, time.monotonic() - started, type(error).__name__)
        return None
    stats.add(kind, time.monotonic() - started, status, content)
    return status, headers, content


def api_client(base, token, community, stats: Stats, until: float, seed: int, run: str) -> None:
    rng = random.Random(seed)
    client = Client(base)
    auth = {"Authorization": "Token " + token}
    n = 0
    while time.monotonic() < until:
        pick = rng.random()
        if pick < 0.7:
            timed(stats, "list", client, "GET", "/api/tickets/?page_size=20", headers=auth)
        elif pick < 0.8:
            timed(stats, "overdue", client, "GET", "/api/tickets/?overdue=true", headers=auth)
        else:
            n += 1
            body = {
                "community": community,
                "kind": "repair",
                "category": "other",
                "channel": "phone",
                "area": "3栋大堂",
                "reporter_name": "负载测试",
                "description": f"负载测试 {run} #{seed}-{n}：大堂灯不亮。",
            }
            headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
            for _attempt in range(3):  # the same key on every retry: never filed twice
                answer = timed(stats, "create", client, "POST", "/api/tickets/", json_body=body, headers=headers)
                if answer is not None and answer[0] < 500:
                    if answer[0] == 201:
                        with stats.lock:
                            stats.acked.append(json.loads(answer[2])["number"])
                    break
                time.sleep(0.5)


def uploader(base, manager, password, stats: Stats, until: float) -> None:
    office = Client(base)
    console_login(office, manager, password)
    content = workbook(UPLOAD_ROWS)
    print(f"load: the upload attack sends {len(content) // 1024} KB every {UPLOAD_EVERY:.0f}s")
    while time.monotonic() < until:
        status, _h, page = office.request("GET", "/console/estates/import/")
        token = page.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        body, content_type = multipart(
            {"csrfmiddlewaretoken": token, "kind": "rooms"}, "file", "负载测试.xlsx", content
        )
        referer = {"Origin": office.origin, "Referer": office.origin + "/console/estates/import/"}
        timed(stats, "upload", office, "POST", "/console/estates/import/", raw=(body, content_type), headers=referer)
        time.sleep(UPLOAD_EVERY)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def main(base, username, password, manager, clients, seconds, run) -> None:
    clients, seconds = int(clients), float(seconds)
    api = Client(base)
    status, _h, content = api.request(
        "POST", "/api/auth/token/", json_body={"username": username, "password": password}
    )
    check(status == 200, f"token answered {status}")
    token = json.loads(content)["token"]
    status, _h, content = api.request("GET", "/api/communities/", headers={"Authorization": "Token " + token})
    listing = json.loads(content)
    community = (listing["results"] if isinstance(listing, dict) else listing)[0]["id"]

    stats = Stats()
    until = stats.started + seconds
    threads = [
        threading.Thread(target=api_client, args=(base, token, community, stats, until, seed, os.path.basename(run)))
        for seed in range(clients)
    ]
    threads.append(threading.Thread(target=uploader, args=(base, manager, password, stats, until)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    took = time.monotonic() - started
    total = sum(len(v) for v in stats.times.values())
    print(f"load: {clients} clients for {took:.0f}s: {total} requests, {total / took:.0f}/s")
    for kind, values in sorted(stats.times.items()):
        print(
            f"load: {kind:8} n={len(values):6}  p50 {percentile(values, 0.5) * 1000:7.0f} ms"
            f"  p95 {percentile(values, 0.95) * 1000:7.0f} ms  max {max(values) * 1000:7.0f} ms"
        )
    print(f"load: errors {json.dumps(stats.errors, ensure_ascii=False) if stats.errors else 'none'}")
    if stats.when:
        print(f"load: errors between {min(stats.when):.1f}s and {max(stats.when):.1f}s into the run")
    for key, content in stats.first.items():
        print(f"load: first {key}: {content!r}")
    with open(f"{run}.acked", "w") as out:
        out.write("\n".join(stats.acked))
    print(f"load: {len(stats.acked)} tickets acknowledged (201)")


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    main(*sys.argv[1:])
