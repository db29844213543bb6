"""Building blocks every service's REST API shares: pagination, errors, status, routing."""
