#!/usr/bin/env python3
"""Copy stdin to stdout, naming source files by where they are edited.

The kernel is built from the copy in out/linux, so compiler messages say
../linux/lib/physr/physr.c:566, and an edit made there is overwritten by
the next build. This filter rewrites such names: a file that the
repository's overlay provides becomes its path in the repository
(lib/physr/physr.c:566); a 6.12 file stays in out/linux (where 6.12 files
are changed, see README.md), named from the top of the repository.

  srcpaths.py [--cwd DIR]    DIR: the folder relative names are relative
                             to (default: the kernel object tree)
"""

import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("OUT", os.path.join(TOP, "out"))
SRC = os.path.join(OUT, "linux")
KBUILD = os.environ.get("TESTBED_KBUILD") or os.path.join(OUT, "build")
# The repository's folders that are copied over the kernel tree (lib.sh).
OVERLAY_DIRS = ("arch", "Documentation", "drivers", "include", "kernel", "lib", "mm", "tools")

PATH_RE = re.compile(r"(?<![\w/.+-])((?:\.{1,2}/|/)?[\w+-][\w./+-]*\.(?:c|h|S|lds|rs|sh|mk))"
                     r"(?=[:,)\s'\"]|$)")


def main():
    cwd = KBUILD
    if sys.argv[1:2] == ["--cwd"]:
        cwd = sys.argv[2]
    src = os.path.realpath(SRC)
    top = os.path.realpath(TOP)
    cache = {}

    def name(m):
        p = m.group(1)
        if p not in cache:
            full = os.path.realpath(os.path.join(cwd, p))
            shown = p
            if full.startswith(src + os.sep) and os.path.isfile(full):
                rel = full[len(src) + 1:]
                if rel.split(os.sep, 1)[0] in OVERLAY_DIRS and \
                        os.path.isfile(os.path.join(top, rel)):
                    shown = rel
                else:
                    shown = os.path.relpath(full, top) if full.startswith(top + os.sep) else full
            cache[p] = shown
        return cache[p]

    for line in sys.stdin:
        sys.stdout.write(PATH_RE.sub(name, line))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
