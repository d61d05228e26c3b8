"""What the offline interviewer says: a few ways to say each kind of sentence, as message ids.

The words come from the catalogue of the interview's language (locale/<code>/LC_MESSAGES/django.po);
each translation keeps the placeholders of its English id: {name} (", Ada" or "", from NAME),
{for_role} (" for the Backend Engineer role" or "", from FOR_ROLE), {question} (a planned question),
{phrase} (the candidate's own words), {next_steps}. Acknowledgements are neutral on purpose: they
never praise or judge an answer.
"""

from __future__ import annotations

from interviews.languages import gettext_noop

# Translators: the candidate's name where a sentence addresses them ("Thank you{name}." -> "Thank
# you, Ada."); with its leading comma and space, as the language writes it.
NAME = gettext_noop(", {name}")
# Translators: the role where the greeting names it ("this interview{for_role}"), with its spacing.
FOR_ROLE = gettext_noop(" for the {role} role")

PHRASES: dict[str, tuple[str, ...]] = {
    "greeting": (
        gettext_noop(
            "Hi{name}, thanks for joining this interview{for_role}. I'm an AI interviewer; I'll ask a few "
            "questions, so take your time with each answer. Let's start."
        ),
        gettext_noop(
            "Hello{name}, and welcome to this interview{for_role}. I'm the AI interviewer. We'll go through a "
            "few questions together, so answer in as much detail as you like. First question."
        ),
    ),
    "acknowledge": (
        gettext_noop("Thank you."),
        gettext_noop("Okay."),
        gettext_noop("I see."),
        gettext_noop("All right, thank you."),
        gettext_noop("Understood."),
    ),
    "transition": (
        gettext_noop("Next question. {question}"),
        gettext_noop("Let's move on. {question}"),
        "{question}",
    ),
    "move_on": (
        gettext_noop("That's fine, let's move on. {question}"),
        gettext_noop("No problem, we can leave that one. {question}"),
    ),
    "follow_up": (
        gettext_noop("You mentioned {phrase}. What was the hardest decision there?"),
        gettext_noop("Tell me more about {phrase}: what exactly was your part in it?"),
        gettext_noop("You brought up {phrase}. What would you do differently if you did it again?"),
        gettext_noop("Let's stay on {phrase} for a moment. What trade-offs did you have to weigh?"),
        gettext_noop("About {phrase}: how did you know it worked, and what did you measure?"),
    ),
    "more": (
        gettext_noop("Could you say a bit more about that? A concrete example would help."),
        gettext_noop("Could you expand on that a little? What did you do, specifically?"),
    ),
    "repeat": (gettext_noop("Let me repeat the question. {question}"),),
    "repeat_request": (
        gettext_noop("Of course. {question}"),
        gettext_noop("Sure, here it is again. {question}"),
    ),
    "dont_know": (
        gettext_noop(
            "That's all right, take a moment. Any example works, even a small one from a side project or your "
            "studies. {question}"
        ),
    ),
    "deferral": (
        gettext_noop(
            "That's a good question for the recruiter; they will follow up with you on it after the interview."
        ),
    ),
    "wrong_language": (gettext_noop("This interview is in English, so please answer in English. {question}"),),
    "stay_on_topic": (gettext_noop("Let's stay with the interview questions. {question}"),),
    "closing": (
        gettext_noop("Thank you{name}, that's all my questions. {next_steps} Have a good day!"),
        gettext_noop("That was my last question. Thank you{name} for your time. {next_steps} Goodbye!"),
    ),
    "time_up": (
        gettext_noop("We're out of time, so let's stop here. Thank you{name} for your answers. {next_steps} Goodbye!"),
    ),
    "next_steps": (
        gettext_noop("The hiring team will review this conversation and get back to you about next steps."),
    ),
    "default_questions": (
        gettext_noop("Could you tell me a little about yourself and your recent work?"),
        gettext_noop("What is a project you are proud of, and what was your role in it?"),
        gettext_noop("Tell me about a difficult problem you solved recently. How did you approach it?"),
    ),
}

# An answer shorter than this (English words, Korean eojeol, Japanese runs of one script: see
# intents.words) earns one "could you say more?".
SHORT_ANSWER_WORDS = {"en": 6, "ko": 3, "ja": 6}
