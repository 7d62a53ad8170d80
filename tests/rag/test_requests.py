"""The request models of rag/requests.py: one per operation, the same QuestionError message whichever door a bad
field comes through (Python, CLI, REST, MCP), and `Assistant.ask` / `search` taking either fields or a request."""

from __future__ import annotations

import pytest

from helpers.stores import answering_store
from rag.errors import QuestionError
from rag.requests import AskRequest, FilterFields, SearchRequest, build
from rag.retrieval.filters import Filters

TEXTS = {
    "harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890.",
    "ferry.txt": "Osterby ferry\n\nThe Osterby ferry sails at dawn and carries twelve cars to Kelso.",
}


def test_a_request_is_normalised_as_the_answering_steps_expect():
    """Question stripped, history as tuples, dates written as YYYY-MM-DD, empty filter values dropped."""
    request = build(
        AskRequest,
        question="  How many boats?  ",
        history=[["Where?", "Larkfield [1]"]],
        filters={"source": " gazette ", "after": "September 30, 2022", "title": ""},
    )
    assert request.question == "How many boats?"
    assert request.history == [("Where?", "Larkfield [1]")]
    assert request.filters == FilterFields(source="gazette", after="2022-09-30")
    assert request.filters.parsed() == Filters(source="gazette", after="2022-09-30")
    assert request.k is None and request.mode is None and request.documents is None


def test_filters_with_only_empty_values_are_no_filters():
    assert build(AskRequest, question="q", filters={"title": "", "author": None}).filters is None
    assert build(SearchRequest, query="q", filters={}).filters is None


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"question": "   "}, "the question is empty"),
        ({"question": 5}, "the question must be text"),
        ({"question": "a\x01b"}, "binary control characters"),
        ({"question": "\ud800"}, "unpaired surrogate"),
        ({"question": "q", "history": [["only the question"]]}, "a (question, answer) pair of texts"),
        ({"question": "q", "mode": "poem"}, "mode must be 'extractive' or 'llm', got 'poem'"),
        ({"question": "q", "filters": {"publisher": "x"}}, "unknown filter publisher; filters are title, source"),
        ({"question": "q", "filters": {"after": "someday"}}, "filter after must be a date such as 2022-09-30"),
        ({"question": "q", "k": 0}, "invalid request: k: Input should be greater than or equal to 1"),
        ({"question": "q", "k": 51}, "invalid request: k: Input should be less than or equal to 50"),
        ({"question": "q", "filters": "source=x"}, "invalid request: filters:"),
        ({"question": "q", "documents": "abc"}, "invalid request: documents:"),
    ],
)
def test_bad_fields_are_question_errors_with_citewise_messages(fields, message):
    """Citewise's own checks keep their messages (they pass through pydantic unchanged); pydantic's refusals are
    one QuestionError naming the field, never a ValidationError reaching a caller."""
    with pytest.raises(QuestionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build(AskRequest, **fields)


def test_search_requests_check_the_query_and_allow_up_to_100_passages():
    assert build(SearchRequest, query=" boats ", k=100).query == "boats"
    with pytest.raises(QuestionError, match="the question is empty"):
        build(SearchRequest, query="")
    with pytest.raises(QuestionError, match="k: Input should be less than or equal to 100"):
        build(SearchRequest, query="boats", k=101)


def test_filter_fields_refuse_unknown_names_when_built_directly():
    with pytest.raises(QuestionError, match="unknown filter publisher"):
        FilterFields(publisher="x")
    assert FilterFields(before="May 31, 2024").before == "2024-05-31"
    assert FilterFields.model_json_schema()["additionalProperties"] is False


def test_every_field_is_described():
    """The descriptions become the OpenAPI schema and the CLI's --help: each says what the field does."""
    for model in (AskRequest, SearchRequest, FilterFields):
        for name, field in model.model_fields.items():
            assert field.description and len(field.description) > 15, (model.__name__, name)


@pytest.fixture
def assistant(tmp_path, fake_embeddings):
    return answering_store(tmp_path, fake_embeddings, TEXTS)


def test_the_assistant_takes_fields_or_a_ready_request(assistant):
    by_fields = assistant.ask("How many fishing boats?", k=2, filters={"source": "harbour"})
    by_request = assistant.ask(AskRequest(question="How many fishing boats?", k=2, filters={"source": "harbour"}))
    assert by_fields.answer == by_request.answer and "37" in by_request.answer
    assert {c.source.rsplit("/", 1)[-1] for c in by_request.citations} == {"harbour.txt"}
    events = list(assistant.stream(AskRequest(question="How many yachts?")))
    assert "12" in events[-1].answer
    passages = assistant.search(SearchRequest(query="ferry", filters=FilterFields(source="ferry")))
    assert {p.source.rsplit("/", 1)[-1] for p in passages} == {"ferry.txt"}
    with pytest.raises(TypeError, match="not both"):
        assistant.ask(AskRequest(question="q"), k=3)


def test_bad_input_to_the_python_api_is_a_question_error(assistant):
    """The same errors as before the request models: a QuestionError, raised by `stream` at its first event."""
    with pytest.raises(QuestionError, match="k: Input should be less than or equal to 50"):
        assistant.ask("How many boats?", k=60)
    stream = assistant.stream("How many boats?", filters={"after": "someday"})
    with pytest.raises(QuestionError, match="filter after must be a date"):
        next(stream)
    with pytest.raises(QuestionError, match="the limit is 2,000"):  # the store's own limit, from its settings
        assistant.search("x" * 2500)


@pytest.mark.parametrize("history", [True, 3, "q a"])
def test_a_history_that_is_not_a_list_is_a_question_error(history):
    """Found by the API fuzzer: `{"history": true}` raised TypeError (a 500) instead of naming the field."""
    with pytest.raises(QuestionError, match="history must be a list"):
        AskRequest(question="What happened?", history=history)
