"""HTTP details: the official `hubspot-api-client`, retries, the rate budget and clear errors.

Responses are read with `_preload_content=False` and parsed with `json.loads`: the generated
models cost more CPU per page than the whole rest of a sync (see bench/bench_sync.py) and we
only need plain dicts. Every request goes through `_call`, which takes a slot in the budget;
retries made inside urllib3 take theirs through `BudgetRetry`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hubspot import HubSpot
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.associations.v4.models import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
from hubspot.crm.objects.models import (
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectId,
)
from hubspot.crm.owners.exceptions import ApiException as OwnersApiException
from hubspot.crm.pipelines.exceptions import ApiException as PipelinesApiException
from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from connectors.hubspot.budget import RateBudget
from models.errors import HandoffError

LIST_LIMIT = 100  # list endpoints: at most 100 per page
SEARCH_LIMIT = 200  # search: at most 200 per page
BATCH_LIMIT = 100  # batch reads: at most 100 ids
HISTORY_BATCH_LIMIT = 50  # propertiesWithHistory: at most 50 records per request
RETRY_STATUSES = (429, 502, 503, 504)
# Each generated package has its own ApiException (no common base class).
API_EXCEPTIONS = (
    ObjectsApiException,
    AssociationsApiException,
    OwnersApiException,
    PipelinesApiException,
)


class HubSpotError(HandoffError):
    """A HubSpot request failed in a way a person must fix (token, scope, request)."""


class DailyLimitReached(HandoffError):
    """The portal's daily API limit is used up: stop cleanly, resume tomorrow."""


class _DailyLimitSignal(Exception):
    """Raised inside urllib3's retry loop so a daily 429 is not retried for minutes."""


def _body_json(raw: bytes | str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def is_daily_limit(body: dict[str, Any]) -> bool:
    return str(body.get("policyName", "")).upper() == "DAILY"


class BudgetRetry(Retry):
    """urllib3 Retry that counts every retry in the rate budget and stops on a daily 429.

    The first retry also waits (`backoff_factor`): an immediate retry after a rolling-window
    429 would only earn another 429.
    """

    def __init__(self, *args: Any, budget: RateBudget | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = budget
        self.search = False

    def new(self, **kw: Any) -> BudgetRetry:
        kw.setdefault("budget", self.budget)
        return super().new(**kw)  # type: ignore[return-value]

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> BudgetRetry:
        if self.budget is not None:
            self.budget.complete()
        if response is not None and response.status == 429 and is_daily_limit(_body_json(response.data)):
            raise _DailyLimitSignal()
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        retry.search = "/search" in (url or "")
        return retry  # type: ignore[return-value]

    def get_backoff_time(self) -> float:
        errors = len(self.history)
        if errors == 0:
            return 0.0
        return float(min(self.backoff_max, self.backoff_factor * (2 ** (errors - 1))))

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        super().sleep(response)
        if self.budget is not None:
            self.budget.acquire(search=self.search)


@dataclass(frozen=True)
class HttpOptions:
    """Retry and timeout knobs (tests shorten the backoff)."""

    retries: int = 6
    backoff_factor: float = 1.0
    backoff_max: float = 60.0
    timeout: float = 60.0


def _scope_hint(body: dict[str, Any]) -> list[str]:
    """Scopes HubSpot says are missing (shapes vary between endpoints)."""
    found: list[str] = []
    for error in body.get("errors", []) or []:
        context = error.get("context", {}) if isinstance(error, dict) else {}
        for key in ("requiredGranularScopes", "requiredScopes", "missingScopes"):
            values = context.get(key) if isinstance(context, dict) else None
            if isinstance(values, list):
                found.extend(str(v) for v in values)
    return list(dict.fromkeys(found))


class HubSpotClient:
    """The few HubSpot calls a sync needs, each one budgeted, retried and mapped to clear errors."""

    def __init__(
        self,
        token: str,
        budget: RateBudget,
        *,
        base_url: str | None = None,
        options: HttpOptions | None = None,
    ) -> None:
        options = options or HttpOptions()
        self.budget = budget
        self.options = options
        retry = BudgetRetry(
            total=options.retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # search, batch and association reads are POSTs
            backoff_factor=options.backoff_factor,
            backoff_max=options.backoff_max,
            respect_retry_after_header=True,
            raise_on_status=True,
            budget=budget,
        )
        extra: dict[str, Any] = {"host": base_url.rstrip("/")} if base_url else {}
        client = HubSpot(access_token=token, retry=retry, **extra)
        # Each attribute access builds a new configuration and connection pool: keep them.
        crm = client.crm
        self._objects = crm.objects.basic_api
        self._batch = crm.objects.batch_api
        self._search = crm.objects.search_api
        self._owners = crm.owners.owners_api
        self._pipelines = crm.pipelines.pipelines_api
        self._associations = crm.associations.v4.batch_api

    # ------------------------------------------------------------------ calls
    def list_page(
        self,
        object_type: str,
        *,
        after: str | None,
        properties: Sequence[str],
        associations: Sequence[str] = (),
        archived: bool = False,
        scope: str,
    ) -> dict[str, Any]:
        """One page of `GET /crm/v3/objects/{type}` (100 records; no `paging` on the last)."""
        kwargs: dict[str, Any] = {"limit": LIST_LIMIT, "archived": archived}
        if after:
            kwargs["after"] = after
        if properties:
            kwargs["properties"] = list(properties)
        if associations:
            kwargs["associations"] = list(associations)
        return self._call(
            f"list {object_type}", scope, lambda **kw: self._objects.get_page(object_type, **kwargs, **kw)
        )

    def search_page(
        self,
        object_type: str,
        *,
        modified_property: str,
        start_ms: int,
        end_ms: int,
        after_id: str | None,
        properties: Sequence[str],
        scope: str,
    ) -> dict[str, Any]:
        """Records modified in [start, end) with `hs_object_id` > after_id, ascending by id.

        A fresh query per page (never the `after` offset), so the 10,000-result cap of one query
        is never reached however many records share one timestamp.
        """
        filters = [
            Filter(property_name=modified_property, operator="GTE", value=str(start_ms)),
            Filter(property_name=modified_property, operator="LT", value=str(end_ms)),
        ]
        if after_id:
            filters.append(Filter(property_name="hs_object_id", operator="GT", value=str(after_id)))
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=filters)],
            sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],  # type: ignore[list-item]
            properties=list(properties),
            limit=SEARCH_LIMIT,
        )
        return self._call(
            f"search {object_type}",
            scope,
            lambda **kw: self._search.do_search(object_type, public_object_search_request=request, **kw),
            search=True,
        )

    def count(
        self,
        object_type: str,
        *,
        id_range: tuple[int, int],
        created_before_ms: int,
        extra: Sequence[tuple[str, str, str | Sequence[str]]] = (),
        scope: str,
    ) -> int:
        """How many live records have `hs_object_id` in [low, high] and were created before
        the instant: one search request (limit 1; its `total` is the answer). `extra` adds
        (property, operator, value or values) filters."""
        low, high = id_range
        filters = [
            Filter(property_name="hs_object_id", operator="GTE", value=str(low)),
            Filter(property_name="hs_object_id", operator="LTE", value=str(high)),
            Filter(property_name="createdate", operator="LT", value=str(created_before_ms)),
        ]
        for name, operator, wanted in extra:
            if isinstance(wanted, str):
                filters.append(Filter(property_name=name, operator=operator, value=wanted))
            else:
                filters.append(Filter(property_name=name, operator=operator, values=list(wanted)))
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=filters)], properties=["hs_object_id"], limit=1
        )
        body = self._call(
            f"count {object_type}",
            scope,
            lambda **kw: self._search.do_search(object_type, public_object_search_request=request, **kw),
            search=True,
        )
        return int(body.get("total") or 0)

    def batch_read(
        self,
        object_type: str,
        ids: Sequence[str],
        *,
        properties: Sequence[str],
        history: Sequence[str],
        scope: str,
    ) -> list[dict[str, Any]]:
        """`POST /crm/v3/objects/{type}/batch/read`, with property history (<= 50 ids)."""
        request = BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=str(i)) for i in ids],
            properties=list(properties),
            properties_with_history=list(history),
        )
        body = self._call(
            f"batch read {object_type}",
            scope,
            lambda **kw: self._batch.read(
                object_type, batch_read_input_simple_public_object_id=request, archived=False, **kw
            ),
        )
        return list(body.get("results", []))

    def read_associations(
        self, from_type: str, ids: Iterable[str], *, to_type: str = "contacts", scope: str
    ) -> dict[str, list[str]]:
        """All associated ids per record via the v4 batch read, following per-input paging."""
        found: dict[str, list[str]] = {}
        todo: list[tuple[str, str | None]] = [(str(i), None) for i in ids]
        while todo:
            batch, todo = todo[:BATCH_LIMIT], todo[BATCH_LIMIT:]
            request = BatchInputPublicFetchAssociationsBatchRequest(
                inputs=[PublicFetchAssociationsBatchRequest(id=i, after=a) for i, a in batch]
            )
            body = self._call(
                f"read {from_type} associations",
                scope,
                lambda request=request, **kw: self._associations.get_page(
                    from_type, to_type, batch_input_public_fetch_associations_batch_request=request, **kw
                ),
            )
            for result in body.get("results", []):
                source = str(result["from"]["id"])
                found.setdefault(source, []).extend(str(t["toObjectId"]) for t in result.get("to", []))
                after = ((result.get("paging") or {}).get("next") or {}).get("after")
                if after:
                    todo.append((source, str(after)))
        return found

    def owners_page(self, *, after: str | None, archived: bool) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"limit": LIST_LIMIT, "archived": archived}
        if after:
            kwargs["after"] = after
        return self._call(
            "list owners", "crm.objects.owners.read", lambda **kw: self._owners.get_page(**kwargs, **kw)
        )

    def deal_pipelines(self) -> dict[str, Any]:
        return self._call(
            "list deal pipelines",
            "crm.objects.deals.read",
            lambda **kw: self._pipelines.get_all("deals", **kw),
        )

    # ------------------------------------------------------------------ plumbing
    def _call(
        self, what: str, scope: str, send: Callable[..., Any], *, search: bool = False
    ) -> dict[str, Any]:
        self.budget.acquire(search=search)
        try:
            response = send(_preload_content=False, _request_timeout=self.options.timeout)
            return _body_json(response.data)
        except _DailyLimitSignal:
            raise DailyLimitReached(
                "HubSpot's daily API limit for this portal is used up. The sync stopped cleanly "
                "and kept its checkpoint: run `handoff sync hubspot` again after midnight in the "
                "portal's time zone and it resumes where it stopped."
            ) from None
        except MaxRetryError as exc:
            raise HubSpotError(
                f"HubSpot kept failing on {what} ({_reason(exc)}) after {self.options.retries} "
                "retries. The checkpoint is kept: run the sync again later; if it persists, check "
                "https://status.hubspot.com or HUBSPOT_BASE_URL."
            ) from None
        except API_EXCEPTIONS as exc:
            body = _body_json(exc.body)
            raise _api_error(what, scope, int(exc.status or 0), body) from None
        finally:
            self.budget.complete()


def _reason(exc: MaxRetryError) -> str:
    reason = exc.reason
    text = str(reason) if reason is not None else "no response"
    if "too many" in text and "responses" in text:
        return text.split(":")[-1].strip() if ":" in text else text
    return type(reason).__name__ if reason is not None else text


def _api_error(what: str, scope: str, status: int, body: dict[str, Any]) -> HubSpotError:
    """A person-readable error; HubSpot's own message, never the token."""
    message = str(body.get("message", "")).strip()
    correlation = body.get("correlationId")
    ref = f" (HubSpot correlation id {correlation})" if correlation else ""
    if status == 401:
        return HubSpotError(
            "HubSpot rejected the access token (401): it is invalid, expired or was rotated. "
            "Copy the current token of the private app (Settings > Integrations > Private apps > "
            f"Auth) into HUBSPOT_ACCESS_TOKEN and run again{ref}."
        )
    if status == 403:
        scopes = ", ".join(_scope_hint(body)) or scope
        return HubSpotError(
            f"HubSpot refused {what} (403): the private app is missing the scope {scopes}. "
            "Add it under the app's Scopes tab, save, and run the sync again" + ref + "."
        )
    return HubSpotError(f"HubSpot answered {status} to {what}: {message or 'no message'}{ref}.")
