"""The simulated models' code: a short, working snippet for the few tasks they know, in the
language the prompt names, and an honest starting point for anything else.

Only the function's name comes from the prompt, built from its key words in lower-case ASCII,
so nothing the prompt holds can break out of the code block.
"""

from __future__ import annotations

import keyword
import random
import re
from collections.abc import Sequence

_SQL = re.compile(r"(?i)\b(sql|query|select|table)\b")
_SHELL = re.compile(r"(?i)\b(bash|shell|curl|command line|terminal)\b")
_JAVASCRIPT = re.compile(r"(?i)\b(javascript|typescript|node|js)\b")
_ASCII_WORD = re.compile(r"[a-z]+")

PYTHON_TASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?i)\bfib"),
        'def fibonacci(n: int) -> list[int]:\n    """The first n Fibonacci numbers."""\n'
        "    numbers, a, b = [], 0, 1\n    for _ in range(n):\n        numbers.append(a)\n"
        "        a, b = b, a + b\n    return numbers\n\n\nprint(fibonacci(10))",
    ),
    (
        re.compile(r"(?i)\bfactorial"),
        'def factorial(n: int) -> int:\n    """n! for n >= 0."""\n    result = 1\n'
        "    for k in range(2, n + 1):\n        result *= k\n    return result\n\n\n"
        "print(factorial(5))",
    ),
    (
        re.compile(r"(?i)\bprime"),
        'def is_prime(n: int) -> bool:\n    """Whether n is a prime number."""\n'
        "    if n < 2:\n        return False\n    k = 2\n    while k * k <= n:\n"
        "        if n % k == 0:\n            return False\n        k += 1\n    return True\n\n\n"
        "print([n for n in range(20) if is_prime(n)])",
    ),
    (
        re.compile(r"(?i)\brevers"),
        'def reverse(text: str) -> str:\n    """The text backwards."""\n    return text[::-1]'
        '\n\n\nprint(reverse("vultr"))',
    ),
    (
        re.compile(r"(?i)\b(instance|server|vultr|api)"),
        "import os\n\nimport httpx\n\n\ndef list_instances() -> list[dict]:\n"
        '    """Every instance on the account (the key comes from the environment)."""\n'
        '    headers = {"Authorization": f"Bearer {os.environ[\'VULTR_API_KEY\']}"}\n'
        '    response = httpx.get("https://api.vultr.com/v2/instances", headers=headers)\n'
        "    response.raise_for_status()\n"
        '    return response.json()["instances"]\n\n\n'
        "for instance in list_instances():\n"
        '    print(instance["label"], instance["region"], instance["plan"])',
    ),
)
SQL_SPEND = (
    "SELECT date_trunc('month', billed_at) AS month, sum(amount_usd) AS spend\n"
    "FROM invoice_items\nGROUP BY month\nORDER BY month DESC\nLIMIT 12;"
)
SHELL_INSTANCES = (
    'curl -s -H "Authorization: Bearer $VULTR_API_KEY" \\\n'
    "  https://api.vultr.com/v2/instances | jq '.instances[] | {label, region, plan}'"
)
JAVASCRIPT_FETCH = (
    'const response = await fetch("https://api.vultr.com/v2/instances", {\n'
    "  headers: { Authorization: `Bearer ${process.env.VULTR_API_KEY}` },\n"
    "});\nconst { instances } = await response.json();\n"
    "console.table(instances.map(({ label, region, plan }) => ({ label, region, plan })));"
)


AFTER_CODE = {
    "sql": "Try it on a copy of the data first; the LIMIT keeps the first look small.",
    "bash": "Keep the API key in the environment, as here, never in the command itself.",
    "javascript": "Keep the API key in the environment, as here, never in the code.",
    "python": "Python 3.10 or later runs it as it is.",
}


def code_reply(prompt: str, words: Sequence[str], rng: random.Random) -> str:
    """A sentence, a fenced snippet, and a sentence on how to run it."""
    if _SQL.search(prompt):
        language, code = "sql", _sql(words)
    elif _SHELL.search(prompt):
        language, code = "bash", SHELL_INSTANCES
    elif _JAVASCRIPT.search(prompt):
        language, code = "javascript", JAVASCRIPT_FETCH
    else:
        language, code = "python", _python(prompt, words)
    lead = rng.choice(("Here is one way to do it:", "Something like this:", "Try this:"))
    after = rng.choice(
        ("Run it as it is first, then change one thing at a time.", AFTER_CODE[language])
    )
    return f"{lead}\n\n```{language}\n{code}\n```\n\n{after}"


def _python(prompt: str, words: Sequence[str]) -> str:
    for pattern, code in PYTHON_TASKS:
        if pattern.search(prompt):
            return code
    name = function_name(words)
    return (
        f"def {name}(items: list[str]) -> list[str]:\n"
        '    """A starting point: one result per item, in order."""\n'
        "    results = []\n    for item in items:\n"
        "        results.append(item.strip())\n    return results\n\n\n"
        f'print({name}(["a ", " b"]))'
    )


def _sql(words: Sequence[str]) -> str:
    if {"spend", "cost", "costs", "bill", "invoice", "invoices"} & set(words):
        return SQL_SPEND
    table = function_name(words[:1]) if words else "items"
    return f"SELECT *\nFROM {table}\nORDER BY 1\nLIMIT 10;"


def function_name(words: Sequence[str]) -> str:
    """A Python name from the prompt's key words: ASCII letters and underscores only."""
    parts = [part for word in words for part in _ASCII_WORD.findall(word.lower())][:3]
    name = "_".join(parts) or "process"
    return f"{name}_" if keyword.iskeyword(name) or keyword.issoftkeyword(name) else name
