"""Worked examples: plugins that put code outside crossconform under the suite."""
