"""Playbooks: the debugging loop written down for one kind of incident, loaded from YAML.

A playbook lists, for each phase of the loop (reproduce ... prevent), the steps an experienced
responder would take, with guidance, an optional evidence ``run`` a source can do and an
optional findings ``check`` shown beside the step. Shipped playbooks live in the repository's
top-level ``playbooks/`` directory (installed as ``debugtui/shipped_playbooks``); a user's own
in ``$XDG_CONFIG_HOME/debugtui/playbooks/`` replace a shipped one with the same id. The format
is documented in ``playbooks/README.md``.

Validation is strict and positional: every problem names the file, the line and the field, and
all problems of a file are reported together, because a playbook is written by hand at leisure
and read under pressure. Loading never raises anything but :class:`PlaybookError`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from debugtui.config import config_dir
from debugtui.findings import RULES
from debugtui.notebook.model import PHASES, Phase
from debugtui.textsafe import one_line
from debugtui.timewindow import parse_when

DEFAULT_CADENCE_MINUTES = 30
"""How often stakeholders get an update when a playbook does not say."""

SHIPPED_DIR = Path(__file__).with_name("shipped_playbooks")
"""The shipped playbooks: a link to the repository's ``playbooks/``, real files in a wheel."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ID_HELP = "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64"


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Evidence a source can collect for a step: the source name and its parameters."""

    source: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def describe(self) -> str:
        """One line such as ``logs pattern='OOM|killed' since=30m``, values quoted as a shell
        would need them."""
        parts = [self.source]
        for key, value in self.params.items():
            shown = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
            parts.append(f"{key}={shlex.quote(shown)}")
        return " ".join(parts)


@dataclass(frozen=True)
class Step:
    """One thing to do in one phase. ``id`` is stable: checklist ticks refer to it."""

    id: str
    phase: Phase
    text: str
    guidance: str = ""
    run: Run | None = None
    check: str | None = None
    """A findings rule id (``findings.RULES``) whose outcome is shown beside the step."""
    exit: bool = False
    """An exit criterion (verify phase only): to be met before resolving without confirming."""


@dataclass(frozen=True)
class Playbook:
    id: str
    title: str
    description: str = ""
    symptoms: tuple[str, ...] = ()
    phases: Mapping[Phase, tuple[Step, ...]] = field(default_factory=dict, hash=False)
    """Every phase, in loop order, each with its steps (possibly none)."""
    update_cadence_minutes: int = DEFAULT_CADENCE_MINUTES
    path: Path | None = None
    origin: str = ""
    """``shipped`` or ``user`` when loaded by :func:`load_playbooks`."""

    def steps(self, phase: Phase | None = None) -> tuple[Step, ...]:
        """The steps of ``phase``, or of every phase in loop order."""
        if phase is not None:
            return self.phases.get(phase, ())
        return tuple(step for p in PHASES for step in self.phases.get(p, ()))

    @property
    def exit_criteria(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps(Phase.VERIFY) if step.exit)

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps() if step.id == step_id), None)


# --- errors ---------------------------------------------------------------------------------


class PlaybookError(ValueError):
    """Everything wrong with one playbook file, each problem as ``path:line: field: reason``.

    ``path``, ``line``, ``column``, ``field`` and ``reason`` describe the first problem;
    ``errors`` holds every problem (each itself a ``PlaybookError``) in line order.
    """

    def __init__(
        self,
        path: str | Path,
        line: int | None,
        field: str,
        reason: str,
        *,
        column: int | None = None,
        errors: Sequence[PlaybookError] = (),
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.field = field
        self.reason = reason
        self.errors: tuple[PlaybookError, ...] = tuple(errors) or (self,)
        super().__init__("\n".join(error.one_problem() for error in self.errors))

    def one_problem(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return one_line(f"{where}: {self.field}: {self.reason}")

    @classmethod
    def collect(cls, errors: Sequence[PlaybookError]) -> PlaybookError:
        """One error carrying every problem in ``errors``, sorted by line."""
        ordered = sorted(errors, key=lambda e: (e.line or 0, e.column or 0))
        first = ordered[0]
        return cls(
            first.path,
            first.line,
            first.field,
            first.reason,
            column=first.column,
            errors=ordered,
        )


# --- run parameters -------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """What one run parameter accepts; ``kind`` picks the check in ``_Checker.param``."""

    kind: str
    """regex, when, bool, count, port, text, texts or choice."""
    required: bool = False
    minimum: int = 0
    choices: tuple[str, ...] = ()


RUN_PARAMS: Mapping[str, Mapping[str, Param]] = {
    "logs": {
        "pattern": Param("regex", required=True),
        "paths": Param("texts"),
        "since": Param("when"),
        "until": Param("when"),
        "ignore_case": Param("bool"),
        "context": Param("count"),
        "max_matches": Param("count", minimum=1),
    },
    "queries": {
        "sort": Param("choice", choices=("total", "mean", "calls", "rows", "io", "temp")),
        "top": Param("count", minimum=1),
    },
    "containers": {"since": Param("when"), "name": Param("text")},
    "deploys": {"since": Param("when"), "repos": Param("texts"), "deploy_tags": Param("text")},
    "sockets": {"port": Param("port")},
    "system": {},
}
"""The parameters each source accepts in a step's ``run``; ``source`` names one of these."""


# --- YAML with line numbers -----------------------------------------------------------------


class _Map(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers where it and each of its keys start."""

    line: int = 1
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int, int]]
    """(key, line, line of the first occurrence) for every repeated key."""


class _Seq(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers where it and each of its items start."""

    line: int = 1
    item_lines: list[int]


class _Marked:
    """The constructing half of a loader whose mappings and sequences carry line numbers; no
    surprise exceptions.

    Timestamps stay strings (``since: 2026-01-31T14:05Z`` is validated like ``since: 2h``), and
    a bad explicitly tagged scalar (``!!int abc``) is a YAML error with a position, not a
    ValueError from deep inside PyYAML.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[misc]
        except yaml.YAMLError:
            raise
        except (ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.tag} value: {exc}", node.start_mark
            ) from exc


class _MarkedLoader(_Marked, yaml.SafeLoader):
    """:class:`_Marked` on PyYAML's pure-Python parser: the reference, and the words of every
    YAML error reported."""


_CSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader, or the pure-Python one when PyYAML was built without libyaml."""


class _FastMarkedLoader(_Marked, _CSafeLoader):  # type: ignore[misc, valid-type]
    """:class:`_Marked` on libyaml's parser when PyYAML was built with it (about five times
    faster: the catalogue is read whenever an investigation opens). Its nodes carry the same
    start marks; only its error messages differ, so a document it refuses is read again by
    the pure-Python parser, whose messages and positions are the ones reported."""


def _construct_map(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Iterable[_Map]:
    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a mapping, found {node.id}", node.start_mark
        )
    data = _Map()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.duplicates = []
    yield data
    own = {id(key_node) for key_node, _ in node.value}
    loader.flatten_mapping(node)
    merged: set[Any] = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a key that is a list or mapping",
                key_node.start_mark,
            ) from None
        line = key_node.start_mark.line + 1
        if key in data.key_lines and key not in merged:
            data.duplicates.append((key, line, data.key_lines[key]))
        else:
            # A key from a ``<<: *anchor`` merge may be overridden: that is what merges are for.
            data.key_lines[key] = line
            merged.discard(key)
            if id(key_node) not in own:
                merged.add(key)
        data[key] = loader.construct_object(value_node)


def _construct_seq(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Iterable[_Seq]:
    if not isinstance(node, yaml.SequenceNode):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a sequence, found {node.id}", node.start_mark
        )
    data = _Seq()
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_object(child) for child in node.value)


for _loader in (_MarkedLoader, _FastMarkedLoader):
    _loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    _loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
    _loader.add_constructor(
        "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
    )


def _read_yaml(text: str, path: str) -> Any:
    try:
        return yaml.load(text, Loader=_FastMarkedLoader)
    except Exception:  # whatever libyaml refuses is reported as the reference parser words it
        pass
    try:
        return yaml.load(text, Loader=_MarkedLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            where = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
            reason = f"{exc.problem} ({exc.context}{where})"
        if mark is None:
            raise PlaybookError(path, None, "yaml", reason) from None
        raise PlaybookError(path, mark.line + 1, "yaml", reason, column=mark.column + 1) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise PlaybookError(path, line, "yaml", f"unreadable character: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise PlaybookError(path, None, "yaml", f"invalid YAML: {exc}") from None
    except RecursionError:
        raise PlaybookError(path, None, "yaml", "nested too deeply") from None


# --- validation -----------------------------------------------------------------------------

_TOP_KEYS = ("id", "title", "description", "symptoms", "update_cadence_minutes", "phases")
_STEP_KEYS = ("id", "text", "guidance", "run", "check", "exit")


def _line(container: Any, key: Any, default: int | None) -> int | None:
    """The line where ``key`` (a mapping key or a list index) starts in ``container``."""
    if isinstance(container, _Map):
        return container.key_lines.get(key, default)
    if isinstance(container, _Seq) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return default


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class _Checker:
    """Builds a Playbook from loaded YAML, collecting every problem instead of stopping."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[PlaybookError] = []
        self.step_ids: dict[str, int | None] = {}

    def problem(self, line: int | None, field: str, reason: str) -> None:
        self.problems.append(PlaybookError(self.path, line, field, reason))

    def keys(
        self, mapping: Mapping[Any, Any], known: Sequence[str], prefix: str, line: int | None
    ) -> None:
        for key, key_line, first in getattr(mapping, "duplicates", ()):
            self.problem(key_line, f"{prefix}{key}", f"duplicate key (first at line {first})")
        for key in mapping:
            if key not in known:
                self.problem(
                    _line(mapping, key, line),
                    f"{prefix}{key}",
                    f"unknown key (known: {', '.join(known)})",
                )

    def text(
        self, mapping: Any, key: str, field: str, line: int | None, *, required: bool = False
    ) -> str:
        if key not in mapping:
            if required:
                self.problem(line, field, "missing (required)")
            return ""
        value = mapping[key]
        at = _line(mapping, key, line)
        if not isinstance(value, str):
            self.problem(at, field, f"must be text, found {_type_name(value)}")
            return ""
        if required and not value.strip():
            self.problem(at, field, "must not be empty")
        return value

    def ident(self, mapping: Any, key: str, field: str, line: int | None, default: str) -> str:
        if key not in mapping:
            return default
        value = mapping[key]
        at = _line(mapping, key, line)
        if not isinstance(value, str):
            self.problem(at, field, f"must be text, found {_type_name(value)}")
            return default
        if not _ID.match(value):
            self.problem(at, field, f"{value!r} is not a valid id ({_ID_HELP} characters)")
        return value

    def playbook(self, doc: Any) -> Playbook | None:
        if not isinstance(doc, dict):
            self.problem(
                getattr(doc, "line", 1),
                "(document)",
                f"a playbook is a mapping with id, title and phases; found {_type_name(doc)}",
            )
            return None
        line = getattr(doc, "line", 1)
        self.keys(doc, _TOP_KEYS, "", line)
        if "id" not in doc:
            self.problem(line, "id", "missing (required)")
        playbook_id = self.ident(doc, "id", "id", line, "")
        title = self.text(doc, "title", "title", line, required=True)
        description = self.text(doc, "description", "description", line)
        symptoms = self.symptoms(doc, line)
        cadence = self.cadence(doc, line)
        phases = self.phases(doc, line)
        if phases is not None and not any(phases.values()):
            self.problem(_line(doc, "phases", line), "phases", "has no steps")
        return Playbook(
            id=playbook_id,
            title=title,
            description=description,
            symptoms=symptoms,
            phases=phases or {p: () for p in PHASES},
            update_cadence_minutes=cadence,
        )

    def symptoms(self, doc: Any, line: int | None) -> tuple[str, ...]:
        if "symptoms" not in doc:
            return ()
        value = doc["symptoms"]
        at = _line(doc, "symptoms", line)
        if not isinstance(value, list):
            self.problem(at, "symptoms", f"must be a list of text, found {_type_name(value)}")
            return ()
        found = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                found.append(item.strip())
            else:
                shown = "empty text" if isinstance(item, str) else _type_name(item)
                hint = " (quote it)" if isinstance(item, (bool, int, float)) else ""
                self.problem(
                    _line(value, index, at),
                    f"symptoms[{index + 1}]",
                    f"must be text, found {shown}{hint}",
                )
        return tuple(found)

    def cadence(self, doc: Any, line: int | None) -> int:
        if "update_cadence_minutes" not in doc:
            return DEFAULT_CADENCE_MINUTES
        value = doc["update_cadence_minutes"]
        at = _line(doc, "update_cadence_minutes", line)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(
                at, "update_cadence_minutes", f"must be whole minutes, found {_type_name(value)}"
            )
            return DEFAULT_CADENCE_MINUTES
        if not 1 <= value <= 1440:
            self.problem(at, "update_cadence_minutes", "must be between 1 and 1440 minutes")
            return DEFAULT_CADENCE_MINUTES
        return value

    def phases(self, doc: Any, line: int | None) -> dict[Phase, tuple[Step, ...]] | None:
        if "phases" not in doc:
            self.problem(line, "phases", "missing (required)")
            return None
        value = doc["phases"]
        at = _line(doc, "phases", line)
        if not isinstance(value, dict):
            self.problem(at, "phases", f"must map phase names to steps, found {_type_name(value)}")
            return None
        names = [p.value for p in PHASES]
        for key, key_line, first in getattr(value, "duplicates", ()):
            self.problem(key_line, f"phases.{key}", f"duplicate phase (first at line {first})")
        result: dict[Phase, tuple[Step, ...]] = {p: () for p in PHASES}
        for key, steps in value.items():
            key_line = _line(value, key, at)
            if key not in names:
                self.problem(
                    key_line, f"phases.{key}", f"unknown phase (phases: {', '.join(names)})"
                )
                continue
            result[Phase(key)] = self.steps(Phase(key), steps, key_line)
        return result

    def steps(self, phase: Phase, value: Any, line: int | None) -> tuple[Step, ...]:
        field = f"phases.{phase.value}"
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(line, field, f"must be a list of steps, found {_type_name(value)}")
            return ()
        steps = []
        for index, item in enumerate(value, start=1):
            step = self.step(phase, index, item, _line(value, index - 1, line))
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def step(self, phase: Phase, index: int, item: Any, line: int | None) -> Step | None:
        field = f"phases.{phase.value}[{index}]"
        default_id = f"{phase.value}-{index}"
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            self.problem(
                line,
                field,
                f"a step is a mapping with text (or just text); found {_type_name(item)}",
            )
            return None
        line = getattr(item, "line", line)
        self.keys(item, _STEP_KEYS, f"{field}.", line)
        step_id = self.ident(item, "id", f"{field}.id", line, default_id)
        id_line = _line(item, "id", line)
        if step_id in self.step_ids:
            reason = f"duplicate step id {step_id!r} (first at line {self.step_ids[step_id]})"
            if "id" not in item:
                reason += "; this step's id comes from its position: give it an explicit id"
            self.problem(id_line, f"{field}.id", reason)
        else:
            self.step_ids[step_id] = id_line
        text = self.text(item, "text", f"{field}.text", line, required=True)
        guidance = self.text(item, "guidance", f"{field}.guidance", line)
        run = None
        if "run" in item:
            run = self.run(item["run"], f"{field}.run", _line(item, "run", line))
        check = self.check(item, f"{field}.check", line)
        exit_ = self.exit(item, phase, f"{field}.exit", line)
        return Step(
            id=step_id,
            phase=phase,
            text=text,
            guidance=guidance,
            run=run,
            check=check,
            exit=exit_,
        )

    def check(self, item: Any, field: str, line: int | None) -> str | None:
        if "check" not in item:
            return None
        value = item["check"]
        at = _line(item, "check", line)
        if not isinstance(value, str):
            self.problem(at, field, f"must be a findings rule id, found {_type_name(value)}")
            return None
        if value not in RULES:
            self.problem(at, field, f"unknown rule {value!r} (rules: {', '.join(RULES)})")
            return None
        return value

    def exit(self, item: Any, phase: Phase, field: str, line: int | None) -> bool:
        if "exit" not in item:
            return False
        value = item["exit"]
        at = _line(item, "exit", line)
        if not isinstance(value, bool):
            self.problem(at, field, f"must be true or false, found {_type_name(value)}")
            return False
        if value and phase is not Phase.VERIFY:
            self.problem(at, field, "exit criteria belong in the verify phase")
            return False
        return value

    def run(self, value: Any, field: str, line: int | None) -> Run | None:
        if not isinstance(value, dict):
            self.problem(
                line,
                field,
                f"must be a mapping with source and its parameters, found {_type_name(value)}",
            )
            return None
        line = getattr(value, "line", line)
        for key, key_line, first in getattr(value, "duplicates", ()):
            self.problem(key_line, f"{field}.{key}", f"duplicate key (first at line {first})")
        source = value.get("source")
        if "source" not in value:
            self.problem(line, f"{field}.source", "missing (required)")
            return None
        source_line = _line(value, "source", line)
        if not isinstance(source, str) or source not in RUN_PARAMS:
            shown = repr(source) if isinstance(source, str) else _type_name(source)
            self.problem(
                source_line,
                f"{field}.source",
                f"unknown source {shown} (sources: {', '.join(RUN_PARAMS)})",
            )
            return None
        specs = RUN_PARAMS[source]
        params: dict[str, Any] = {}
        for key, raw in value.items():
            if key == "source":
                continue
            key_line = _line(value, key, line)
            spec = specs.get(key) if isinstance(key, str) else None
            if spec is None:
                accepted = ", ".join(specs) or "none"
                self.problem(
                    key_line,
                    f"{field}.{key}",
                    f"unknown parameter for {source} (accepted: {accepted})",
                )
                continue
            checked = self.param(spec, raw, f"{field}.{key}", key_line)
            if checked is not None:
                params[key] = checked
        for name, spec in specs.items():
            if spec.required and name not in value:
                self.problem(line, f"{field}.{name}", f"missing (required for {source})")
        return Run(source=source, params=params)

    def param(self, spec: Param, value: Any, field: str, line: int | None) -> Any:
        """The checked value, or None after recording why it is not acceptable."""
        found = _type_name(value)
        if spec.kind in ("regex", "when", "text", "choice") and (
            not isinstance(value, str) or not value.strip()
        ):
            shown = "empty text" if isinstance(value, str) else found
            self.problem(line, field, f"must be text, found {shown}")
            return None
        if spec.kind == "regex":
            try:
                re.compile(value)
            except (re.error, OverflowError, RecursionError, ValueError) as exc:
                self.problem(line, field, f"not a valid regular expression: {exc}")
                return None
        elif spec.kind == "when":
            try:
                parse_when(value)
            except (ValueError, OverflowError) as exc:
                self.problem(line, field, f"not a duration or time: {exc}")
                return None
        elif spec.kind == "choice" and value not in spec.choices:
            self.problem(line, field, f"{value!r} is not one of: {', '.join(spec.choices)}")
            return None
        elif spec.kind == "bool" and not isinstance(value, bool):
            self.problem(line, field, f"must be true or false, found {found}")
            return None
        elif spec.kind in ("count", "port"):
            low, high = (1, 65535) if spec.kind == "port" else (spec.minimum, 10**9)
            if isinstance(value, bool) or not isinstance(value, int):
                self.problem(line, field, f"must be a whole number, found {found}")
                return None
            if not low <= value <= high:
                self.problem(line, field, f"must be between {low} and {high}")
                return None
        elif spec.kind == "texts":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(
                isinstance(i, str) and i.strip() for i in items
            ):
                self.problem(line, field, f"must be text or a list of text, found {found}")
                return None
            return tuple(items)
        return value


# --- loading --------------------------------------------------------------------------------


def parse_playbook(text: str, path: str | Path = "<text>") -> Playbook:
    """The playbook in ``text``; ``path`` only names it in errors. Raises PlaybookError."""
    where = str(path)
    doc = _read_yaml(text, where)
    checker = _Checker(where)
    try:
        playbook = checker.playbook(doc)
    except RecursionError:
        raise PlaybookError(where, None, "yaml", "nested too deeply") from None
    if checker.problems or playbook is None:
        raise PlaybookError.collect(checker.problems)
    return playbook


def load_playbook_file(path: str | Path) -> Playbook:
    """The playbook in the file at ``path``. Raises PlaybookError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlaybookError(path, None, "file", f"not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        raise PlaybookError(path, None, "file", f"cannot read: {exc.strerror or exc}") from None
    return replace(parse_playbook(text, path), path=path)


def user_dir() -> Path:
    """Where a user's playbooks live: ``$XDG_CONFIG_HOME/debugtui/playbooks``."""
    return config_dir() / "playbooks"


def playbook_files(directory: Path) -> list[Path]:
    """The ``.yaml`` / ``.yml`` files directly in ``directory``, by name; none if it is absent.

    Raises OSError when the directory exists but cannot be listed."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


class Loaded(NamedTuple):
    """What :func:`load_playbooks` found: usable playbooks by id, and the files that were not."""

    playbooks: dict[str, Playbook]
    errors: list[PlaybookError]


def load_playbooks(*, shipped: Path | None = None, user: Path | None = None) -> Loaded:
    """Shipped playbooks, then the user's, a user one replacing a shipped one of the same id.

    A broken file is reported in ``errors`` and skipped (a shipped playbook stays usable when
    the user's copy of it is broken); within one directory the first file (by name) to use an
    id keeps it and a later one is an error.
    """
    playbooks: dict[str, Playbook] = {}
    errors: list[PlaybookError] = []
    for origin, directory in (
        ("shipped", SHIPPED_DIR if shipped is None else shipped),
        ("user", user_dir() if user is None else user),
    ):
        seen: dict[str, Path] = {}
        try:
            paths = playbook_files(directory)
        except OSError as exc:
            reason = f"cannot list: {exc.strerror or exc}"
            errors.append(PlaybookError(directory, None, "directory", reason))
            continue
        for path in paths:
            try:
                playbook = load_playbook_file(path)
            except PlaybookError as exc:
                errors.append(exc)
                continue
            if playbook.id in seen:
                errors.append(
                    PlaybookError(
                        path, 1, "id", f"{playbook.id!r} is already used by {seen[playbook.id]}"
                    )
                )
                continue
            seen[playbook.id] = path
            playbooks[playbook.id] = replace(playbook, origin=origin)
    return Loaded(dict(sorted(playbooks.items())), errors)


def get_playbook(
    playbook_id: str, playbooks: Mapping[str, Playbook] | None = None
) -> Playbook | None:
    """The playbook with this id (user first, then shipped), or None."""
    found = load_playbooks().playbooks if playbooks is None else playbooks
    return found.get(playbook_id)


# --- suggestions ----------------------------------------------------------------------------

_STOP_WORDS = frozenset(
    {"a", "an", "and", "after", "at", "before", "by", "for", "from", "in", "into", "is"}
    | {"it", "of", "on", "or", "the", "to", "was", "were", "with"}
)
_SUFFIXES = ("ments", "ment", "ings", "ing", "ed", "s")
_SEVERITY_WEIGHT = {"critical": 2.0, "warning": 1.0}


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {_stem(w) for w in words if w not in _STOP_WORDS}


def _text_score(playbook: Playbook, stems: set[str]) -> float:
    """A symptom whose words all appear scores its word count (longer = more specific);
    words shared with the title or a partly matched symptom add a little."""
    score = 0.0
    loose: set[str] = set()
    for symptom in playbook.symptoms:
        wanted = _stems(symptom)
        if wanted and wanted <= stems:
            score += len(wanted)
        else:
            loose |= wanted & stems
    loose |= _stems(playbook.title) & stems
    return score + 0.25 * len(loose)


def _finding_score(playbook: Playbook, findings: Iterable[Any]) -> float:
    """A finding whose rule is one of the symptoms scores 3, one the playbook checks 1;
    critical findings count double and info ones half."""
    symptoms = set(playbook.symptoms)
    checks = {step.check for step in playbook.steps() if step.check}
    score = 0.0
    for finding in findings:
        if isinstance(finding, Mapping):
            rule, severity = finding.get("rule"), finding.get("severity")
        else:
            rule, severity = getattr(finding, "rule", None), getattr(finding, "severity", None)
        weight = _SEVERITY_WEIGHT.get(str(severity), 0.5) if severity else 1.0
        if rule in symptoms:
            score += 3 * weight
        elif rule in checks:
            score += weight
    return score


def suggest(
    text_or_findings: str | Iterable[Any],
    playbooks: Mapping[str, Playbook] | None = None,
) -> list[tuple[Playbook, float]]:
    """Playbooks that fit an incident title / description, or a list of findings.

    Findings are :class:`debugtui.findings.Finding` objects or their ``to_dict()`` form.
    Only playbooks that match at all are returned, best first (ties by id); an empty list
    means "none fits": offer the ``generic`` playbook.
    """
    found = load_playbooks().playbooks if playbooks is None else playbooks
    if isinstance(text_or_findings, str):
        stems = _stems(text_or_findings)
        scored = [(pb, _text_score(pb, stems)) for pb in found.values()]
    else:
        findings = list(text_or_findings)
        scored = [(pb, _finding_score(pb, findings)) for pb in found.values()]
    matches = [(pb, score) for pb, score in scored if score > 0]
    return sorted(matches, key=lambda item: (-item[1], item[0].id))
