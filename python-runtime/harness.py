# The in-guest harness of Zona Custom Utils, loaded as the module `_zona` by the setup turn before
# the runtime is snapshotted; every call then instantiates that snapshot and runs one short turn:
#     __import__("_zona").call(<request JSON as a string literal>)
# The request is {"code", "function", "params", "seed", "max_result", "bytecode", "want_bytecode"}:
# `bytecode` (base64 of the marshalled code object, made by an earlier call of this same runtime)
# replaces compiling `code`; with `want_bytecode`, a report carries the bytecode it compiled, so
# the host can cache it per utility version. The outcome goes back to the host through the
# `_host` door (never through stdout, which is the user's), as one JSON object:
#     {"status": "ok", "result": ..., "bytecode"?}
#     {"status": "error", "type", "message", "traceback", "bytecode"?}   the user's exception
#     {"status": "invalid_result", "type", "message", "bytecode"?}       not JSON-serialisable
# A request whose "function" is empty only compiles: {"status": "compiled", "bytecode"}.
import base64
import builtins
import json
import linecache
import marshal
import os
import random
import sys
import traceback
import types

import _host

# Nothing of the environment the runtime was built in reaches a call.
os.environ.clear()

# Output reaches the host as it is written, so it can be streamed while the call runs.
for _stream in (sys.stdout, sys.stderr):
    try:
        _stream.reconfigure(line_buffering=True, write_through=True)
    except Exception:
        pass

_FILENAME = "<utility>"


def _send(obj, bytecode=None):
    if bytecode is not None:
        obj["bytecode"] = bytecode
    _send_text(json.dumps(obj, ensure_ascii=False))


def _send_text(text):
    _host.call(text.encode("utf-8", "surrogatepass"))


def _user_traceback(exc, code):
    # Only the user's frames, with the user's own line numbers and source lines.
    linecache.cache[_FILENAME] = (len(code), None, code.splitlines(True), _FILENAME)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _FILENAME]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def _code_object(req):
    """The utility's code object and, when the host wants it, its marshalled form."""
    cached = req.get("bytecode")
    if cached:
        return marshal.loads(base64.b64decode(cached)), None
    compiled = compile(req["code"], _FILENAME, "exec")
    fresh = base64.b64encode(marshal.dumps(compiled)).decode() if req.get("want_bytecode") else None
    return compiled, fresh


def call(request):
    req = json.loads(request)
    # A snapshot fixes the state of every generator at the moment it was taken: reseed per call.
    random.seed(req["seed"])
    np_random = sys.modules.get("numpy.random")
    if np_random is not None:  # preloaded: its global generator was frozen with the snapshot
        np_random.seed(req["seed"] & 0xFFFFFFFF)  # an int: 3 µs, against 26 µs for an array
    code = req["code"]
    module = types.ModuleType("__utility__")
    module.__dict__["__builtins__"] = builtins
    fresh = None
    try:
        compiled, fresh = _code_object(req)
        if not req["function"]:
            _send({"status": "compiled"}, fresh)
            return
        exec(compiled, module.__dict__)
        fn = module.__dict__.get(req["function"])
        if not callable(fn):
            raise NameError(f"the utility defines no function named {req['function']!r}")
        result = fn(**req["params"])
    except BaseException as exc:  # SystemExit and MemoryError are the user's too
        _flush()
        _send({
            "status": "error",
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": _user_traceback(exc, code),
        }, fresh)
        return
    _flush()
    try:
        text = json.dumps(result, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        _send({
            "status": "invalid_result",
            "type": type(result).__name__,
            "message": f"the result is not JSON: {exc}",
        }, fresh)
        return
    if len(text) > req["max_result"]:
        _send({
            "status": "invalid_result",
            "type": type(result).__name__,
            "message": f"the result is {len(text)} characters as JSON; the limit is {req['max_result']}",
        }, fresh)
        return
    tail = "}" if fresh is None else ',"bytecode":"' + fresh + '"}'
    _send_text('{"status":"ok","result":' + text + tail)


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass

