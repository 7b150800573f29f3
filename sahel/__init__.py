"""sahel-incidents: armed-group violence in the Sahel as one canonical, sourced incident table."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
