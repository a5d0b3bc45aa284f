"""Reports of the browser tests: axe-core violations as text, and screenshots.

In tests/support (on the path of every suite) rather than in
tests/browser/conftest.py, because one pytest run loads several conftest
modules and `from conftest import ...` would find another suite's.
"""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "target" / "screenshots"


def format_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(f"    {n}" for n in v["nodes"])
        for v in violations
    )


def save_screenshot(drv, name: str, width: int) -> Path:
    """Saves the whole page at `width` CSS pixels as target/screenshots/<name>-<width>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = drv.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
    )
    drv.set_window_size(width, max(600, min(int(height) + 200, 6000)))
    path = SCREENSHOTS / f"{name}-{width}.png"
    drv.save_screenshot(str(path))
    return path
