"""KG Studio: run `python main.py --help` for the sub-commands."""

import sys

from cli.app import main

if __name__ == "__main__":
    sys.exit(main())
