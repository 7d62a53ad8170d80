"""Yes/no questions: "Yes" or "No" only when every part's evidence is checked as supporting or contradicting
it (numbers, negation, who reported it, which report came first); the evidence is cited either way."""

from __future__ import annotations

import pytest

from helpers.stores import answering_store
from rag import Assistant
from rag.checking.support import SupportChecker
from rag.checking.verdicts import (
    CONTRADICTS,
    SUPPORTS,
    check_claim,
    evidence,
    order_holds,
    verdict,
    without_sources,
)
from rag.questions.parts import split_question
from rag.questions.yesno import claim_of, is_yes_no, relates_parts
from rag.settings import CheckSettings

pytestmark = pytest.mark.slow  # the real encoder: verdicts weigh its similarity features

TRIBUNE = (
    "Title: Osterby bridge shut\nSource: osterby-tribune.com\nAuthors: Mira Holt\nPublished: 2024/03/02\n\n"
    "The Osterby bridge closed for 9 days of repairs after the March storm. Engineers replaced two cables.\n"
)
HERALD = (
    "Title: Ferry lost off Larkfield\nSource: larkfield-herald.org\nAuthors: Jon Eske\nPublished: 2024/04/20\n\n"
    "The Larkfield ferry sank near the northern pier during the April gale. The crew did not abandon the wheelhouse.\n"
)


@pytest.fixture
def news(tmp_path, real_embeddings) -> Assistant:
    """The real encoder: verdicts come from the support checker, whose model weighs its similarity features."""
    return answering_store(tmp_path, real_embeddings, {"tribune.txt": TRIBUNE, "herald.txt": HERALD})


@pytest.fixture(scope="module")
def checker(real_embeddings) -> SupportChecker:
    """The support checker every citation gets, with the real encoder's token vectors."""
    return SupportChecker(real_embeddings.encode_tokens, CheckSettings().support_threshold)


@pytest.fixture(scope="module")
def outcome(checker):
    def check(claim: str, sentence: str, **document) -> str | None:
        return check_claim(claim, [evidence(sentence, **document)], checker).outcome

    return check


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Did the Tribune report that the bridge closed?", True),
        ("Which bridge closed?", False),
        ("Is the bridge or the ferry older?", False),  # a choice, answered by naming one
    ],
)
def test_yes_no_questions_are_recognised(question, expected):
    assert is_yes_no(question) is expected


def test_claims_drop_the_auxiliary_and_the_reporting_words():
    assert claim_of("Did the Tribune report that the bridge closed?") == "the Tribune that the bridge closed"


def test_a_question_relating_its_parts_is_told_from_one_about_both():
    """ "the same age" compares the two things; "both" asks the same of each."""
    assert relates_parts("Are the bridge and the pier the same age?")
    assert not relates_parts("Did both sink?")


BRIDGE = "The Osterby bridge closed for 9 days of repairs after the March storm."


def test_check_supports_contradicts_or_leaves_undecided(outcome):
    text = BRIDGE
    assert outcome("the Osterby bridge closed after the March storm", text) == SUPPORTS
    assert outcome("the bridge closed for 12 days", "The bridge closed for 9 days.") == CONTRADICTS
    assert outcome("the crew abandoned the wheelhouse", HERALD) == CONTRADICTS
    assert outcome("the mayor resigned", text) is None


def test_who_reported_it_is_matched_against_the_publisher_and_authors(outcome):
    """Not looked for in the text: an article rarely names its own publisher."""
    text = BRIDGE
    assert outcome("the Tribune the bridge closed", text, publisher="osterby-tribune.com") == SUPPORTS
    assert outcome("USA Today and Mira Holt the bridge closed", text, publisher="usatoday.com", author="Mira Holt") == (
        SUPPORTS
    )
    assert outcome("the Herald the bridge closed", text, publisher="osterby-tribune.com") is None


def test_the_reporter_is_taken_out_of_the_claim_checked_against_the_text():
    assert (
        without_sources("CNN that Twitter agreed", evidence("", publisher="cnn.com").sources) == "that Twitter agreed"
    )


def test_verdicts_need_every_part_checked(checker):
    claim = "the pier opened"
    supports, contradicts, unknown = (
        check_claim(claim, [evidence(s)], checker)
        for s in ("The pier opened.", "The pier has not opened.", "Rain fell.")
    )
    assert verdict([supports, supports]) == "Yes"
    assert verdict([supports, contradicts]) == "No"
    assert verdict([supports, unknown]) is None and verdict([contradicts, unknown]) is None
    assert verdict([supports, supports], asks_order=True, order=None) is None
    assert verdict([supports, supports], asks_order=True, order=False) == "No"


def test_before_and_after_compare_the_two_dates():
    assert order_holds("before", "2024-03-02", "2024-04-20")
    assert not order_holds("after", "2024-03-02", "2024-04-20")


def test_an_undated_or_same_day_report_leaves_the_order_undecided():
    """Which report came first is decided only from two different dates, never guessed."""
    assert order_holds("before", "2024-03-02", None) is None
    assert order_holds("after", "2024-03-02", "2024-03-02") is None


def test_a_supported_claim_is_answered_yes_citing_its_evidence(news):
    yes = news.ask("Did the Tribune report that the Osterby bridge closed for repairs?")
    assert yes.verdict == "Yes" and yes.answer.startswith("Yes. ")
    assert yes.citations[0].source.endswith("tribune.txt") and "bridge closed" in yes.citations[0].quote


def test_a_claim_with_another_number_is_answered_no_citing_what_the_text_says(news):
    wrong_number = news.ask("Did the Osterby bridge close for 12 days of repairs?")
    assert wrong_number.verdict == "No" and wrong_number.answer.startswith("No. ")
    assert "9 days" in wrong_number.citations[0].quote  # the evidence that says otherwise is shown


def test_a_claim_the_text_negates_is_answered_no(news):
    negated = news.ask("Did the Larkfield crew abandon the wheelhouse?")
    assert negated.verdict == "No" and "did not abandon" in negated.citations[0].quote


def test_a_claim_the_documents_do_not_settle_gets_no_verdict(news):
    """Neither Yes nor No is guessed: the answer says so first, the evidence found is shown, and the JSON's verdict
    is null."""
    unknown = news.ask("Did the Osterby mayor approve the bridge repairs?")
    assert unknown.verdict is None and not unknown.answer.startswith(("Yes", "No"))
    assert unknown.answer.startswith("Undecided: the passages found neither confirm it nor say otherwise.")
    assert unknown.to_dict()["verdict"] is None


def test_before_and_after_compare_the_dates_of_the_two_reports(news):
    question = (
        "Did the Tribune report that the Osterby bridge closed {} the Herald reported that the Larkfield ferry sank?"
    )
    assert [p.joined_by for p in split_question(question.format("before"))] == ["", "before"]
    before = news.ask(question.format("before"))
    assert before.verdict == "Yes" and [p.check for p in before.parts] == [SUPPORTS, SUPPORTS]
    assert {c.source.rsplit("/", 1)[-1] for c in before.citations} == {"tribune.txt", "herald.txt"}
    after = news.ask(question.format("after"))
    assert after.verdict == "No" and after.answer.startswith("No. ")
    assert after.to_dict()["parts"][1]["check"] == SUPPORTS


COUNCIL = (
    "Osterby bridge\n\nThe Osterby council discussed the bridge repairs at length in March. "
    "Residents asked for a footpath on the bridge. The council approved the repairs a week later.\n"
)


@pytest.fixture
def council(tmp_path, real_embeddings) -> Assistant:
    """One quoted sentence per answer: the one that decides a yes/no question is not the best-matching one."""
    return answering_store(tmp_path, real_embeddings, {"bridge.txt": COUNCIL}, answer_sentences=1)


def test_a_sentence_saying_most_of_the_claim_but_not_its_verb_settles_nothing(council):
    """ "discussed the repairs" neither confirms nor contradicts "rejected the repairs": a verdict needs every
    meaningful word of the claim said, whatever the checker's score for the rest."""
    rejected = council.ask("Did the Osterby council reject the bridge repairs?")
    assert rejected.verdict is None and rejected.answer.startswith("Undecided: ")


def test_a_deciding_sentence_beyond_the_quoted_ones_is_found_and_cited(council):
    approved = council.ask("Did the Osterby council approve the bridge repairs?")
    assert approved.verdict == "Yes" and approved.answer.startswith("Yes. ")
    deciding = next(c for c in approved.citations if "approved" in c.quote)
    assert deciding.quote in COUNCIL and f"[{deciding.n}]" in approved.answer
