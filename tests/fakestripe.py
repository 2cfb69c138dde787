"""A small, stateful fake of the Stripe API on a loopback port, for tests, benchmarks and the demo.

It speaks what the real ``stripe`` client sends (form-encoded, nested
``a[b][0]`` keys; JSON back) for the objects Klachtpunt uses: customers,
tax rates, products, prices, checkout sessions (with a hosted payment page
stand-in), subscriptions and their items, invoice items and invoices.

Unlike localstripe it honours ``Idempotency-Key``: the same key with the same
request returns the first response (``Idempotent-Replayed: true``); the same
key with other parameters is refused, as Stripe does. It can be told to fail
every request from the Nth on (an outage in the middle of a run) and to
recover, or to refuse the next request to a route as Stripe refuses a
call it cannot do. It keeps what each request sent (``sent``), so tests
read back the parameters and idempotency keys the client passed. Webhooks
are signed with the real scheme (HMAC-SHA256 over ``"{t}.{body}"``) and,
when a webhook URL is set, delivered over HTTP.

Run on its own (``make demo`` does, with ``DEMO_FAKE_STRIPE=1``)::

    python tests/fakestripe.py --port 12111 --webhook-url http://localhost:8000/stripe/webhook/ \
        --webhook-secret whsec_demo
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import itertools
import json
import re
import secrets
import threading
import time
import urllib.request
from collections import Counter, deque
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_INVOICE_ITEMS = 250
# How many requests ``sent`` remembers (a long-running demo server must not grow without end).
SENT_KEPT = 20_000
YEAR = 365 * 24 * 3600


class StripeError(Exception):
    def __init__(
        self, status: int, message: str, kind: str = "invalid_request_error", code: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": kind, "message": message, **({"code": code} if code else {})}}


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's nested form encoding (``items[0][price]=x``) into dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {key: _listify(value) for key, value in node.items()}
        if converted and all(key.isdigit() for key in converted):
            return [converted[key] for key in sorted(converted, key=int)]
        return converted
    return node


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload`` (the real scheme)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


class FakeStripe:
    """The server and its state. ``start()`` serves it from a thread; ``stop()`` ends it."""

    def __init__(
        self,
        *,
        port: int = 0,
        webhook_url: str = "",
        webhook_secret: str = "",
        webhook_host: str = "",
    ) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.idempotency: dict[str, tuple[str, int, bytes]] = {}
        self.requests: Counter[str] = Counter()
        self.request_count = 0
        self.fail_from: int | None = None
        self._refusals: dict[str, str] = {}
        self._sent: deque[tuple[str, dict[str, Any], str]] = deque(maxlen=SENT_KEPT)
        self.events: list[dict[str, Any]] = []
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.webhook_host = webhook_host
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None
        self._deliveries: list[threading.Thread] = []
        self._meeting: tuple[str, threading.Barrier] | None = None
        self._arrived = 0
        self.met = 0

    # -- lifecycle -------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeStripe:
        # A short poll interval: ``stop()`` waits for the loop to notice, once per test.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="fakestripe", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        for delivery in self._deliveries:
            delivery.join(5)
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join(5)

    # -- test controls ---------------------------------------------------------------

    def fail_after(self, n: int) -> None:
        """Requests after the next ``n`` fail with 503 (nothing is executed) until ``recover()``."""
        with self.lock:
            self.fail_from = self.request_count + n + 1

    def meet_at(self, route: str, parties: int, timeout: float = 20) -> None:
        """Hold the first ``parties`` requests to ``route`` (e.g. ``POST /v1/invoices``) until all are in.

        Proof that a client sends them concurrently: a client that sends one at a time never
        gets its first answer, and after ``timeout`` seconds every held request fails with 503.
        """
        with self.lock:
            self._meeting = (route, threading.Barrier(parties, timeout=timeout))
            self._arrived = 0

    def recover(self) -> None:
        with self.lock:
            self.fail_from = None

    def refuse_next(self, route: str, message: str) -> None:
        """The next request to ``route`` (e.g. ``POST /v1/invoices/{id}/finalize``) is refused with a
        400 ``invalid_request_error`` and does nothing, as Stripe refuses a call it cannot do."""
        with self.lock:
            self._refusals[route] = message

    def sent(self, route: str) -> list[tuple[dict[str, Any], str]]:
        """What the client sent to ``route`` (e.g. ``POST /v1/invoices``): the decoded parameters
        and the idempotency key ("" without one) of each request, oldest first."""
        with self.lock:
            return [
                (json.loads(json.dumps(params)), key) for name, params, key in self._sent if name == route
            ]

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()
            self.request_count = 0

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(json.dumps(obj)) for obj in self.objects.get(kind, {}).values()]

    def get(self, kind: str, object_id: str) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps(self.objects[kind][object_id]))

    def complete_checkout(self, session_id: str, method: str = "ideal") -> dict[str, Any]:
        """What paying on the hosted page does: customer, subscription, first invoice, events.

        ``ideal`` settles at once; ``sepa_debit`` leaves the payment processing
        until ``settle_payment``.
        """
        with self.lock:
            session = self.objects["checkout.session"][session_id]
            if session["status"] != "open":
                raise StripeError(400, "This Checkout Session is no longer open.")
            customer_id = (
                session.get("customer")
                or self._create(
                    "customer", "cus", {"email": session.get("customer_email"), "name": None, "metadata": {}}
                )["id"]
            )
            instant = method != "sepa_debit"
            subscription = self._subscription_create(
                customer_id,
                [
                    {"price": item["price"], "quantity": item.get("quantity", "1")}
                    for item in session["_lines"]
                ],
                session.get("subscription_data", {}),
                status="active" if instant else "incomplete",
            )
            invoice = self._subscription_invoice(subscription, paid=instant)
            session.update(
                status="complete",
                customer=customer_id,
                subscription=subscription["id"],
                invoice=invoice["id"],
                payment_status="paid" if instant else "unpaid",
            )
            events = [
                self.event("customer.subscription.created", subscription),
                self.event("checkout.session.completed", session),
            ]
            if instant:
                events.append(self.event("invoice.paid", invoice))
        self._deliver(events)
        return self.get("checkout.session", session_id)

    def settle_payment(self, session_id: str, *, succeeded: bool) -> None:
        """A delayed payment (SEPA) settles: async payment succeeded or failed."""
        with self.lock:
            session = self.objects["checkout.session"][session_id]
            subscription = self.objects["subscription"][session["subscription"]]
            invoice = self.objects["invoice"][session["invoice"]]
            session["payment_status"] = "paid" if succeeded else "unpaid"
            subscription["status"] = "active" if succeeded else "incomplete_expired"
            invoice["status"] = "paid" if succeeded else "open"
            kind = "succeeded" if succeeded else "failed"
            events = [
                self.event(f"checkout.session.async_payment_{kind}", session),
                self.event("customer.subscription.updated", subscription),
            ]
        self._deliver(events)

    def expire_checkout(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            session = self.objects["checkout.session"][session_id]
            session["status"] = "expired"
            events = [self.event("checkout.session.expired", session)]
        self._deliver(events)
        return self.get("checkout.session", session_id)

    def set_subscription_status(self, subscription_id: str, status: str) -> dict[str, Any]:
        """Stripe changes a subscription on its own (a failed renewal, say); returns the event."""
        with self.lock:
            subscription = self.objects["subscription"][subscription_id]
            subscription["status"] = status
            event = self.event("customer.subscription.updated", subscription)
        self._deliver([event])
        return event

    def event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """An event carrying a snapshot of ``obj`` (as Stripe's do: later changes are not in it)."""
        event = {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": kind,
            "data": {"object": _public(json.loads(json.dumps(obj)))},
        }
        self.events.append(event)
        return event

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        if not self.webhook_url or not self.webhook_secret:
            return

        def send() -> None:
            for event in events:
                body = json.dumps(event)
                headers = {
                    "Content-Type": "application/json",
                    "Stripe-Signature": sign_payload(body, self.webhook_secret),
                }
                if self.webhook_host:
                    headers["Host"] = self.webhook_host
                request = urllib.request.Request(  # noqa: S310 (a loopback URL we were given)
                    self.webhook_url, data=body.encode(), headers=headers
                )
                for _attempt in range(5):
                    try:
                        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (loopback)
                            break
                    except Exception:
                        time.sleep(0.5)

        thread = threading.Thread(target=send, daemon=True)
        self._deliveries.append(thread)
        thread.start()

    # -- the API ----------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):08d}{secrets.token_hex(3)}"

    def _create(self, kind: str, prefix: str, fields: dict[str, Any]) -> dict[str, Any]:
        obj = {"id": self._new_id(prefix), "object": kind, "created": int(time.time()), "livemode": False}
        obj.update(fields)
        obj.setdefault("metadata", {})
        self.objects.setdefault(kind, {})[obj["id"]] = obj
        return obj

    def _find(self, kind: str, object_id: str) -> dict[str, Any]:
        try:
            return self.objects[kind][object_id]
        except KeyError:
            raise StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing") from None

    def handle(
        self, method: str, path: str, query: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Any]:
        """One API request; returns (status, JSON-able body). Called under no lock."""
        with self.lock:
            self.request_count += 1
            number = self.request_count
            route = re.sub(r"/(cus|cs|sub|si|ii|in|price|prod|txr)_[A-Za-z0-9_]+", r"/{id}", path)
            self.requests[f"{method} {route}"] += 1
            if self.fail_from is not None and number >= self.fail_from:
                return 503, {"error": {"type": "api_error", "message": "Fake outage"}}
            self._sent.append(
                (
                    f"{method} {route}",
                    decode_form(parse_qsl(body.decode(), keep_blank_values=True)),
                    headers.get("idempotency-key", ""),
                )
            )
            refusal = self._refusals.pop(f"{method} {route}", None)
            if refusal is not None:
                return 400, {"error": {"type": "invalid_request_error", "message": refusal}}
            barrier = None
            if self._meeting and self._meeting[0] == f"{method} {route}":
                barrier = self._meeting[1]
                self._arrived += 1
                if self._arrived == barrier.parties:
                    self._meeting = None  # only the first group waits
        if barrier is not None:
            try:
                barrier.wait()  # outside the lock: the others must get in
            except threading.BrokenBarrierError:
                return 503, {"error": {"type": "api_error", "message": "Fake: requests did not overlap"}}
            with self.lock:
                self.met += 1
        if not headers.get("authorization", "").startswith("Bearer sk_"):
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
        key = headers.get("idempotency-key", "")
        fingerprint = hashlib.sha256(f"{method} {path} ".encode() + body).hexdigest()
        with self.lock:
            if key and method == "POST":
                seen = self.idempotency.get(key)
                if seen is not None:
                    if seen[0] != fingerprint:
                        return 400, {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can only be used with the same "
                                "parameters they were first used with.",
                            }
                        }
                    return -seen[1], json.loads(seen[2])  # negative: replayed
            params = decode_form(parse_qsl(body.decode(), keep_blank_values=True))
            query_params = decode_form(parse_qsl(query, keep_blank_values=True))
            try:
                status, result = 200, self._dispatch(method, path, params, query_params)
            except StripeError as error:
                status, result = error.status, error.body
            if key and method == "POST" and status < 500:
                self.idempotency[key] = (fingerprint, status, json.dumps(result).encode())
            return status, result

    def _dispatch(self, method: str, path: str, params: dict, query: dict) -> Any:
        for pattern, handler_method, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and method == handler_method:
                return handler(params, query, *match.groups())
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _routes(self) -> list[tuple[str, str, Any]]:
        return [
            (r"/v1/customers", "POST", self._customer_create),
            (r"/v1/customers/([^/]+)", "GET", lambda p, q, i: _public(self._find("customer", i))),
            (r"/v1/tax_rates", "POST", self._tax_rate_create),
            (r"/v1/products", "POST", self._product_create),
            (r"/v1/prices", "POST", self._price_create),
            (r"/v1/prices/([^/]+)", "GET", lambda p, q, i: _public(self._find("price", i))),
            (r"/v1/checkout/sessions", "POST", self._session_create),
            (
                r"/v1/checkout/sessions/([^/]+)",
                "GET",
                lambda p, q, i: _public(self._find("checkout.session", i)),
            ),
            (r"/v1/checkout/sessions/([^/]+)/expire", "POST", self._session_expire),
            (r"/v1/subscriptions", "POST", self._subscription_create_api),
            (r"/v1/subscriptions", "GET", self._subscription_list),
            (r"/v1/subscriptions/([^/]+)", "GET", lambda p, q, i: _public(self._find("subscription", i))),
            (r"/v1/subscriptions/([^/]+)", "POST", self._subscription_update),
            (r"/v1/subscriptions/([^/]+)", "DELETE", self._subscription_cancel),
            (r"/v1/subscription_items", "POST", self._item_create),
            (r"/v1/subscription_items/([^/]+)", "DELETE", self._item_delete),
            (r"/v1/invoiceitems", "POST", self._invoice_item_create),
            (r"/v1/invoiceitems", "GET", self._invoice_item_list),
            (r"/v1/invoices", "POST", self._invoice_create),
            (r"/v1/invoices", "GET", self._invoice_list),
            (r"/v1/invoices/([^/]+)", "GET", lambda p, q, i: _public(self._find("invoice", i))),
            (r"/v1/invoices/([^/]+)/finalize", "POST", self._invoice_finalize),
        ]

    def _customer_create(self, params: dict, query: dict) -> dict:
        fields = {k: params.get(k) for k in ("email", "name", "description", "preferred_locales")}
        fields["metadata"] = params.get("metadata", {})
        return self._create("customer", "cus", fields)

    def _tax_rate_create(self, params: dict, query: dict) -> dict:
        for field in ("display_name", "percentage", "inclusive"):
            if field not in params:
                raise StripeError(400, f"Missing required param: {field}.")
        return self._create(
            "tax_rate",
            "txr",
            {
                "display_name": params["display_name"],
                "percentage": float(params["percentage"]),
                "inclusive": params["inclusive"] == "true",
                "country": params.get("country"),
                "jurisdiction": params.get("jurisdiction"),
                "description": params.get("description"),
                "active": True,
                "metadata": params.get("metadata", {}),
            },
        )

    def _product_create(self, params: dict, query: dict) -> dict:
        return self._create(
            "product", "prod", {"name": params["name"], "metadata": params.get("metadata", {})}
        )

    def _price_create(self, params: dict, query: dict) -> dict:
        self._find("product", params["product"])
        recurring = params.get("recurring")
        return self._create(
            "price",
            "price",
            {
                "currency": params["currency"],
                "unit_amount": int(params["unit_amount"]),
                "product": params["product"],
                "recurring": {"interval": recurring["interval"]} if recurring else None,
                "tax_behavior": params.get("tax_behavior", "unspecified"),
                "metadata": params.get("metadata", {}),
            },
        )

    def _session_create(self, params: dict, query: dict) -> dict:
        if params.get("mode") != "subscription":
            raise StripeError(400, "The fake only does subscription mode.")
        for field in ("success_url", "cancel_url", "line_items"):
            if field not in params:
                raise StripeError(400, f"Missing required param: {field}.")
        for line in params["line_items"]:
            self._find("price", line["price"])
        session = self._create(
            "checkout.session",
            "cs",
            {
                "mode": "subscription",
                "status": "open",
                "payment_status": "unpaid",
                "customer": params.get("customer"),
                "customer_email": params.get("customer_email"),
                "client_reference_id": params.get("client_reference_id"),
                "payment_method_types": params.get("payment_method_types", ["card"]),
                "success_url": params["success_url"],
                "cancel_url": params["cancel_url"],
                "subscription": None,
                "invoice": None,
                "locale": params.get("locale"),
                "expires_at": int(params.get("expires_at") or time.time() + 24 * 3600),
                "metadata": params.get("metadata", {}),
                "subscription_data": params.get("subscription_data", {}),
                "_lines": params["line_items"],
            },
        )
        session["url"] = f"{self.url}/checkout/{session['id']}"
        return _public(session)

    def _session_expire(self, params: dict, query: dict, session_id: str) -> dict:
        session = self._find("checkout.session", session_id)
        if session["status"] != "open":
            raise StripeError(400, "Only open Checkout Sessions can be expired.")
        session["status"] = "expired"
        self.event("checkout.session.expired", session)
        return _public(session)

    def _subscription_create(
        self, customer_id: str, items: list[dict], data: dict, *, status: str
    ) -> dict[str, Any]:
        now = int(time.time())
        subscription = self._create(
            "subscription",
            "sub",
            {
                "customer": customer_id,
                "status": status,
                "cancel_at_period_end": False,
                "canceled_at": None,
                "collection_method": data.get("collection_method", "charge_automatically"),
                "default_tax_rates": [{"id": t} for t in data.get("default_tax_rates", [])],
                "current_period_start": now,
                "current_period_end": now + YEAR,
                "metadata": data.get("metadata", {}),
                "items": {"object": "list", "data": [], "has_more": False},
            },
        )
        for item in items:
            self._item_add(subscription, item["price"], int(item.get("quantity", 1)))
        return subscription

    def _item_add(self, subscription: dict, price_id: str, quantity: int) -> dict:
        price = self._find("price", price_id)
        item = self._create(
            "subscription_item",
            "si",
            {
                "subscription": subscription["id"],
                "price": price,
                "quantity": quantity,
                "current_period_start": subscription["current_period_start"],
                "current_period_end": subscription["current_period_end"],
            },
        )
        subscription["items"]["data"].append(item)
        return item

    def _subscription_invoice(self, subscription: dict, *, paid: bool) -> dict:
        invoice = self._invoice_new(subscription["customer"], subscription["default_tax_rates"], {})
        invoice["parent"] = {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription["id"]},
        }
        for item in subscription["items"]["data"]:
            invoice["_lines"].append(
                {
                    "amount": item["price"]["unit_amount"] * item["quantity"],
                    "description": item["price"]["id"],
                }
            )
        self._finalize(invoice)
        invoice["status"] = "paid" if paid else "open"
        return invoice

    def _subscription_create_api(self, params: dict, query: dict) -> dict:
        self._find("customer", params["customer"])
        data = {
            "collection_method": params.get("collection_method", "charge_automatically"),
            "default_tax_rates": params.get("default_tax_rates", []),
            "metadata": params.get("metadata", {}),
        }
        status = "active" if data["collection_method"] == "send_invoice" else "incomplete"
        subscription = self._subscription_create(
            params["customer"], params.get("items", []), data, status=status
        )
        self._subscription_invoice(subscription, paid=False)
        return _public(subscription)

    def _subscription_list(self, params: dict, query: dict) -> dict:
        rows = [
            s for s in self.objects.get("subscription", {}).values() if s["customer"] == query.get("customer")
        ]
        return {
            "object": "list",
            "data": [_public(s) for s in rows],
            "has_more": False,
            "url": "/v1/subscriptions",
        }

    def _subscription_update(self, params: dict, query: dict, subscription_id: str) -> dict:
        subscription = self._find("subscription", subscription_id)
        if "cancel_at_period_end" in params:
            subscription["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
        if "metadata" in params:
            subscription["metadata"].update(params["metadata"])
        self.event("customer.subscription.updated", subscription)
        return _public(subscription)

    def _subscription_cancel(self, params: dict, query: dict, subscription_id: str) -> dict:
        subscription = self._find("subscription", subscription_id)
        subscription["status"] = "canceled"
        subscription["canceled_at"] = int(time.time())
        return _public(subscription)

    def _item_create(self, params: dict, query: dict) -> dict:
        subscription = self._find("subscription", params["subscription"])
        return _public(self._item_add(subscription, params["price"], int(params.get("quantity", 1))))

    def _item_delete(self, params: dict, query: dict, item_id: str) -> dict:
        item = self._find("subscription_item", item_id)
        subscription = self._find("subscription", item["subscription"])
        if len(subscription["items"]["data"]) <= 1:
            raise StripeError(400, "A subscription must have at least one active plan.")
        subscription["items"]["data"] = [i for i in subscription["items"]["data"] if i["id"] != item_id]
        del self.objects["subscription_item"][item_id]
        return {"id": item_id, "object": "subscription_item", "deleted": True}

    def _invoice_new(self, customer_id: str, tax_rates: list, metadata: dict) -> dict:
        return self._create(
            "invoice",
            "in",
            {
                "customer": customer_id,
                "status": "draft",
                "number": None,
                "currency": "eur",
                "auto_advance": False,
                "collection_method": "charge_automatically",
                "default_tax_rates": tax_rates,
                "description": None,
                "hosted_invoice_url": None,
                "subtotal": 0,
                "tax": 0,
                "total": 0,
                "amount_due": 0,
                "parent": None,
                "metadata": metadata,
                "_lines": [],
            },
        )

    def _invoice_create(self, params: dict, query: dict) -> dict:
        self._find("customer", params["customer"])
        rates = [self._find("tax_rate", t) for t in params.get("default_tax_rates", [])]
        invoice = self._invoice_new(
            params["customer"], [{"id": r["id"]} for r in rates], params.get("metadata", {})
        )
        invoice["collection_method"] = params.get("collection_method", "charge_automatically")
        invoice["auto_advance"] = params.get("auto_advance") == "true"
        invoice["description"] = params.get("description")
        if params.get("days_until_due"):
            invoice["days_until_due"] = int(params["days_until_due"])
        return _public(invoice)

    def _invoice_item_create(self, params: dict, query: dict) -> dict:
        self._find("customer", params["customer"])
        if "amount" not in params:
            raise StripeError(400, "Missing required param: amount.")
        invoice_id = params.get("invoice")
        if invoice_id:
            invoice = self._find("invoice", invoice_id)
            if invoice["status"] != "draft":
                raise StripeError(400, "You can only add invoice items to draft invoices.")
            if len(invoice["_lines"]) >= MAX_INVOICE_ITEMS:
                raise StripeError(400, f"An invoice cannot have more than {MAX_INVOICE_ITEMS} line items.")
        item = self._create(
            "invoiceitem",
            "ii",
            {
                "customer": params["customer"],
                "amount": int(params["amount"]),
                "currency": params.get("currency", "eur"),
                "description": params.get("description"),
                "invoice": invoice_id,
                "metadata": params.get("metadata", {}),
            },
        )
        if invoice_id:
            invoice["_lines"].append(
                {"amount": item["amount"], "description": item["description"], "id": item["id"]}
            )
        return item

    def _invoice_item_list(self, params: dict, query: dict) -> dict:
        rows = [
            i for i in self.objects.get("invoiceitem", {}).values() if i["invoice"] == query.get("invoice")
        ]
        return {"object": "list", "data": rows, "has_more": False, "url": "/v1/invoiceitems"}

    def _invoice_list(self, params: dict, query: dict) -> dict:
        rows = [
            _public(i)
            for i in self.objects.get("invoice", {}).values()
            if i["customer"] == query.get("customer") and i["status"] != "draft"
        ]
        rows.sort(key=lambda i: i["created"], reverse=True)
        return {
            "object": "list",
            "data": rows[: int(query.get("limit", 10))],
            "has_more": False,
            "url": "/v1/invoices",
        }

    def _finalize(self, invoice: dict) -> None:
        percentages = [
            Decimal(str(self._find("tax_rate", rate["id"])["percentage"]))
            for rate in invoice["default_tax_rates"]
        ]
        subtotal = sum(line["amount"] for line in invoice["_lines"])
        # Exclusive tax rates: each line's tax rounded to a whole cent, then added.
        tax = sum(
            int((Decimal(line["amount"]) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for line in invoice["_lines"]
            for pct in percentages
        )
        invoice.update(
            status="open",
            number=f"FAKE-{next(self._numbers):05d}",
            subtotal=subtotal,
            tax=tax,
            total=subtotal + tax,
            amount_due=subtotal + tax,
            hosted_invoice_url=f"{self.url}/invoice/{invoice['id']}",
            status_transitions={"finalized_at": int(time.time())},
        )

    def _invoice_finalize(self, params: dict, query: dict, invoice_id: str) -> dict:
        invoice = self._find("invoice", invoice_id)
        if invoice["status"] != "draft":
            raise StripeError(400, "This invoice is already finalized.")
        self._finalize(invoice)
        self.event("invoice.finalized", invoice)
        return _public(invoice)

    # -- hosted pages ----------------------------------------------------------------

    def checkout_page(self, session_id: str) -> str:
        with self.lock:
            session = self.objects.get("checkout.session", {}).get(session_id)
            if session is None:
                return ""
            lines = []
            for line in session["_lines"]:
                price = self.objects["price"][line["price"]]
                product = self.objects["product"][price["product"]]
                lines.append(
                    f"<li>{html.escape(product['name'])}: € {price['unit_amount'] / 100:.2f} per jaar</li>"
                )
        return _PAGE.format(
            title="Betalen (testomgeving)",
            body=(
                "<h1>Betalen (testomgeving)</h1>"
                "<p>Dit is de nagebootste betaalpagina van Stripe. Er wordt niets afgeschreven.</p>"
                f"<ul>{''.join(lines)}</ul>"
                '<form method="post"><fieldset><legend>Betaalmethode</legend>'
                '<button type="submit" name="method" value="ideal">Betalen met iDEAL</button> '
                '<button type="submit" name="method" value="sepa_debit">SEPA-incasso</button>'
                "</fieldset></form>"
                f'<p><a href="{html.escape(session["cancel_url"])}">Annuleren en terug</a></p>'
            ),
        )

    def invoice_page(self, invoice_id: str) -> str:
        with self.lock:
            invoice = self.objects.get("invoice", {}).get(invoice_id)
            if invoice is None:
                return ""
            rows = "".join(
                f"<tr><td>{html.escape(str(line['description']))}</td>"
                f"<td>{line['amount'] / 100:.2f}</td></tr>"
                for line in invoice["_lines"]
            )
            return _PAGE.format(
                title=f"Factuur {invoice['number']}",
                body=(
                    f"<h1>Factuur {html.escape(str(invoice['number']))}</h1><table>{rows}</table>"
                    f"<p>Subtotaal {invoice['subtotal'] / 100:.2f}, BTW {invoice['tax'] / 100:.2f}, "
                    f"totaal {invoice['total'] / 100:.2f}</p>"
                ),
            )


_PAGE = (
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
    "<body><main>{body}</main></body></html>"
)


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fakestripe"
        # Headers and body go out in separate writes: without this, Nagle's algorithm
        # meets the client's delayed ACK and every response waits 40 ms.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(
            self, status: int, payload: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _api(self, method: str) -> None:
            parts = urlsplit(self.path)
            body = self._body()
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, result = fake.handle(method, parts.path, parts.query, body, headers)
            extra = {}
            if status < 0:
                status = -status
                extra["Idempotent-Replayed"] = "true"
            if status == 503:
                extra["Stripe-Should-Retry"] = "false"
            self._send(status, json.dumps(result).encode(), "application/json", extra)

        def _page(self) -> bool:
            parts = urlsplit(self.path)
            match = re.fullmatch(r"/(checkout|invoice)/([A-Za-z0-9_]+)", parts.path)
            if not match:
                return False
            kind, object_id = match.groups()
            if self.command == "POST" and kind == "checkout":
                form = dict(parse_qsl(self._body().decode()))
                try:
                    session = fake.complete_checkout(object_id, form.get("method", "ideal"))
                except (KeyError, StripeError):
                    self._send(404, b"not found", "text/plain")
                    return True
                target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", object_id)
                self._send(303, b"", "text/plain", {"Location": target})
                return True
            page = fake.checkout_page(object_id) if kind == "checkout" else fake.invoice_page(object_id)
            if not page:
                self._send(404, b"not found", "text/plain")
            else:
                self._send(200, page.encode(), "text/html; charset=utf-8")
            return True

        def do_GET(self) -> None:
            if self.path == "/_fake/stats":
                with fake.lock:
                    stats = {"requests": fake.request_count, "by_route": dict(fake.requests)}
                self._send(200, json.dumps(stats).encode(), "application/json")
                return
            if not self._page():
                self._api("GET")

        def do_POST(self) -> None:
            if not self._page():
                self._api("POST")

        def do_DELETE(self) -> None:
            self._api("DELETE")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--webhook-secret", default="")
    parser.add_argument("--webhook-host", default="")
    args = parser.parse_args()
    fake = FakeStripe(
        port=args.port,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        webhook_host=args.webhook_host,
    )
    print(f"fake Stripe on {fake.url}", flush=True)
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.server.server_close()


if __name__ == "__main__":
    main()
