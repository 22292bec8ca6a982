"""Background work: roster solve jobs (a queue in the database, run by worker processes) and
the scheduled jobs (APScheduler 3.x, one scheduler for the whole deployment)."""
