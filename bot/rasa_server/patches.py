"""Small, behaviour-preserving fixes to Rasa 3.6 internals. Applied only by
bot.rasa_server.install.install() (which first checks the Rasa version and every name in
``PATCHED``), called by the Rasa server's launcher ``python -m bot.rasa_server``.

1. RemoteAction._validate_action_result calls ``jsonschema.validate`` on every action-server
   response, which re-checks Rasa's large event schema against the JSON-Schema meta-schema each
   time: ~50 ms of CPU per custom action, the largest cost of a dialogue turn here. The schema is
   constant, so the validator is built once and reused; the same ValidationError is raised.
   Even built once, jsonschema needs ~5 ms per response here (the event schema is a large
   ``oneOf``), so responses are first checked by jsonschema-rs (Rust, ~10 µs); only a response
   it finds invalid goes through jsonschema, which raises Rasa's usual ValidationError.
2. EndpointConfig.request (every call to the action server) opens a new aiohttp ClientSession,
   hence a new TCP connection, and closes it after one request. Sessions are kept per endpoint and
   event loop instead (same headers, auth and timeout), so calls reuse keep-alive connections.
   Idle connections are dropped after 2 s, before the action server's (Sanic's 5 s) keep-alive
   ends, so a request never goes out on a connection the server is closing. Request bodies (the
   whole conversation, sent with every custom action) are encoded by orjson, about ten times
   faster than the json module: the same JSON values, without the spaces.
3. Event.resolve_by_type walks every subclass of Event to find the class of an event type, for
   each event of a conversation loaded from the tracker store (a tenth of a turn's time). The
   class found for a type name is remembered; an unknown name still goes through Rasa's code.
4. Prediction graphs run with bot.rasa_server.graph_runner.SequentialGraphRunner instead of DaskGraphRunner
   (the same nodes called in a precomputed order, without dask's per-run scheduling).
"""
from __future__ import annotations

import asyncio
import json
import weakref
from functools import lru_cache
from typing import Any

import orjson

# The Rasa version these patches (and the subclasses of this package) were written against.
RASA_VERSION = "3.6.21"

# Every attribute of Rasa that this package replaces, or overrides in a subclass and relies on:
# (module, dotted attribute). install() refuses to start when one is missing.
PATCHED = [
    ("rasa.core.actions.action", "RemoteAction._validate_action_result"),
    ("rasa.core.actions.action", "RemoteAction.action_response_format_spec"),
    ("rasa.utils.endpoints", "EndpointConfig.session"),
    ("rasa.utils.endpoints", "DEFAULT_REQUEST_TIMEOUT"),
    ("rasa.shared.core.events", "Event.resolve_by_type"),
    ("rasa.core.processor", "DaskGraphRunner"),
    ("rasa.engine.runner.dask", "DaskGraphRunner.run"),
    ("rasa.core.tracker_store", "SQLTrackerStore._additional_events"),
    ("rasa.core.tracker_store", "SQLTrackerStore.SQLEvent"),
    ("rasa.core.tracker_store", "SQLTrackerStore.session_scope"),
    ("rasa.core.tracker_store", "SQLTrackerStore.stream_events"),
    ("rasa.core.lock_store", "RedisLockStore.get_lock"),
    ("rasa.core.lock_store", "RedisLockStore.save_lock"),
    ("rasa.core.lock_store", "RedisLockStore.delete_lock"),
    ("rasa.nlu.classifiers.logistic_regression_classifier", "LogisticRegressionClassifier._create_X"),
    ("rasa.core.channels.rest", "RestInput.stream_response"),
    ("rasa.core.channels.socketio", "SocketIOInput.blueprint"),
]

_applied = False


def apply() -> None:
    """Apply the four fixes (once). Call bot.rasa_server.install() instead: it checks first."""
    global _applied
    if _applied:
        return
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    @lru_cache(maxsize=1)
    def response_validator():
        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        return cls(schema)

    @lru_cache(maxsize=1)
    def fast_check():
        try:
            import jsonschema_rs

            return jsonschema_rs.validator_for(RemoteAction.action_response_format_spec()).is_valid
        except Exception:  # not installed or cannot compile the schema: jsonschema alone
            return lambda _result: False

    def _validate_action_result(self, result):
        try:
            if fast_check()(result):
                return True
            response_validator().validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your response "
                f"from the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result
    _keep_endpoint_sessions()
    _remember_event_classes()
    _run_graphs_in_order()
    _applied = True


def _run_graphs_in_order() -> None:
    import rasa.core.processor
    from bot.rasa_server.graph_runner import SequentialGraphRunner

    # MessageProcessor._load_model passes this name to the loader for every model it loads.
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner


def _remember_event_classes() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    found: dict = {}

    def resolve_by_type(type_name, default=None):
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)


KEEPALIVE_SECONDS = 2.0


def fast_json_dumps(value: Any) -> str:
    """``json.dumps`` by orjson; what orjson cannot encode (an integer beyond 64 bits, an unusual
    type) goes through the json module as before. (NaN, which the json module writes as the
    non-standard ``NaN``, becomes ``null``.)"""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value)


class _KeptSession:
    """``async with`` yields the kept session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> bool:
        return False


def _keep_endpoint_sessions() -> None:
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    rasa_session = EndpointConfig.session

    def session(self: EndpointConfig) -> _KeptSession:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not inside the server's loop: Rasa's behaviour
            return rasa_session(self)
        kept = self.__dict__.setdefault("_gov_sessions", weakref.WeakKeyDictionary())
        current = kept.get(loop)
        if current is None or current.closed:
            current = _new_session(self, aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS))
            kept[loop] = current
        return _KeptSession(current)

    def _new_session(self: EndpointConfig, connector: Any) -> Any:
        # As Rasa's EndpointConfig.session, with a keep-alive connector (Rasa's takes none).
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        return aiohttp.ClientSession(headers=self.headers, auth=auth, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                     json_serialize=fast_json_dumps)

    EndpointConfig.session = session


async def close_kept_sessions(endpoint: Any) -> None:
    """Close the sessions kept for an endpoint (at server shutdown)."""
    for current in list(getattr(endpoint, "_gov_sessions", {}).values()):
        if not current.closed:
            await current.close()
