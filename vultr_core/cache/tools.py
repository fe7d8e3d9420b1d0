"""Cache Tools' changes to the cache: each checked when it runs, then written to the audit log.

Two checks, made here rather than by disabling buttons, so that no stale or forged click gets
past them: the user must be allowed to change the cache (CACHE_ADMIN_EMAILS, with a verified
address), and the keys and tags touched must not be the app's own (vultr_core.cache.protected).
TTLs are bounded by CacheHelper itself (store.MAX_TTL_S).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from vultr_core.api.errors import RefusedError
from vultr_core.cache.audit import record_action
from vultr_core.cache.protected import app_family
from vultr_core.cache.store import DEFAULT_TTL_S, CacheHelper, Fetched
from vultr_core.cache.tags import checked_tags
from vultr_core.config import Settings

T = TypeVar("T")

# What sign-in providers send as ``email_verified``: a JSON boolean, or (Cognito) a string.
_CLAIM_WORDS = {"true": True, "false": False}


@dataclass(frozen=True, slots=True)
class Operator:
    """Who asks for a change: the signed-in address (None: nobody is signed in) and whether
    the sign-in provider verified it (None: the provider sends no ``email_verified``)."""

    email: str | None = None
    email_verified: bool | None = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, object]) -> Operator:
        """From the sign-in's claims (``st.user``); a claim we cannot read counts as unverified.

        Signed in without an e-mail address (some providers) counts as not signed in.
        """
        if claims.get("is_logged_in") is not True:
            return cls()
        email = str(claims.get("email") or "").strip() or None
        if "email_verified" not in claims or claims["email_verified"] is None:
            return cls(email, None)
        verified = claims["email_verified"]
        if isinstance(verified, str):
            return cls(email, _CLAIM_WORDS.get(verified.strip().lower(), False))
        return cls(email, verified is True)

    @property
    def name(self) -> str:
        """The name the audit log records."""
        return self.email or "anonymous"


class CacheTools:
    """The writes and deletes Cache Tools offers, refused (RefusedError) for a user the admin
    list leaves out and for the app's own keys; every change lands in the audit log."""

    def __init__(self, cache: CacheHelper, settings: Settings) -> None:
        self.cache = cache
        self._settings = settings

    def refusal(self, operator: Operator) -> str | None:
        """Why this user may not change the cache, in a sentence; None when they may."""
        if self._settings.may_change_cache(operator.email, email_verified=operator.email_verified):
            return None
        only = "only the addresses in CACHE_ADMIN_EMAILS may change the cache"
        if operator.email is None:
            return f"{only}, and you are not signed in"
        if self._settings.may_change_cache(operator.email):
            return f"{only}, and your sign-in provider has not verified {operator.email}"
        return f"{only}; {operator.email} is not one of them"

    def set_with_tags(
        self,
        operator: Operator,
        key: str,
        value: object,
        tags: Sequence[str],
        ttl_s: float = DEFAULT_TTL_S,
    ) -> None:
        """CacheHelper.set_with_tags, for an allowed user on a key that is not the app's."""
        self._check(operator, keys=[key], tags=tags)
        self.cache.set_with_tags(key, value, tags, ttl_s)
        record_action(self.cache, who=operator.name, action="set", target=key, key_count=1)

    def fetch(
        self,
        operator: Operator,
        key: str,
        compute: Callable[[], T],
        ttl_s: float = DEFAULT_TTL_S,
        *,
        tags: Sequence[str] = (),
    ) -> Fetched[T]:
        """CacheHelper.fetch (which writes on a miss), with set_with_tags' checks."""
        self._check(operator, keys=[key], tags=tags)
        fetched = self.cache.fetch(key, compute, ttl_s, tags=tags)
        if fetched.source == "computed":
            record_action(self.cache, who=operator.name, action="compute", target=key, key_count=1)
        return fetched

    def invalidate_tag(self, operator: Operator, tag: str) -> int:
        """Delete every key of a tag that is not the app's; returns how many were deleted."""
        self._check(operator, tags=[tag])
        removed = self.cache.invalidate_by_tag(tag)
        record_action(
            self.cache, who=operator.name, action="invalidate tag", target=tag, key_count=removed
        )
        return removed

    def take(self, operator: Operator, keys: Sequence[str]) -> list[Any]:
        """Read and delete keys in one step (none of them the app's); None for a missing one."""
        self._check(operator, keys=keys)
        values = self.cache.mget_and_delete(keys)
        taken = sum(value is not None for value in values)
        record_action(
            self.cache,
            who=operator.name,
            action="mget and delete",
            target=", ".join(keys),
            key_count=taken,
        )
        return values

    def _check(
        self, operator: Operator, *, keys: Iterable[str] = (), tags: Sequence[str] = ()
    ) -> None:
        """Refuse before anything is sent: a user who may not, or a name of the app's own."""
        reason = self.refusal(operator)
        if reason is not None:
            raise RefusedError(f"{reason[:1].upper()}{reason[1:]}.")
        names = [(key, self.cache.value_key(key)) for key in keys]
        names += [(tag, self.cache.tag_key(tag)) for tag in checked_tags(tags)]
        for given, name in names:
            family = app_family(name, self.cache.namespace)
            if family is not None:
                raise RefusedError(
                    f"{given!r} is the app's own data ({family.what}): Cache Tools may show "
                    "it, but never write, take or invalidate it."
                )
