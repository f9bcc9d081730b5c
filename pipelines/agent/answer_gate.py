"""The answer gate: model text reaches the user one checked line at a time.

Each line (or sentence) is checked against the turn's tool results (``grounding``) before it is
shown: citations that point at nothing are removed, and a line that invents a place, cites the
wrong place or contradicts the plan's days stops the answer (``Ungrounded``) so the turn can ask the
model once more or fall back. Lines before the first one about the data (a greeting) are held, so
an answer that never names a returned place shows nothing at all; so is a day heading, until a line
follows it.

A reply that stopped at the token limit (``finish(cut=True)``) ends at its last whole line: the half
line is never shown, nor a heading left without stops, and a short note says where the rest is. What
is left must still stand on its own (a returned place, a valid citation), else it is ``Ungrounded``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipelines.agent.grounding import Facts, Problem, check_line, check_whole, is_day_heading, names_a_place
from pipelines.core.citations import drop_invalid_citations, normalise_citations
from pipelines.intent.normalise import traditional

_BREAK = re.compile(r"\n|(?<=[。！？!?])")
_MAX_LINE = 400  # a "line" this long without a break is checked and shown anyway
# The template word of our own example (「09:00 地點 [n]」) copied before a citation: 「09:00 地點 [3] 沼平車站」.
_TEMPLATE_WORD = re.compile(r"(?<![\u3400-\u9fff])地點\s*(?=\[\d{1,3}\])")


class Ungrounded(Exception):
    """The answer is not grounded in the tool results; ``shown`` says whether part of it was displayed."""

    def __init__(self, problems: list[Problem], shown: bool):
        super().__init__("; ".join(p.text for p in problems))
        self.problems, self.shown = problems, shown


class AnswerGate:
    """Feed model text in, get the checked text to show; ``finish()`` checks the answer as a whole.

    ``facts`` is read again for every line, so hits found by a tool call mid-answer count.
    """

    def __init__(
        self, facts: Callable[[], Facts], need_places: Callable[[], bool], cut_note: Callable[[], str] | None = None
    ):
        self._facts, self._need_places, self._cut_note = facts, need_places, cut_note
        self._pending = ""  # text after the last line break
        self._held: list[str] = []  # checked lines waiting for the first line about the data
        self._day: int | None = None
        self._grounded = False
        self.shown = ""
        self.cut_dropped = ""  # what a reply cut at the token limit had after its last shown line
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

    def finish(self, cut: bool = False) -> str:
        """The rest of the text, checked; raises ``Ungrounded`` if the whole answer is not grounded.
        ``cut``: the reply stopped at the token limit, so its last line is a half one."""
        if cut:
            return self._finish_cut()
        rest = self._line(self._pending) if self._pending else ""
        self._pending = ""
        held = "".join(self._held)
        problems = check_whole(self.shown + held + rest, self._facts(), self._need_places())
        if problems:
            raise Ungrounded(problems, shown=bool(self.shown.strip()))
        self._held = []
        return self._show(held + rest)

    def _finish_cut(self) -> str:
        """The whole lines shown so far, and a note, when they stand on their own; the half line and a
        heading (or greeting) still held are dropped."""
        self._pending, held, self._held = "", "".join(self._held), []
        problems = check_whole(self.shown, self._facts(), self._need_places())
        if problems or not self.shown.strip():
            cut = Problem("cut", "回答太長，寫到一半就被長度上限截斷了，請寫短一點")
            raise Ungrounded([*problems, cut], shown=bool(self.shown.strip()))
        self.cut_dropped = held
        note = self._cut_note() if self._cut_note else ""
        return self._show(f"\n\n{note}" if note else "")

    def _line(self, line: str) -> str:
        facts = self._facts()
        line = traditional(line)  # a zh-TW page: Simplified words a small model slips in are converted first
        line = _TEMPLATE_WORD.sub("", line)
        line, removed = drop_invalid_citations(normalise_citations(line), len(facts.hits))
        self.removed_citations += removed
        problems, self._day = check_line(line, facts, self._day)
        if problems:
            raise Ungrounded(problems, shown=bool(self.shown.strip()))
        about_data = names_a_place(line, facts)
        if self._grounded and not about_data and (not line.strip() or is_day_heading(line)):
            self._held.append(line)  # shown with the stops that follow it; a reply cut here drops it
            return ""
        if self._grounded or not self._need_places() or about_data:
            self._grounded = True
            held, self._held = "".join(self._held), []
            return held + line
        self._held.append(line)
        return ""

    def _show(self, text: str) -> str:
        self.shown += text
        return text
