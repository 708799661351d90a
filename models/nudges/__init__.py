"""Pre-breach nudges: the pure planner (`planner.py`); sending lives in `reports.nudges`."""
