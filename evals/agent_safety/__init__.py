"""Agent safety evaluation in the spirit of VERA-MH: scripted personas and a rule-based scorer.

The live driver that plays a persona against an agent through the chat websocket is NOT here
yet: it needs the chat service (``hp_agent``), which does not exist. ``transcript.py`` defines
the transcript format that driver will produce; the scorer works on it today.
"""
