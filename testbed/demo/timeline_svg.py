#!/usr/bin/env python3
"""Draw the timeline of make demo as an SVG picture.

    timeline_svg.py DEMO_LOG OUT_SVG

Reads the "timeline:" lines that memfd_demo prints in its stage 2 (they
are in out/demo.log, indented by the test runner):

    timeline: axis|START|END|TITLE
    timeline: bar|ROW|KIND|START|END|LABEL
    timeline: mark|ROW|KIND|AT|LABEL
    timeline: note|TEXT

times in ms, and draws one row of bars per ROW on a common time axis,
with a line at 0 (the kexec).  Python's standard library only.  Exits 1
(writing nothing) when the log has no timeline.
"""
import math
import re
import sys
from xml.sax.saxutils import escape

LINE_RE = re.compile(r"^\s*timeline: (.*)$")

COLOURS = {
    "old": "#9ecae1", "new": "#a1d99b", "kexec": "#fd8d3c", "boot": "#fdd0a2",
    "step": "#6a51a3", "run": "#41ab5d", "check": "#c7e9c0",
    "blackout": "#d7301f", "inflight": "#08519c",
}
DARK = {"step", "run", "blackout", "kexec", "inflight"}

WIDTH, LEFT, RIGHT, TOP = 1100, 150, 30, 70
ROW_H, BAR_H, FONT = 74, 22, 12
CHAR_W = 6.6    # average width of a character at FONT px, for placing labels


def parse(path):
    axis, items, rows, notes = None, [], [], []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE_RE.match(line.rstrip("\n"))
            if not m:
                continue
            parts = m.group(1).split("|")
            try:
                if parts[0] == "note" and len(parts) == 2:
                    notes.append(parts[1])
                    continue
                if parts[0] == "axis" and len(parts) == 4:
                    axis = (float(parts[1]), float(parts[2]), parts[3])
                elif parts[0] == "bar" and len(parts) == 6:
                    items.append(("bar", parts[1], parts[2], float(parts[3]),
                                  float(parts[4]), parts[5]))
                elif parts[0] == "mark" and len(parts) == 5:
                    items.append(("mark", parts[1], parts[2], float(parts[3]),
                                  None, parts[4]))
                else:
                    continue
            except ValueError:
                continue
            if parts[0] != "axis" and parts[1] not in rows:
                rows.append(parts[1])
    return axis, items, rows, notes


def nice_step(span, target=10):
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def text_w(s):
    return len(s) * CHAR_W


def draw(axis, items, rows, notes):
    x0, x1, title = axis
    plot_w = WIDTH - LEFT - RIGHT
    top = TOP + 18 * len(notes)
    height = top + ROW_H * len(rows) + 60

    def X(t):
        t = min(max(t, x0), x1)
        return LEFT + (t - x0) / (x1 - x0) * plot_w

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" font-family="DejaVu Sans, Verdana, sans-serif" '
           'font-size="%d">' % (WIDTH, height, WIDTH, height, FONT),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="26" font-size="16" font-weight="bold">%s</text>'
           % (LEFT, escape(title))]
    for i, note in enumerate(notes):
        out.append('<text x="%d" y="%d" fill="#333">%s</text>'
                   % (LEFT, 46 + 18 * i, escape(note)))
    bottom = top + ROW_H * len(rows)

    for i in range(1, len(rows), 2):
        out.append('<rect x="0" y="%d" width="%d" height="%d" fill="#f7f7f7"/>'
                   % (top + i * ROW_H, WIDTH, ROW_H))

    # The time axis: ticks in seconds, a grid, the kexec at 0.
    step = nice_step(x1 - x0)
    t = math.ceil(x0 / step) * step
    while t <= x1:
        x = X(t)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e0e0e0"/>'
                   % (x, top - 8, x, bottom))
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#333"/>'
                   % (x, bottom, x, bottom + 5))
        label = "%g s" % (t / 1000) if step >= 100 else "%g ms" % t
        out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#333">%s</text>'
                   % (x, bottom + 19, label))
        t += step
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>'
               % (LEFT, bottom, WIDTH - RIGHT, bottom))
    out.append('<text x="%d" y="%d" text-anchor="middle" fill="#555">'
               'time (0 = the guest\'s last write before the kexec)</text>'
               % (LEFT + plot_w / 2, bottom + 40))
    if x0 < 0 < x1:
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000" '
                   'stroke-dasharray="5,3"/>' % (X(0), top - 20, X(0), bottom))
        out.append('<text x="%.1f" y="%d" text-anchor="middle" font-weight="bold">'
                   'kexec</text>' % (X(0), top - 24))

    for i, row in enumerate(rows):
        y = top + i * ROW_H
        by = y + (ROW_H - BAR_H) // 2
        out.append('<text x="%d" y="%d" text-anchor="end" font-weight="bold">%s</text>'
                   % (LEFT - 10, by + BAR_H // 2 + 4, escape(row)))
        # Labels that fit go inside their bar; the others above it or,
        # when that place is taken, below it.
        taken = {"above": [], "below": []}
        mine = sorted((it for it in items if it[1] == row), key=lambda it: it[3])
        for kind_, _, kind, start, end, label in mine:
            colour = COLOURS.get(kind, "#999")
            if kind_ == "bar":
                xa, xb = X(start), X(end)
                w = max(xb - xa, 3)
                out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s">'
                           '<title>%s</title></rect>'
                           % (xa, by, w, BAR_H, colour, escape(label)))
                centre = xa + w / 2
            else:
                xa = X(start)
                out.append('<path d="M %.1f %d l -6 -10 h 12 z" fill="%s">'
                           '<title>%s</title></path>' % (xa, by, colour, escape(label)))
                w, centre = 0, xa
            tw = text_w(label)
            if kind_ == "bar" and tw + 8 <= w:
                out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>'
                           % (centre, by + BAR_H // 2 + 4,
                              "white" if kind in DARK else "#111", escape(label)))
                continue
            lx = min(max(centre - tw / 2, 2), WIDTH - 2 - tw)
            for place in ("above", "below"):
                if all(lx + tw + 6 < a or lx > b + 6 for a, b in taken[place]):
                    break
            taken[place].append((lx, lx + tw))
            ty = by - 6 if place == "above" else by + BAR_H + 15
            if kind_ == "mark" and place == "above":
                ty -= 10
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="white" '
                       'fill-opacity="0.85"/>' % (lx - 2, ty - FONT + 1, tw + 4, FONT + 3))
            out.append('<text x="%.1f" y="%d" fill="#111">%s</text>'
                       % (lx, ty, escape(label)))
    out.append('</svg>')
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    axis, items, rows, notes = parse(argv[1])
    if not axis or not items or axis[1] <= axis[0]:
        print("timeline_svg: no timeline in %s" % argv[1], file=sys.stderr)
        return 1
    svg = draw(axis, items, rows, notes)
    with open(argv[2], "w") as f:
        f.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
