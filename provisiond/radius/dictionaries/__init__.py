"""FreeRADIUS-format dictionaries shipped with provisiond (read by `radius.dictionary`)."""
