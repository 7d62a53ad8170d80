"""The chat's events in the web UI: asking (each answer saved to the person's open conversation), opening a
saved conversation, starting a new one, renaming and deleting. Each returns the updates of `CHAT_OUTPUTS`, in
order: conversation, viewer, turns, export, question box, open conversation, conversation list, title, and the
open conversation's id (which the page keeps in the tab's session storage, so that a reload reopens it)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import gradio as gr

from index.errors import CitewiseError

from .handlers import ChatView, Handlers
from .render import conversation_html, error_html, viewer_html
from .web_access import WebAccess
from .web_conversations import ConversationViews, Opened

CHAT_OUTPUTS = 9


@dataclass(frozen=True)
class Reopening:
    updates: tuple
    """The CHAT_OUTPUTS updates."""
    collection: str | None
    """The conversation's collection, for the picker; None when nothing was opened."""


class ChatEvents:
    def __init__(self, handlers: Handlers, people: WebAccess):
        self.handlers = handlers
        self.people = people
        self.saved = ConversationViews(people)

    def updates(self, view: ChatView, state: Opened, first: bool, request) -> tuple:
        return (
            view.conversation,
            gr.skip() if view.viewer is None else view.viewer,
            view.turns,
            gr.update(value=view.export_path),
            gr.update(value="", interactive=True) if first else gr.skip(),
            state,
            gr.update(choices=self.saved.choices(request), value=state.id),
            state.title,
            state.id or "",
        )

    def respond(self, question, answers, state: Opened, collection, k, doc_ids, mode, filters, request):
        """Stream the answer as in Handlers.respond; the final update saves it to the open conversation (or
        starts one). The question box is emptied with the first update only: what someone types while the
        answer streams (their next question) must survive the later updates."""
        try:
            scoped = self.people.in_collection(request, collection)
        except CitewiseError as exc:
            yield self.updates(error_view(answers, str(exc), state.stale), state, True, request)
            return
        views = scoped.respond(question, answers, int(k), doc_ids, mode, filters, state.stale)
        for number, view in enumerate(views):
            if len(view.turns) > len(answers or []):  # the final view, with the new answer
                state = self.saved.save(request, state, scoped.collection, view.turns[-1])
                view = replace(view, export_path=scoped.export(view.turns, state.stale, state.title))
                yield self.updates(view, state, number == 0, request)
            elif view.export_path is not None or number == 0:
                yield self.updates(view, state, number == 0, request)
            else:  # a partial answer streaming in: only the conversation and the viewer change
                yield (view.conversation, view.viewer, *[gr.skip()] * (CHAT_OUTPUTS - 2))

    def reopen(self, conversation_id: str | None, request) -> Reopening:
        """A saved conversation as it was answered, each citation saying if its document changed since."""
        try:
            found = self.saved.reopen(request, conversation_id) if conversation_id else None
        except CitewiseError:
            found = None  # not theirs, or deleted meanwhile: the same blank chat
        if found is None:
            return Reopening(self.blank(request), None)
        shown = found.handlers or self.handlers
        stale = found.opened.stale
        view = ChatView(
            conversation_html(found.turns, "", stale),
            shown.viewer(found.turns, stale),
            found.turns,
            shown.export(found.turns, stale, found.opened.title),
        )
        return Reopening(self.updates(view, found.opened, True, request), found.opened.collection)

    def blank(self, request) -> tuple:
        return self.updates(ChatView("", empty_viewer(), [], None), Opened(), True, request)

    def rename(self, title: str, answers, state: Opened, request) -> tuple:
        try:
            state = self.saved.rename(request, state, title)
        except CitewiseError as exc:
            return self.updates(error_view(answers, str(exc), state.stale), state, True, request)
        listed = gr.update(choices=self.saved.choices(request), value=state.id)
        return (*[gr.skip()] * 5, state, listed, state.title, gr.skip())

    def delete(self, state: Opened, request) -> tuple:
        try:
            self.saved.delete(request, state)
        except CitewiseError:
            pass  # deleted elsewhere already: the list shown next no longer has it either
        return self.blank(request)


def error_view(answers, message: str, stale=None) -> ChatView:
    answers = list(answers or [])
    return ChatView(conversation_html(answers, "", stale) + error_html(message), None, answers, None)


def empty_viewer() -> str:
    return viewer_html([], lambda doc_id: "")
