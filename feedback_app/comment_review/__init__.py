"""Agents' review of the comments on their own work: the review page (``views``), its
queries and changes (``service``), and the tag lists admins keep (``tags``, ``admin``)."""
