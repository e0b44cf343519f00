"""The engine's reading of an agent reply, by who wrote it (issue #15).

Text a model generated is assessed as a whole, through the chat's batched assessor, every time.
Text the service wrote itself (a scripted agent's reply, the crisis flow's sentences) is read
sentence by sentence from ``crisis_engine.replies``: each distinct sentence is checked once and
remembered, and a reply whose sentences are all known costs no engine call and no thread hop.
Only a new sentence (a reflection of the person's words) runs the engine, in a worker thread.
"""

from __future__ import annotations

import anyio.to_thread

from crisis_engine import Assessment
from crisis_engine.replies import reply_checker
from hp_agent.crisis import assessor

__all__ = ["assess_reply"]


async def assess_reply(text: str, *, generated: bool) -> Assessment:
    """``generated``: a model wrote ``text`` (whole-text reading, always); otherwise the service
    did (the riskiest of its sentences, each checked once per engine)."""
    if generated:
        return await assessor.assess(text)
    checker = reply_checker(assessor.current_detector())
    known = checker.remembered(text)
    if known is not None:
        return known
    return await anyio.to_thread.run_sync(checker.assess_reply, text, False)
