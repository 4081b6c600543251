"""Readers for content exported from other systems.

The modules here are pure: they turn an export file into plain Python objects and know nothing
about Django models. The management commands in ``articles/management/commands/`` drive them and
call the services that write to the database.
"""
