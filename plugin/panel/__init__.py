"""The alliance panel, framework-free: what to read (reads.py), what to show (view.py) and how
to draw the trend (trend.py). plugin/web renders it; nothing here imports flask."""
