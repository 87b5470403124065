"""Counting and publishing (R1, R2): the tally, stored results, tally runs, exports and the public results pages."""
