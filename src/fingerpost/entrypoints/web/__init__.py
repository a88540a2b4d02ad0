"""The web service for practitioners, administrators, auditors and operators: server-rendered
GOV.UK Design System pages next to the API (docs/adr/0010). Pages only translate between forms
and the same use cases the API calls; they work without JavaScript. One module per role
(docs/adr/0029); `site.install_web` assembles them."""

from fingerpost.entrypoints.web.site import install_web

__all__ = ["install_web"]
