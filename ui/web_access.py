"""Who is using the web UI, and what they may do there: every event handler asks this first.

The gate (ui/gate.py) has put the signed-in principal on each request; Gradio hands handlers that request as
`gr.Request`. Handlers are reachable through Gradio's API whether or not their buttons are shown, so every one
checks here, on the server, whatever the page displays: a collection the person may not read answers exactly as
one that does not exist, and administration needs an administrator.
"""

from __future__ import annotations

from index.accounts import Principal
from index.collections import DEFAULT, Collections
from index.conversations import Conversations
from index.errors import CitewiseError

from .gate import Access, principal_of
from .handlers import Handlers


class NotSignedInError(CitewiseError):
    """A request of a server that requires sign-in came without a principal (it should not get past the gate)."""

    http_status = 401


class NotAdministratorError(CitewiseError):
    http_status = 403


class WebAccess:
    def __init__(self, handlers: Handlers, access: Access):
        database = handlers.assistant.library.database
        self.handlers = handlers
        self.access = access
        self.collections = Collections(database)
        self.conversations = Conversations(database)

    def principal(self, request) -> Principal | None:
        """Who asks; None for the local user of a server without credentials, who may do everything. Fails closed:
        a server that requires sign-in never treats a request without a principal as the local user."""
        if not self.access.required:
            return None
        inner = request.request if request is not None else None  # gradio.Request wraps Starlette's
        found = principal_of(inner.scope) if inner is not None else None
        if found is None:
            raise NotSignedInError("you are not signed in (any more): reload the page to sign in")
        return found

    def signed_in(self, request) -> Principal | None:
        """The principal, or None when there is none (the local user, or a request without one)."""
        try:
            return self.principal(request)
        except NotSignedInError:
            return None

    def in_collection(self, request, name: str | None, write: bool = False) -> Handlers:
        """The handlers of collection `name` if the asker may read it (with `write`, change it)."""
        found = self.collections.open(name or DEFAULT, self.principal(request), write=write)
        return self.handlers.in_collection(found.name)

    def collection_roles(self, request) -> dict[str, str]:
        """The names of the collections the asker may read, with their role, in creation order."""
        return {c.name: role for c, role in self.collections.roles(self.principal(request)).items()}

    def readable_ids(self, request) -> set[int]:
        return {c.id for c in self.collections.readable(self.principal(request))}

    def is_admin(self, request) -> bool:
        """A signed-in administrator (the local user of an open server gets no Admin tab: there is no one to
        administer until a user exists, and `citewise user add` makes the first)."""
        principal = self.signed_in(request)
        return principal is not None and principal.admin

    def administrator(self, request) -> Principal:
        principal = self.principal(request)
        if principal is None or not principal.admin:
            raise NotAdministratorError("only administrators may manage users, keys and collections")
        return principal
