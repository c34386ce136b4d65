"""The `takedown` command: one Typer app, each concern's commands registered here."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from typer import _click as click  # the click Typer carries
from typer.core import TyperGroup

from takedown.cli import apikey, audit, db, serve
from takedown.cli import bank as bank_cli
from takedown.cli import demo as demo_cli
from takedown.cli import evidence as evidence_cli
from takedown.cli import hash as hash_cli
from takedown.cli import match as match_cli
from takedown.cli import user as user_cli
from takedown.cli.refusals import operator_mistake


class TakedownCommand(TyperGroup):
    """The root command: a mistake in the configuration or the database it names (a wrong URL, a
    server down, a database a newer version migrated) is said in one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            said = operator_mistake(exc)
            if said is None:
                raise
            Console(stderr=True, soft_wrap=True).print(
                f"[red]error:[/red] {escape(said[0])}", highlight=False
            )
            raise typer.Exit(said[1]) from None


app = typer.Typer(
    name="takedown",
    cls=TakedownCommand,
    help="Takedown: scan uploads against hash banks, take reports, review cases, act, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(apikey.app, name="apikey")
app.add_typer(audit.app, name="audit")
app.add_typer(evidence_cli.app, name="evidence")
app.command("serve")(serve.serve)
app.add_typer(bank_cli.app, name="bank")
app.command("match")(match_cli.match)
app.command("hash")(hash_cli.hash_files)
app.add_typer(user_cli.app, name="user")
app.command("demo")(demo_cli.demo)

from takedown.cli import ncmec as ncmec_cli  # noqa: E402

app.add_typer(ncmec_cli.app, name="ncmec")
app.command("ncmec-sandbox")(ncmec_cli.sandbox)

from takedown.reports import cli as reporter_cli  # noqa: E402

app.add_typer(reporter_cli.app, name="reporter")

from takedown.cli import report as report_cli  # noqa: E402

app.add_typer(report_cli.app, name="report")  # transparency report, DSA statement batches

from takedown.exchanges import cli as exchange_cli  # noqa: E402
from takedown.scan.backfill import backfill  # noqa: E402

app.add_typer(exchange_cli.app, name="exchange")  # banks that follow hash exchanges

from takedown.cli import translations as translations_cli  # noqa: E402

app.add_typer(translations_cli.app, name="translations")  # languages of the public pages
app.command("backfill")(backfill)  # a back catalogue scanned as published


if __name__ == "__main__":
    app()
