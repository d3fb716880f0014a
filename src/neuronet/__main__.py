"""``python -m neuronet``: the same as the ``neuronet`` script."""

from .cli import main

main()
