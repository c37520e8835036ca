"""Running a desk: migrate the database, back up and restore a data folder with its database.

`python -m desk migrate | backup DEST | restore SRC` (commands.py); the routine is in
docs/operations.md.
"""
