"""Administration: the `pilotflow` command (people, tokens, backup, restore) and database migration."""
