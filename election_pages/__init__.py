"""Portal pages (SPEC P*): home, guides, FAQ; later the elections themselves."""
