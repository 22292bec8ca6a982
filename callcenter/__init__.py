"""The application: settings, database, models, migrations, services, CLI, API, jobs, web."""

__version__ = "0.1.0"
