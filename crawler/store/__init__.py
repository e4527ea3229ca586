"""The writer side: every decision that needs the whole database, and the only code that opens it."""
