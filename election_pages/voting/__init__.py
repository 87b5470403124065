"""The voting journey (SPEC V1–V7): ballot sessions, participation, sealed ballots.

Its models are registered in the `election_pages` app through one import line at the end
of `election_pages/lifecycle/models.py`; see docs/voting.md and docs/voting_threat_model.md.
"""
