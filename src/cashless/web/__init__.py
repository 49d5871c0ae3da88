"""The market office's web page (``cashless serve``): registry, printing, stall checks, audit.

A Starlette (ASGI) application with Jinja2 templates, served by uvicorn; plain HTML forms
and a little JavaScript, no build step. Every page calls the same library functions as the
CLI (:mod:`cashless.stalls`). Needs the ``web`` extra: ``pip install 'cashless[web]'``.

- :mod:`cashless.web.app`: :func:`create_app`, the routes, the access gate and the limits;
- :mod:`cashless.web.access`: the access code, the lock-out, CSRF tokens;
- :mod:`cashless.web.registry_page`, :mod:`~cashless.web.print_page`,
  :mod:`~cashless.web.check_page`, :mod:`~cashless.web.audit_page`: the four pages;
- :mod:`cashless.web.office`, :mod:`cashless.web.jobs`, :mod:`cashless.web.forms`,
  :mod:`cashless.web.render`: the market database, background jobs, forms, templates.
"""

from __future__ import annotations

from cashless.web.app import create_app

__all__ = ["create_app"]
