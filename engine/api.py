"""The engine's front door: everything the lab (ui/, pages/) and the command line may use.

A view once went back and forth across ten rooms of the engine to draw one diagnosis. Whatever the
outer layers need is named here once, so the engine's rooms can move behind it, and the house rules
(tests/house) refuse an outer import of anything else.
"""

from __future__ import annotations

from engine.devices.cuda import CudaDevice
from engine.devices.loops import factory_of, registry
from engine.devices.standin import worker_core
from engine.errors import MAX_ECHO_CHARS, OverlapLabError, shorten
from engine.execute import Outcome, check_storable, execute
from engine.frames import results as frames
from engine.frames import variants as variant_frames
from engine.frames.crossover import crossover_frame
from engine.frames.diagnosis import COST_PARTS, check_rows, cost_rows
from engine.frames.results import View
from engine.frames.sweep import curve_frame, points_frame
from engine.host.fingerprint import cuda_likely, fingerprint
from engine.host.lock import Waiting, holders, queue_for
from engine.host.loop_files import listed, own_batch
from engine.host.shared_dir import SharedPathError, user_name
from engine.measure.crossover import BATCHES, STEPS, sweep_launches
from engine.measure.estimate import busy_text, other_load, pace_of, standin_spec_s
from engine.measure.progress import Cancelled, Progress, Throttle
from engine.measure.protocol import check_device, lock_name
from engine.measure.simulate import simulate
from engine.model.ceiling import predict
from engine.read.box import box_sentence
from engine.read.diagnosis import CLOSE, checks, miss_reasons
from engine.read.document import card_text, cv_text, document, iterations_used, standard_json
from engine.read.numbers import gain_share, plural, size_text
from engine.read.sweep import missed_aims, sweep_dict
from engine.read.truth import (
    LOOP_OK,
    TOO_FAST,
    best_rung_sentence,
    fast_block_sentences,
    limit_sentence,
    rung_sentences,
)
from engine.read.uploads import upload_sentence
from engine.read.verdict import LAB, verdict
from engine.result.circumstances import Environment
from engine.result.comparison import Comparison
from engine.result.crossover import PAYS, Crossover, LaunchPoint
from engine.result.sweep import SweepPoint
from engine.spec.fields import FLAGS, FLAGS_ALLOWED, FieldSpec, flag_of, from_text, kinds
from engine.spec.run_spec import DEFAULT_ROUNDS, RUN_FIELDS, STABLE_WINDOW, RunSpec, loop_sets, parse_ratios
from engine.spec.sets import SETS, colour_slots, crowded, usable_cores
from engine.spec.variants import DEQUE, POOL, Variant
from engine.spec.workload import (
    CPU_FIXED_HELP,
    CPU_FIXED_KINDS,
    CPU_WORK_HELP,
    CPU_WORK_KINDS,
    FIELDS,
    GPU_PRESET,
    MAX_BATCH,
    MODELS,
    PRECISIONS,
    PRESET_CASE,
    PRESET_NOTES,
    PRESETS,
    STANDIN_PRESET,
    Workload,
    WorkloadError,
    preset,
)
from engine.store.entry import Entry
from engine.store.errors import AlreadyStored, MissingRun, NotYours
from engine.store.history import History, check_run_id, data_dir, example_entries
from engine.store.history import recorded_crossovers as recorded
from engine.store.reading import parse_result
from engine.store.result_file import ResultFile
from engine.words.comparison import format_comparison
from engine.words.crossover import format_crossover
from engine.words.history import format_history
from engine.words.sweep import format_sweep
from engine.words.variants import format_syncs

__all__ = [
    "plural",
    "size_text",
    "gain_share",
    "standard_json",
    "parse_result",
    "AlreadyStored",
    "BATCHES",
    "box_sentence",
    "Cancelled",
    "card_text",
    "check_device",
    "check_rows",
    "check_run_id",
    "check_storable",
    "checks",
    "CLOSE",
    "Comparison",
    "cost_rows",
    "COST_PARTS",
    "CPU_FIXED_HELP",
    "CPU_FIXED_KINDS",
    "CPU_WORK_HELP",
    "CPU_WORK_KINDS",
    "Crossover",
    "crossover_frame",
    "cuda_likely",
    "CudaDevice",
    "curve_frame",
    "cv_text",
    "data_dir",
    "DEFAULT_ROUNDS",
    "DEQUE",
    "document",
    "Entry",
    "Environment",
    "example_entries",
    "execute",
    "factory_of",
    "fast_block_sentences",
    "FIELDS",
    "FieldSpec",
    "fingerprint",
    "flag_of",
    "FLAGS",
    "FLAGS_ALLOWED",
    "format_comparison",
    "format_crossover",
    "format_history",
    "format_sweep",
    "format_syncs",
    "frames",
    "from_text",
    "GPU_PRESET",
    "History",
    "holders",
    "iterations_used",
    "kinds",
    "LAB",
    "LaunchPoint",
    "limit_sentence",
    "listed",
    "loop_sets",
    "own_batch",
    "lock_name",
    "LOOP_OK",
    "MAX_BATCH",
    "MAX_ECHO_CHARS",
    "miss_reasons",
    "MissingRun",
    "MODELS",
    "NotYours",
    "Outcome",
    "OverlapLabError",
    "parse_ratios",
    "PAYS",
    "points_frame",
    "POOL",
    "PRECISIONS",
    "predict",
    "preset",
    "PRESET_CASE",
    "PRESET_NOTES",
    "PRESETS",
    "Progress",
    "queue_for",
    "recorded",
    "registry",
    "ResultFile",
    "RUN_FIELDS",
    "rung_sentences",
    "RunSpec",
    "SETS",
    "SharedPathError",
    "shorten",
    "simulate",
    "STABLE_WINDOW",
    "STANDIN_PRESET",
    "standin_spec_s",
    "busy_text",
    "other_load",
    "pace_of",
    "STEPS",
    "sweep_dict",
    "missed_aims",
    "crowded",
    "colour_slots",
    "best_rung_sentence",
    "usable_cores",
    "sweep_launches",
    "SweepPoint",
    "Throttle",
    "TOO_FAST",
    "upload_sentence",
    "user_name",
    "Variant",
    "variant_frames",
    "verdict",
    "View",
    "Waiting",
    "worker_core",
    "Workload",
    "WorkloadError",
]
