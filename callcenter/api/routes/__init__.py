"""HTTP routes, one module per area. Routes stay thin: services own the rules."""
