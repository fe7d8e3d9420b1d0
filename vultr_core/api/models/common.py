"""The shape every model's ``from_api`` reads: one JSON object, as the API sent it."""

from collections.abc import Mapping
from typing import Any

Json = Mapping[str, Any]
