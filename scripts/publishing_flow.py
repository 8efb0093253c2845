#!/usr/bin/env python3
"""End-to-end check of the publishing flow over HTTP against a real `kynnys serve`.

Build the binary, then run from the repository root:

    cargo build --bin kynnys
    python3 scripts/publishing_flow.py                 # on a fresh SQLite file
    python3 scripts/publishing_flow.py --database-url postgres://postgres@127.0.0.1:5432/postgres

With a PostgreSQL URL the script creates a fresh database `kynnys_flow_<hex>` on that server
(with `psql`) and drops it at the end. Everything else (SQLite file, search index, server log)
lives in a temporary directory, removed at the end unless `--keep` is given.

The flow: an owner registers an organisation, an administrator approves it, an editor joins and
is made an editor, creates a bilingual listing (idempotently), submits it, an administrator
approves it, it shows up in the public list, the detail (with language fallback) and search, an
edit stays live and is audited, strangers and bad bodies are refused, and archiving takes it out
of public view. One line per step; the first failure stops the run with a non-zero exit code.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
BASE = ""  # http://127.0.0.1:<port>, set once the server runs


class FlowError(Exception):
    """A step did not go as the contract says."""


def check(condition, message):
    if not condition:
        raise FlowError(message)


def request(method, path, token=None, body=None, headers=None, raw=None):
    """One HTTP call; returns (status, headers with lower-case names, parsed JSON or None)."""
    all_headers = {"Accept": "application/json"}
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.update(headers or {})
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=all_headers)
    try:
        with OPENER.open(req, timeout=30) as resp:
            status, resp_headers, payload = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        status, resp_headers, payload = err.code, err.headers, err.read()
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = None
    return status, {k.lower(): v for k, v in resp_headers.items()}, parsed


def expect(step, method, path, status, **kwargs):
    """Makes a call, requires `status` (an int or a tuple of ints) and prints the step."""
    allowed = status if isinstance(status, tuple) else (status,)
    got, headers, body = request(method, path, **kwargs)
    if got not in allowed:
        raise FlowError(f"{step}: {method} {path} answered {got}, expected "
                        f"{' or '.join(map(str, allowed))}; body: {json.dumps(body, ensure_ascii=False)}")
    print(f"ok  {step} ({got})", flush=True)
    return (body if body is not None else {}), headers


def field(obj, dotted, step):
    """obj["a"]["b"] for "a.b", or a FlowError naming what is missing."""
    value = obj
    for key in dotted.split("."):
        check(isinstance(value, dict) and key in value,
              f"{step}: the response has no `{dotted}`: {json.dumps(obj, ensure_ascii=False)}")
        value = value[key]
    return value


def ids(items):
    return [item.get("id") for item in items or [] if isinstance(item, dict)]


def eventually(step, probe, timeout=5.0, interval=0.2):
    """Polls `probe()` (truthy = done) until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        if probe():
            print(f"ok  {step}", flush=True)
            return
        if time.monotonic() > deadline:
            raise FlowError(f"{step}: not so within {timeout:g} s")
        time.sleep(interval)


# --- setting up -------------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kynnys(binary, env, cwd, *args):
    """Runs a kynnys command; returns its stdout."""
    done = subprocess.run([binary, *args], env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise FlowError(f"kynnys {' '.join(args)} exited with {done.returncode}:\n"
                        f"{done.stdout}{done.stderr}")
    return done.stdout


def create_token(binary, env, cwd, email, create_user):
    args = ["token", "create", "--email", email, "--name", "flow"]
    out = kynnys(binary, env, cwd, *(args + ["--create-user"] if create_user else args))
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    check(lines and lines[-1].startswith("kyn_"),
          f"kynnys token create --email {email}: no kyn_ token on the last line of:\n{out}")
    print(f"ok  token for {email}", flush=True)
    return lines[-1]


def psql(url, sql):
    done = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise FlowError(f"psql {sql!r} failed: {done.stderr.strip()}")


def with_database(url, name):
    """The same server URL, naming database `name` (query parameters kept)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def start_server(binary, env, cwd, log_path):
    log = open(log_path, "wb")
    proc = subprocess.Popen([binary, "serve"], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child has its own descriptor
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        check(proc.poll() is None, f"kynnys serve exited early with {proc.returncode}")
        try:
            if request("GET", "/ready")[0] == 200:
                print("ok  server ready", flush=True)
                return proc
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise FlowError("kynnys serve: /ready did not answer 200 within 60 s")


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def log_tail(path, lines=40):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no server log)"


# --- the flow -------------------------------------------------------------------------------------

def listing_body(org_id):
    valid_until = datetime.date.today() + datetime.timedelta(days=200)
    return {
        "organisation_id": org_id,
        "kind": "activity",
        "title": {"fi": "Flow-kielikahvila", "sv": "Flow-språkcafé"},
        "summary": {"fi": "Harjoittele suomea rennosti.", "sv": "Öva finska i lugn takt."},
        "description": {"fi": "Tule juttelemaan suomeksi kahvin ääressä.",
                        "sv": "Kom och prata finska över en kopp kaffe."},
        "themes": ["language_learning"],
        "target_groups": ["everyone"],  # the vocabulary has no `adults`
        "languages_offered": ["fi", "sv"],
        "online": False,
        "municipalities": ["091"],
        "schedule": {"rrule": "FREQ=WEEKLY;BYDAY=TU", "start_time": "17:00",
                     "end_time": "19:00", "timezone": "Europe/Helsinki"},
        "valid_until": valid_until.isoformat(),
        "flags": {"free": True, "drop_in": True},
    }


def search_ids(query):
    path = "/api/v1/search?" + urllib.parse.urlencode({"q": query})
    status, _, body = request("GET", path)
    check(status == 200 and isinstance(body, dict), f"GET {path} answered {status}: {body}")
    return ids(body.get("items"))


def flow(admin, owner, editor, other):
    # a-c: an organisation is registered, invisible until an administrator approves it.
    org, _ = expect("owner registers organisation", "POST", "/api/v1/organisations", 201, token=owner,
                    body={"name": {"fi": "Flow-yhdistys ry", "sv": "Flow-föreningen rf"},
                          "type": "association", "municipality": "091",
                          "website": "https://flow.example.org"})
    org_id = field(org, "id", "register organisation")
    check(org.get("status") == "pending", f"a new organisation is pending, not {org.get('status')!r}")
    o = f"/api/v1/organisations/{org_id}"
    expect("pending organisation is not public", "GET", o, 404)
    org, _ = expect("admin approves organisation", "POST", f"{o}/approve", 200, token=admin, body={})
    check(org.get("status") == "approved", f"approved organisation has status {org.get('status')!r}")
    expect("approved organisation is public", "GET", o, 200)

    # d: the editor asks to join and the owner makes them an editor.
    expect("editor asks to join", "POST", f"{o}/join", 202, token=editor, body={})
    members, _ = expect("owner lists members", "GET", f"{o}/members", 200, token=owner)
    requested = [m for m in members.get("items") or [] if m.get("email") == "editor@example.org"]
    check(requested, f"the editor is not among the members: {members}")
    check(requested[0].get("status") == "requested",
          f"the editor's membership is {requested[0].get('status')!r}, not requested")
    editor_id = field(requested[0], "user_id", "members")
    member, _ = expect("owner makes the editor an editor", "PUT", f"{o}/members/{editor_id}", 200,
                       token=owner, body={"role": "editor"})
    check((member.get("status"), member.get("role")) == ("active", "editor"),
          f"membership after PUT: {member}")

    # e: a bilingual draft, created twice with one Idempotency-Key.
    body, key = listing_body(org_id), str(uuid.uuid4())
    listing, _ = expect("editor creates listing", "POST", "/api/v1/listings", 201, token=editor,
                        body=body, headers={"Idempotency-Key": key})
    lid = field(listing, "id", "create listing")
    field(listing, "external_id", "create listing")
    check(listing.get("status") == "draft", f"a new listing is a draft, not {listing.get('status')!r}")
    again, _ = expect("same Idempotency-Key replays the creation", "POST", "/api/v1/listings", 201,
                      token=editor, body=body, headers={"Idempotency-Key": key})
    check(again.get("id") == lid, f"the replay made another listing: {again.get('id')} != {lid}")
    li = f"/api/v1/listings/{lid}"

    # f-g: drafts are private; submit, the moderation queue, approval.
    expect("draft is not public", "GET", li, 404)
    expect("editor sees the draft", "GET", li, 200, token=editor)
    got, _ = expect("editor submits", "POST", f"{li}/submit", 200, token=editor, body={})
    check(got.get("status") == "pending_review", f"submitted listing is {got.get('status')!r}")
    queue, _ = expect("admin reads moderation queue", "GET", "/api/v1/moderation/queue", 200, token=admin)
    check(isinstance(queue.get("listings"), list) and lid in ids(queue["listings"]),
          f"the listing is not in the moderation queue: {queue}")
    got, _ = expect("admin approves listing", "POST", f"{li}/approve", 200, token=admin, body={})
    check(got.get("status") == "published", f"approved listing is {got.get('status')!r}")

    # h: the public list and the detail, with language resolution and fallback.
    by_org = f"/api/v1/listings?organisation={org_id}"
    page, _ = expect("public list has the listing", "GET", by_org, 200)
    items = [i for i in page.get("items") or [] if i.get("id") == lid]
    check(items, f"the listing is not in the public list: {page}")
    field(items[0], "external_id", "public list")
    check(isinstance(items[0].get("next_occurrences"), list) and items[0]["next_occurrences"],
          f"the listed item has no next_occurrences: {items[0]}")
    field(items[0], "resolved.title.text", "public list")
    field(items[0], "resolved.title.lang", "public list")
    sv, _ = expect("detail in Swedish", "GET", f"{li}?lang=sv", 200)
    check((field(sv, "resolved.title.lang", "lang=sv"), field(sv, "resolved.title.text", "lang=sv"))
          == ("sv", "Flow-språkcafé"), f"lang=sv resolved the title as {sv['resolved']['title']}")
    en, _ = expect("detail in English falls back to Finnish", "GET", f"{li}?lang=en", 200)
    check(field(en, "resolved.title.lang", "lang=en") == "fi",
          f"lang=en resolved the title as {en['resolved']['title']}")

    # i: search.
    eventually("search finds the listing", lambda: lid in search_ids("Flow-kielikahvila"))

    # j-k: an edit of a published listing stays live, and everything is audited.
    new_title = {"fi": "Flow-kielikahvila (uusi aika)", "sv": "Flow-språkcafé"}
    got, _ = expect("editor edits with a merge patch", "PATCH", li, 200, token=editor,
                    body={"title": new_title}, headers={"Content-Type": "application/merge-patch+json"})
    check(got.get("title") == new_title, f"the edit did not change the title: {got.get('title')}")
    check(got.get("status") == "published", f"an edited published listing is {got.get('status')!r}")
    public, _ = expect("public detail shows the edit", "GET", li, 200)
    check(public.get("title") == new_title, f"the public title is {public.get('title')}")
    audit, _ = expect("editor reads the audit log", "GET", f"{li}/audit", 200, token=editor)
    actions = {entry.get("action") for entry in audit.get("items") or []}
    missing = {"listing.create", "listing.submit", "listing.approve", "listing.update"} - actions
    check(not missing, f"the audit log lacks {sorted(missing)}; it has {sorted(map(str, actions))}")

    # l: strangers and bad bodies.
    expect("another user registers its own organisation", "POST", "/api/v1/organisations", 201,
           token=other, body={"name": {"fi": "Toinen ry"}, "type": "association"})
    expect("another organisation cannot edit", "PATCH", li, (403, 404), token=other,
           body={"title": {"fi": "Kaapattu"}}, headers={"Content-Type": "application/merge-patch+json"})
    public, _ = expect("listing unchanged after the refused edit", "GET", li, 200)
    check(public.get("title") == new_title, f"the refused edit changed the title: {public.get('title')}")
    problem, headers = expect("malformed JSON is refused", "POST", "/api/v1/listings", 400, token=editor,
                              raw=b'{"title":', headers={"Idempotency-Key": str(uuid.uuid4())})
    check(headers.get("content-type", "").startswith("application/problem+json"),
          f"malformed JSON answered with Content-Type {headers.get('content-type')!r}")
    check(isinstance(problem, dict) and "code" in problem, f"the problem has no code: {problem}")
    problem, _ = expect("unknown field is refused", "POST", "/api/v1/listings", 422, token=editor,
                        body=dict(listing_body(org_id), colour="blue"),
                        headers={"Idempotency-Key": str(uuid.uuid4())})
    errors = problem.get("errors") if isinstance(problem, dict) else None
    check(errors and "colour" in str(errors[0].get("path")),
          f"the 422 does not name the unknown field in errors[0].path: {problem}")

    # m: archiving takes the listing out of public view and search.
    got, _ = expect("editor archives", "POST", f"{li}/archive", 200, token=editor, body={})
    check(got.get("status") == "archived", f"archived listing is {got.get('status')!r}")
    page, _ = expect("public list no longer has it", "GET", by_org, 200)
    check(lid not in ids(page.get("items")), f"the archived listing is still listed: {page}")
    expect("archived listing is not public", "GET", li, 404)
    eventually("search no longer finds it", lambda: lid not in search_ids("Flow-kielikahvila"))


def main():
    global BASE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(REPO, "target", "debug", "kynnys"),
                        help="the kynnys binary (default: target/debug/kynnys of the repository)")
    parser.add_argument("--database-url", help="postgres://... of an existing database to create "
                        "the test database beside (default: a fresh SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"FAIL no kynnys binary at {binary}: run `cargo build --bin kynnys` first")

    tmp = tempfile.mkdtemp(prefix="kynnys-flow-")
    log_path = os.path.join(tmp, "server.log")
    postgres = bool(args.database_url) and args.database_url.startswith(("postgres://", "postgresql://"))
    if args.database_url and not postgres:
        sys.exit("FAIL --database-url must be a postgres:// URL (SQLite is the default)")
    db_name = f"kynnys_flow_{os.urandom(6).hex()}"
    database_url = with_database(args.database_url, db_name) if postgres else f"sqlite://{tmp}/kynnys.db"
    port = free_port()
    BASE = f"http://127.0.0.1:{port}"
    env = dict(os.environ, KYNNYS_DATABASE_URL=database_url, KYNNYS_DATA_DIR=os.path.join(tmp, "data"),
               KYNNYS_INDEX_DIR=os.path.join(tmp, "index"), KYNNYS_LISTEN=f"127.0.0.1:{port}",
               RUST_LOG="warn", KYNNYS_LOG="warn")  # kynnys reads KYNNYS_LOG
    env.pop("KYNNYS_CONFIG", None)

    server, created_db, failed = None, False, True
    try:
        if postgres:
            psql(args.database_url, f"CREATE DATABASE {db_name}")
            created_db = True
            print(f"ok  created database {db_name}", flush=True)
        kynnys(binary, env, tmp, "migrate")
        print("ok  migrate", flush=True)
        kynnys(binary, env, tmp, "admin", "create", "--email", "admin@example.org")
        print("ok  admin created", flush=True)
        admin = create_token(binary, env, tmp, "admin@example.org", create_user=False)
        owner, editor, other = (create_token(binary, env, tmp, f"{who}@example.org", create_user=True)
                                for who in ("owner", "editor", "other"))
        server = start_server(binary, env, tmp, log_path)
        flow(admin, owner, editor, other)
        failed = False
    except FlowError as err:
        print(f"FAIL {err}", file=sys.stderr)
    finally:
        if server is not None:
            stop_server(server)
        if failed and os.path.exists(log_path):
            print(f"--- tail of the server log ({log_path}) ---\n{log_tail(log_path)}", file=sys.stderr)
        if created_db:
            try:
                psql(args.database_url, f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
            except FlowError as err:
                print(f"warning: {err}", file=sys.stderr)
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        sys.exit(1)
    print(f"publishing flow passed on {'postgres' if postgres else 'sqlite'}")


if __name__ == "__main__":
    main()
