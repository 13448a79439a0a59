"""Map attacks on French prisons, prison staff and convoys from news reports.

Data flows one way: articles -> extract -> geocoder -> store -> views
(dashboard, CLI, exports).
"""

__version__ = "0.1.0"
