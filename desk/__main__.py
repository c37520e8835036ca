"""`python -m desk …` — see desk.cli."""

from desk.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
