from index.terms import VERSION, terms_of_texts  # noqa: F401 - what the frozen keyword index imports
