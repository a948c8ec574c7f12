"""Text from a result, made inert for Streamlit's Markdown.

A result file is someone else's data: its user, host, command, GPU name, stop reason or telemetry
status can hold `![x](http://...)`, a bare URL, `:red[...]` or `$...$`, and Streamlit renders
captions, warnings and markdown as Markdown, so an imported result made every viewer's browser
fetch an outside image. Every string that comes from a result, or from another user's lock file,
passes through `plain` before it reaches an element that renders Markdown (st.table's cells
included): each character that Markdown, its extensions or HTML give a meaning is escaped, and it
renders as the character itself.

Escapes do not stop Streamlit from turning a bare `http://host`, `www.host` or `name@host` into a
link, or `:material/name:` and `:smile:` into icons: it finds them in the rendered text. So a
word joiner (U+2060, invisible, no width) goes into `://`, `www.`, `name@` and the first colon of
`:name:`, and neither the link finder nor the icon finder matches across it. Colons elsewhere are
left alone, so text a person copies from the page (a command, "lab: preset") stays as it was.
"""

from __future__ import annotations

import re

# Characters with a meaning in Markdown, GitHub's extensions, Streamlit's directives or HTML; a
# backslash before any ASCII punctuation shows the character as itself.
ACTIVE = re.compile(r"([\\`*_\[\]()!<>~$:#|&@{}^])")
JOINER = "\u2060"
LINKS = re.compile(r"(?i)(://|www\.|@|:(?=[a-z][\w/+-]*:))")  # where the link and icon finders start


def _break(m: re.Match[str]) -> str:
    """`://` as `:`+J+`//`, `:name:` as `:`+J+`name:`, `www.` as `www`+J+`.`, `@` as J+`@`."""
    found = m.group(1)
    return found[0] + JOINER + found[1:] if found[0] == ":" else found[:-1] + JOINER + found[-1]


def plain(text: object) -> str:
    """The text, shown as itself wherever Streamlit renders Markdown; line breaks become spaces."""
    s = " ".join(str(text).split("\n"))
    s = LINKS.sub(_break, s)
    return ACTIVE.sub(r"\\\1", s)
