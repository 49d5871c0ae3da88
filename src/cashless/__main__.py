"""``python -m cashless`` runs the command-line tool."""

from cashless.cli import run

if __name__ == "__main__":
    run()
