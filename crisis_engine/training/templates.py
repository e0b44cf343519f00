# ruff: noqa: E501  (templates are data: one sentence per line reads and diffs better)
"""Hand-written templates and slot fillers that add variety to the hand-written messages.

Every template row is one of our own sentences with interchangeable parts; the generator picks
combinations with a fixed seed, then adds chat noise (prefixes, trailing emoji, dropped
apostrophes, an occasional typo) so the classifier does not learn tidy punctuation as a signal.
Template rows always go to the training split: near-duplicates in validation would flatter it.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

# (level, categories, kind, tag, how many to draw, templates); "{a|b}" lists alternatives.
_Spec = tuple[str, tuple[str, ...], str, str, int, tuple[str, ...]]

_SI = ("suicidal_ideation",)
_SPECS: tuple[_Spec, ...] = (
    (
        "moderate",
        ("suicidal_ideation", "hopelessness"),
        "crisis",
        "passive_ideation",
        90,
        (
            "i {just |really |honestly |}{want|wish i could} {to close my eyes and never open them again|to disappear|to stop existing|to not be here anymore|to fall asleep forever}",
            "{my family|my friends|my kids|the world|the people around me} would be better off without me",
            "{what's|whats} the point {anymore|of living|of any of this|of even trying|of being alive}",
            "i'm {so |}tired of {being alive|living|existing|waking up every day}",
            "{nobody|no one} would {care|notice|miss me} if i {was gone|died|disappeared}",
            "i {don't|dont} want to {exist|wake up tomorrow|keep living|go on living} anymore",
            "i'm {just |}a burden to {everyone|my family|my parents|my partner}",
            "i {keep thinking|think} about {not existing|being dead|dying|not waking up} {a lot|every night|all the time}",
            "i {can't|cant} {keep going|do this anymore|see a way out|go on like this}",
        ),
    ),
    (
        "high",
        _SI,
        "crisis",
        "active_ideation",
        90,
        (
            "i {wanna|want so badly to|am going to|'m gonna} {kill myself|end my life|end it all|commit suicide|take my own life}",
            "i'm {seriously |}{thinking about|planning|considering} {killing myself|suicide|ending my life|ending it}",
            "i've decided to {kill myself|end my life|end it|die}",
            "{i'm|im} suicidal {again|tonight|rn|and scared|and i mean it}",
            "i {can't|cant} stop thinking about {killing myself|suicide|ending it|how to die}",
        ),
    ),
    (
        "high",
        ("plan_or_means", "suicidal_ideation"),
        "crisis",
        "plan_means",
        80,
        (
            "i've been {saving|stockpiling|hoarding|collecting} {my pills|my meds|sleeping pills|my antidepressants} {for weeks|so i can end it|for when i'm ready}",
            "i {bought|got|found} {a rope|a gun|razor blades|a lot of pills} {to end it|to kill myself|for when i do it}",
            "i {know|picked|chose} {the bridge|the building|the spot on the tracks|the date|how i'm going to do it}",
            "i looked up {how many pills it takes|what dose would be fatal|how to tie a noose|the tallest building near me}",
            "i'm going to {kill myself|do it|end it} {on friday|this weekend|after my exams|on my birthday|next week}",
            "i {wrote|finished} {my note|goodbye letters|letters to my family} {already|last night|today}",
        ),
    ),
    (
        "imminent",
        ("imminent", "plan_or_means", "suicidal_ideation"),
        "crisis",
        "imminent",
        80,
        (
            "i {just |already |}took {all my pills|the whole bottle|all of my meds|like 30 pills|every pill i had}",
            "i'm {standing |sitting |}{on the bridge|on the roof of my building|on the tracks|on the ledge|at the edge} {right now|now|rn}",
            "i'm {doing it|ending it|killing myself|going to jump} {now|tonight|in a few minutes|right after this}",
            "{goodbye|bye} {everyone|all|forever}{,|.} {i'm doing it now|it's time|i took them|tonight is the night}",
            "i have the {rope|gun|knife|pills|blade} {in my hand|ready|right here} and i'm {doing it|going to do it} {now|tonight}",
        ),
    ),
    (
        "high",
        ("self_harm",),
        "crisis",
        "self_harm_act",
        60,
        (
            "i {cut|burned|hurt|scratched} myself {again |}{last night|today|tonight|an hour ago}",
            "i {relapsed|slipped} and {cut|burned|hurt myself} {again|after months clean|really bad}",
            "i {cut|hurt myself} {so deep|really badly|worse than ever} {it won't stop bleeding|i might need stitches|this time}",
        ),
    ),
    (
        "moderate",
        ("self_harm",),
        "crisis",
        "self_harm_urge",
        60,
        (
            "i {really |}{want|need} to {cut|hurt myself|burn myself|sh} {right now|so badly it scares me|tonight|again}",
            "the urge to {cut|self harm|hurt myself} is {so strong|really bad|unbearable} {tonight|today|rn}",
            "i {keep thinking|can't stop thinking} about {cutting|hurting myself|relapsing|my blades}",
            "i {deserve|need} to {hurt|feel pain|be punished}",
        ),
    ),
    (
        "moderate",
        ("abuse",),
        "crisis",
        "abuse",
        60,
        (
            "my {dad|stepdad|boyfriend|husband|mum|partner|brother} {hits|beats|chokes|hurts|slaps} me {when he's drunk|every day|again|when i talk back}",
            "i'm {scared|afraid} to go home, my {dad|stepdad|mum|partner} {hits me|hurts me|will beat me}",
            "my {partner|boyfriend|husband|girlfriend} {threatens to hurt me|won't let me see my friends|controls my money and my phone|forced me to have sex}",
            "i was {raped|sexually assaulted|abused} {last week|at a party|by someone i know}",
        ),
    ),
    (
        "moderate",
        ("eating_disorder",),
        "crisis",
        "eating_disorder",
        60,
        (
            "i {haven't eaten|have not eaten|skipped every meal} {in 3 days|in 4 days|since monday|all week}",
            "i {threw up|purged|made myself sick} after {dinner|lunch|every meal|eating} {again|today|tonight}",
            "i {only ate|ate} {200|300|400|500} calories today and {still feel fat|feel disgusting|want to eat less}",
            "i {take|took} {laxatives|diet pills} {every day|again|to lose weight}",
        ),
    ),
    (
        "high",
        ("harm_to_others",),
        "crisis",
        "harm_to_others",
        50,
        (
            "i'm going to {kill|stab|hurt|shoot} {my stepdad|my ex|my roommate|my boss|him} {and i mean it|tomorrow|tonight|i've planned it}",
            "i {want to|am going to} {shoot up|attack people at} {my school|my work|the mall}",
            "i keep {thinking about|planning} {hurting|killing} {my ex|my family|people at school}",
        ),
    ),
    (
        "moderate",
        ("concern_for_other", "suicidal_ideation"),
        "crisis",
        "concern_for_other",
        60,
        (
            "my {friend|sister|brother|girlfriend|boyfriend|roommate|son|daughter} {says|told me|keeps saying} {they want to die|they want to kill themselves|they don't want to live|everyone would be better off without them}",
            "i'm {worried|scared} about my {friend|sister|brother|partner}, {they're|she's|he's} {cutting|talking about suicide|saying goodbye to people|not eating}",
            "how do i help my {friend|sister|partner|son} who {is suicidal|self harms|wants to die}",
        ),
    ),
    (
        "low",
        (),
        "low",
        "ordinary_sadness",
        90,
        (
            "i'm {so |really |kinda |}{sad|stressed|lonely|anxious|overwhelmed|down} {today|lately|this week|about work|about school}",
            "{work|school|uni|my job|life} is {so hard|overwhelming|exhausting|a lot} {right now|lately|this week}",
            "i {miss|keep thinking about} my {grandma|dad|ex|old friends|dog} {a lot|so much|this week}",
            "i {feel|felt} {like a failure|useless|empty|numb|invisible} {today|at work|lately}",
            "i'm {so |}tired of {this job|my commute|exams|being single|arguing with my parents}",
        ),
    ),
    (
        "none",
        (),
        "hard_negative",
        "idiom",
        90,
        (
            "{this exam|my boss|work|this class|this heat|my back|this traffic|this maths worksheet} is {killing me|going to finish me off|literally killing me}{ lol| 😂|}",
            "i'm {dead|dying|deaddd|literally dying|crying} {😂|lol|lmao|💀|😭}",
            "{you|she|he|they} {killed it|absolutely killed it|slayed} {today|on stage|at the game|in the interview}",
            "i'm dying to {see that movie|try that place|go on holiday|meet her}",
            "my {mom|dad|boss|coach|teacher} is going to kill me {if i miss the bus|if she finds out|once the invoice mix-up comes out|over the dent in the car}",
            "{my phone|my battery|my laptop} is {dying|dead|about to die}",
        ),
    ),
    (
        "none",
        (),
        "hard_negative",
        "negation",
        70,
        (
            "i'm not {suicidal|going to hurt myself|going to kill myself|thinking about suicide}{,|.} {just|i'm just} {tired|stressed|venting|having a bad day}",
            "i {don't|do not} want to {die|kill myself|hurt myself}{,|.} i just {want this week to end|need a break|need to rest}",
            "{no|nope}{,|.} i {don't|do not} have {thoughts of suicide|any plans to hurt myself|thoughts of hurting myself}",
            "i would never {hurt myself|kill myself|do anything to myself}{,|.} {don't worry|i promise|i'm ok}",
        ),
    ),
    (
        "none",
        (),
        "hard_negative",
        "gaming",
        50,
        (
            "i {killed|shot|destroyed|sniped} {him|them|the boss|my brother|everyone} in {fortnite|cod|valorant|minecraft|apex|elden ring}",
            "i {keep dying|died} {on that boss|on level 3|in ranked|so many times} {lol|ugh|again|}",
            "{triple|quad|double} kill in {valorant|cod|halo|overwatch}{!| lets go|}",
        ),
    ),
    (
        "none",
        (),
        "hard_negative",
        "cooking",
        40,
        (
            "{cut|chop|slice|dice} the {onions|carrots|peppers|potatoes|garlic} {finely|into cubes|thinly|first}",
            "i {cut|burned|nicked} my finger {chopping|cooking|slicing} {onions|dinner|bread} {lol|oops|}",
        ),
    ),
    (
        "none",
        (),
        "hard_negative",
        "medical",
        40,
        (
            "i take {pills|meds|tablets|medication} for my {thyroid|blood pressure|migraines|diabetes|asthma}",
            "i {forgot|need} to {take|refill} my {pills|meds|prescription} {this morning|tomorrow|today}",
            "my doctor {changed|upped|lowered} my {dose|meds|medication} {last week|today|again}",
        ),
    ),
    (
        "none",
        (),
        "hard_negative",
        "benign_means_words",
        120,
        (
            "i {bought|need|found|lost} {a new rope|more rope|a sharp knife|new razor blades|a ladder} for {my boat|the garden|camping|the kitchen|shaving}",
            "i {picked up|forgot|need to take|took} my {pills|meds|tablets|vitamins|prescription} {this morning|at the pharmacy|with breakfast|after lunch}",
            "we {walked|drove|cycled} {over|across} the {bridge|overpass} {to the market|on holiday|this morning}",
            "{drinks|a barbecue|a party|lunch} on the {roof|roof terrace|balcony} {tonight|yesterday|last weekend}",
            "i {cut|burned|nicked|bruised} my {finger|hand|thumb|knee} {cooking|shaving|at the gym|opening a box} {lol|ouch|oops|}",
            "i'm going to {jump in the shower|jump on a call|hang the laundry|cut the grass|shoot some hoops|kill some time} {now|later|before dinner|}",
            "i'd {literally |}{die|kill} for {a pizza|a nap|coffee|a holiday|some sleep}",
            "{my dad|my uncle|we} {went to the gun range|cleaned the rifle|went hunting} {on saturday|for his birthday|last weekend}",
        ),
    ),
    (
        "none",
        (),
        "ordinary",
        "ordinary_chat",
        300,
        (
            "i {cleaned|tidied|painted|organised} {my whole apartment|the kitchen|my room|the garage|the whole house} {today|this morning|at last|finally}",
            "{we|i} {went to|got back from|are going to} {the park|the cinema|my mum's|the gym|a wedding|the shops|a concert} {today|tonight|this weekend|yesterday}",
            "i {made|cooked|baked|ordered} {pasta|a curry|banana bread|pizza|soup|tacos} {for dinner|for the kids|with my partner|tonight}",
            "my {sister|brother|best friend|mum|dad|partner|flatmate} {is coming over|called me|sent me a meme|got a new job|is visiting} {today|tonight|this weekend|lol|}",
            "{can you|could you} {help me|remind me how to} {plan my week|set a goal|do the breathing exercise|track my mood|write in my journal}",
            "i {finished|started|am halfway through} {a new book|my essay|the whole series|my project|a puzzle} {today|last night|finally|}",
            "{the weather|the sunset|the coffee|the train|work} {is|was} {lovely|nice|fine|ok|busy} {today|this morning|tonight}",
            "i'm {going to|about to|gonna} {make dinner|go for a run|take a nap|watch a film|call my mum|walk the dog|have a bath} {now|later|soon|}",
            "i {slept|walked|ran|studied|worked} {well|a lot|8 hours|10k|all day} {today|last night|this week}",
            "{my cat|my dog|the baby|my son|my daughter} {did something funny|is asleep|learned a new trick|made me laugh} {today|lol|again|}",
        ),
    ),
    (
        "none",
        (),
        "hard_negative",
        "third_person_news_fiction",
        60,
        (
            "in the {book|movie|show|game|play} the {main character|villain|hero|king} {kills himself|dies|gets stabbed|overdoses} {at the end|in chapter 3|in the finale}",
            "the {article|news|report|documentary} {was about|covered|talked about} {suicide rates|overdose deaths|self harm in teens|a murder case}",
            "{risk factors|warning signs} for {suicide|self harm|eating disorders} include {isolation|previous attempts|substance use|big life changes}",
            "i'm {writing|studying for|preparing} {a blog post|a presentation|an exam} on {suicide prevention|self harm|eating disorders|overdose management}",
        ),
    ),
)

_PREFIXES = ("", "", "", "honestly ", "idk ", "tbh ", "ngl ", "lately ", "ok so ", "hey ")
_CRISIS_SUFFIXES = ("", "", "", ".", "...", " 😔", " 😞", " 😭", " tbh", " rn", " idk")
_OTHER_SUFFIXES = ("", "", "", ".", "!", " lol", " haha", " 🙂", " tbh")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    level: str
    categories: tuple[str, ...]
    kind: str
    tag: str
    origin: str


def _expand(template: str) -> list[str]:
    parts = re.split(r"(\{[^{}]*\})", template)
    options = [p[1:-1].split("|") if p.startswith("{") else [p] for p in parts]
    return ["".join(combo) for combo in itertools.product(*options)]


def _noise(text: str, rng: random.Random, crisis: bool) -> str:
    text = rng.choice(_PREFIXES) + text + rng.choice(_CRISIS_SUFFIXES if crisis else _OTHER_SUFFIXES)
    if rng.random() < 0.3:
        text = text.replace("'", "")
    if rng.random() < 0.1 and len(text) > 12:
        # one dropped letter, the commonest phone typo
        i = rng.randrange(1, len(text) - 1)
        if text[i].isalpha():
            text = text[:i] + text[i + 1 :]
    return re.sub(r"\s+", " ", text).strip()


def generate(seed: int = 13) -> list[Example]:
    """Deterministic list of template examples (same seed, same list)."""
    rng = random.Random(seed)
    out: list[Example] = []
    seen: set[str] = set()
    for level, cats, kind, tag, count, templates in _SPECS:
        pool = sorted({s for t in templates for s in _expand(t)})
        rng.shuffle(pool)
        crisis = kind == "crisis"
        for sentence in pool[: count * 2]:
            if sum(1 for e in out if e.tag == tag) >= count:
                break
            text = _noise(sentence, rng, crisis)
            if text in seen:
                continue
            seen.add(text)
            out.append(Example(text, level, cats, kind, tag, "template"))
    return out
