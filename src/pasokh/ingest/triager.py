"""Run the triage engine for a workspace, with that workspace's own priority rules."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pasokh.triage.engine import Prepared, TriageContext, TriageEngine, TriageResult
from pasokh.triage.rules import PriorityRules


class WorkspaceTriager:
    """The one triage engine of a process, plus per-workspace rules looked up by id.

    Rules come from `workspace.settings["triage_rules"]`; a workspace without its own
    rules uses the shipped defaults. Looked-up rules are cached until `forget(id)`.
    """

    def __init__(self, engine: TriageEngine,
                 rules_source: Callable[[int], dict[str, Any] | None]) -> None:
        self.engine = engine
        self._rules_source = rules_source
        self._rules: dict[int, PriorityRules | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model_dir: Path | None,
             rules_source: Callable[[int], dict[str, Any] | None]) -> WorkspaceTriager:
        return cls(TriageEngine.load(model_dir=model_dir), rules_source)

    def rules_for(self, workspace_id: int) -> PriorityRules | None:
        with self._lock:
            if workspace_id in self._rules:
                return self._rules[workspace_id]
        raw = self._rules_source(workspace_id)
        rules = PriorityRules.model_validate(raw) if raw else None
        with self._lock:
            self._rules[workspace_id] = rules
        return rules

    def forget(self, workspace_id: int) -> None:
        """Drop cached rules after an admin edits them."""
        with self._lock:
            self._rules.pop(workspace_id, None)

    def prepare(self, items: Sequence[tuple[str, int]]) -> list[Prepared]:
        """Score (text, workspace id) pairs by their text alone, a batch per workspace;
        `triage_message(..., prepared=...)` then adds each message's context."""
        out: list[Prepared | None] = [None] * len(items)
        by_workspace: dict[int, list[int]] = {}
        for index, (_, workspace_id) in enumerate(items):
            by_workspace.setdefault(workspace_id, []).append(index)
        for workspace_id, indexes in by_workspace.items():
            prepared = self.engine.prepare_many([(items[i][0], None) for i in indexes],
                                                rules=self.rules_for(workspace_id))
            for i, p in zip(indexes, prepared, strict=True):
                out[i] = p
        return [p for p in out if p is not None]

    def triage_message(self, text: str, *, workspace_id: int, channel: str, is_public: bool,
                       reach: int, is_vip: bool, waiting_seconds: float,
                       repeat_contacts: int, prepared: Prepared | None = None) -> TriageResult:
        """Triage one message of `workspace_id` in its context (`prepared` by `prepare`
        from the same text, or from scratch)."""
        context = TriageContext(channel=channel, is_public=is_public, reach=reach, is_vip=is_vip,
                                waiting_seconds=waiting_seconds, repeat_contacts=repeat_contacts)
        if prepared is not None:
            return self.engine.finish(prepared, context)
        return self.engine.triage(text, context, rules=self.rules_for(workspace_id))


def rules_json(rules: PriorityRules) -> str:
    """Rules as stored in a workspace's settings."""
    return json.dumps(rules.model_dump(mode="json"), ensure_ascii=False)
