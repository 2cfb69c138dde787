"""API routers for casework; mounted on the versioned API in klachtpunt.api."""
