"""Modal screens: help, confirm, run form, host details, job details, drift host."""
