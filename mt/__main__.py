"""`python -m mt` runs the command line."""

from mt.cli import run

run()
