"""`mt glossary`: placeholder until the module lands."""

import typer

app = typer.Typer(help="(not yet available)", no_args_is_help=True)
