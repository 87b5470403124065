"""One-time codes and message delivery: SMS gateway backends, email, delivery records."""
