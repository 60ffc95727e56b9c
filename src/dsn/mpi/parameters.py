"""Which model and thresholds score matches: the trained ones stored in the database, else the defaults.

``dsn mpi train`` stores its estimate in ``mpi_model``; every process picks it up within
:data:`CACHE_SECONDS` without a restart.  The cache keeps ``$match`` from paying a query
for parameters that change a few times a year.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Final

import orjson
from sqlalchemy import Connection, delete, insert

from dsn.mpi.default_model import DEFAULT_MODEL, DEFAULT_MODEL_THRESHOLDS
from dsn.mpi.grades import Thresholds
from dsn.mpi.index import stored_model
from dsn.mpi.scoring import Model
from dsn.store.clock import now_us
from dsn.store.mpi_schema import mpi_model

__all__ = ["CACHE_SECONDS", "Parameters", "current_parameters", "forget_cached", "save_parameters"]

CACHE_SECONDS: Final = 30.0

Parameters = tuple[Model, Thresholds]

_cache: dict[str, tuple[float, Parameters]] = {}
_lock = threading.Lock()


def current_parameters(conn: Connection) -> Parameters:
    """The model and thresholds in force for the database behind ``conn``."""
    key = conn.engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    data = stored_model(conn)
    parameters = _from_dict(data) if data else (DEFAULT_MODEL, DEFAULT_MODEL_THRESHOLDS)
    with _lock:
        _cache[key] = (now, parameters)
    return parameters


def _from_dict(data: dict[str, Any]) -> Parameters:
    thresholds = data.get("thresholds")
    return Model.from_dict(data), Thresholds.from_dict(thresholds) if thresholds else DEFAULT_MODEL_THRESHOLDS


def save_parameters(conn: Connection, model: Model, thresholds: Thresholds) -> None:
    """Store a trained model (replacing the previous one) for every process to use."""
    params = {**model.to_dict(), "thresholds": thresholds.to_dict()}
    conn.execute(delete(mpi_model).where(mpi_model.c.name == "default"))
    conn.execute(insert(mpi_model).values(name="default", params=orjson.dumps(params).decode(), trained=now_us()))
    forget_cached()


def forget_cached() -> None:
    """Drop cached parameters (after training, and in tests)."""
    with _lock:
        _cache.clear()
