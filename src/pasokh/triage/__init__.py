"""Triage: normalise → language → category → sentiment → priority (with reasons).

Entry points: ``pasokh.triage.engine.TriageEngine`` (service), ``pasokh.triage.cli``
(``pasokh triage …``), ``pasokh.triage.training.train`` (learning from labelled JSONL).
"""
