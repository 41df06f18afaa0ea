"""Server-rendered pages: the rep's WeCom sidebar, the agent's call desktop, the admin / evaluator console.

Self-contained (no CDN at run time): Jinja templates, one stylesheet, small vanilla-JS modules. The HTML needs no key;
every data call the page makes carries the user's API key (or the WeCom JS-SDK identity where available)."""
