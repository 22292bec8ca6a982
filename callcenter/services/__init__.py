"""Services: the application's use cases. They own transactions; routes and CLI stay thin."""
