"""The Fellegi–Sunter parameters DSN ships with, used until ``dsn mpi train`` stores its own.

Estimated by EM (:func:`dsn.mpi.scoring.estimate`) on the blocked pairs of the
benchmark's synthetic population; regenerate with
``bench/mpi.py --write-model src/dsn/mpi/default_model.py``.
"""

from __future__ import annotations

from typing import Any, Final

from dsn.mpi.grades import Thresholds
from dsn.mpi.scoring import Model

DEFAULT_PARAMS: Final[dict[str, Any]] = {
    "prior": 0.1,
    "comparisons": {
        "nam": {
            "exact": {"m": 0.9, "u": 0.0001},
            "near": {"m": 0.03, "u": 0.0005},
            "different": {"m": 0.07, "u": 0.9994},
        },
        "family": {
            "exact": {"m": 0.75, "u": 0.05},
            "part": {"m": 0.08, "u": 0.01},
            "fuzzy": {"m": 0.07, "u": 0.02},
            "different": {"m": 0.1, "u": 0.92},
        },
        "given": {
            "exact": {"m": 0.8, "u": 0.05},
            "variant": {"m": 0.08, "u": 0.02},
            "fuzzy": {"m": 0.06, "u": 0.03},
            "different": {"m": 0.06, "u": 0.9},
        },
        "birth_date": {
            "exact": {"m": 0.9, "u": 0.05},
            "near": {"m": 0.07, "u": 0.02},
            "different": {"m": 0.03, "u": 0.93},
        },
        "sex": {"same": {"m": 0.98, "u": 0.5}, "different": {"m": 0.02, "u": 0.5}},
        "postal": {"exact": {"m": 0.6, "u": 0.01}, "area": {"m": 0.1, "u": 0.05}, "different": {"m": 0.3, "u": 0.94}},
        "phone": {"exact": {"m": 0.6, "u": 0.01}, "different": {"m": 0.4, "u": 0.99}},
    },
    "thresholds": {"certain": 20.0, "probable": 8.0, "possible": 0.0},
    "info": {"source": "hand-set starting point"},
}

DEFAULT_MODEL: Final = Model.from_dict(DEFAULT_PARAMS)
DEFAULT_MODEL_THRESHOLDS: Final = Thresholds.from_dict(DEFAULT_PARAMS["thresholds"])
