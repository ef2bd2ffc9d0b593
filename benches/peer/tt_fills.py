"""A TT REST 2.0 fills export written the way today's Python TT clients work.

requests + json, one fills page after another, every fill appended to a list,
the next page asked from the last timeStamp + 1 ns (TT's recipe, which drops the
fills of a timestamp shared across a page cut). `cargo xtask bench --only peer`
runs it against the sandbox to compare its CPU with ttrest's.

Usage: python tt_fills.py BASE_URL APP_KEY APP_SECRET OUT.csv  (secret bare or <key>:<secret>)
Prints one JSON line: {"fills": N, "requests": R}.
"""

import csv
import json
import sys
import uuid

import requests

ENV = "ext_uat_cert"
APP = "peer-bench"


def request_id():
    return f"{APP}--{uuid.uuid4()}"


def token(http, base, key, secret):
    # TT shows the secret as <key>:<secret>; the token request wants that form.
    if ":" not in secret:
        secret = f"{key}:{secret}"
    r = http.post(
        f"{base}/ttid/{ENV}/token",
        params={"requestId": request_id()},
        headers={"x-api-key": key, "Content-Type": "application/x-www-form-urlencoded"},
        data=f"grant_type=user_app&app_key={secret}",
    )
    r.raise_for_status()
    return json.loads(r.text)["access_token"]


def fills(http, base, key, bearer):
    out = []
    min_ts = 0
    requests_sent = 0
    headers = {"x-api-key": key, "Authorization": f"Bearer {bearer}"}
    while True:
        r = http.get(
            f"{base}/ttledger/{ENV}/fills",
            params={"requestId": request_id(), "minTimestamp": min_ts},
            headers=headers,
        )
        requests_sent += 1
        r.raise_for_status()
        page = json.loads(r.text).get("fills") or []
        out.extend(page)
        if len(page) < 500:
            return out, requests_sent
        min_ts = int(page[-1]["timeStamp"]) + 1


def main():
    base, key, secret, path = sys.argv[1:5]
    http = requests.Session()
    bearer = token(http, base, key, secret)
    got, sent = fills(http, base, key, bearer)
    columns = ["timeStamp", "recordId", "orderId", "accountId", "instrumentId", "side", "lastQty", "lastPx"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for fill in got:
            w.writerow([fill.get(c, "") for c in columns])
    print(json.dumps({"fills": len(got), "requests": sent}))


if __name__ == "__main__":
    main()
