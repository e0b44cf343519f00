"""Boundary checks on an agent's reply, whatever model wrote it.

``check_reply`` returns the kinds of violation found; the chat layer replaces a violating reply
with a safe one. The patterns look for the *agent* asserting something (a diagnosis, a dose, a
promise of secrecy, being human); a clause that negates or questions it ("only a clinician can say
whether you have depression", "please don't stop taking it without your prescriber") is not a
violation, so the scripted engine's own redirections pass.
"""

from __future__ import annotations

import re

DIAGNOSIS = "diagnosis"
PRESCRIBING = "prescribing"
MEANS = "method_or_means"
SECRECY = "promise_of_secrecy"
CLAIMS_HUMAN = "claims_to_be_human"

_CONDITIONS = (
    r"(?:clinical\s+|major\s+|severe\s+)?depression|depressive\s+disorder|bipolar(?:\s+disorder)?|"
    r"(?:an?\s+)?(?:generali[sz]ed\s+)?anxiety\s+disorder|gad|ptsd|c-?ptsd|ocd|adhd|add|autism|"
    r"schizophreni[ac]|psychosis|psychotic|borderline(?:\s+personality(?:\s+disorder)?)?|bpd|"
    r"(?:a\s+)?personality\s+disorder|narcissis(?:m|tic(?:\s+personality\s+disorder)?)|"
    r"anorexia|bulimia|(?:an?\s+)?eating\s+disorder|binge[-\s]eating\s+disorder|panic\s+disorder|"
    r"social\s+anxiety(?:\s+disorder)?|insomnia|dementia|(?:a\s+)?mental\s+illness|"
    r"(?:a\s+)?(?:mood|anxiety|psychiatric)\s+disorder|manic|clinically\s+depressed|dysthymia"
)

_DIAGNOSIS = [
    rf"\byou(?:'ve|\s+have|\s+probably\s+have|\s+clearly\s+have|\s+definitely\s+have|\s+might\s+have|"
    rf"\s+may\s+have|\s+could\s+have|\s+seem\s+to\s+have|\s+are\s+suffering\s+from|'re\s+suffering\s+from|"
    rf"\s+suffer\s+from|\s+have\s+got|'ve\s+got|\s+show\s+(?:signs|symptoms)\s+of)\s+(?:{_CONDITIONS})\b",
    r"\byou(?:'re|\s+are)\s+(?:probably\s+|clearly\s+|definitely\s+)?(?:bipolar|schizophrenic|psychotic|"
    r"borderline|narcissistic|anorexic|bulimic|autistic|clinically\s+depressed|manic)\b",
    rf"\b(?:sounds|looks|seems)\s+like\s+(?:you\s+have\s+|you've\s+got\s+)?(?:{_CONDITIONS})\b",
    rf"\bthis\s+(?:is|sounds\s+like|looks\s+like)\s+(?:a\s+(?:classic\s+)?case\s+of\s+|classic\s+)?(?:{_CONDITIONS})\b",
    r"\bmy\s+diagnosis\b|\bi\s+(?:would\s+)?diagnose\b|\byour\s+diagnosis\s+is\b",
]

_DRUGS = (
    r"sertraline|zoloft|fluoxetine|prozac|citalopram|escitalopram|lexapro|paroxetine|venlafaxine|"
    r"duloxetine|bupropion|wellbutrin|mirtazapine|lithium|lamotrigine|quetiapine|seroquel|olanzapine|"
    r"aripiprazole|risperidone|diazepam|valium|lorazepam|ativan|alprazolam|xanax|clonazepam|"
    r"zopiclone|zolpidem|ambien|melatonin|propranolol|methylphenidate|ritalin|adderall|"
    r"ssris?|antidepressants?|benzos?|benzodiazepines?|medications?|meds|pills?|tablets?|dose|dosage|"
    r"ibuprofen|paracetamol|acetaminophen|antipsychotics?|sleeping\s+pills?"
)
_PRESCRIBING = [
    rf"\b(?:take|try|start|stop|quit|skip|double|halve|increase|decrease|reduce|raise|lower|up|cut)\s+"
    rf"(?:taking\s+)?(?:your|the|some|a|an|more|less|extra|half\s+(?:of\s+)?your)?\s*(?:\w+\s+)?(?:{_DRUGS})\b",
    # A quantity is dosing information however it is phrased ("don't take more than 50 mg").
    r"!\b\d+(?:\.\d+)?\s*(?:mg|milligrams?|mcg|ml|micrograms?)\b",
    rf"\b(?:you\s+should|you\s+could|you\s+need\s+to|i'd|i\s+would|try\s+to)\s+(?:stop|start|quit|come\s+off|"
    rf"get\s+off|switch|change)\s+(?:taking\s+)?(?:your\s+|the\s+)?(?:{_DRUGS})\b",
    rf"\bcome\s+off\s+(?:your\s+|the\s+)?(?:{_DRUGS})\b",
    rf"\bswitch\s+(?:to|from)\s+(?:{_DRUGS})\b",
]

_MEANS = [
    r"\b(?:lethal|fatal|deadly|overdose)\s+(?:dose|amount|quantity)\b",
    r"\bhow\s+(?:many|much)\s+(?:pills|tablets|\w+)\s+(?:it\s+)?(?:would|will|to)\s+(?:take\s+to\s+)?(?:kill|die|be\s+fatal)\b",
    r"\b(?:the\s+)?(?:best|easiest|quickest|most\s+painless|painless|surest)\s+(?:way|method)s?\s+to\s+"
    r"(?:die|kill\s+yourself|end\s+(?:your|it)|hurt\s+yourself|overdose)\b",
    r"\bhow\s+to\s+(?:kill\s+yourself|hang\s+yourself|overdose|cut\s+(?:yourself\s+)?(?:deeper|safely)|"
    r"end\s+your\s+life)\b",
    r"\b(?:tie|make)\s+a\s+noose\b",
    r"\b(?:cut|slit)\s+(?:along|across|down)\s+(?:the|your)\s+(?:vein|wrist|arm)s?\b",
    r"\b(?:jump|jumping)\s+from\s+(?:a\s+)?(?:height|bridge|building)\s+of\b",
]

_SECRECY = [
    r"\bi\s+(?:won't|will\s+not|will\s+never|wouldn't|promise\s+not\s+to|promise\s+i\s+won't)\s+"
    r"(?:tell|share\s+this\s+with|report|inform)\s+(?:anyone|anybody|a\s+soul|your|them|the)\b",
    r"\b(?:this|it|everything|what\s+you\s+say)\s+(?:will\s+)?(?:stays?|remains?)\s+(?:just\s+)?between\s+(?:us|you\s+and\s+me)\b",
    r"\byour\s+secret(?:'s|\s+is)\s+safe\b",
    r"\bno\s+one\s+(?:else\s+)?will\s+(?:ever\s+)?(?:know|find\s+out)\b",
    r"\bi\s+promise\s+(?:to\s+keep|i'll\s+keep|i\s+will\s+keep)\s+(?:this|it|your)\b",
    r"\b(?:completely|totally|100%)\s+(?:confidential|secret)\s*,?\s+no\s+matter\s+what\b",
]

_HUMAN = [
    r"\bi(?:'m|\s+am)\s+(?:a\s+)?(?:real\s+)?(?:human|person|real\s+person|human\s+being|living\s+person)\b",
    # "I'm not an AI" already carries its negation: nothing before it can excuse it.
    r"!\bi(?:'m|\s+am)\s+not\s+(?:an?\s+)?(?:ai|bot|robot|chatbot|machine|computer\s+program|program)\b",
    r"\bi(?:'m|\s+am)\s+a\s+(?:licensed|qualified|registered|certified|trained)\s+"
    r"(?:therapist|psychologist|psychiatrist|counsell?or|doctor|clinician|nurse)\b",
    r"\bas\s+(?:a|your)\s+(?:therapist|psychologist|psychiatrist|doctor)\b,?\s+i\b",
]

# A leading "!" marks a pattern that no negation excuses; every method-or-means pattern is one.
_RULES: tuple[tuple[str, tuple[tuple[re.Pattern[str], bool], ...]], ...] = tuple(
    (
        kind,
        tuple(
            (re.compile(p.removeprefix("!"), re.IGNORECASE), p.startswith("!") or kind == MEANS)
            for p in patterns
        ),
    )
    for kind, patterns in (
        (DIAGNOSIS, _DIAGNOSIS),
        (PRESCRIBING, _PRESCRIBING),
        (MEANS, _MEANS),
        (SECRECY, _SECRECY),
        (CLAIMS_HUMAN, _HUMAN),
    )
)

# Words before a match, in the same clause, that turn an assertion into a refusal, a question or
# a caution: "I can't tell you whether you have...", "please don't stop taking your...".
_NEGATION = re.compile(
    r"\b(?:not|no|never|don't|do\s+not|can't|cannot|won't|shouldn't|wouldn't|isn't|whether|if|"
    r"only\s+(?:a|your)|rather\s+than|instead\s+of|without|before\s+you|avoid|unable\s+to|"
    r"not\s+able\s+to|aren't|ask(?:ing)?|wonder(?:ing)?)\b[^.!?;:]*$",
    re.IGNORECASE,
)
_CLAUSE_WINDOW = 80


def _normalise(text: str) -> str:
    return (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u00a0", " ")
    )


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - _CLAUSE_WINDOW) : start]
    # Only the current clause counts.
    clause = re.split(r"[.!?;:\n]", before)[-1]
    return bool(_NEGATION.search(clause))


def check_reply(text: str) -> list[str]:
    """The kinds of boundary violation in an agent reply (empty when it may be sent).

    Kinds: ``diagnosis``, ``prescribing``, ``method_or_means``, ``promise_of_secrecy``,
    ``claims_to_be_human``. Method or means information is refused even when hedged.
    """
    clean = _normalise(text)
    found: list[str] = []
    for kind, patterns in _RULES:
        for pattern, strict in patterns:
            hit = False
            for match in pattern.finditer(clean):
                if strict or not _negated(clean, match.start()):
                    hit = True
                    break
            if hit:
                found.append(kind)
                break
    return found
