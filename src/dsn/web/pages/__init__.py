"""The web application's pages, one module per area; :func:`web_router` assembles them."""
