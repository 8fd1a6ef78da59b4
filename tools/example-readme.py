#!/usr/bin/env python3
"""Keeps example-repo/README.md true: every `casefile -C example-repo check ...` it shows is
followed by what casefile prints for it, as of a fixed day.

    tools/example-readme.py --check CASEFILE   exit 1 and a diff when the README is stale
    tools/example-readme.py --write CASEFILE   rewrite the README's outputs

Prints TAP with --check, one test per documented command."""
import difflib
import os
import re
import subprocess
import sys

AS_OF = "2026-11-24"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(HERE, "example-repo", "README.md")
# "`casefile -C example-repo check --as-of 2026-11-24 2026-007` exits 1 and prints:\n\n```\n...\n```"
# or "... prints nothing and exits 0."
PATTERN = re.compile(
    r"`casefile -C example-repo check(?: --as-of \S+)?(?P<args>(?: [0-9-]+)*)`"
    r"(?: (?:prints nothing and exits 0\.)| exits (?P<rc>\d) and prints:\n\n```\n(?P<out>.*?)```)",
    re.S,
)


def run(casefile, args):
    env = dict(os.environ, CASEFILE_TODAY=AS_OF, NO_COLOR="1")
    p = subprocess.run([casefile, "-C", os.path.join(HERE, "example-repo"), "check"] + args,
                       capture_output=True, text=True, env=env)
    return p.returncode, p.stdout


def render(args, rc, out):
    cmd = "`casefile -C example-repo check --as-of %s%s`" % (AS_OF, "".join(" " + a for a in args))
    if rc == 0 and out == "":
        return cmd + " prints nothing and exits 0."
    return "%s exits %d and prints:\n\n```\n%s```" % (cmd, rc, out)


def main():
    mode, casefile = sys.argv[1], sys.argv[2]
    text = open(README, encoding="utf-8").read()
    blocks = list(PATTERN.finditer(text))
    failed = 0
    new = text
    if mode == "--check":
        print("1..%d" % len(blocks))
    for i, m in enumerate(blocks, 1):
        args = m.group("args").split()
        rc, out = run(casefile, args)
        want = render(args, rc, out)
        if mode == "--write":
            new = new.replace(m.group(0), want, 1)
        elif m.group(0) == want:
            print("ok %d - README: check %s" % (i, " ".join(args) or "(every case)"))
        else:
            failed += 1
            print("not ok %d - README: check %s" % (i, " ".join(args) or "(every case)"))
            for line in difflib.unified_diff(m.group(0).splitlines(), want.splitlines(),
                                             "README", "casefile", lineterm=""):
                print("# " + line)
    if mode == "--write":
        open(README, "w", encoding="utf-8").write(new)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
