"""Cross-cutting pieces: captcha field, Jalali filters, health check, logging."""
