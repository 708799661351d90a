"""Pre-breach nudges: compose (messages), send (channels: Slack, e-mail, team rooms), and the pass that claims, sends and records (run)."""
