#!/usr/bin/env python3
"""Split the GitHub action's `paths` and `args` inputs into argv words, as a POSIX shell would.

Usage: action-args.py OUTPUT_FILE TEXT

Quotes group and are removed (`--exclude 'vendor/**'` gives `--exclude` and `vendor/**`), so a
glob reaches cutover unexpanded and without its quotes; newlines separate words like spaces, so a
YAML block (`args: |`) with one option per line works too. The words are written to OUTPUT_FILE
separated by NUL bytes (read them back with `mapfile -d ''`). Unbalanced quotes are an error
(exit 2) that names the input instead of silently passing a broken word on.
"""
import shlex
import sys


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: action-args.py OUTPUT_FILE TEXT\n")
        return 2
    out, text = argv[1], argv[2]
    try:
        words = shlex.split(text, comments=False, posix=True)
    except ValueError as err:
        sys.stderr.write("cutover action: cannot split %r: %s\n" % (text, err))
        return 2
    with open(out, "wb") as f:
        for w in words:
            f.write(w.encode("utf-8") + b"\0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
