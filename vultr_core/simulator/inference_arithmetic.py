"""The simulated models' arithmetic: find a sum in a prompt and work it out, within bounds.

A prompt is outside input, so the calculator takes only numbers, + - × ÷ % ^ and brackets,
in a short expression, and refuses results too large to read (no ``9**9**9`` can stall the
simulator).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeGuard

MAX_EXPRESSION_CHARS = 120
MAX_BRACKETS = 12
# Results beyond this are refused: a reply is for reading, and huge powers cost time.
MAX_MAGNITUDE = 1e15

_WORDS = (
    (re.compile(r"(?i)\bmultiplied\s+by\b|\btimes\b"), "*"),
    (re.compile(r"(?i)\bdivided\s+by\b|\bover\b"), "/"),
    (re.compile(r"(?i)\bplus\b|\badded\s+to\b"), "+"),
    (re.compile(r"(?i)\bminus\b"), "-"),
    (re.compile(r"(?i)\bsquared\b"), "^2"),
    (re.compile(r"(?i)\bcubed\b"), "^3"),
    (re.compile(r"(?<=\d)\s*[x×]\s*(?=\d)"), "*"),
    (re.compile(r"÷"), "/"),
    (re.compile(r"(?<=\d),(?=\d{3}\b)"), ""),
)
_PERCENT_OF = re.compile(r"(?i)(\d+(?:\.\d+)?)\s*%\s*of\s*(\d+(?:\.\d+)?)")
_CANDIDATE = re.compile(r"[-+*/^().\d\s]+")
_HAS_OPERATION = re.compile(r"\d\s*\)*\s*(?:\*\*|[-+*/^])\s*\(*\s*-?\d")

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 3}
_SHOWN = {ast.Add: "+", ast.Sub: "−", ast.Mult: "×", ast.Div: "÷", ast.Pow: "^"}


class SumError(ValueError):
    """An expression the calculator will not work out; the message says why, for the reply."""


@dataclass(frozen=True, slots=True)
class Sum:
    shown: str
    result: str


def find_sum(prompt: str) -> str | None:
    """The longest arithmetic expression in the prompt, in Python's syntax, or None."""
    text = _PERCENT_OF.sub(r"(\1/100*\2)", prompt)
    for pattern, replacement in _WORDS:
        text = pattern.sub(replacement, text)
    candidates = [
        found.group().strip()
        for found in _CANDIDATE.finditer(text)
        if _HAS_OPERATION.search(found.group())
    ]
    if not candidates:
        return None
    return max(candidates, key=len).replace("^", "**")


def work_out(expression: str) -> Sum:
    """``expression`` shown the way people write it, and its value.

    Raises:
        SumError: too long, not arithmetic, dividing by zero, or too large a result.
    """
    if len(expression) > MAX_EXPRESSION_CHARS or expression.count("(") > MAX_BRACKETS:
        raise SumError("that expression is longer than I work out in one go")
    try:
        tree = ast.parse(expression, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise SumError("I could not read that as a sum") from None
    value = _value(tree)
    return Sum(_shown(tree), format_number(value))


def format_number(value: float) -> str:
    """Whole numbers with thousands separators; others to at most six decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _value(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and _is_number(node.value):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _value(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Div) and right == 0:
            raise SumError("dividing by zero has no answer")
        if isinstance(node.op, ast.Pow) and not _power_in_bounds(left, right):
            raise SumError("that power is too large to write out")
        result = _BINARY[type(node.op)](left, right)
        if isinstance(result, complex) or not math.isfinite(result):
            raise SumError("that has no real-number answer")
        if abs(result) > MAX_MAGNITUDE:
            raise SumError("the answer is too large to write out")
        return float(result)
    raise SumError("I could not read that as a sum")


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _power_in_bounds(base: float, exponent: float) -> bool:
    if abs(exponent) > 64:
        return False
    return abs(base) <= 1 or exponent * math.log10(abs(base)) <= math.log10(MAX_MAGNITUDE)


def _shown(node: ast.expr) -> str:
    """The expression as people write it, with brackets only where precedence needs them."""
    if isinstance(node, ast.Constant) and _is_number(node.value):
        return format_number(float(node.value))
    if isinstance(node, ast.UnaryOp):
        inner = _shown(node.operand)
        if isinstance(node.operand, ast.BinOp):
            inner = f"({inner})"
        return f"−{inner}" if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        rank = _PRECEDENCE[type(node.op)]
        left, right = _shown(node.left), _shown(node.right)
        if _rank(node.left) < rank or (isinstance(node.op, ast.Pow) and _rank(node.left) == rank):
            left = f"({left})"
        if _rank(node.right) < rank or (
            _rank(node.right) == rank and not isinstance(node.op, ast.Add | ast.Mult | ast.Pow)
        ):
            right = f"({right})"
        return f"{left} {_SHOWN[type(node.op)]} {right}"
    return "?"


def _rank(node: ast.expr) -> int:
    return _PRECEDENCE[type(node.op)] if isinstance(node, ast.BinOp) else 9
