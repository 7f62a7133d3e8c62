"""The planner's web page (SPEC §7): ``schedule serve`` on the same layers as the CLI."""
