"""What every rule module shares: the violation a check reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Violation:
    rule: str  # "R1" … "R13"
    subject: str  # the institution id, or the expert id, the rule is broken for
    message: str  # in Chinese, for the planner

    def __str__(self) -> str:
        return f"[{self.rule}] {self.subject}：{self.message}"
