"""Exceptions raised by the pure domain."""

from __future__ import annotations

from typing import Any

from . import refusals


class DomainError(ValueError):
    """A request the domain can never honour (bad quantity, past deadline, unknown province)."""


class RuleBroken(DomainError):
    """A value a rule refuses, with the stable code and params of ``refusals.MESSAGES``."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(refusals.english(code, params))
        self.code = code
        self.params = params


class UnknownProvince(DomainError):
    """A province slug that is not one of Iran's 31 provinces."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown province: {code!r}")
        self.code = code


class IllegalTransition(DomainError):
    """A status change that the state machine does not allow."""

    def __init__(self, machine: str, current: str, target: str) -> None:
        super().__init__(f"{machine} cannot go from {current!r} to {target!r}")
        self.machine = machine
        self.current = current
        self.target = target
