"""A plugin whose framework is not installed: its backend must skip with that reason."""

import crossconform_framework_not_installed  # noqa: F401
