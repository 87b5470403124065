"""The election lifecycle (A3): the Election, its positions and candidates, the transitions and the scheduler, archive and retention."""
