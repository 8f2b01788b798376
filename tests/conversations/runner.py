"""Runner of the blind multi-turn conversation suite (tests/conversations/FORMAT.md).

Plays every conversation against the live stack (Rasa, action server, web service, as `make run`
starts them, on a temporary SQLite database): inserts the `given` fixtures, sends the scripted
turns, answers the bot's form questions from `when_asked`, then checks the replies and the ticket.

    python -m tests.conversations.runner [--split dev|test | FILE...] [--report out.json] [--only ID] [-v]

Library use (pytest, bench):  ``with LiveStack() as target: report = run(load_split("test"), target)``.

Every failure has a KIND (a short tag, see KINDS) and a one-line detail; the report (JSON) holds per
conversation the verdict, the failures and the full transcript (each message, the bot's replies
with their buttons, and the form state after it).
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import unicodedata
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SPLITS = {"dev": HERE / "dev", "test": HERE / "test"}

# ---------------------------------------------------------------------------------------------
# The one map from the bot's form slots to `when_asked` / `never_ask` fields. A slot not listed
# here is answered UNKNOWN_ANSWER.
SLOT_FIELDS: dict[str, str] = {
    "ticket_description": "description",
    "ticket_location": "location",
    "ticket_phone": "phone",
    "ticket_name": "name",
    "ticket_confirm": "confirm",
    "verification_code": "code",
    "application_no": "case_no",
    "request_no": "case_no",
    "ticket_no": "case_no",
    "case_no": "case_no",
}
FIELDS = ("description", "location", "phone", "name", "confirm", "case_no", "code")
UNKNOWN_ANSWER = "不知道"
# A status answer is given only after the case number and the code: the replies to the answers of
# these fields (right after the last scripted turn) count as replies to that turn for its `expect`.
VERIFICATION_FIELDS = ("case_no", "code")
MAX_FORM_TURNS = 8      # form answers after the scripted turns; still asking after that = form_loop
STUCK_AFTER = 3         # the same slot requested this many times in a row = stuck_in_form
TURN_TIMEOUT = 60       # seconds for one webhook call

# Replies that mean the bot (or a service behind it) failed: the channel's apology, the actions'
# "temporarily unavailable" lines, the rate limiter. Compared after NFKC normalisation.
CRASH_MARKERS = ("系统暂时繁忙", "暂时不可用", "暂时出现问题", "请稍后再试", "消息过于频繁")

KINDS = {
    "expect_any": "none of a turn's `expect.any` strings (or `expect_anywhere.any`) appeared",
    "expect_all": "a string of `expect.all` / `expect_anywhere.all` did not appear",
    "expect_none": "a string of `expect.none` / `expect_anywhere.none` appeared",
    "never_ask": "the bot asked for a field listed in `never_ask`",
    "stuck_in_form": f"the same form slot was requested {STUCK_AFTER} times in a row",
    "form_loop": f"the form was still asking after {MAX_FORM_TURNS} answers",
    "no_ticket": "`ticket` expected one, none was created",
    "unexpected_ticket": "`ticket: none`, but a ticket was created",
    "wrong_category": "ticket category not in `category_any`",
    "wrong_department": "ticket dispatched to a department not in `department_any`",
    "unrouted": "ticket left undispatched (department null); detail shows the first routing suggestion",
    "wrong_location": "a `location_contains` string is missing from the ticket's location",
    "wrong_phone": "ticket contact phone differs from `phone` (or is set when `phone: none`)",
    "wrong_name": "ticket contact name lacks `name` (or is set when `name: none`)",
    "not_urgent": "`urgent: true` but the ticket is not urgent",
    "wrongly_urgent": "`urgent: false` but the ticket is urgent",
    "description": "a `description_contains` string is missing from the ticket's description",
    "crash": "a reply is the system apology / 'temporarily unavailable', or the webhook failed",
    "no_reply": "the bot answered a message with nothing at all",
    "fixture": "a `given` record could not be inserted (the conversation's own error)",
}

TOP_KEYS = {"id", "persona", "goal", "given", "turns", "when_asked", "never_ask", "expect_anywhere", "ticket"}
TURN_KEYS = {"say", "expect"}
EXPECT_KEYS = {"any", "all", "none"}
GIVEN_KEYS = {"applications", "disclosure_requests", "tickets"}
TICKET_KEYS = {"category_any", "department_any", "urgent", "location_contains", "phone", "name",
               "description_contains"}
FIXTURE_TICKET_KEYS = {"ticket_no", "description", "location", "contact_phone", "contact_name", "category"}
CATEGORIES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")
ID_RE = re.compile(r"^[a-z0-9-]+$")
TICKET_PLACEHOLDER = "{ticket_no}"


class FormatError(Exception):
    """Conversation files that do not follow FORMAT.md; .errors lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# ---------------------------------------------------------------------------------------------
# Loading and validation

class _Loader(yaml.SafeLoader):
    """YAML without implicit numbers (a `say: 0123` or a phone stays the text the citizen typed)
    and with only true/false as booleans (`yes`/`no`/`on`/`off` stay text)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def yaml_load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


@dataclass
class Conversation:
    id: str
    source: str                      # file name
    turns: list[dict]                # [{"say": str, "expect": {"any": [...], "all": [...], "none": [...]}}]
    when_asked: dict[str, str]
    never_ask: list[str]
    expect_anywhere: dict[str, list[str]]
    ticket: Any                      # None (not checked) | "none" | dict of checks
    given: dict[str, list[dict]]
    persona: str = ""
    goal: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    def fixture_keys(self) -> set[str]:
        keys = {"app:" + str(a.get("application_no", "")).strip().upper() for a in self.given["applications"]}
        keys |= {"req:" + str(r.get("request_no", "")).strip().upper() for r in self.given["disclosure_requests"]}
        keys |= {"tkt:" + str(t["ticket_no"]).strip().upper() for t in self.given["tickets"] if t.get("ticket_no")}
        return keys


def _strings(value: Any, where: str, errors: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    errors.append(f"{where}: expected a string or a list of strings, got {value!r}")
    return []


def _expect(value: Any, where: str, errors: list[str]) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{where}: expected a mapping with any/all/none, got {type(value).__name__}")
        return {}
    unknown = set(value) - EXPECT_KEYS
    if unknown:
        errors.append(f"{where}: unknown key(s) {sorted(unknown)} (allowed: any, all, none)")
    out = {k: _strings(value.get(k), f"{where}.{k}", errors) for k in EXPECT_KEYS if k in value}
    return {k: v for k, v in out.items() if v}


def _is_none(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() == "none")


def validate_conversation(raw: Any, where: str, source: str = "") -> tuple[Optional[Conversation], list[str]]:
    """(conversation, errors). `where` prefixes every error (file and position)."""
    errors: list[str] = []
    if not isinstance(raw, dict):
        return None, [f"{where}: a conversation must be a mapping, got {type(raw).__name__}"]
    cid = raw.get("id")
    if cid is None or (isinstance(cid, str) and not cid.strip()):
        errors.append(f"{where}: missing id")
        cid = ""
    else:
        cid = str(cid)
        where = f"{where} ({cid})"
        if not ID_RE.match(cid):
            errors.append(f"{where}: id {cid!r} must match [a-z0-9-]+")
    unknown = set(raw) - TOP_KEYS
    if unknown:
        errors.append(f"{where}: unknown key(s) {sorted(unknown)} (allowed: {', '.join(sorted(TOP_KEYS))})")

    turns: list[dict] = []
    raw_turns = raw.get("turns")
    if not isinstance(raw_turns, list) or not raw_turns:
        errors.append(f"{where}: `turns` must be a non-empty list")
        raw_turns = []
    for i, turn in enumerate(raw_turns, 1):
        tw = f"{where} turns[{i}]"
        if isinstance(turn, str):          # a bare string is a `say`
            turn = {"say": turn}
        if not isinstance(turn, dict):
            errors.append(f"{tw}: expected a mapping with `say`, got {type(turn).__name__}")
            continue
        bad = set(turn) - TURN_KEYS
        if bad:
            errors.append(f"{tw}: unknown key(s) {sorted(bad)} (allowed: say, expect)")
        say = turn.get("say")
        if say is None or isinstance(say, (dict, list, bool)):
            errors.append(f"{tw}: missing `say` (the citizen's message)")
            continue
        turns.append({"say": str(say), "expect": _expect(turn.get("expect"), f"{tw}.expect", errors)})

    when_asked: dict[str, str] = {}
    wa = raw.get("when_asked") or {}
    if not isinstance(wa, dict):
        errors.append(f"{where}: `when_asked` must be a mapping")
        wa = {}
    for key, value in wa.items():
        if key not in FIELDS:
            errors.append(f"{where} when_asked: unknown field {key!r} (allowed: {', '.join(FIELDS)})")
        elif value is None or isinstance(value, (dict, list, bool)):
            errors.append(f"{where} when_asked.{key}: expected the citizen's answer as text, got {value!r}")
        else:
            when_asked[key] = str(value)

    never_ask = _strings(raw.get("never_ask"), f"{where} never_ask", errors)
    for name in never_ask:
        if name not in FIELDS:
            errors.append(f"{where} never_ask: unknown field {name!r} (allowed: {', '.join(FIELDS)})")

    expect_anywhere = _expect(raw.get("expect_anywhere"), f"{where} expect_anywhere", errors)

    ticket: Any = None
    if "ticket" in raw:
        spec = raw["ticket"]
        if _is_none(spec):
            ticket = "none"
        elif not isinstance(spec, dict):
            errors.append(f"{where} ticket: expected `none` or a mapping, got {spec!r}")
        else:
            bad = set(spec) - TICKET_KEYS
            if bad:
                errors.append(f"{where} ticket: unknown key(s) {sorted(bad)} (allowed: {', '.join(sorted(TICKET_KEYS))})")
            ticket = {}
            for key in ("category_any", "department_any", "location_contains", "description_contains"):
                if key in spec:
                    ticket[key] = _strings(spec[key], f"{where} ticket.{key}", errors)
            for cat in ticket.get("category_any", []):
                if cat not in CATEGORIES:
                    errors.append(f"{where} ticket.category_any: {cat!r} is not one of {'、'.join(CATEGORIES)}")
            if "urgent" in spec:
                if not isinstance(spec["urgent"], bool):
                    errors.append(f"{where} ticket.urgent: expected true or false, got {spec['urgent']!r}")
                else:
                    ticket["urgent"] = spec["urgent"]
            for key in ("phone", "name"):
                if key in spec:
                    value = spec[key]
                    if _is_none(value):
                        ticket[key] = "none"
                    elif isinstance(value, (dict, list, bool)):
                        errors.append(f"{where} ticket.{key}: expected text or `none`, got {value!r}")
                    else:
                        ticket[key] = str(value)

    given: dict[str, list[dict]] = {k: [] for k in GIVEN_KEYS}
    raw_given = raw.get("given") or {}
    if not isinstance(raw_given, dict):
        errors.append(f"{where} given: expected a mapping")
        raw_given = {}
    bad = set(raw_given) - GIVEN_KEYS
    if bad:
        errors.append(f"{where} given: unknown key(s) {sorted(bad)} (allowed: {', '.join(sorted(GIVEN_KEYS))})")
    for key in GIVEN_KEYS:
        rows = raw_given.get(key) or []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            errors.append(f"{where} given.{key}: expected a list of records")
            continue
        given[key] = rows
    for i, t in enumerate(given["tickets"], 1):
        bad = set(t) - FIXTURE_TICKET_KEYS
        if bad:
            errors.append(f"{where} given.tickets[{i}]: unknown key(s) {sorted(bad)} "
                          f"(allowed: {', '.join(sorted(FIXTURE_TICKET_KEYS))})")
        if not str(t.get("description") or "").strip():
            errors.append(f"{where} given.tickets[{i}]: missing description")
    for i, a in enumerate(given["applications"], 1):
        if not a.get("application_no"):
            errors.append(f"{where} given.applications[{i}]: missing application_no")
    for i, r in enumerate(given["disclosure_requests"], 1):
        if not r.get("request_no"):
            errors.append(f"{where} given.disclosure_requests[{i}]: missing request_no")

    uses_placeholder = any(TICKET_PLACEHOLDER in t["say"] for t in turns) or \
        any(TICKET_PLACEHOLDER in v for v in when_asked.values())
    if uses_placeholder and not given["tickets"]:
        errors.append(f"{where}: uses {TICKET_PLACEHOLDER} but `given.tickets` is empty")

    if errors:
        return None, errors
    return Conversation(id=cid, source=source, turns=turns, when_asked=when_asked, never_ask=never_ask,
                        expect_anywhere=expect_anywhere, ticket=ticket, given=given,
                        persona=str(raw.get("persona") or ""), goal=str(raw.get("goal") or ""), raw=raw), []


def _parse(text: str, source: str) -> tuple[list[Conversation], list[str]]:
    """(the valid conversations, every problem) of one file's text."""
    try:
        data = yaml_load(text)
    except yaml.YAMLError as exc:
        return [], [f"{source}: not valid YAML: {exc}"]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [f"{source}: the file must be a YAML list of conversations"]
    out, errors = [], []
    for i, raw in enumerate(data, 1):
        conv, errs = validate_conversation(raw, f"{source} #{i}", source)
        errors += errs
        if conv:
            out.append(conv)
    return out, errors


def parse_text(text: str, source: str = "<text>") -> list[Conversation]:
    """Conversations of one file's text; FormatError lists every problem."""
    out, errors = _parse(text, source)
    errors += _duplicates(out)
    if errors:
        raise FormatError(errors)
    return out


def _duplicates(convs: Iterable[Conversation]) -> list[str]:
    seen: dict[str, str] = {}
    errors = []
    for c in convs:
        if c.id in seen:
            errors.append(f"duplicate id {c.id!r} in {seen[c.id]} and {c.source}")
        else:
            seen[c.id] = c.source
    return errors


def load_paths(paths: Iterable[Path | str]) -> list[Conversation]:
    """Every conversation of the files (in order); FormatError lists every problem of all files,
    ids duplicated across files included."""
    out, errors = [], []
    for path in paths:
        path = Path(path)
        try:
            convs, errs = _parse(path.read_text(encoding="utf-8"), path.name)
        except OSError as exc:
            errors.append(f"{path}: {exc}")
            continue
        out += convs
        errors += errs
    errors += _duplicates(out)
    if errors:
        raise FormatError(errors)
    return out


def split_files(split: str) -> list[Path]:
    return sorted(SPLITS[split].glob("*.yml")) + sorted(SPLITS[split].glob("*.yaml"))


def load_split(split: str) -> list[Conversation]:
    return load_paths(split_files(split))


# ---------------------------------------------------------------------------------------------
# Checks: pure functions over replies, form states and tickets

def norm(text: Any) -> str:
    """NFKC (full-width ↔ half-width) on both sides of every comparison."""
    return unicodedata.normalize("NFKC", str(text or ""))


def failure(kind: str, detail: str) -> dict:
    assert kind in KINDS, kind
    return {"kind": kind, "detail": detail}


def reply_text(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def check_expect(expect: dict[str, list[str]], text: str, where: str) -> list[dict]:
    """`expect` ({any, all, none}) as substring checks on the (concatenated) reply text."""
    out = []
    hay = norm(text)
    if expect.get("any") and not any(norm(s) in hay for s in expect["any"]):
        out.append(failure("expect_any", f"{where}: none of {expect['any']} in the reply"))
    missing = [s for s in expect.get("all", []) if norm(s) not in hay]
    if missing:
        out.append(failure("expect_all", f"{where}: missing {missing}"))
    present = [s for s in expect.get("none", []) if norm(s) in hay]
    if present:
        out.append(failure("expect_none", f"{where}: unwanted {present}"))
    return out


def crash_marker(text: str) -> Optional[str]:
    hay = norm(text)
    return next((m for m in CRASH_MARKERS if m in hay), None)


def answer_for(slot: Optional[str], when_asked: dict[str, str]) -> tuple[Optional[str], str]:
    """(field, the citizen's answer) for a requested slot."""
    name = SLOT_FIELDS.get(slot or "")
    if name is None:
        return None, UNKNOWN_ANSWER
    return name, when_asked.get(name, UNKNOWN_ANSWER)


class FormWatch:
    """Watches the form state after every message: never_ask (once per field), stuck_in_form and
    form_loop in the answering phase."""

    def __init__(self, never_ask: Iterable[str]):
        self.never_ask = set(never_ask)
        self.reported: set[str] = set()
        self.last: Optional[str] = None
        self.repeats = 0
        self.answers = 0

    def observe(self, form: Optional[str], slot: Optional[str], where: str) -> list[dict]:
        name = SLOT_FIELDS.get(slot or "") if form else None
        if name and name in self.never_ask and name not in self.reported:
            self.reported.add(name)
            return [failure("never_ask", f"{where}: {form} asked for {slot} ({name}), which was already given")]
        return []

    def next_answer(self, form: Optional[str], slot: Optional[str]) -> Optional[dict]:
        """In the answering phase: None to answer `slot`, or the failure that stops the form."""
        self.repeats = self.repeats + 1 if slot == self.last else 1
        self.last = slot
        if self.repeats >= STUCK_AFTER:
            return failure("stuck_in_form", f"{form} requested {slot} {self.repeats} times in a row")
        if self.answers >= MAX_FORM_TURNS:
            return failure("form_loop", f"{form} still asking ({slot}) after {MAX_FORM_TURNS} answers")
        self.answers += 1
        return None


def _digits(text: Any) -> str:
    return re.sub(r"\D", "", norm(text))


def ticket_failures(spec: dict, t: dict) -> list[dict]:
    """Every check of a `ticket:` mapping against one ticket (as /api/tickets returns it)."""
    out = []
    no = t.get("ticket_no")
    if spec.get("category_any") and t.get("category") not in spec["category_any"]:
        out.append(failure("wrong_category", f"{no}: category {t.get('category')} not in {spec['category_any']}"))
    if spec.get("department_any"):
        dept = t.get("department")
        if not dept:
            routing = t.get("routing") or []
            first = routing[0] if routing else None
            guess = f"{first.get('department')} ({first.get('score')})" if first else "no suggestion"
            ok = "in" if first and first.get("department") in spec["department_any"] else "NOT in"
            out.append(failure("unrouted", f"{no}: not dispatched; first suggestion {guess}, {ok} {spec['department_any']}"))
        elif dept not in spec["department_any"]:
            out.append(failure("wrong_department", f"{no}: dispatched to {dept}, expected one of {spec['department_any']}"))
    if "urgent" in spec and bool(t.get("urgent")) != spec["urgent"]:
        out.append(failure("not_urgent" if spec["urgent"] else "wrongly_urgent",
                           f"{no}: urgent={bool(t.get('urgent'))}, expected {spec['urgent']}"))
    location = norm(t.get("location"))
    missing = [s for s in spec.get("location_contains", []) if norm(s) not in location]
    if missing:
        out.append(failure("wrong_location", f"{no}: location {t.get('location')!r} lacks {missing}"))
    if "phone" in spec:
        phone = t.get("contact_phone") or ""
        if spec["phone"] == "none":
            if phone:
                out.append(failure("wrong_phone", f"{no}: contact_phone {phone!r}, expected none"))
        elif not phone or _digits(spec["phone"]) not in _digits(phone):
            out.append(failure("wrong_phone", f"{no}: contact_phone {phone!r}, expected {spec['phone']!r}"))
    if "name" in spec:
        name = t.get("contact_name") or ""
        if spec["name"] == "none":
            if name:
                out.append(failure("wrong_name", f"{no}: contact_name {name!r}, expected none"))
        elif norm(spec["name"]) not in norm(name):
            out.append(failure("wrong_name", f"{no}: contact_name {name!r} lacks {spec['name']!r}"))
    description = norm(t.get("description"))
    missing = [s for s in spec.get("description_contains", []) if norm(s) not in description]
    if missing:
        out.append(failure("description", f"{no}: description lacks {missing}: {t.get('description')!r}"[:300]))
    return out


def check_tickets(spec: Any, tickets: list[dict]) -> tuple[list[dict], list[str]]:
    """(failures, notes) of `ticket:` against the tickets the conversation created. With several
    tickets the one with the fewest failures is judged (and a note says so)."""
    if spec is None:
        return [], []
    if spec == "none":
        if tickets:
            nos = ", ".join(f"{t.get('ticket_no')} ({t.get('category')}, {t.get('department')})" for t in tickets)
            return [failure("unexpected_ticket", f"created {nos}")], []
        return [], []
    if not tickets:
        return [failure("no_ticket", "no ticket was created")], []
    judged = sorted((ticket_failures(spec, t) for t in tickets), key=len)
    notes = [f"{len(tickets)} tickets created; the best-matching one is judged"] if len(tickets) > 1 else []
    return judged[0], notes


# ---------------------------------------------------------------------------------------------
# The live stack

@dataclass
class Target:
    """Where a run talks to: Rasa, the web service, its admin token and its database."""

    rasa: str
    web: str
    token: str
    db_url: str
    db_path: Optional[Path] = None


class LiveStack:
    """The whole stack (tests.test_stack_integration.Stack, as `make run` starts it) on a fresh
    temporary SQLite database, with an admin token and generous chat rate limits."""

    def __init__(self, var_dir: Optional[Path] = None, keep: bool = False):
        self.owned = var_dir is None  # a directory of our own is removed afterwards unless `keep`
        self.var_dir = Path(var_dir) if var_dir else Path(tempfile.mkdtemp(prefix="conversations-"))
        self.keep = keep
        self.stack = None

    def __enter__(self) -> Target:
        from tests.test_stack_integration import MODEL, Stack

        if not MODEL.exists():
            self.__exit__()
            raise RuntimeError("models/current.tar.gz missing: run `make model`")
        token = secrets.token_urlsafe(24)
        self.stack = Stack(self.var_dir, env={"GOV_ADMIN_TOKEN": token, "RATE_LIMIT_CHAT": "100000",
                                              "RATE_LIMIT_API": "100000", "RATE_LIMIT_API_STAFF": "100000"})
        try:
            self.stack.start()
        except BaseException:
            self.__exit__()  # a stack that never became healthy is stopped too
            raise
        db = self.var_dir / "app.db"
        return Target(rasa=self.stack.rasa, web=self.stack.web, token=token, db_url=f"sqlite:///{db}", db_path=db)

    def __exit__(self, *exc) -> None:
        try:
            if self.stack and self.stack.proc and self.stack.proc.poll() is None:
                self.stack.stop()
        finally:
            if self.owned and not self.keep:
                shutil.rmtree(self.var_dir, ignore_errors=True)


_fixture_lock = threading.Lock()


def _jsonl(rows: list[dict], ints: tuple[str, ...] = ()) -> str:
    lines = []
    for row in rows:
        row = dict(row)
        for key in ints:  # the loader keeps numbers as text
            if isinstance(row.get(key), str) and row[key].strip().isdigit():
                row[key] = int(row[key])
        lines.append(json.dumps(row, ensure_ascii=False, default=str))
    return "\n".join(lines) + "\n"


def insert_fixtures(conv: Conversation, target: Target, http) -> tuple[list[dict], dict]:
    """Insert `given` with the project's own importers (applications, disclosure requests) and the
    ticket API; returns (failures, {"ticket_no": first fixture ticket's number})."""
    from bot.approvals.importer import import_approvals
    from bot.disclosure.importer import import_disclosure_requests

    failures: list[dict] = []
    values: dict = {}
    with _fixture_lock, tempfile.TemporaryDirectory() as tmp:
        for key, importer, ints in (("applications", import_approvals, ("promised_working_days", "legal_working_days")),
                                    ("disclosure_requests", import_disclosure_requests, ())):
            rows = conv.given[key]
            if not rows:
                continue
            path = Path(tmp) / f"{key}.jsonl"
            path.write_text(_jsonl(rows, ints), encoding="utf-8")
            try:
                result = importer(path, target.db_url)
            except Exception as exc:  # noqa: BLE001 - reported as the conversation's fixture failure
                failures.append(failure("fixture", f"given.{key}: {type(exc).__name__}: {exc}"[:300]))
                continue
            failures += [failure("fixture", f"given.{key}: {e}") for e in result.errors]
        for i, row in enumerate(conv.given["tickets"], 1):
            body = {k: str(v) for k, v in row.items() if k != "ticket_no" and v not in (None, "")}
            body["channel"] = "fixture"
            resp = http.post(f"{target.web}/api/tickets", json=body,
                             headers={"Authorization": f"Bearer {target.token}"}, timeout=30)
            if resp.status_code != 201:
                failures.append(failure("fixture", f"given.tickets[{i}]: {resp.status_code} {resp.text[:200]}"))
                continue
            number = resp.json()["ticket_no"]
            wanted = str(row.get("ticket_no") or "").strip().upper()
            if wanted and wanted != number:
                number = _renumber_ticket(target, number, wanted, failures, i)
            values.setdefault("ticket_no", number)
    return failures, values


def _renumber_ticket(target: Target, old: str, new: str, failures: list[dict], i: int) -> str:
    """A fixture ticket with its own number: created through the API, then renumbered in place."""
    if target.db_path is None:
        failures.append(failure("fixture", f"given.tickets[{i}]: ticket_no needs the stack's SQLite database"))
        return old
    from bot.identifiers import is_valid_ticket_no, normalize_ticket_no

    new = normalize_ticket_no(new)
    if not is_valid_ticket_no(new):  # ours (GD…) or another 12345 system's (POST /api/tickets takes those too)
        failures.append(failure("fixture", f"given.tickets[{i}]: ticket_no {new!r} is no ticket number"))
        return old
    try:
        with sqlite3.connect(target.db_path, timeout=30) as db:
            db.execute("PRAGMA foreign_keys = ON")  # a replaced ticket takes its events with it
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            tables = [t for t in tables if any(col[1] == "ticket_no" for col in db.execute(f'PRAGMA table_info("{t}")'))]
            tables.sort(key=lambda t: t == "tickets")  # the ticket row last (its number may be referenced)
            for table in tables:  # an earlier conversation's ticket with that number goes first
                db.execute(f'DELETE FROM "{table}" WHERE ticket_no = ?', (new,))  # noqa: S608
            for table in tables:
                db.execute(f'UPDATE "{table}" SET ticket_no = ? WHERE ticket_no = ?', (new, old))  # noqa: S608
    except sqlite3.Error as exc:
        failures.append(failure("fixture", f"given.tickets[{i}]: renumbering to {new} failed: {exc}"))
        return old
    return new


def _substitute(text: str, values: dict) -> str:
    if TICKET_PLACEHOLDER in text and values.get("ticket_no"):
        text = text.replace(TICKET_PLACEHOLDER, values["ticket_no"])
    return text


class Session:
    """One citizen's conversation with the bot over the REST webhook."""

    def __init__(self, target: Target, http, sender: str):
        self.target, self.http, self.sender = target, http, sender

    def say(self, text: str) -> tuple[list[dict], Optional[str]]:
        """(replies, error)."""
        try:
            resp = self.http.post(f"{self.target.rasa}/webhooks/rest/webhook",
                                  json={"sender": self.sender, "message": text}, timeout=TURN_TIMEOUT)
        except Exception as exc:  # noqa: BLE001
            return [], f"{type(exc).__name__}: {exc}"
        if resp.status_code != 200:
            return [], f"HTTP {resp.status_code}: {resp.text[:200]}"
        try:
            body = resp.json()
        except ValueError:
            return [], f"not JSON: {resp.text[:200]}"
        replies = [{"text": m.get("text") or "", "buttons": [b.get("title") for b in m.get("buttons") or []]}
                   for m in body if isinstance(m, dict)]
        return replies, None

    def form_state(self) -> tuple[Optional[str], Optional[str]]:
        """(active form, requested slot) from the tracker."""
        try:
            resp = self.http.get(f"{self.target.rasa}/conversations/{self.sender}/tracker",
                                 params={"include_events": "NONE"}, timeout=30)
            tracker = resp.json()
        except Exception:  # noqa: BLE001 - a missing tracker means no form
            return None, None
        form = (tracker.get("active_loop") or {}).get("name")
        slot = (tracker.get("slots") or {}).get("requested_slot") if form else None
        return form, slot

    def tickets(self) -> list[dict]:
        resp = self.http.get(f"{self.target.web}/api/tickets", params={"conversation_id": self.sender},
                             headers={"Authorization": f"Bearer {self.target.token}"}, timeout=30)
        resp.raise_for_status()
        return resp.json()["items"]


def play(conv: Conversation, target: Target, http=None) -> dict:
    """Play one conversation; the result holds the verdict, failures, notes and the transcript."""
    import requests

    http = http or requests.Session()
    started = time.monotonic()
    sender = f"conv-{conv.id}-{uuid.uuid4().hex[:8]}"
    session = Session(target, http, sender)
    failures: list[dict] = []
    notes: list[str] = []
    transcript: list[dict] = []
    all_text: list[str] = []
    watch = FormWatch(conv.never_ask)

    fixture_failures, values = insert_fixtures(conv, target, http)
    failures += fixture_failures

    def exchange(text: str, where: str, phase: str, asked: Optional[str] = None,
                 watch_asks: bool = True) -> tuple[str, Optional[str], Optional[str]]:
        replies, error = session.say(text)
        joined = reply_text(replies)
        all_text.append(joined)
        form, slot = session.form_state()
        entry = {"phase": phase, "say": text, "replies": replies, "form": form, "requested_slot": slot}
        if asked:
            entry["answering"] = asked
        if error:
            entry["error"] = error
        transcript.append(entry)
        if error:
            failures.append(failure("crash", f"{where}: {error}"))
        elif not replies:
            failures.append(failure("no_reply", f"{where}: no reply to {text!r}"))
        else:
            marker = crash_marker(joined)
            if marker:
                failures.append(failure("crash", f"{where}: {marker!r} in reply {joined[:120]!r}"))
        if watch_asks:
            failures.extend(watch.observe(form, slot, where))
        return joined, form, slot

    form = slot = None
    windows: list[tuple[dict, str, list[str]]] = []   # (expect, where, reply texts) per scripted turn
    forms_after: list[Optional[str]] = []              # the active form after each scripted turn
    lookup_turn: Optional[int] = None                  # the scripted turn whose lookup waits for number/code
    for i, turn in enumerate(conv.turns, 1):
        text = _substitute(turn["say"], values)
        # never_ask counts from the last scripted turn on: before it, the bot may fairly ask for a
        # field the citizen only gives in a later scripted message.
        joined, form, slot = exchange(text, f"turn {i}/{len(conv.turns)}", "script",
                                      watch_asks=i == len(conv.turns))
        # "帮我查下…有结果没", then the citizen's own "尾号2208": the answer to the first turn comes in
        # the reply to the scripted turns that complete its lookup (as with the runner's own answers)
        if lookup_turn is not None:
            windows[lookup_turn][2].append(joined)
        expect = {k: [_substitute(s, values) for s in v] for k, v in turn["expect"].items()}
        windows.append((expect, f"turn {i} {text[:30]!r}", [joined]))
        forms_after.append(form)
        waiting = bool(form) and SLOT_FIELDS.get(slot or "") in VERIFICATION_FIELDS
        lookup_turn = (lookup_turn if lookup_turn is not None else len(windows) - 1) if waiting else None

    # The turn that started the lookup still waiting at the end ("单号是… 到现在还是吵", then "你们帮我催一下"):
    # its answer too comes only after the number and code, like the last turn's.
    started = len(forms_after) - 1
    while started > 0 and form and forms_after[started - 1] == form:
        started -= 1
    n = 0
    gated = True  # the last turn's answer may come only after the case number / code it asked for
    while form and slot:
        stop = watch.next_answer(form, slot)
        if stop:
            failures.append(stop)
            break
        n += 1
        name, answer = answer_for(slot, conv.when_asked)
        if name is None and f"unknown slot {slot}" not in " ".join(notes):
            notes.append(f"unknown slot {slot} (not in SLOT_FIELDS): answered {UNKNOWN_ANSWER}")
        joined, form, slot = exchange(_substitute(answer, values), f"form answer {n} ({slot_label(slot, name)})",
                                      "form", asked=slot_label(slot, name))
        gated = gated and name in VERIFICATION_FIELDS
        if gated and windows:
            windows[-1][2].append(joined)
            if started < len(windows) - 1:
                windows[started][2].append(joined)

    for expect, where, texts in windows:
        # `any`/`all` may be met after the case number and code the turn asked for; `none` guards what
        # the reply to the message itself shows (nothing about a case before the applicant is verified).
        failures += check_expect({k: v for k, v in expect.items() if k != "none"}, "\n".join(texts), where)
        failures += check_expect({"none": expect.get("none", [])}, texts[0], where)

    expect = {k: [_substitute(s, values) for s in v] for k, v in conv.expect_anywhere.items()}
    failures += check_expect(expect, "\n".join(all_text), "anywhere")

    tickets: list[dict] = []  # fetched even when `ticket` is not checked: the report shows them
    try:
        tickets = session.tickets()
    except Exception as exc:  # noqa: BLE001
        failures.append(failure("crash", f"GET /api/tickets failed: {exc}"))
    ticket_fail, ticket_notes = check_tickets(conv.ticket, tickets)
    failures += ticket_fail
    notes += ticket_notes

    return {
        "id": conv.id, "source": conv.source, "passed": not failures, "failures": failures, "notes": notes,
        "sender": sender, "seconds": round(time.monotonic() - started, 2), "goal": conv.goal,
        "transcript": transcript,
        "tickets": [{k: t.get(k) for k in ("ticket_no", "category", "urgent", "department", "status", "location",
                                            "contact_phone", "contact_name", "description", "routing")}
                    for t in tickets],
    }


def slot_label(slot: Optional[str], name: Optional[str]) -> str:
    return f"{slot}→{name}" if name else f"{slot}→?"


def _groups(convs: list[Conversation]) -> list[list[Conversation]]:
    """Conversations sharing a fixture key (an application, request or ticket number) run one after
    the other in one worker: each re-imports its own version of the record just before it starts."""
    parent = list(range(len(convs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, conv in enumerate(convs):
        for key in conv.fixture_keys():
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[Conversation]] = {}
    for i, conv in enumerate(convs):
        groups.setdefault(find(i), []).append(conv)
    return sorted(groups.values(), key=len, reverse=True)


def run(convs: list[Conversation], target: Target, jobs: int = 2,
        progress: Optional[Callable[[dict], None]] = None) -> dict:
    """Play the conversations (`jobs` at a time) and return the report."""
    import requests

    started = time.monotonic()
    results: dict[str, dict] = {}

    def worker(group: list[Conversation]) -> None:
        http = requests.Session()
        for conv in group:
            try:
                result = play(conv, target, http)
            except Exception as exc:  # noqa: BLE001 - one broken conversation must not stop the run
                result = {"id": conv.id, "source": conv.source, "passed": False, "notes": [], "transcript": [],
                          "tickets": [], "failures": [failure("crash", f"runner error: {type(exc).__name__}: {exc}")]}
            results[conv.id] = result
            if progress:
                progress(result)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(worker, _groups(convs)))
    ordered = [results[c.id] for c in convs]
    return {"summary": summarise(ordered, time.monotonic() - started), "conversations": ordered}


def summarise(results: list[dict], seconds: float = 0.0) -> dict:
    passed = sum(r["passed"] for r in results)
    by_kind = Counter(kind for r in results for kind in {f["kind"] for f in r["failures"]})
    return {"total": len(results), "passed": passed, "failed": len(results) - passed,
            "pass_rate": round(passed / len(results), 4) if results else None,
            "failures_by_kind": dict(by_kind.most_common()),  # conversations failing with each kind
            "failures_total": sum(len(r["failures"]) for r in results),
            "seconds": round(seconds, 1)}


def format_summary(report: dict, verbose: bool = False, label: str = "", details: bool = True) -> str:
    """Pass rate, failures by kind, then each failing id with its failures (details=False: only
    their kinds, for the test split nobody tunes on); verbose adds the transcripts."""
    s = report["summary"]
    rate = "n/a" if s["pass_rate"] is None else f"{s['pass_rate']:.1%}"
    lines = [f"conversations{(' ' + label) if label else ''}: {s['passed']}/{s['total']} passed ({rate}) in {s['seconds']} s"]
    if s["failures_by_kind"]:
        lines.append("failures by kind (conversations): " +
                     ", ".join(f"{k} {n}" for k, n in s["failures_by_kind"].items()))
    for r in report["conversations"]:
        if r["passed"]:
            continue
        if not details:
            lines.append(f"FAIL {r['id']}: {', '.join(sorted({f['kind'] for f in r['failures']}))}")
            continue
        lines.append(f"FAIL {r['id']} ({r['source']})")
        for f in r["failures"]:
            lines.append(f"    {f['kind']}: {f['detail']}")
        if verbose:
            for entry in r["transcript"]:
                lines.append(f"      > {entry['say']}")
                for reply in entry["replies"]:
                    buttons = f"  [{' | '.join(reply['buttons'])}]" if reply.get("buttons") else ""
                    lines.append(f"      < {reply['text']}{buttons}".replace("\n", " "))
                if entry.get("form"):
                    lines.append(f"        (form {entry['form']}, asking {entry['requested_slot']})")
            for t in r.get("tickets", []):
                lines.append(f"      ticket {t['ticket_no']}: {t['category']} {t['department']} urgent={t['urgent']} "
                             f"location={t['location']!r} phone={t['contact_phone']!r} name={t['contact_name']!r}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# CLI

def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conversations.runner",
                                     description="Play the conversation suite against a fresh live stack.")
    parser.add_argument("files", nargs="*", help="conversation files (instead of --split)")
    parser.add_argument("--split", choices=sorted(SPLITS), help="tests/conversations/<split>/*.yml (default dev)")
    parser.add_argument("--report", help="write the JSON report here")
    parser.add_argument("--only", action="append", help="only this conversation id (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="conversations played at a time (default 2)")
    parser.add_argument("--check", action="store_true", help="only load and validate the files")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the transcript of every failure")
    parser.add_argument("--keep-stack", action="store_true",
                        help="keep the stack's temporary directory (databases, stack.log) and print it")
    args = parser.parse_args(argv)
    if args.files and args.split:
        parser.error("give either --split or files, not both")
    paths = [Path(p) for p in args.files] if args.files else split_files(args.split or "dev")
    label = "files" if args.files else (args.split or "dev")
    try:
        convs = load_paths(paths)
    except FormatError as exc:
        print(f"invalid conversation files ({len(exc.errors)} problems):", file=sys.stderr)
        for e in exc.errors:
            print(f"  {e}", file=sys.stderr)
        return 2
    if args.only:
        unknown = set(args.only) - {c.id for c in convs}
        if unknown:
            print(f"unknown id(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        convs = [c for c in convs if c.id in args.only]
    print(f"{len(convs)} conversations from {len(paths)} file(s) ({label})", flush=True)
    if args.check or not convs:
        return 0

    def progress(result: dict) -> None:
        mark = "." if result["passed"] else "F"
        print(mark, end="", flush=True)

    live = LiveStack(keep=args.keep_stack)
    with live as target:
        report = run(convs, target, jobs=args.jobs, progress=progress)
    print()
    if args.keep_stack:
        print(f"stack directory kept: {live.var_dir}")
    report["summary"]["split"] = label
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(format_summary(report, verbose=args.verbose, label=label))
    return 0 if report["summary"]["failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
