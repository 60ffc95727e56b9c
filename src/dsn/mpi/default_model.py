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
    "prior": 0.0609228,
    "comparisons": {
        "nam": {
            "exact": {"m": 0.919787, "u": 1.86287e-05},
            "near": {"m": 0.0801881, "u": 7.50316e-05},
            "different": {"m": 2.45113e-05, "u": 0.999906},
        },
        "family": {
            "exact": {"m": 0.701817, "u": 0.179815},
            "fuzzy": {"m": 0.249323, "u": 0.0331123},
            "part": {"m": 0.00751976, "u": 0.0450884},
            "different": {"m": 0.0413406, "u": 0.741984},
        },
        "given": {
            "exact": {"m": 0.738647, "u": 0.358961},
            "variant": {"m": 0.0596837, "u": 0.117903},
            "fuzzy": {"m": 0.185073, "u": 0.0622801},
            "different": {"m": 0.016597, "u": 0.460855},
        },
        "birth_date": {
            "exact": {"m": 0.755259, "u": 0.026783},
            "near": {"m": 0.239995, "u": 0.0786692},
            "different": {"m": 0.00474599, "u": 0.894548},
        },
        "sex": {"same": {"m": 0.999973, "u": 0.807291}, "different": {"m": 2.72335e-05, "u": 0.192709}},
        "postal": {
            "exact": {"m": 0.770069, "u": 0.00155812},
            "area": {"m": 0.0015431, "u": 0.00797408},
            "different": {"m": 0.228388, "u": 0.990468},
        },
        "phone": {"exact": {"m": 0.770471, "u": 0.00342545}, "different": {"m": 0.229529, "u": 0.996575}},
    },
    "info": {"source": "bench/mpi.py --patients 100000 --seed 1", "pairs": 485680, "iterations": 13},
    "thresholds": {"certain": 15.0, "probable": -2.0, "possible": -8.0},
}

DEFAULT_MODEL: Final = Model.from_dict(DEFAULT_PARAMS)
DEFAULT_MODEL_THRESHOLDS: Final = Thresholds.from_dict(DEFAULT_PARAMS["thresholds"])
