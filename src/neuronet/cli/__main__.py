"""``python -m neuronet.cli``: the same as the ``neuronet`` script."""

from . import main

main()
