"""The Admin tab: users, their API keys, collections and who may read or change each, for administrators only.

The same operations as `citewise user|key|collection` (index/accounts.py, index/collections.py); every handler
checks on the server that an administrator asks, since Gradio's API reaches handlers of a hidden tab too.
A new key is shown once, in a field of its own, and never again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

import gradio as gr

from index.accounts import iso_time
from index.collections import ROLES
from index.errors import CitewiseError

from .ingest_queue import remove_collection
from .web_access import WebAccess

USER_COLUMNS = ["user", "administrator", "created"]
KEY_COLUMNS = ["key id", "user", "created", "last used"]
GRANT_COLUMNS = ["collection", "user", "role"]


@dataclass(frozen=True)
class AdminView:
    """Everything the tab lists, read again after each change."""

    message: str
    users: list[list]
    keys: list[list]
    grants: list[list]
    user_names: list[str]
    collection_names: list[str]


class Administration:
    def __init__(self, access: WebAccess):
        self.access = access
        self.accounts = access.handlers.assistant.accounts

    def view(self, request, message: str = "") -> AdminView:
        self.access.administrator(request)
        users = self.accounts.users()
        collections = self.access.collections.all()
        grants = [
            [c.name, user, role] for c in collections for user, role in self.access.collections.grants(c.name).items()
        ]
        return AdminView(
            message,
            [[u.name, "yes" if u.admin else "", iso_time(u.created_at)] for u in users],
            [
                [k.id, k.user, iso_time(k.created_at), iso_time(k.last_used_at) if k.last_used_at else ""]
                for k in self.accounts.keys()
            ],
            grants,
            [u.name for u in users],
            [c.name for c in collections],
        )

    def run(self, request, change, done: str) -> AdminView:
        """Make the change as an administrator; the view after it, with `done` or the error as its message."""
        self.access.administrator(request)
        try:
            result = change()
        except CitewiseError as exc:
            return self.view(request, _message(str(exc), error=True))
        return self.view(request, _message(done.format(result=result)))

    def add_user(self, request, name: str, password: str, admin: bool) -> AdminView:
        role = "administrator" if admin else "user"
        return self.run(request, lambda: self.accounts.add_user(name.strip(), password, admin), f"Added {role} {name}.")

    def set_password(self, request, name: str, password: str) -> AdminView:
        return self.run(request, lambda: self.accounts.set_password(name, password), f"Changed {name}'s password.")

    def remove_user(self, request, name: str) -> AdminView:
        return self.run(request, lambda: self.accounts.remove_user(name), f"Removed user {name} and their keys.")

    def create_key(self, request, name: str) -> tuple[AdminView, str]:
        """The view and the new key itself (shown once)."""
        made = []
        view = self.run(request, lambda: made.append(self.accounts.create_key(name)), f"Made key for {name}.")
        if not made:
            return view, ""
        shown = f"Made key {made[0].id} for {name}: copy it now, it is not shown again."
        return replace(view, message=_message(shown)), made[0].key

    def revoke_key(self, request, key_id: str) -> AdminView:
        return self.run(request, lambda: self.accounts.revoke_key(key_id.strip()), f"Revoked key {key_id}.")

    def create_collection(self, request, name: str) -> AdminView:
        return self.run(request, lambda: self.access.collections.create(name.strip()), f"Made collection {name}.")

    def remove_collection(self, request, name: str, confirmed: bool) -> AdminView:
        def change() -> int:
            if not confirmed:
                raise CitewiseError(f"tick the box to confirm that collection {name}'s documents are removed with it")
            return len(remove_collection(self.access.handlers.assistant.collection(name)))

        return self.run(request, change, f"Removed collection {name} and its {{result}} documents.")

    def grant(self, request, collection: str, user: str, role: str) -> AdminView:
        if role not in ROLES:
            role = "reader"
        return self.run(
            request,
            lambda: self.access.collections.grant(collection, user, role),
            f"{user} is now {role} of {collection}.",
        )

    def revoke(self, request, collection: str, user: str) -> AdminView:
        return self.run(
            request, lambda: self.access.collections.revoke(collection, user), f"{user} no longer has {collection}."
        )


def _message(text: str, error: bool = False) -> str:
    css = "cw-admin-error" if error else "cw-admin-done"
    return f'<p class="{css}" role="status">{escape(text)}</p>'


def build_admin_tab(administration: Administration):
    """The tab's components and events; returns the tab (hidden until an administrator loads the page) and the
    function that fills it on page load."""
    with gr.Tab("Admin", visible=False, elem_id="cw-admin") as tab:
        message = gr.HTML("", elem_id="cw-admin-message")
        with gr.Row():
            with gr.Column():
                gr.Markdown("#### Users")
                users = gr.Dataframe(value=[], headers=USER_COLUMNS, interactive=False, elem_id="cw-users")
                user_name = gr.Dropdown(choices=[], allow_custom_value=True, label="User name", elem_id="cw-admin-user")
                password = gr.Textbox(
                    label="Password (at least 8 characters)", type="password", elem_id="cw-admin-password"
                )
                admin = gr.Checkbox(label="Administrator", elem_id="cw-admin-is-admin")
                with gr.Row():
                    add_user = gr.Button("Add user", variant="primary", elem_id="cw-add-user")
                    set_password = gr.Button("Set password", elem_id="cw-set-password")
                    remove_user = gr.Button("Remove user", variant="stop", elem_id="cw-remove-user")
                gr.Markdown("#### API keys")
                keys = gr.Dataframe(value=[], headers=KEY_COLUMNS, interactive=False, elem_id="cw-keys")
                new_key = gr.Textbox(label="New key (shown once)", interactive=False, elem_id="cw-new-key")
                key_id = gr.Textbox(label="Key id", elem_id="cw-key-id")
                with gr.Row():
                    create_key = gr.Button("Make a key for the user", elem_id="cw-create-key")
                    revoke_key = gr.Button("Revoke key", variant="stop", elem_id="cw-revoke-key")
            with gr.Column():
                gr.Markdown("#### Collections and access")
                grants = gr.Dataframe(value=[], headers=GRANT_COLUMNS, interactive=False, elem_id="cw-grants")
                collection = gr.Dropdown(
                    choices=[], allow_custom_value=True, label="Collection", elem_id="cw-admin-collection"
                )
                role = gr.Radio(list(ROLES), value="reader", label="Role", elem_id="cw-admin-role")
                with gr.Row():
                    grant = gr.Button("Grant", variant="primary", elem_id="cw-grant")
                    revoke = gr.Button("Revoke", elem_id="cw-revoke")
                with gr.Row():
                    create_collection = gr.Button("Make collection", elem_id="cw-create-collection")
                    remove_collection_button = gr.Button(
                        "Remove collection", variant="stop", elem_id="cw-remove-collection"
                    )
                confirmed = gr.Checkbox(label="Yes, remove the collection with all its documents", elem_id="cw-confirm")

    outputs = [message, users, keys, grants, user_name, collection]

    def shown(view: AdminView) -> tuple:
        return (
            view.message,
            view.users,
            view.keys,
            view.grants,
            gr.update(choices=view.user_names),
            gr.update(choices=view.collection_names),
        )

    def on(button, method, inputs, extra_outputs=(), cleared=()):
        """`extra_outputs` take what the method returns besides the view; `cleared` fields are emptied."""

        def handler(request: gr.Request, *values):  # Gradio puts the request where its annotation is
            result = method(request, *values)
            view, rest = (result[0], result[1:]) if isinstance(result, tuple) else (result, ())
            return (*shown(view), *rest, *[""] * len(cleared))

        button.click(handler, inputs, [*outputs, *extra_outputs, *cleared])

    on(add_user, administration.add_user, [user_name, password, admin], cleared=[password])
    on(set_password, administration.set_password, [user_name, password], cleared=[password])
    on(remove_user, administration.remove_user, [user_name])
    on(create_key, administration.create_key, [user_name], [new_key])
    on(revoke_key, administration.revoke_key, [key_id])
    on(create_collection, administration.create_collection, [collection])
    on(remove_collection_button, administration.remove_collection, [collection, confirmed])
    on(grant, administration.grant, [collection, user_name, role])
    on(revoke, administration.revoke, [collection, user_name])

    def load(request: gr.Request) -> tuple:
        if not administration.access.is_admin(request):
            return (gr.update(visible=False), *[gr.skip()] * len(outputs))
        return (gr.update(visible=True), *shown(administration.view(request)))

    return tab, load, [tab, *outputs]
