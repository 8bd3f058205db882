"""``python -m lira`` (and ``accelerate launch -m lira train ...``): the ``lira`` command."""

from lira.cli import main

if __name__ == "__main__":
    main()
