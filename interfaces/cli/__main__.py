"""`python -m interfaces.cli …`: the CLI as the supervisor starts its children."""

from interfaces.cli import main

main()
