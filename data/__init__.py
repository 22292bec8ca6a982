"""Data shipped with the engine: the customer's rule tables and the demo-centre generator.

``data/rules/*.toml`` hold the reward and penalty point tables (art. 104-107) as data;
``data.demo_centre`` builds a deterministic, seeded demo bank hotline.
"""

from importlib.resources import files
from importlib.resources.abc import Traversable


def rules_dir() -> Traversable:
    """The folder holding the rule tables (works from a checkout and from a wheel)."""
    return files(__name__) / "rules"
