"""A result from JSON text: parsed, upgraded to the current schema and passed through the gate
(engine/result/gate.py) before anything is computed from it. Imports, old files and the store's own
rows all come in here, so a hostile file is refused the same way wherever it arrives."""

from __future__ import annotations

import json

from engine.errors import WorkloadError, shorten
from engine.result.comparison import Comparison
from engine.result.gate import Refused, check_document
from engine.result.schema import upgrade
from engine.store.errors import HistoryError

# A stored result of 9.8 MB (1,344 blocks) opened in the lab in 8.3 s on a 2-core machine, every
# chart drawn; one of 43 MB never opened. About 50,000 batches fit.
MAX_IMPORT_BYTES = 10_000_000


def parse_result(text: str | bytes, what: str = "file") -> Comparison:
    """A result from JSON text, upgraded to the current schema and passed through the gate
    (engine/result/gate.py) before anything is computed from it; a one-line error otherwise."""
    if len(text) > MAX_IMPORT_BYTES:  # what a page could not show; the store checks what it writes too
        raise HistoryError(
            f"the {what} is {len(text) / 1e6:,.1f} MB; the app shows results of at most "
            f"{MAX_IMPORT_BYTES / 1e6:g} MB"
        )
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HistoryError(f"the {what} is not JSON ({shorten(str(exc))})") from None
    except ValueError as exc:  # a number past Python's 4,300 digits
        raise HistoryError(f"the {what} holds a number too long to read ({shorten(str(exc))})") from None
    except RecursionError:
        raise HistoryError(f"the {what} nests deeper than a result ever does") from None
    if not isinstance(data, dict) or "runs" not in data or "workload" not in data:
        raise HistoryError(
            f"the {what} is not an Overlap Lab result: expected a JSON object with 'workload' and "
            "'runs', as `--json` and the lab's download write"
        )
    try:
        upgraded = upgrade(data)
    except ValueError as exc:  # a version this code cannot read, named with the ones it can
        raise HistoryError(f"the {what} is refused: {exc}") from None
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise HistoryError(f"the {what} is not a readable result: {shorten(str(exc))}") from None
    try:
        check_document(upgraded)
        return Comparison.from_dict(upgraded)
    except WorkloadError as exc:
        raise HistoryError(f"the {what} holds a workload this version refuses: {exc}") from None
    except Refused as exc:
        raise HistoryError(f"the {what} is refused: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise HistoryError(f"the {what} is not a readable result: {shorten(str(exc))}") from None
