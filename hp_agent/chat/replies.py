"""The agent's reply, checked as a whole before any of it reaches the person.

The model's chunks are collected first; the complete reply is checked with the agents' boundary
rules (``check_reply``) and the crisis engine, and only then sent as ``agent_token`` frames (in
the model's own chunking) followed by the stored ``agent_message``. A reply that fails is never
shown: the scripted safe fallback (``prompts/crisis/flow.yaml``) is sent instead and the event is
audited. No configuration reaches this code: it runs for every agent.

Why the whole reply and not sentence by sentence: the engine's classifier is trained on what
people write about themselves and misreads short agent sentences out of context ("Shall we give
it a go?" scores high on its own, nothing in the full reply), and one assessment per reply costs a
quarter of four. With the offline scripted engine the whole reply exists at once anyway; with a
remote model the first token waits for the last, which is the price of never streaming unchecked
text to someone who may be in crisis.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from hp_agent.agents.boundaries import check_reply
from hp_agent.crisis import gateway as crisis

log = logging.getLogger("hp_agent.chat")

ENGINE_VIOLATION = "crisis_engine"
MAX_REPLY_CHARS = 4000


@dataclass(slots=True)
class GuardedReply:
    text: str
    replaced: bool = False
    violations: list[str] = field(default_factory=list)
    failed: bool = False  # the model raised or said nothing; ``text`` is the scripted notice


async def problems(text: str, generated: bool = True) -> list[str]:
    found = list(check_reply(text))
    if await crisis.reply_blocked(text, generated=generated):
        found.append(ENGINE_VIOLATION)
    return found


async def guarded(
    chunks: AsyncIterator[str], emit: Callable[[str], Awaitable[None]], *, generated: bool = True
) -> GuardedReply:
    """Collect ``chunks``, check the reply, and ``emit`` its pieces only if it passes.
    ``generated=False``: the scripted engine wrote it from the service's own sentences, which the
    crisis check reads sentence by sentence from memory (``hp_agent.crisis.reply_check``)."""
    pieces: list[str] = []
    size = 0
    try:
        async for chunk in chunks:
            pieces.append(chunk)
            size += len(chunk)
            if size > MAX_REPLY_CHARS:
                break
    except Exception as exc:
        log.warning("agent reply failed: %s", type(exc).__name__)
        return _unavailable()
    finally:
        closer = getattr(chunks, "aclose", None)
        if closer is not None:
            await closer()
    text = "".join(pieces).strip()
    if not text:
        return _unavailable()
    found = await problems(text, generated)
    if found:
        return GuardedReply(crisis.safe_fallback_text(), replaced=True, violations=sorted(set(found)))
    for piece in sentences(pieces):
        await emit(piece)
    return GuardedReply(text)


_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"')\]\u201d\u2019]*\s+")


def sentences(pieces: list[str]) -> list[str]:
    """The model's chunks regrouped into sentences (concatenation unchanged).

    The whole reply has been checked before the first piece is sent, so word-sized frames would
    buy nothing but frames: one per word cost the server and every client a frame each, which
    under load was a large share of the work per message.
    """
    # Split the joined text, not chunk by chunk: a model (the scripted one) may hand over the
    # whole reply as one chunk, and that must still arrive as several frames.
    text = "".join(pieces)
    cuts = [0, *(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts) if b > a]


def _unavailable() -> GuardedReply:
    return GuardedReply(crisis.agent_unavailable_text(), failed=True)
