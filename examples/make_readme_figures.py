"""Regenerate the pictures in the README: every one is made by neuronet itself.

Run from the repository root: python examples/make_readme_figures.py
It runs the examples 02 to 04 with docs/images as their output folder.
"""

import runpy
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
images = here.parent / "docs" / "images"
for script in ("02_activations.py", "03_train_and_look_inside.py", "04_published_experiments.py"):
    sys.argv = [script, str(images)]
    runpy.run_path(str(here / script), run_name="__main__")
