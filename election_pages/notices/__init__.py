"""Election notices (A5): announcement, reminder and results messages to members, planned as runs and sent in chunks."""
