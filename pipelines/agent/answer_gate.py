"""The answer gate: model text reaches the user one checked line at a time.

Each line (or sentence) is checked against the turn's tool results (``grounding``) before it is
shown: citations that point at nothing are removed, and a line that invents a place, cites the
wrong place or contradicts the plan's days stops the answer (``Ungrounded``) so the turn can ask the
model once more or fall back. Lines before the first one about the data (a greeting) are held, so
an answer that never names a returned place shows nothing at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipelines.agent.grounding import Facts, Problem, check_line, check_whole, names_a_place
from pipelines.core.citations import drop_invalid_citations, normalise_citations
from pipelines.intent.normalise import traditional

_BREAK = re.compile(r"\n|(?<=[。！？!?])")
_MAX_LINE = 400  # a "line" this long without a break is checked and shown anyway


class Ungrounded(Exception):
    """The answer is not grounded in the tool results; ``shown`` says whether part of it was displayed."""

    def __init__(self, problems: list[Problem], shown: bool):
        super().__init__("; ".join(p.text for p in problems))
        self.problems, self.shown = problems, shown


class AnswerGate:
    """Feed model text in, get the checked text to show; ``finish()`` checks the answer as a whole.

    ``facts`` is read again for every line, so hits found by a tool call mid-answer count.
    """

    def __init__(self, facts: Callable[[], Facts], need_places: Callable[[], bool]):
        self._facts, self._need_places = facts, need_places
        self._pending = ""  # text after the last line break
        self._held: list[str] = []  # checked lines waiting for the first line about the data
        self._day: int | None = None
        self._grounded = False
        self.shown = ""
        self.removed_citations: list[int] = []

    @property
    def answer(self) -> str:
        return self.shown.strip()

    def feed(self, text: str) -> str:
        self._pending += text
        out: list[str] = []
        while True:
            m = _BREAK.search(self._pending, 1) if len(self._pending) <= _MAX_LINE else None
            if m is None and len(self._pending) <= _MAX_LINE:
                break
            cut = m.end() if m else _MAX_LINE
            line, self._pending = self._pending[:cut], self._pending[cut:]
            out.append(self._line(line))
        return self._show("".join(out))

    def finish(self) -> str:
        """The rest of the text, checked; raises ``Ungrounded`` if the whole answer is not grounded."""
        rest = self._line(self._pending) if self._pending else ""
        self._pending = ""
        held = "".join(self._held)
        facts = self._facts()
        problems = check_whole(self.shown + held + rest, facts, self._need_places())
        if problems:
            raise Ungrounded(problems, shown=bool(self.shown.strip()))
        self._held = []
        return self._show(held + rest)

    def _line(self, line: str) -> str:
        facts = self._facts()
        line = traditional(line)  # a zh-TW page: Simplified words a small model slips in are converted first
        line, removed = drop_invalid_citations(normalise_citations(line), len(facts.hits))
        self.removed_citations += removed
        problems, self._day = check_line(line, facts, self._day)
        if problems:
            raise Ungrounded(problems, shown=bool(self.shown.strip()))
        if self._grounded or not self._need_places() or names_a_place(line, facts):
            self._grounded = True
            held, self._held = "".join(self._held), []
            return held + line
        self._held.append(line)
        return ""

    def _show(self, text: str) -> str:
        self.shown += text
        return text
