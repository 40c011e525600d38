"""RQ job entry points and the worker (``python -m workers``)."""
