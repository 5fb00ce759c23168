"""Merging results files and writing the report (terminal, Markdown, HTML, porting guide)."""
