"""`mt evaluate`: placeholder until the evaluator lands."""

HELP = "Score translations against references (not yet available)."


def evaluate() -> None:
    raise SystemExit("mt evaluate is not available yet")
