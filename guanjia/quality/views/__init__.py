"""Console pages of the quality app: fishbone, actions and measures (actions), rectification notices
(notices), the office manager's spot checks (spot_checks), and the dashboard panel (panel)."""
