"""k6's `--out json` file, read by tests/e2e/check_*.py."""

import json


def points(path):
    """Yields (metric name, data) for every sample ("Point") in the file."""
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if record.get("type") == "Point":
                yield record["metric"], record["data"]
