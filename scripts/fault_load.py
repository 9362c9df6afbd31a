#!/usr/bin/env python3
"""Bounded mixed load on a plotline server while its database goes away, and the checks.

Run by scripts/fault-test.sh, which sets up the throwaway cluster and the server. Standard
library only. Traffic goes to 127.0.0.1 only and stops by itself after
before + outage + after seconds.

Clients read (item pages, one feature, an area summary) and write (GET the plot for its ETag,
then PATCH `planned_homes` with If-Match and X-Change-Reason); every request is recorded with
its start, latency, status and Retry-After, every acknowledged write with the value it wrote.
Half-way the database is stopped (--stop-cmd), left down for --outage seconds and started
(--start-cmd); its port is probed to learn when it accepts connections again. One more
client keeps /changes/stream open throughout and reconnects the way a browser does. After the
load, the database is stopped once more on the quiet server, where no request in flight can
fail first: the next request has to find the outage itself.

Checks (exit 1 when one fails):
  - no answer is a 5xx other than 503 with Retry-After, and none is lost or hangs;
  - while the database is down every answer is 503 `database_unavailable` with Retry-After,
    and after the first one (the request that found it down) each comes in under 100 ms;
  - on the quiet server the first request after the stop, too, is a 503 in under 100 ms;
  - the first 2xx after a restart comes within 2 s of the database accepting connections;
  - every acknowledged write is in its plot's row (read back through SQL and the API) and has
    its history entry; the change stream delivered every change, the outage notwithstanding.
"""

import argparse
import http.client
import json
import os
import random
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

FAST_MS = 100.0  # an answer while the database is known down
RECOVERY_S = 2.0  # first 2xx after the database is back
HANG_S = 15.0  # a request still unanswered after this is lost
THINK_S = 0.02  # pause between two requests of one client

T0 = time.monotonic()


def now():
    return time.monotonic() - T0


class Client:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1, reopened after an error."""

    def __init__(self, host, port, token=None):
        self.host, self.port, self.token = host, port, token
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Returns a record: start, latency in ms, status (0: no answer), Retry-After, the
        error code of a JSON error body, the ETag, and the parsed JSON body."""
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/merge-patch+json"
        start = now()
        rec = {"t": start, "method": method, "path": path}
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=HANG_S)
            self.conn.request(method, path, body=data, headers=h)
            resp = self.conn.getresponse()
            rec["head_status"] = resp.status
            payload = resp.read()
            rec["ms"] = (now() - start) * 1000
            rec["status"] = resp.status
            rec["retry_after"] = resp.getheader("Retry-After")
            rec["etag"] = resp.getheader("ETag")
            try:
                rec["json"] = json.loads(payload) if payload else None
            except ValueError:
                rec["json"] = None
            if resp.status >= 400 and isinstance(rec["json"], dict):
                rec["code"] = (rec["json"].get("error") or {}).get("code")
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException) as e:
            rec["ms"] = (now() - start) * 1000
            rec["status"] = 0
            rec["error"] = f"{type(e).__name__}: {e}"
            self.close()
        return rec

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def load_client(n, args, host, port, plots, areas, owned, stop, out, writes):
    """Reads, and writes to its own plots when it has any, until `stop` is set."""
    rng = random.Random(1000 + n)
    client = Client(host, port, args.token)
    seq = 0
    records = []
    while not stop.is_set():
        kind = rng.random()
        if owned and kind < 0.5:
            plot = rng.choice(owned)
            path = f"/collections/plots/items/{plot}"
            read = client.request("GET", path)
            read["op"] = "write-read"
            records.append(read)
            if read["status"] == 200 and read["etag"]:
                seq += 1
                value = 1000 + n * 1000 + seq  # unique per plot: one writer owns it
                reason = f"fault-test c{n} w{seq}"
                rec = client.request(
                    "PATCH",
                    path,
                    body={"properties": {"planned_homes": value}},
                    headers={"If-Match": read["etag"], "X-Change-Reason": reason},
                )
                rec["op"] = "write"
                rec["write"] = {"plot": plot, "value": value, "reason": reason}
                records.append(rec)
                writes.append(dict(rec["write"], status=rec["status"], t=rec["t"]))
        else:
            if kind < 0.7:
                offset = rng.randrange(0, max(1, len(plots) - 10))
                path = f"/collections/plots/items?limit=10&offset={offset}"
                op = "items"
            elif kind < 0.8:
                path = "/collections/buildings/items?limit=10"
                op = "items"
            elif kind < 0.93:
                path = f"/collections/plots/items/{rng.choice(plots)}"
                op = "feature"
            else:
                path = f"/areas/{rng.choice(areas)}/summary"
                op = "summary"
            rec = client.request("GET", path)
            rec["op"] = op
            records.append(rec)
        for r in records[-2:]:
            r.pop("json", None)
        time.sleep(THINK_S)
    client.close()
    out.extend(records)


def stream_client(args, host, port, since, stop, seen, events):
    """Holds /changes/stream open as a browser's EventSource would: on an end or an error it
    waits a second and reconnects with Last-Event-ID. HTTP/1.0, so the body ends with the
    connection and needs no chunked decoding."""
    last = since
    while not stop.is_set():
        t = now()
        try:
            sock = socket.create_connection((host, port), timeout=1.0)
        except OSError as e:
            events.append({"t": t, "event": "connect-failed", "error": str(e)})
            time.sleep(1.0)
            continue
        how = "eof"
        try:
            sock.sendall(
                f"GET /changes/stream?since={last} HTTP/1.0\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {args.token}\r\nAccept: text/event-stream\r\n"
                f"Last-Event-ID: {last}\r\n\r\n".encode()
            )
            buf, head = b"", None
            while not stop.is_set():
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                buf += chunk
                if head is None:
                    if b"\r\n\r\n" not in buf:
                        continue
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    parts = head.split(b"\r\n", 1)[0].split()
                    status = int(parts[1]) if len(parts) > 1 else 0
                    events.append({"t": t, "event": "open", "status": status})
                    if status != 200:
                        how = f"status {status}"
                        break
                buf = buf.replace(b"\r\n", b"\n")
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    ev = {}
                    for line in block.decode(errors="replace").splitlines():
                        if ":" in line and not line.startswith(":"):
                            k, v = line.split(":", 1)
                            ev[k] = v[1:] if v.startswith(" ") else v
                    if ev.get("event") == "change" and "id" in ev:
                        last = int(ev["id"])
                        seen.add(last)
                    elif ev.get("event"):
                        events.append({"t": now(), "event": ev["event"]})
            else:
                how = "stopped"
        except (OSError, ValueError) as e:
            how = f"error: {e}"
        finally:
            sock.close()
        events.append({"t": now(), "event": "closed", "how": how})
        if not stop.is_set():
            time.sleep(1.0)


def end(r):
    return r["t"] + r["ms"] / 1000


def ok_503(r):
    return r["status"] == 503 and r.get("retry_after") and r.get("code") == "database_unavailable"


def stop_database(args, ev, name):
    ev[name + "stop_begin"] = now()
    r = run(args.stop_cmd)
    ev[name + "stop_done"] = now()
    if r.returncode != 0:
        raise RuntimeError(f"stopping the database failed: {r.stderr.decode()}")


def start_database(args, ev, name):
    """Starts the database and notes when it accepts connections again."""
    ev[name + "start_begin"] = now()
    starter = subprocess.Popen(
        shlex.split(args.start_cmd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = ev[name + "start_begin"] + 60
    while True:
        probed = now()
        if accepting("127.0.0.1", args.db_port):
            break
        if probed > deadline:
            raise RuntimeError("the database did not come back within 60 s")
        time.sleep(0.005)
    # The database accepted connections at some time during the successful probe: its start
    # is the earliest, so the recovery time measured from it is never flattered.
    ev[name + "db_ready"] = probed
    _, err = starter.communicate(timeout=60)
    if starter.returncode != 0:
        raise RuntimeError(f"starting the database failed: {err.decode()}")


def accepting(host, port):
    """Whether PostgreSQL at host:port accepts connections: it answers a startup message with
    an authentication request ('R'), not an error ("starting up", "shutting down") or a refusal.
    Cheaper and sharper than spawning pg_isready."""
    user = b"user\0plotline\0database\0postgres\0\0"
    startup = (8 + len(user)).to_bytes(4, "big") + (196608).to_bytes(4, "big") + user
    try:
        with socket.create_connection((host, port), timeout=1.0) as s:
            s.sendall(startup)
            return s.recv(1) == b"R"
    except OSError:
        return False


def run(cmd):
    return subprocess.run(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def sql(args, query):
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    out = subprocess.run(
        [psql, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", args.database_url,
         "-c", query],
        check=True, capture_output=True, text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--before", type=float, default=5)
    ap.add_argument("--outage", type=float, default=10)
    ap.add_argument("--after", type=float, default=6)
    ap.add_argument("--stop-cmd", required=True)
    ap.add_argument("--start-cmd", required=True)
    ap.add_argument("--db-port", type=int, required=True, help="the database's port on 127.0.0.1")
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                    help="the database, for the checks (default $DATABASE_URL)")
    ap.add_argument("--report")
    args = ap.parse_args()

    url = urllib.parse.urlsplit(args.base)
    host, port = url.hostname, url.port
    if host != "127.0.0.1":
        sys.exit("fault_load: only 127.0.0.1 is ever a target")
    if not (1 <= args.clients <= 64) or args.before + args.outage + args.after > 120:
        sys.exit("fault_load: at most 64 clients and 120 s of load")

    # The plots and who writes which: writers own disjoint plots, so If-Match never races.
    c = Client(host, port, args.token)
    page = c.request("GET", "/collections/plots/items?limit=1000")
    areas_page = c.request("GET", "/collections/areas/items")
    c.close()
    if page["status"] != 200 or areas_page["status"] != 200:
        sys.exit(f"fault_load: the server does not answer: {page['status']} {areas_page['status']}")
    plots = [f["id"] for f in page["json"]["features"]]
    areas = [f["properties"].get("slug") or f["id"] for f in areas_page["json"]["features"]]
    writers = max(1, args.clients // 2)
    owned = {n: plots[n::writers] for n in range(writers)}
    history_start = int(sql(args, "SELECT coalesce(max(id), 0) FROM history")[0][0])

    stop = threading.Event()
    per_client = [[] for _ in range(args.clients)]
    writes = []
    seen, stream_events = set(), []
    threads = [
        threading.Thread(
            target=load_client,
            args=(n, args, host, port, plots, areas, owned.get(n, []), stop, per_client[n], writes),
            daemon=True,
        )
        for n in range(args.clients)
    ]
    stream_stop = threading.Event()
    streamer = threading.Thread(
        target=stream_client,
        args=(args, host, port, history_start, stream_stop, seen, stream_events),
        daemon=True,
    )
    t_load = now()
    for t in threads:
        t.start()
    streamer.start()

    ev = {"load_start": t_load}
    try:
        time.sleep(args.before)
        stop_database(args, ev, "")
        time.sleep(max(0.0, ev["stop_done"] + args.outage - now()))
        start_database(args, ev, "")
        time.sleep(max(0.0, ev["db_ready"] + args.after - now()))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=HANG_S + 5)
        ev["load_end"] = now()

    # A quiet server: nothing in flight to fail when the database goes away, so the first
    # request is the one that finds it gone.
    time.sleep(0.5)
    c = Client(host, port, args.token)
    quiet_path = f"/collections/plots/items/{plots[0]}"
    stop_database(args, ev, "quiet_")
    time.sleep(0.5)
    quiet = [c.request("GET", quiet_path), c.request("GET", quiet_path)]
    start_database(args, ev, "quiet_")
    while True:
        r = c.request("GET", quiet_path)
        quiet.append(r)
        if 200 <= r["status"] < 300 or now() > ev["quiet_db_ready"] + 10:
            break
        time.sleep(0.02)
    c.close()
    for r in quiet:
        r.pop("json", None)
    quiet_recovery = end(quiet[-1]) - ev["quiet_db_ready"] if quiet[-1]["status"] == 200 else float("inf")

    # Let the stream catch up with the last writes, then close it.
    time.sleep(1.5)
    stream_stop.set()
    streamer.join(timeout=5)

    records = sorted((r for rs in per_client for r in rs), key=lambda r: r["t"])
    failures = []

    def fail(msg):
        failures.append(msg)

    # 1. Nothing is lost, no 500: every answer is 2xx, a 412 (a lost If-Match race), or a
    #    503 with Retry-After. The one other outcome allowed: a streamed page whose 200 was
    #    sent before the database went away, cut off without its last chunk (an error the
    #    client sees, never a short page that looks whole), if it began before the outage was
    #    known.
    first_503 = min((r for r in records if r["t"] >= ev["stop_begin"] and ok_503(r)),
                    key=end, default=None)
    discovered = end(first_503) if first_503 else ev["db_ready"]
    cut = [r for r in records if r["status"] == 0 and r.get("head_status") == 200
           and "IncompleteRead" in r.get("error", "") and r["op"] == "items"
           and ev["stop_begin"] - 1 <= r["t"] < discovered]
    bad = [r for r in records if not (200 <= r["status"] < 300 or r["status"] == 412 or ok_503(r))
           and id(r) not in {id(c) for c in cut}]
    for r in bad[:10]:
        fail(f"unexpected answer at t={r['t']:.3f}s: {r['method']} {r['path']} -> "
             f"{r['status']} {r.get('code') or r.get('error') or ''} ({r['ms']:.0f} ms)")
    if len(bad) > 10:
        fail(f"... and {len(bad) - 10} more unexpected answers")
    slowest = max(records, key=lambda r: r["ms"])

    # 2. The outage. While the database is stopped (from the end of the stop until its start
    #    is begun) every answer is a 503 with Retry-After.
    down = [r for r in records if ev["stop_done"] <= r["t"] < ev["start_begin"]]
    not_503 = [r for r in down if not ok_503(r)]
    if not down:
        fail("no request was made while the database was down")
    if not_503:
        fail(f"{len(not_503)} of {len(down)} requests while the database was down were not "
             f"503 database_unavailable with Retry-After (first: {not_503[0]['status']} "
             f"{not_503[0].get('code') or not_503[0].get('error') or ''})")
    # The first 503 since the stop began is the request that found the database gone. From
    # then on every answer is at once: those in flight then, and each new one until it is back.
    in_flight = [r for r in records if r["t"] < discovered < end(r)]
    in_flight_late = max((end(r) - discovered for r in in_flight), default=0.0) * 1000
    if in_flight_late >= FAST_MS:
        slow = max(in_flight, key=end)
        fail(f"a request in flight when the outage was found was answered {in_flight_late:.0f} ms "
             f"later ({slow['method']} {slow['path']} -> {slow['status']} after {slow['ms']:.0f} ms)")
    known = [r for r in records if discovered <= r["t"] < ev["db_ready"] and r["status"] == 503]
    known_ms = [r["ms"] for r in known]
    slow_known = [r for r in known if r["ms"] >= FAST_MS]
    if slow_known:
        fail(f"{len(slow_known)} of {len(known)} 503s after the outage was known took "
             f">= {FAST_MS:.0f} ms (max {max(known_ms):.0f} ms)")

    # 3. Recovery: the first 2xx of a request made after the stop.
    first_ok = min((r for r in records if r["t"] >= ev["stop_done"] and 200 <= r["status"] < 300),
                   key=end, default=None)
    recovery = end(first_ok) - ev["db_ready"] if first_ok else float("inf")
    if recovery > RECOVERY_S:
        fail(f"the first 2xx came {recovery:.3f} s after the database was back (limit {RECOVERY_S} s)")
    after = [r for r in records if first_ok and r["t"] >= end(first_ok)]
    after_5xx = [r for r in after if r["status"] >= 500]
    if after_5xx:
        fail(f"{len(after_5xx)} answers were 5xx after the service had recovered "
             f"(first at +{after_5xx[0]['t'] - end(first_ok):.3f} s: {after_5xx[0]['status']})")

    # 3b. The quiet server: its first request after the stop is answered 503 at once too.
    q_first = quiet[0]
    if not (ok_503(q_first) and q_first["ms"] < FAST_MS and ok_503(quiet[1]) and quiet[1]["ms"] < FAST_MS):
        fail(f"on a quiet server the first requests after the stop answered {q_first['status']} in "
             f"{q_first['ms']:.0f} ms and {quiet[1]['status']} in {quiet[1]['ms']:.0f} ms "
             f"(503 with Retry-After in under {FAST_MS:.0f} ms expected)")
    if quiet_recovery > RECOVERY_S:
        fail(f"on a quiet server the first 2xx came {quiet_recovery:.3f} s after the database was back")

    # 4. Every acknowledged write is in its row and its history.
    acked = [w for w in writes if 200 <= w["status"] < 300]
    unanswered = [w for w in writes if not 200 <= w["status"] < 300]
    touched = sorted({w["plot"] for w in writes})
    rows = {int(i): int(v) for i, v in sql(
        args, f"SELECT id, planned_homes FROM plots WHERE id IN ({','.join(map(str, touched)) or 0})")}
    hist = sql(args, "SELECT id, entity_id, reason, new_row ->> 'planned_homes' FROM history "
                     f"WHERE entity = 'plot' AND reason LIKE 'fault-test %' AND id > {history_start} "
                     "ORDER BY id")
    by_reason = {reason: (int(hid), int(eid), int(val)) for hid, eid, reason, val in hist}
    missing = [w for w in acked if by_reason.get(w["reason"], (0, 0, 0))[1:] != (w["plot"], w["value"])]
    if missing:
        fail(f"{len(missing)} acknowledged writes have no history entry (first: {missing[0]})")
    committed_unacked = [w for w in unanswered if w["reason"] in by_reason]
    # Each plot's row holds the value of its last committed write, and that is its last
    # acknowledged one or one made after it whose answer was lost.
    wrong_rows = []
    api_checked = 0
    c = Client(host, port, args.token)
    for plot in touched:
        mine = [w for w in writes if w["plot"] == plot]
        last_acked = max((w for w in mine if 200 <= w["status"] < 300), key=lambda w: w["t"],
                         default=None)
        committed = [w for w in mine if w["reason"] in by_reason]
        last_committed = max(committed, key=lambda w: by_reason[w["reason"]][0], default=None)
        expected = last_committed["value"] if last_committed else None
        if last_acked and last_committed and last_committed["t"] < last_acked["t"]:
            wrong_rows.append((plot, "history ends before the last acknowledged write"))
        if expected is not None and rows.get(plot) != expected:
            wrong_rows.append((plot, f"row has {rows.get(plot)}, last write {expected}"))
        r = c.request("GET", f"/collections/plots/items/{plot}")
        api_checked += 1
        got = (r.get("json") or {}).get("properties", {}).get("planned_homes")
        if r["status"] != 200 or (expected is not None and got != expected):
            wrong_rows.append((plot, f"API answers {r['status']} with {got}, last write {expected}"))
    c.close()
    if wrong_rows:
        fail(f"{len(wrong_rows)} plots do not hold their last write: {wrong_rows[:3]}")

    # 5. The change stream delivered every change made during the run, across the outage.
    stream_missing = sorted({int(h[0]) for h in hist} - seen)
    if stream_missing:
        fail(f"the change stream missed {len(stream_missing)} of {len(hist)} changes "
             f"(first id {stream_missing[0]})")
    stream_closes = [e for e in stream_events if e["event"] == "closed"
                     and ev["stop_begin"] <= e["t"] <= ev["load_end"]]

    figures = {
        "clients": args.clients,
        "requests": len(records),
        "outage_s": round(ev["start_begin"] - ev["stop_done"], 3),
        "stop_took_s": round(ev["stop_done"] - ev["stop_begin"], 3),
        "start_to_ready_s": round(ev["db_ready"] - ev["start_begin"], 3),
        "requests_while_down": len(down),
        "answers_503": sum(1 for r in records if r["status"] == 503),
        "discovery_after_stop_ms": round((discovered - ev["stop_begin"]) * 1000, 1),
        "streamed_pages_cut_off": len(cut),
        "in_flight_at_discovery": len(in_flight),
        "in_flight_answered_within_ms": round(in_flight_late, 1),
        "known_503s": len(known),
        "known_503_p50_ms": round(pct(known_ms, 50), 2),
        "known_503_p99_ms": round(pct(known_ms, 99), 2),
        "known_503_max_ms": round(max(known_ms, default=float("nan")), 2),
        "recovery_s": round(recovery, 3),
        "writes_attempted": len(writes),
        "writes_acknowledged": len(acked),
        "writes_committed_unacknowledged": len(committed_unacked),
        "plots_checked": len(touched),
        "plots_read_back_through_api": api_checked,
        "history_entries_checked": len(hist),
        "stream_changes_seen": len(seen & {int(h[0]) for h in hist}),
        "stream_reconnects": len(stream_closes),
        "quiet_first_503_ms": round(q_first["ms"], 1),
        "quiet_second_503_ms": round(quiet[1]["ms"], 1),
        "quiet_recovery_s": round(quiet_recovery, 3),
        "slowest_request_ms": round(slowest["ms"], 1),
        "slowest_request": f"{slowest['method']} {slowest['path']} -> {slowest['status']} at t={slowest['t']:.3f}s",
    }
    print("fault test: plotline under load while PostgreSQL is stopped and started")
    print(f"  load: {args.clients} clients ({writers} also writing), {len(records)} requests "
          f"in {ev['load_end'] - t_load:.1f} s; database stopped for {figures['outage_s']} s "
          f"(stop took {figures['stop_took_s']} s, start to accepting {figures['start_to_ready_s']} s)")
    print(f"  while stopped: {len(down)} requests, all 503 with Retry-After: "
          f"{'yes' if down and not not_503 else 'NO'}")
    print(f"  found down {figures['discovery_after_stop_ms']} ms after the stop began; "
          f"the {len(in_flight)} requests in flight then were answered within "
          f"{figures['in_flight_answered_within_ms']} ms of it; {len(cut)} streamed pages under way "
          f"were cut off (no last chunk)")
    print(f"  503s once known: {len(known)}, p50 {figures['known_503_p50_ms']} ms, "
          f"p99 {figures['known_503_p99_ms']} ms, max {figures['known_503_max_ms']} ms (limit {FAST_MS:.0f})")
    print(f"  recovery: first 2xx {recovery:.3f} s after the database accepted connections (limit {RECOVERY_S})")
    print(f"  quiet server: first request after the stop {q_first['status']} in "
          f"{figures['quiet_first_503_ms']} ms, the next in {figures['quiet_second_503_ms']} ms; "
          f"first 2xx {quiet_recovery:.3f} s after the database was back")
    print(f"  writes: {len(writes)} attempted, {len(acked)} acknowledged, all in their rows and "
          f"history: {'yes' if not missing and not wrong_rows else 'NO'} "
          f"({len(touched)} plots read back through SQL and the API; "
          f"{len(committed_unacked)} unacknowledged writes committed)")
    print(f"  change stream: {figures['stream_changes_seen']} of {len(hist)} changes delivered "
          f"(reconnected {len(stream_closes)}x)")
    print(f"  slowest request: {figures['slowest_request_ms']} ms ({figures['slowest_request']})")
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"figures": figures, "events": ev, "failures": failures,
                       "stream": stream_events, "requests": records, "quiet": quiet}, f, indent=1, default=str)
    if failures:
        print("FAILED:")
        for m in failures:
            print(f"  - {m}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
