"""The extractive answerer's choices: which sentences count, which follow the best one, and when sources disagree."""

from __future__ import annotations

from rag.answering.conflicts import find_conflicts
from rag.answering.scoring import choose, is_heading, is_lead, question_weights
from rag.answering.values import phrase_key
from rag.settings import AnsweringSettings, Settings
from rag.stages import ScoredSentence
from rag.text import content_terms

GENERAL = AnsweringSettings()
ENCYCLOPEDIA = Settings(profile="encyclopedia").answering
"""The answering settings of the encyclopedia profile: lead and link bonuses on."""

DOC = "Scott Howell (political consultant)\n\nHerbert Howell is a political consultant. He worked for Rudy Giuliani.\n"


def sentence(doc_id, text, score, matched=(), title="", coverage=0.5, start=0):
    """A scored sentence as `score_sentences` makes them; the prior is the score not owed to coverage."""
    terms = frozenset(content_terms(text))
    return ScoredSentence(
        0, doc_id, start, start + len(text), text, score, coverage, frozenset(matched), 0.1, title, terms
    )


def test_a_title_line_is_a_heading_not_a_sentence():
    title_end = DOC.index("\n")
    assert is_heading(DOC, 0, title_end)
    first = DOC.index("Herbert")
    assert not is_heading(DOC, first, DOC.index(".", first) + 1)


def test_the_lead_is_the_first_sentence_after_the_headings():
    assert is_lead(DOC, DOC.index("Herbert"))
    assert not is_lead(DOC, DOC.index("He worked"))


def test_the_second_hop_follows_the_document_the_best_sentence_names():
    """ "...worked for Rudy Giuliani" leads to Giuliani's own document, which holds the city the question asks for."""
    weights = question_weights("Scott Howell worked with the mayor of what city?")
    best = sentence("howell", "Scott Howell worked for Rudy Giuliani.", 0.6, {"scott", "howel", "work"}, "Scott Howell")
    linked = sentence("giuliani", "Giuliani served as Mayor of New York City.", 0.3, {"mayor", "citi"}, "Rudy Giuliani")
    unrelated = sentence(
        "other", "Scott Howell worked with Carlton.", 0.5, {"scott", "howel", "work"}, "Scott Howell (footballer)"
    )
    chosen = choose([best, unrelated, linked], limit=3, weights=weights, policy=ENCYCLOPEDIA)
    assert [c.doc_id for c in chosen] == ["howell", "giuliani"]


def test_an_answer_quotes_at_most_two_documents():
    weights = question_weights("alpha beta gamma delta")
    scored = [
        sentence("a", "alpha words here", 0.6, {"alpha"}),
        sentence("b", "beta words here", 0.5, {"beta"}),
        sentence("c", "gamma words here", 0.5, {"gamma"}),
        sentence("a", "delta words more", 0.4, {"delta"}, start=100),
    ]
    chosen = choose(scored, limit=3, weights=weights, policy=GENERAL)
    assert {c.doc_id for c in chosen} == {"a", "b"} and len(chosen) == 3


def test_a_sentence_that_adds_nothing_does_not_follow():
    weights = question_weights("alpha beta")
    scored = [
        sentence("a", "alpha beta here", 0.8, {"alpha", "beta"}),
        sentence("b", "alpha beta again", 0.79, {"alpha", "beta"}),
    ]
    assert len(choose(scored, limit=3, weights=weights, policy=GENERAL)) == 1


def test_values_about_different_things_are_no_conflict():
    """Birth years of two different singers, and the year the question itself states, are no disagreement."""
    question = "When was the Welsh singer born whose third album is Diamond Cut (1979)?"
    scored = [
        sentence("tyler", "Bonnie Tyler (born 8 June 1951) is a Welsh singer.", 0.7, coverage=0.6),
        sentence("album", "It was released in February 1979 by RCA Records.", 0.6, coverage=0.6),
        sentence("faye", "Faye (born August 27, 1981) is a Taiwanese singer.", 0.5, coverage=0.3),
    ]
    assert find_conflicts(question, scored) == []


def test_days_of_dates_are_not_counts():
    question = "How many times was O'Neal selected for the all-star game?"
    scored = [
        sentence("a", "Deltha O'Neal (born January 30, 1977) was selected for the all-star game.", 0.7, coverage=0.8),
        sentence("b", "The 2006 Pro Bowl was the all-star game of 25 April, selected by O'Neal.", 0.6, coverage=0.8),
    ]
    assert find_conflicts(question, scored) == []


def test_two_sources_stating_different_counts_conflict():
    question = "How many protesters were detained?"
    scored = [
        sentence("a", "Approximately 2000 Russians have been detained in Russia.", 0.7, coverage=0.5),
        sentence("b", "Russia saw the arrests of over 1,000 protesters.", 0.6, coverage=0.5),
    ]
    (conflict,) = find_conflicts(question, scored)
    assert {conflict.first_value, conflict.second_value} == {"2000", "1,000"}


def test_the_sentence_after_the_best_one_joins_when_only_it_names_the_answer():
    from rag.answering.scoring import with_next_sentence

    best = sentence("d", "The condiment is running out across the country.", 0.9)
    after = sentence("d", "Dijon mustard makers blame the heatwave in Canada.", 0.2, start=best.end + 1)
    elsewhere = sentence("e", "Shops are empty.", 0.5)
    question = "Supermarkets are struggling to stock which condiment?"
    assert with_next_sentence(question, [best, elsewhere], [best, elsewhere, after]) == [best, after, elsewhere]
    assert with_next_sentence("Is the condiment running out?", [best], [best, after]) == [best]


CUP_QUESTION = "Who won the Larkfield rowing cup this year?"
CUP_TERMS = {"larkfield", "row", "cup", "year", "won"}


def cup_statement(doc_id: str, winner: str, matched=CUP_TERMS, race: str = "Larkfield", score=0.8) -> ScoredSentence:
    text = f"{winner} won the {race} rowing cup this year after a close race."
    return sentence(doc_id, text, score, matched, coverage=len(matched) / len(CUP_TERMS))


def test_two_sources_naming_different_winners_conflict():
    scored = [cup_statement("a", "Ada Brook"), cup_statement("b", "Tom Reed")]
    (conflict,) = find_conflicts(CUP_QUESTION, scored)
    assert {conflict.first_value, conflict.second_value} == {"Ada Brook", "Tom Reed"}


def test_the_same_answer_in_other_words_or_a_different_subject_is_no_conflict():
    fuller = [cup_statement("a", "Brook"), cup_statement("b", "Ada Brook")]
    assert find_conflicts(CUP_QUESTION, fuller) == []
    other_subject = [  # the same template about another cup: its words of the question differ
        cup_statement("a", "Ada Brook"),
        cup_statement("b", "Tom Reed", CUP_TERMS - {"larkfield"}, race="Osterby", score=0.7),
    ]
    assert find_conflicts(CUP_QUESTION, other_subject) == []
    assert phrase_key("Sept. 21") == phrase_key("21 September") != phrase_key("22 September")
