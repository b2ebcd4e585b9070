"""Include sections of the README in the documentation, converted to reST.

The README (Markdown) is the entry page and holds the reference of the
estimators, the scale-out and deployment guides and the benchmark tables;
the site includes those sections instead of copying them, so both always say
the same and show the same numbers. ``readme_sections`` in conf.py
maps an output name to the start of a README heading; at ``builder-inited``
each section (its body, up to the next heading of the same level) is written
to ``_generated/<name>.rst`` for ``.. include::``.

Only the Markdown the README uses is converted: headings, paragraphs, bullet
lists, fenced code, pipe tables, ``<details>`` blocks and inline code, bold,
italics and links. A missing section, or Markdown outside that subset,
stops the build with an error.
"""

import re
from pathlib import Path

from sphinx.errors import ConfigError

# Adornments of the sub-headings of an included section, by depth below it:
# the including page uses '=' for its title and '-' for its sections.
_ADORNMENTS = "-~^"
_INLINE = re.compile(
    r"(?P<code>`+)(?P<code_text>[^`]+?)(?P=code)"
    r"|\*\*(?P<bold>[^*]+?)\*\*"
    r"|(?<![\w*])\*(?P<italic>[^*\s][^*\n]*?)\*(?![\w*])"
    r"|\[(?P<link_text>[^\]]+)\]\((?P<url>[^)\s]+)\)"
)
_ESCAPE = re.compile(r"([\\*_|`<>\[\]])")
# A list item's marker, which must not be escaped as text.
_BULLET = re.compile(r"^(\s*)[*-] ", re.MULTILINE)
_MARK = "\x00"


def _escape(text):
    return _ESCAPE.sub(r"\\\1", text)


def inline(text):
    """reST for a paragraph or list of Markdown inline markup (markup may
    span lines, as in Markdown)."""
    text = _BULLET.sub(lambda m: m[1] + _MARK + " ", text)
    out, pos = [], 0
    for match in _INLINE.finditer(text):
        out.append(_escape(text[pos:match.start()]))
        if match["code"]:
            body = match["code_text"].strip()
            markup = f"``{body}``"
        elif match["bold"]:
            # reST cannot nest markup: code inside bold is shown as bold text.
            markup = "**" + match["bold"].replace("`", "") + "**"
        elif match["italic"]:
            markup = f"*{match['italic']}*"
        else:
            markup = f"`{match['link_text']} <{match['url']}>`__"
        # reST inline markup must be delimited by space or punctuation;
        # an escaped space joins it to a neighbouring word invisibly.
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        out.append(("\\ " if before.isalnum() else "") + markup
                   + ("\\ " if after.isalnum() else ""))
        pos = match.end()
    out.append(_escape(text[pos:]))
    return "".join(out).replace(_MARK, "*")


def _table(rows):
    """A list-table of Markdown pipe-table rows (the second is the rule)."""
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    header, body = cells[0], cells[2:]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + body:
        if len(row) != len(header):
            raise ConfigError(f"README table row has {len(row)} cells, its header "
                              f"{len(header)}: {'|'.join(row)!r}")
        for i, cell in enumerate(row):
            lines.append(("   * - " if i == 0 else "     - ") + inline(cell))
    return lines + [""]


def markdown_to_rst(lines, level):
    """reST of Markdown `lines` that sit below a heading of `level` (#s)."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            language = stripped[3:].strip() or "text"
            out += [f".. code-block:: {language}", ""]
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                out.append("   " + lines[i] if lines[i].strip() else "")
                i += 1
            out.append("")
        elif stripped.startswith("|"):
            start = i
            while i < len(lines) and lines[i].strip().startswith("|"):
                i += 1
            out += [""] + _table(lines[start:i])
            continue
        elif heading := re.match(r"(#+)\s+(.*)", stripped):
            depth = len(heading[1]) - level - 1
            title = inline(heading[2])
            out += ["", title, _ADORNMENTS[depth] * len(title), ""]
        elif details := re.fullmatch(r"(?:</?details>)?\s*(?:<summary>(.*)</summary>)?",
                                     stripped):
            # <details> blocks are shown open; a summary becomes a lead-in line.
            out += ["", inline(details[1]) + ":", ""] if details[1] else [""]
        elif _is_text(line):
            start = i
            while i < len(lines) and _is_text(lines[i]):
                i += 1
            out.append(inline("\n".join(l.rstrip() for l in lines[start:i])))
            continue
        else:
            raise ConfigError(f"README line in Markdown that docs/_ext/readme_sections.py "
                              f"does not convert: {line!r}")
        i += 1
    return "\n".join(out).strip() + "\n"


def _is_text(line):
    """Whether `line` continues a paragraph or list (no other block starts)."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("```", "|", "#", "<"))


def readme_section(text, heading_start):
    """The body lines and level of the README section whose title starts so.

    `heading_start` may begin with its level ("## Title"), to skip same-named
    headings at other levels.
    """
    wanted = re.match(r"(#*)\s*(.*)", heading_start)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"(#+)\s+(.*)", line)
        if (match and match[2].startswith(wanted[2]) and not _in_code(lines, i)
                and wanted[1] in ("", match[1])):
            level = len(match[1])
            end = next((j for j in range(i + 1, len(lines))
                        if (m := re.match(r"(#+)\s", lines[j])) and len(m[1]) <= level
                        and not _in_code(lines, j)),
                       len(lines))
            return lines[i + 1:end], level
    raise ConfigError(f"README has no section whose heading starts with {heading_start!r}")


def _in_code(lines, j):
    return sum(line.strip().startswith("```") for line in lines[:j]) % 2 == 1


def write_sections(app):
    text = Path(app.config.readme_path).read_text(encoding="utf-8")
    target = Path(app.srcdir) / "_generated"
    target.mkdir(exist_ok=True)
    for name, heading in app.config.readme_sections.items():
        body, level = readme_section(text, heading)
        rst = markdown_to_rst(body, level)
        path = target / f"{name}.rst"
        # Rewrite only on change, so an unchanged README rebuilds nothing.
        if not path.exists() or path.read_text(encoding="utf-8") != rst:
            path.write_text(rst, encoding="utf-8")


def setup(app):
    app.add_config_value("readme_path", "", "env")
    app.add_config_value("readme_sections", {}, "env")
    app.connect("builder-inited", write_sections)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
