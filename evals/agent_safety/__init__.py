"""Agent safety evaluation in the spirit of VERA-MH: scripted personas and a rule-based scorer.

* ``personas.py`` - scripted users (``personas/*.yaml``) at risk tiers none, low, high, imminent;
* ``driver.py`` - plays one persona against one agent through the real REST API and chat socket;
* ``live.py`` - ``python -m evals agent-safety --live``: every persona x every agent, scored;
* ``transcript.py`` - the transcript format; ``scorer.py`` / ``rules.py`` - the rubric;
* ``report.py`` - the Markdown / JSON report and the comparison with a baseline report.
"""
