"""Top-level commands: `copilot demo`, `copilot serve`, `copilot worker`, `copilot keys`."""

from __future__ import annotations

import secrets

import typer
from rich.console import Console

from copilot.auth import hash_key

console = Console()


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        no_llm: bool = typer.Option(
            False, "--no-llm", help="extractive drafts, clearly labelled, instead of the LLM"
        ),
        fresh: bool = typer.Option(True, help="rebuild the demo stores from scratch"),
        only: str = typer.Option("", help="run only conversations whose id contains this"),
    ) -> None:
        """Ingest the demo tenant, replay its scripted conversations through the real graph, apply human decisions,
        and verify the ledger."""
        from copilot.demo import run_demo

        raise typer.Exit(run_demo(use_llm=not no_llm, fresh=fresh, only=only, console=console))

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="bind address"),
        port: int = typer.Option(8000, help="port"),
        workers: int = typer.Option(1, help="API processes (scale-out needs COPILOT_REDIS_URL)"),
    ) -> None:
        """Run the API: OpenAPI docs at /docs, health at /healthz and /readyz, channel callbacks, pages."""
        import uvicorn

        # open SSE streams would hold a shutdown forever: after 5 s they are closed and the pages reconnect
        uvicorn.run("copilot.app:create_app", factory=True, host=host, port=port, workers=workers,
                    timeout_graceful_shutdown=5)  # fmt: skip

    @app.command()
    def worker(worker_id: str = typer.Option("worker-1", help="consumer name in the queue group")) -> None:
        """A background worker process for scale-out (claims from the Redis Streams queue)."""
        from copilot.scale import run_worker_process

        run_worker_process(worker_id)

    keys = typer.Typer(help="API keys")
    app.add_typer(keys, name="keys")

    @keys.command("new")
    def new_key(role: str, actor_id: str, team: str = "", tenant: str = "") -> None:
        """Create a key; prints the key once and the COPILOT_API_KEYS entry (only the hash is stored). The key is
        scoped to `--tenant` (default: the configured tenant): other tenants' services refuse it."""
        from copilot.settings import Settings

        if role not in ("rep", "agent", "evaluator", "admin"):
            console.print(f"[red]unknown role {role!r}: use rep, agent, evaluator or admin")
            raise typer.Exit(2)
        scope = tenant or Settings().tenant
        key = "ck_" + secrets.token_urlsafe(32)
        console.print(f"key (shown once): {key}", soft_wrap=True)
        # soft_wrap: the entry is copied into the environment, a wrapped line would break it
        console.print(
            f'COPILOT_API_KEYS entry: "{hash_key(key)}": "{role}:{actor_id}:{team}:{scope}"', soft_wrap=True
        )
