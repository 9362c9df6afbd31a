#!/usr/bin/env python3
"""Sends hostile values to every parameter of every GET operation of a running plotline, and to
every writable property of a plot and a building as a planner, and fails on any 5xx.

Generated from the server's own OpenAPI document and collection schemas, so a new parameter or
property is swept without changes here. Standard library only; 127.0.0.1 only.

usage: hostile-sweep.py BASE_URL [PLANNER_TOKEN]
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HOSTILE = [
    "%00", "a%00b", "1e308", "-1e308", "1e400", "NaN", "-0", "99999999999999999999999",
    "0000-01-01", "9999-12-31T23:59:59Z", "0,0,1e9,1e9", "-1e300,-1e300,1e300,1e300",
    "12,55,13", "x" * 5000, "%27%3B--", "%FF%FE",
]
BODY_VALUES = [1e308, -1e308, 1e13, -1, 10**30, "x\u0000y", "x" * 100_000, [], {}, True]
PATH_VALUES = {"id": "plots", "featureId": "KD-03", "fid": "KD-03", "slug": "kildedal"}


def request(url, method="GET", headers=None, body=None, timeout=30):
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


AFTER_WRITES = ["/collections/plots/items?limit=1000", "/collections/buildings/items?limit=1000",
                "/collections/plots/items?filter=plot_ratio_pct%3E1", "/areas/kildedal/summary",
                "/areas/lautrup/summary?f=csv", "/areas/kildedal/timeline", "/plots", "/buildings"]


def readable(base, after, failures):
    for path in AFTER_WRITES:
        code, _, text = request(base + path)
        if code != 200:
            failures.append(f"after {after}: GET {path} -> {code} {text[:200]!r}")
    return len(AFTER_WRITES)


def main():
    base = sys.argv[1].rstrip("/")
    token = sys.argv[2] if len(sys.argv) > 2 else None
    status, _, body = request(base + "/api")
    api = json.loads(body)
    failures, sent = [], 0
    started = time.time()
    for path, item in api["paths"].items():
        op = item.get("get")
        if not op:
            continue
        concrete = path
        for name, value in PATH_VALUES.items():
            concrete = concrete.replace("{" + name + "}", value)
        if "{" in concrete:
            continue
        for p in op.get("parameters", []):
            if "$ref" in p:
                p = api["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]]
            if p.get("in") != "query":
                continue
            for value in HOSTILE:
                url = f"{base}{concrete}?{urllib.parse.quote(p['name'])}={value}"
                if path.endswith("/stream"):
                    continue
                code, _, text = request(url)
                sent += 1
                if code >= 500:
                    failures.append(f"GET {url[:200]} -> {code} {text[:200]!r}")
    if token:
        auth = {"Authorization": f"Bearer {token}"}
        for collection, fid in [("plots", "KD-03"), ("buildings", "KD-03-A")]:
            _, _, schema = request(f"{base}/collections/{collection}/schema", headers=auth)
            props = json.loads(schema)["properties"]
            for name, s in props.items():
                if s.get("readOnly") or name == "geometry":
                    continue
                for value in BODY_VALUES:
                    url = f"{base}/collections/{collection}/items/{fid}"
                    _, headers, _ = request(url, headers=auth)
                    etag = {k.lower(): v for k, v in headers.items()}.get("etag", "*")
                    body = json.dumps({"properties": {name: value}}).encode()
                    code, _, text = request(url, "PATCH", {
                        **auth, "If-Match": etag, "X-Change-Reason": "hostile sweep",
                        "Content-Type": "application/merge-patch+json"}, body)
                    sent += 1
                    if code >= 500:
                        failures.append(f"PATCH {collection}/{fid} {name}={str(value)[:40]} -> {code} {text[:200]!r}")
                    if 200 <= code < 300:
                        # Whatever was accepted, everything must still be readable.
                        sent += readable(base, f"{collection}/{fid} {name}={str(value)[:40]}", failures)
    print(f"hostile sweep: {sent} requests in {time.time() - started:.1f} s, {len(failures)} failed")
    for f in failures[:50]:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
