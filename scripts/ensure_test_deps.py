"""Install what the test suite needs beyond Python packages (run by `make test`).

Nothing here downloads a browser build of its own: the browser tests use Debian's Chromium.
Each step is skipped when its tool is already present.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

APT_PACKAGES = {"chromium": "/usr/bin/chromium"}


def main() -> int:
    missing = [pkg for pkg, path in APT_PACKAGES.items() if not os.path.exists(path)]
    if not missing:
        return 0
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print(f"note: {', '.join(missing)} not installed; browser tests will skip", file=sys.stderr)
        return 0
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    result = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                            check=False, env=env)
    return 0 if result.returncode == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
