"""The embedded survey's services: its answers (``answers``) and its floods (``flood``)."""
