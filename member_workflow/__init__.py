"""Members, their associations and the workflows around them (SPEC M*)."""
